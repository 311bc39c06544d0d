/* Tests for mm/pcid.c: PCID assignment, reuse through a flush, and the
 * no-flush decision. They run the same with and without PCID hardware. */
#include "lib/ktest.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/pcid.h"
#include "mm/tlbcheck.h"
#include "mm/uaccess.h"
#include "mm/vm.h"
#include "arch/x86_64/cpu.h"

KTEST(pcid, switch_back_keeps_entries)
{
    struct vm_space *a = vm_space_create();
    struct vm_space *b = vm_space_create();
    ASSERT_NOT_NULL(t, a);
    ASSERT_NOT_NULL(t, b);

    tlb_switch_to(a);
    tlb_switch_to(b);
    struct tlb_stats before = tlb_stats();
    tlb_switch_to(a);
    struct tlb_stats after = tlb_stats();
    tlb_switch_to_kernel();

    EXPECT_GE(t, a->pcid, PCID_FIRST);
    EXPECT_LE(t, a->pcid, PCID_LAST);
    EXPECT_NE(t, a->pcid, b->pcid);
    EXPECT_EQ(t, after.loads_noflush, before.loads_noflush + 1);
    EXPECT_EQ(t, after.loads_flush, before.loads_flush);
    vm_space_destroy(a);
    vm_space_destroy(b);
}

KTEST(pcid, downgrade_while_unloaded_forces_flush)
{
    struct vm_space *s = vm_space_create();
    ASSERT_NOT_NULL(t, s);
    ASSERT_EQ_S(t, vm_region_add(s, 0x400000, 0x401000, VM_READ | VM_WRITE, VM_ANON, 0), 0);
    uint64_t one = 1;
    tlb_switch_to(s);
    EXPECT_EQ_S(t, copy_to_user(0x400000, &one, sizeof(one)), 0);
    tlb_switch_to_kernel();

    /* Not loaded, so no INVLPG can reach it: without INVPCID the next
     * load must flush; with INVPCID the entry is dropped now. */
    EXPECT_EQ_S(t, vm_protect(s, 0x400000, 0x401000, VM_READ), 0);
    bool invpcid = tlb_features()->hardware && tlb_features()->cpu_has_invpcid;
    EXPECT_EQ(t, s->tlb_stale, !invpcid);
    struct tlb_stats before = tlb_stats();
    tlb_switch_to(s);
    struct tlb_stats after = tlb_stats();
    tlb_switch_to_kernel();
    EXPECT_EQ(t, after.loads_flush - before.loads_flush, invpcid ? 0 : 1);
    EXPECT_FALSE(t, s->tlb_stale);
    vm_space_destroy(s);
}

KTEST(pcid, five_thousand_spaces_reuse_through_flush)
{
    enum { SPACES = 5000 };
    struct vm_space **spaces = kzalloc(SPACES * sizeof(*spaces));
    ASSERT_NOT_NULL(t, spaces);
    struct tlb_stats before = tlb_stats();
    unsigned bad_pcid = 0, created = 0;

    for (unsigned i = 0; i < SPACES; i++) {
        spaces[i] = vm_space_create();
        if (spaces[i] == NULL)
            break;
        created++;
        tlb_switch_to(spaces[i]);
        bad_pcid += spaces[i]->pcid < PCID_FIRST || spaces[i]->pcid > PCID_LAST;
    }
    tlb_switch_to_kernel();

    /* Every live space had a usable PCID while it ran. Beyond 4095 live
     * spaces PCIDs were stolen, and each reuse was a flush load. */
    struct tlb_stats after = tlb_stats();
    EXPECT_EQ(t, created, SPACES);
    EXPECT_EQ(t, bad_pcid, 0);
    EXPECT_GE(t, after.steals - before.steals, SPACES - PCID_LAST);
    EXPECT_EQ(t, after.reuse_flushes - before.reuse_flushes, after.reuses - before.reuses);
    EXPECT_GE(t, after.reuses - before.reuses, SPACES - PCID_LAST);

    /* Spaces that lost their PCID get a fresh one when they run again. */
    unsigned without = 0;
    for (unsigned i = 0; i < created; i++)
        without += spaces[i]->pcid == PCID_KERNEL;
    EXPECT_GE(t, without, SPACES - PCID_LAST);
    tlb_switch_to(spaces[0]);
    EXPECT_NE(t, spaces[0]->pcid, PCID_KERNEL);
    tlb_switch_to_kernel();

    for (unsigned i = 0; i < created; i++)
        vm_space_destroy(spaces[i]);
    kfree(spaces);
}

KTEST(pcid, hardware_path_tags_cr3)
{
    const char *off = tlb_hardware_off_reason();
    if (off != NULL) {
        ktest_skip(t, off);
        return;
    }
    struct vm_space *s = vm_space_create();
    ASSERT_NOT_NULL(t, s);
    tlb_switch_to(s);
    uint64_t cr3 = read_cr3();
    uint64_t cr4 = read_cr4();
    tlb_switch_to_kernel();

    EXPECT_EQ(t, cr4 & CR4_PCIDE, CR4_PCIDE);
    EXPECT_EQ(t, cr3 & 0xfff, s->pcid);
    EXPECT_EQ(t, cr3 & PTE_ADDR_MASK, s->root);
    vm_space_destroy(s);
}

KTEST(pcid, checker_quiet_on_kernel_paths)
{
    if (!tlbcheck_enabled()) {
        ktest_skip(t, "lwcos.tlbcheck=off");
        return;
    }
    /* The other memory cases already ran the real paths with the checker
     * on; a failure there fails that case. Here: no stale records remain. */
    EXPECT_EQ(t, tlbcheck_stale_records(), 0);
    EXPECT_EQ(t, tlbcheck_failures(), 0);
}
