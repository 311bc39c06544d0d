#include "arch/x86_64/gdt.h"

#include "arch/x86_64/asm_consts.h"
#include "lib/string.h"

/*
 * Segment descriptor bits (Intel SDM vol. 3A, section 3.4.5). In long mode
 * base and limit are ignored for code and data; what matters is:
 *
 *   63      55 54 53 52     47 46-45 44 43-40
 *   base    G  D  L  AVL    P  DPL   S  type
 */
#define SEG_TYPE_DATA_RW  (0x2ull << 40)
#define SEG_TYPE_CODE_RX  (0xaull << 40)
#define SEG_S             (1ull << 44)      /* code or data, not a system segment */
#define SEG_DPL3          (3ull << 45)
#define SEG_P             (1ull << 47)
#define SEG_L             (1ull << 53)      /* 64-bit code */
#define SEG_D             (1ull << 54)      /* 32-bit default operand size */
#define SEG_G             (1ull << 55)
#define SEG_LIMIT_MAX     (0xffffull | (0xfull << 48))

#define SEG_TSS_AVAILABLE (0x9ull << 40)

#define GDT_ENTRIES 8       /* null, 5 segments, 16-byte TSS descriptor */

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
static struct tss tss __attribute__((aligned(16)));
static uint8_t ist_stacks[IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(16)));

struct gdt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

_Static_assert(GDT_TSS / 8 + 2 == GDT_ENTRIES, "TSS descriptor must be the last GDT entry");

void gdt_init(void)
{
    const uint64_t code = SEG_P | SEG_S | SEG_TYPE_CODE_RX | SEG_LIMIT_MAX | SEG_G;
    const uint64_t data = SEG_P | SEG_S | SEG_TYPE_DATA_RW | SEG_LIMIT_MAX | SEG_G | SEG_D;

    gdt[0] = 0;
    gdt[GDT_KERNEL_CODE / 8] = code | SEG_L;
    gdt[GDT_KERNEL_DATA / 8] = data;
    gdt[GDT_USER_CODE32 / 8] = code | SEG_D | SEG_DPL3;
    gdt[GDT_USER_DATA / 8] = data | SEG_DPL3;
    gdt[GDT_USER_CODE64 / 8] = code | SEG_L | SEG_DPL3;

    memset(&tss, 0, sizeof(tss));
    for (unsigned slot = 1; slot <= IST_COUNT; slot++)
        tss.ist[slot - 1] = (uint64_t)&ist_stacks[slot - 1][IST_STACK_SIZE];
    tss.iomap_base = sizeof(tss);   /* no I/O permission bitmap */

    /* A 16-byte system descriptor: limit, base 0..39, type, present, then
     * base 32..63 in the next slot. */
    uint64_t base = (uint64_t)&tss;
    uint64_t limit = sizeof(tss) - 1;
    gdt[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | SEG_TSS_AVAILABLE |
                       SEG_P | (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    gdt[GDT_TSS / 8 + 1] = base >> 32;

    struct gdt_pointer ptr = { .limit = sizeof(gdt) - 1, .base = (uint64_t)gdt };
    __asm__ volatile(
        "lgdt %0\n\t"
        /* Reload CS with a far return, then the data segments. */
        "pushq %1\n\t"
        "leaq 1f(%%rip), %%rax\n\t"
        "pushq %%rax\n\t"
        "lretq\n"
        "1:\n\t"
        "movw %w2, %%ds\n\t"
        "movw %w2, %%es\n\t"
        "movw %w2, %%ss\n\t"
        "ltr %w3\n\t"
        :
        : "m"(ptr), "i"(GDT_KERNEL_CODE), "r"(GDT_KERNEL_DATA), "r"(GDT_TSS)
        : "rax", "memory");
}

void tss_set_kernel_stack(uint64_t rsp0)
{
    tss.rsp[0] = rsp0;
}

void ist_stack_bounds(unsigned slot, uint64_t *base, uint64_t *top)
{
    *base = (uint64_t)&ist_stacks[slot - 1][0];
    *top = (uint64_t)&ist_stacks[slot - 1][IST_STACK_SIZE];
}
