/*
 * Vocabulary
 *
 *   PCID          process-context identifier: the 12-bit tag in CR3[11:0]
 *                 (with CR4.PCIDE set) that the TLB stores with each entry.
 *                 Values 0..4095.
 *   PCID 0        PCID_KERNEL: the kernel-only page table. Never given to a
 *                 vm_space, so a space's PCID is 1..4095 or "none" (0).
 *   root          physical address of a PML4; a space's root never changes.
 *   no-flush load a CR3 load with bit 63 set: the TLB keeps the PCID's
 *                 entries. Safe only if they were all filled from this root
 *                 and none is stale.
 *   flush load    a CR3 load with bit 63 clear: the CPU drops the PCID's
 *                 non-global entries. Also the fallback for flushing a PCID
 *                 without INVPCID.
 *   dirty PCID    pcid_dirty[p]: p may hold translations of a space that no
 *                 longer owns it (stolen or destroyed). The next load under p
 *                 must flush.
 *   stale space   space->tlb_stale: one of the space's PTEs was downgraded
 *                 while another table was loaded and there was no INVPCID to
 *                 reach it. The space's next load must flush.
 *   steal         taking a PCID back from a live space when all 4095 are in
 *                 use; that space gets a new one at its next switch.
 *
 * Without PCID hardware (QEMU TCG, or lwcos.pcid=off) everything above runs
 * the same way and the TLB checker sees the same decisions, but the CR3
 * value written has no PCID and always flushes.
 */
#include "mm/pcid.h"

#include "arch/x86_64/cpu.h"
#include "lib/klog.h"
#include "lib/panic.h"
#include "mm/pagetable.h"
#include "mm/tlbcheck.h"
#include "mm/vm.h"

#define CPUID_1_ECX_PCID (1u << 17)
#define CPUID_7_EBX_INVPCID (1u << 10)
#define INVPCID_ADDRESS 0
#define INVPCID_SINGLE 1

static struct tlb_features features;
static enum tlb_inject inject;
static struct tlb_stats stats;

/* Allocator state: the space that owns each PCID, and whether it is dirty. */
static struct vm_space *pcid_owner[PCID_COUNT];
static bool pcid_dirty[PCID_COUNT];
static unsigned pcid_hand = PCID_FIRST;     /* where the next search starts */

/* Per-CPU: what is loaded. NOTE: one CPU for now; SMP needs a per-CPU copy. */
static struct vm_space *current_space;

void tlb_init(bool pcid_requested, enum tlb_inject inject_mode)
{
    features.cpu_has_pcid = (cpuid(1, 0).ecx & CPUID_1_ECX_PCID) != 0;
    features.cpu_has_invpcid = cpuid(0, 0).eax >= 7 &&
                               (cpuid(7, 0).ebx & CPUID_7_EBX_INVPCID) != 0;
    features.pcid_requested = pcid_requested;
    features.hardware = features.cpu_has_pcid && pcid_requested;
    inject = inject_mode;

    for (unsigned p = 0; p < PCID_COUNT; p++) {
        pcid_owner[p] = NULL;
        pcid_dirty[p] = false;
    }
    pcid_hand = PCID_FIRST;
    current_space = NULL;
    stats = (struct tlb_stats){ 0 };

    /* CR4.PCIDE may only be set while CR3[11:0] is 0: the kernel table is
     * loaded under PCID 0 at this point. */
    if (features.hardware)
        write_cr4(read_cr4() | CR4_PCIDE);

    if (features.hardware)
        klog(KLOG_INFO, "mm", "PCID on (hardware), INVPCID %s",
             features.cpu_has_invpcid ? "present" : "absent: flushing with CR3 loads");
    else
        klog(KLOG_INFO, "mm", "PCID hardware path off: %s; every CR3 load flushes",
             tlb_hardware_off_reason());
    if (inject != TLB_INJECT_NONE)
        klog(KLOG_WARN, "mm", "TLB fault injection on: %s",
             inject == TLB_INJECT_SKIP_INVLPG ? "skip-invlpg" : "skip-reuse-flush");
}

const struct tlb_features *tlb_features(void)
{
    return &features;
}

struct tlb_stats tlb_stats(void)
{
    return stats;
}

const char *tlb_hardware_off_reason(void)
{
    if (!features.cpu_has_pcid)
        return "CPUID.01H:ECX.PCID[bit 17] is 0 (this CPU or emulator has no PCID)";
    if (!features.pcid_requested)
        return "lwcos.pcid=off";
    return NULL;
}

struct vm_space *tlb_current(void)
{
    return current_space;
}

