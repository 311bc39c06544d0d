/* Tests of the TLB model checker on private, quiet model instances: each
 * rule with the primitive sequence that must pass and the one that must fail. */
#include "lib/ktest.h"
#include "mm/pagetable.h"
#include "mm/tlbcheck.h"

#define ROOT_A 0x100000ul
#define ROOT_B 0x200000ul
#define VA 0x400000ul
#define PTE_RW (0x5000ul | PTE_PRESENT | PTE_WRITE | PTE_USER)
#define PTE_RO (0x5000ul | PTE_PRESENT | PTE_USER)

KTEST(tlbcheck, invlpg_after_downgrade_passes)
{
    struct tlb_model *m = tlb_model_create(true);
    ASSERT_NOT_NULL(t, m);
    tlb_model_cr3_load(m, ROOT_A, 7, false);
    tlb_model_pte_change(m, ROOT_A, VA, PTE_RW, PTE_RO);
    EXPECT_EQ(t, tlb_model_stale_records(m), 1);
    tlb_model_invalidate_address(m, 7, VA);
    tlb_model_check_current(m, 7, "test");
    tlb_model_cr3_load(m, ROOT_B, 8, false);
    tlb_model_cr3_load(m, ROOT_A, 7, true);
    EXPECT_EQ(t, tlb_model_failures(m), 0);
    EXPECT_EQ(t, tlb_model_stale_records(m), 0);
    tlb_model_destroy(m);
}

KTEST(tlbcheck, missing_invlpg_fails)
{
    struct tlb_model *m = tlb_model_create(true);
    ASSERT_NOT_NULL(t, m);
    tlb_model_cr3_load(m, ROOT_A, 7, false);
    tlb_model_pte_change(m, ROOT_A, VA, PTE_RW, 0);
    tlb_model_check_current(m, 7, "test");
    EXPECT_EQ(t, tlb_model_failures(m), 1);

    /* The same omission caught at the next no-flush load instead. */
    tlb_model_pte_change(m, ROOT_A, VA + 0x1000, PTE_RW, PTE_RO);
    tlb_model_cr3_load(m, ROOT_B, 8, false);
    tlb_model_cr3_load(m, ROOT_A, 7, true);
    EXPECT_EQ(t, tlb_model_failures(m), 2);
    tlb_model_destroy(m);
}

KTEST(tlbcheck, upgrades_need_no_invalidation)
{
    struct tlb_model *m = tlb_model_create(true);
    ASSERT_NOT_NULL(t, m);
    tlb_model_cr3_load(m, ROOT_A, 7, false);
    tlb_model_pte_change(m, ROOT_A, VA, 0, PTE_RO);
    tlb_model_pte_change(m, ROOT_A, VA, PTE_RO, PTE_RW);
    tlb_model_pte_change(m, ROOT_A, VA, PTE_RW | PTE_NX, PTE_RW);
    EXPECT_EQ(t, tlb_model_stale_records(m), 0);
    /* A changed frame is a downgrade even with more rights. */
    tlb_model_pte_change(m, ROOT_A, VA, PTE_RO, (PTE_RW & ~0x5000ul) | 0x6000ul);
    EXPECT_EQ(t, tlb_model_stale_records(m), 1);
    tlb_model_destroy(m);
}

KTEST(tlbcheck, pcid_reuse_without_flush_fails)
{
    struct tlb_model *m = tlb_model_create(true);
    ASSERT_NOT_NULL(t, m);
    tlb_model_cr3_load(m, ROOT_A, 9, false);
    tlb_model_cr3_load(m, ROOT_B, 9, true);
    EXPECT_EQ(t, tlb_model_failures(m), 1);

    /* Through a flush load the same reuse is fine. */
    tlb_model_cr3_load(m, ROOT_A, 9, false);
    EXPECT_EQ(t, tlb_model_failures(m), 1);
    tlb_model_destroy(m);
}

KTEST(tlbcheck, destroyed_root_poisons_its_pcids)
{
    struct tlb_model *m = tlb_model_create(true);
    ASSERT_NOT_NULL(t, m);
    tlb_model_cr3_load(m, ROOT_A, 3, false);
    tlb_model_root_destroyed(m, ROOT_A);
    /* Even a new table at the same physical address must not inherit. */
    tlb_model_cr3_load(m, ROOT_A, 3, true);
    EXPECT_EQ(t, tlb_model_failures(m), 1);
    tlb_model_destroy(m);
}

KTEST(tlbcheck, invpcid_single_clears_a_pcid)
{
    struct tlb_model *m = tlb_model_create(true);
    ASSERT_NOT_NULL(t, m);
    tlb_model_cr3_load(m, ROOT_A, 4, false);
    tlb_model_pte_change(m, ROOT_A, VA, PTE_RW, PTE_RO);
    tlb_model_invalidate_pcid(m, 4);
    tlb_model_cr3_load(m, ROOT_B, 4, true);
    EXPECT_EQ(t, tlb_model_failures(m), 0);
    tlb_model_destroy(m);
}
