/* Global descriptor table and task-state segment. */
#ifndef LWCOS_ARCH_GDT_H
#define LWCOS_ARCH_GDT_H

#include <stdint.h>

/* Interrupt stack table slots (1-based, as IDT gates name them). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI          2
#define IST_MACHINE_CHECK 3
#define IST_COUNT        3

/* 64-bit TSS (Intel SDM vol. 3A, figure 8-11). */
struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];            /* stack loaded on entry from ring 3 to ring 0..2 */
    uint64_t reserved1;
    uint64_t ist[7];            /* ist[0] is IST slot 1 */
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "TSS must be 104 bytes");

/* Load the kernel's GDT and TSS, replacing the boot GDT. */
void gdt_init(void);

/* Set the stack the CPU switches to on an interrupt from user mode. */
void tss_set_kernel_stack(uint64_t rsp0);

/* [base, top) of each IST stack, for the backtrace's stack-bounds check. */
void ist_stack_bounds(unsigned slot, uint64_t *base, uint64_t *top);

#endif