uint16_t tlb_current_pcid(void)
{
    return current_space != NULL ? current_space->pcid : PCID_KERNEL;
}

static void invpcid(unsigned type, uint16_t pcid, uint64_t va)
{
    struct {
        uint64_t pcid;
        uint64_t address;
    } descriptor = { pcid, va };
    __asm__ volatile("invpcid %0, %1" : : "m"(descriptor), "r"((uint64_t)type) : "memory");
}

/* Give space a PCID: a free one if any, else one stolen from another space
 * (never the running one). */
static void pcid_assign(struct vm_space *space)
{
    unsigned p = pcid_hand;

    for (unsigned tries = 0; tries < PCID_LAST; tries++) {
        if (pcid_owner[p] == NULL)
            break;
        p = p == PCID_LAST ? PCID_FIRST : p + 1;
    }
    if (pcid_owner[p] != NULL) {
        /* All in use: steal from the space at the hand. */
        if (pcid_owner[p] == current_space)
            p = p == PCID_LAST ? PCID_FIRST : p + 1;
        pcid_owner[p]->pcid = PCID_KERNEL;
        pcid_owner[p] = NULL;
        pcid_dirty[p] = true;
        stats.steals++;
        if (stats.steals <= 3)
            klog(KLOG_DEBUG, "mm", "all PCIDs in use: took PCID %u back (first steals only)", p);
    }
    pcid_hand = p == PCID_LAST ? PCID_FIRST : p + 1;

    pcid_owner[p] = space;
    space->pcid = (uint16_t)p;
    stats.assignments++;
    if (pcid_dirty[p]) {
        stats.reuses++;
        if (inject == TLB_INJECT_SKIP_REUSE_FLUSH)
            pcid_dirty[p] = false;      /* injected bug: forget the old owner's entries */
    }
}

/* Kept out of line so a student can break on the CR3 write by name
 * (lwcos debug --break load_cr3). */
__attribute__((noinline)) static void load_cr3(uint64_t root, uint16_t pcid, bool noflush)
{
    tlbcheck_cr3_load(root, pcid, noflush);
    if (noflush)
        stats.loads_noflush++;
    else
        stats.loads_flush++;

    if (features.hardware)
        write_cr3(root | pcid | (noflush ? CR3_NOFLUSH : 0));
    else
        write_cr3(root);
}

void tlb_switch_to(struct vm_space *space)
{
    if (space->pcid == PCID_KERNEL)
        pcid_assign(space);

    uint16_t p = space->pcid;
    bool noflush = !pcid_dirty[p] && !space->tlb_stale;
    if (pcid_dirty[p])
        stats.reuse_flushes++;
    pcid_dirty[p] = false;
    space->tlb_stale = false;

    current_space = space;
    load_cr3(space->root, p, noflush);
}

void tlb_switch_to_kernel(void)
{
    current_space = NULL;
    /* PCID 0 only ever holds the kernel table, whose user half is empty. */
    load_cr3(pt_kernel_root(), PCID_KERNEL, true);
}

void tlb_invalidate_page(struct vm_space *space, uint64_t va)
{
    if (space == current_space) {
        if (inject == TLB_INJECT_SKIP_INVLPG)
            return;     /* injected bug */
        __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
        tlbcheck_invlpg(space->pcid, va);
        return;
    }
    if (space->pcid == PCID_KERNEL)
        return;     /* no PCID: its old one, if any, is dirty already */
    if (features.hardware && features.cpu_has_invpcid) {
        invpcid(INVPCID_ADDRESS, space->pcid, va);
        tlbcheck_invpcid_address(space->pcid, va);
        return;
    }
    /* No way to reach another PCID's entries: flush at its next load. */
    space->tlb_stale = true;
}

void tlb_invalidate_all(struct vm_space *space)
{
    if (space == current_space) {
        load_cr3(space->root, space->pcid, false);
        return;
    }
    if (space->pcid == PCID_KERNEL)
        return;
    if (features.hardware && features.cpu_has_invpcid) {
        invpcid(INVPCID_SINGLE, space->pcid, 0);
        tlbcheck_invpcid_single(space->pcid);
        return;
    }
    space->tlb_stale = true;
}

void tlb_release(struct vm_space *space)
{
    if (space == current_space)
        panic("tlb_release: space %p is still loaded", (void *)space);
    if (space->pcid != PCID_KERNEL) {
        pcid_owner[space->pcid] = NULL;
        pcid_dirty[space->pcid] = true;
        space->pcid = PCID_KERNEL;
    }
    tlbcheck_root_destroyed(space->root);
}
