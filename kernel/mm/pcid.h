/*
 * Process-context identifiers and the TLB operations built on them: the
 * PCID allocator, address-space switches (CR3 loads) and invalidation.
 * The vocabulary is defined at the top of mm/pcid.c.
 */
#ifndef LWCOS_MM_PCID_H
#define LWCOS_MM_PCID_H

#include <stdbool.h>
#include <stdint.h>

#define PCID_COUNT 4096         /* CR3 bits 11..0 */
#define PCID_KERNEL 0           /* the kernel-only page table; never given to a space */
#define PCID_FIRST 1
#define PCID_LAST 4095

#define CR3_NOFLUSH (1ul << 63)
#define CR4_PCIDE (1ul << 17)

struct vm_space;

/* Fault injection for the checker's own tests (lwcos.tlbcheck.inject=). */
enum tlb_inject {
    TLB_INJECT_NONE,
    TLB_INJECT_SKIP_INVLPG,         /* omit INVLPG after a PTE downgrade */
    TLB_INJECT_SKIP_REUSE_FLUSH,    /* reuse a PCID without flushing it */
};

struct tlb_features {
    bool cpu_has_pcid;          /* CPUID.01H:ECX.PCID[bit 17] */
    bool cpu_has_invpcid;       /* CPUID.(EAX=07H,ECX=0):EBX.INVPCID[bit 10] */
    bool pcid_requested;        /* lwcos.pcid=on (the default) */
    bool hardware;              /* CR4.PCIDE is set: CR3 loads carry PCIDs */
};

struct tlb_stats {
    unsigned long assignments;          /* PCIDs given to spaces */
    unsigned long reuses;               /* assignments of a PCID that needed a flush */
    unsigned long steals;               /* PCIDs taken back from a live space */
    unsigned long loads_noflush;        /* CR3 loads that kept the PCID's entries */
    unsigned long loads_flush;          /* CR3 loads that flushed the PCID */
    unsigned long reuse_flushes;        /* flushes made because of a reused PCID */
};

/* Detect PCID support, apply lwcos.pcid=, and turn on CR4.PCIDE if both. */
void tlb_init(bool pcid_requested, enum tlb_inject inject);
const struct tlb_features *tlb_features(void);
struct tlb_stats tlb_stats(void);
/* The reason the hardware PCID path is off, or NULL when it is on. */
const char *tlb_hardware_off_reason(void);

/* Load space's page table (with its PCID, without a flush when that is safe). */
void tlb_switch_to(struct vm_space *space);
/* Load the kernel-only table (PCID 0). */
void tlb_switch_to_kernel(void);
/* The space whose table is loaded, or NULL for the kernel-only table. */
struct vm_space *tlb_current(void);
uint16_t tlb_current_pcid(void);

/* A PTE of space at va was downgraded or removed: invalidate it. */
void tlb_invalidate_page(struct vm_space *space, uint64_t va);
/* Many PTEs of space were downgraded: invalidate all of them. */
void tlb_invalidate_all(struct vm_space *space);
/* Space is being destroyed: its PCID returns to the pool, dirty. */
void tlb_release(struct vm_space *space);

#endif
