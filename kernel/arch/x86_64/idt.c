#include "arch/x86_64/asm_consts.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"

/* 64-bit IDT gate descriptor (Intel SDM vol. 3A, figure 6-8). */
struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;                /* bits 0..2: IST slot, 0 = no stack switch */
    uint8_t type_attr;          /* P, DPL, 0, type */
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate must be 16 bytes");

#define GATE_INTERRUPT 0x8e     /* present, DPL 0, 64-bit interrupt gate (IF cleared) */
#define GATE_INTERRUPT_USER 0xee    /* the same with DPL 3: int3 and into from ring 3 */

extern const uint64_t trap_stub_table[VEC_COUNT];

static struct idt_gate idt[VEC_COUNT] __attribute__((aligned(16)));

static void idt_set_gate(unsigned vector, uint64_t handler, unsigned ist)
{
    idt[vector] = (struct idt_gate){
        .offset_low = (uint16_t)handler,
        .selector = GDT_KERNEL_CODE,
        .ist = (uint8_t)ist,
        .type_attr = GATE_INTERRUPT,
        .offset_mid = (uint16_t)(handler >> 16),
        .offset_high = (uint32_t)(handler >> 32),
        .reserved = 0,
    };
}

void idt_init(void)
{
    for (unsigned v = 0; v < VEC_COUNT; v++)
        idt_set_gate(v, trap_stub_table[v], 0);

    /* These can arrive on a broken kernel stack: give them their own. */
    idt_set_gate(VEC_DOUBLE_FAULT, trap_stub_table[VEC_DOUBLE_FAULT], IST_DOUBLE_FAULT);
    idt_set_gate(VEC_NMI, trap_stub_table[VEC_NMI], IST_NMI);
    idt_set_gate(VEC_MACHINE_CHECK, trap_stub_table[VEC_MACHINE_CHECK], IST_MACHINE_CHECK);

    /* int3 and into are instructions a user program may execute: with DPL 0
     * they would raise #GP instead of #BP and #OF. */
    idt[VEC_BREAKPOINT].type_attr = GATE_INTERRUPT_USER;
    idt[VEC_OVERFLOW].type_attr = GATE_INTERRUPT_USER;

    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) ptr = { .limit = sizeof(idt) - 1, .base = (uint64_t)idt };
    __asm__ volatile("lidt %0" : : "m"(ptr));
}
