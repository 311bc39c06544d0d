/* Tests for mm/vm.c, mm/vm_fault.c and mm/pagetable.c: regions, demand-zero,
 * copy-on-write, stack growth and teardown, through real page faults. */
#include "lib/errno.h"
#include "lib/ktest.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/pcid.h"
#include "mm/uaccess.h"
#include "mm/vm.h"

#define BASE 0x400000ul

/* Store or load a word in space at va through the real fault path. */
static int poke(struct vm_space *space, uint64_t va, uint64_t value)
{
    tlb_switch_to(space);
    int rc = copy_to_user(va, &value, sizeof(value));
    tlb_switch_to_kernel();
    return rc;
}

static uint64_t peek(struct vm_space *space, uint64_t va)
{
    uint64_t value = 0xdeaddeaddeaddeadul;
    tlb_switch_to(space);
    if (copy_from_user(&value, va, sizeof(value)) != 0)
        value = 0xbadbadbadbadbadul;
    tlb_switch_to_kernel();
    return value;
}

static unsigned refcount_at(struct vm_space *space, uint64_t va)
{
    pte_t pte = vm_lookup(space, va);
    return pte_present(pte) ? phys_to_page(pte_phys(pte))->refcount : 0;
}

KTEST(vm, region_add_rejects_bad_ranges)
{
    struct vm_space *s = vm_space_create();
    ASSERT_NOT_NULL(t, s);

    EXPECT_EQ_S(t, vm_region_add(s, BASE, BASE + 2 * PAGE_SIZE, VM_READ, VM_ANON, 0), 0);
    EXPECT_EQ_S(t, vm_region_add(s, BASE + 1, BASE + PAGE_SIZE, VM_READ, VM_ANON, 0), -EINVAL);
    EXPECT_EQ_S(t, vm_region_add(s, BASE, BASE, VM_READ, VM_ANON, 0), -EINVAL);
    EXPECT_EQ_S(t, vm_region_add(s, BASE + PAGE_SIZE, BASE + 3 * PAGE_SIZE, VM_READ, VM_ANON, 0),
                -EINVAL);
    EXPECT_EQ_S(t, vm_region_add(s, USER_SPACE_END - PAGE_SIZE, USER_SPACE_END + PAGE_SIZE,
                                 VM_READ, VM_ANON, 0), -EINVAL);
    EXPECT_EQ_S(t, vm_region_add(s, 0, PAGE_SIZE, VM_READ, VM_ANON, 0), 0);
    EXPECT_EQ(t, s->region_count, 2);
    EXPECT_NULL(t, vm_region_find(s, BASE - 1));
    EXPECT_EQ(t, vm_region_find(s, BASE + PAGE_SIZE)->start, BASE);
    vm_space_destroy(s);
}

KTEST(vm, demand_zero_maps_one_frame)
{
    struct vm_space *s = vm_space_create();
    ASSERT_NOT_NULL(t, s);
    ASSERT_EQ_S(t, vm_region_add(s, BASE, BASE + 16 * PAGE_SIZE, VM_READ | VM_WRITE, VM_ANON, 0), 0);

    EXPECT_EQ(t, vm_lookup(s, BASE + 5 * PAGE_SIZE), 0);
    EXPECT_EQ(t, peek(s, BASE + 5 * PAGE_SIZE + 8), 0);
    pte_t pte = vm_lookup(s, BASE + 5 * PAGE_SIZE);
    EXPECT_TRUE(t, pte_present(pte));
    EXPECT_EQ(t, pte & (PTE_USER | PTE_WRITE | PTE_NX), PTE_USER | PTE_WRITE | PTE_NX);
    EXPECT_EQ(t, refcount_at(s, BASE + 5 * PAGE_SIZE), 1);

    size_t before = frame_free_count();
    EXPECT_EQ_S(t, poke(s, BASE + 6 * PAGE_SIZE, 42), 0);
    EXPECT_EQ(t, frame_free_count(), before - 1);
    EXPECT_EQ(t, peek(s, BASE + 6 * PAGE_SIZE), 42);
    vm_space_destroy(s);
}

KTEST(vm, faults_outside_regions_or_rights)
{
    struct vm_space *s = vm_space_create();
    ASSERT_NOT_NULL(t, s);
    ASSERT_EQ_S(t, vm_region_add(s, BASE, BASE + PAGE_SIZE, VM_READ, VM_ANON, 0), 0);

    EXPECT_EQ_S(t, vm_fault(s, BASE - PAGE_SIZE, VM_ACCESS_READ), -EFAULT);
    EXPECT_EQ_S(t, vm_fault(s, BASE, VM_ACCESS_WRITE), -EFAULT);
    EXPECT_EQ_S(t, vm_fault(s, BASE, VM_ACCESS_EXEC), -EFAULT);
    EXPECT_EQ_S(t, vm_fault(s, USER_SPACE_END, VM_ACCESS_READ), -EFAULT);
    EXPECT_EQ_S(t, vm_fault(s, BASE + 8, VM_ACCESS_READ), 0);
    EXPECT_EQ_S(t, poke(s, BASE, 1), -EFAULT);
    vm_space_destroy(s);
}

KTEST(vm, map_unmap_protect_round_trip)
{
    struct vm_space *s = vm_space_create();
    ASSERT_NOT_NULL(t, s);
    ASSERT_EQ_S(t, vm_region_add(s, BASE, BASE + 8 * PAGE_SIZE, VM_READ | VM_WRITE, VM_ANON, 0), 0);
    for (unsigned i = 0; i < 8; i++)
        EXPECT_EQ_S(t, poke(s, BASE + i * PAGE_SIZE, 100 + i), 0);
    size_t mapped = frame_free_count();

    /* Unmap the middle two pages: the region splits in two. */
    EXPECT_EQ_S(t, vm_unmap(s, BASE + 3 * PAGE_SIZE, BASE + 5 * PAGE_SIZE), 0);
    EXPECT_EQ(t, s->region_count, 2);
    EXPECT_EQ(t, frame_free_count(), mapped + 2);
    EXPECT_EQ(t, vm_lookup(s, BASE + 3 * PAGE_SIZE), 0);
    EXPECT_EQ(t, peek(s, BASE + 3 * PAGE_SIZE), 0xbadbadbadbadbadul);
    EXPECT_EQ(t, peek(s, BASE + 5 * PAGE_SIZE), 105);

    /* Read-only, then writable again: contents survive, writes fault then work. */
    EXPECT_EQ_S(t, vm_protect(s, BASE, BASE + 3 * PAGE_SIZE, VM_READ), 0);
    EXPECT_EQ(t, vm_lookup(s, BASE) & PTE_WRITE, 0);
    EXPECT_EQ_S(t, poke(s, BASE, 7), -EFAULT);
    EXPECT_EQ(t, peek(s, BASE), 100);
    EXPECT_EQ_S(t, vm_protect(s, BASE, BASE + 3 * PAGE_SIZE, VM_READ | VM_WRITE), 0);
    EXPECT_EQ_S(t, poke(s, BASE, 7), 0);
    EXPECT_EQ(t, peek(s, BASE), 7);

    /* Protecting a range with a hole fails like mprotect. */
    EXPECT_EQ_S(t, vm_protect(s, BASE, BASE + 8 * PAGE_SIZE, VM_READ), -ENOMEM);
    EXPECT_EQ_S(t, vm_unmap(s, BASE + 1, BASE + PAGE_SIZE), -EINVAL);
    vm_space_destroy(s);
}

KTEST(vm, clone_write_copies_exactly_one_frame)
{
    struct vm_space *parent = vm_space_create();
    ASSERT_NOT_NULL(t, parent);
    ASSERT_EQ_S(t, vm_region_add(parent, BASE, BASE + 4 * PAGE_SIZE, VM_READ | VM_WRITE, VM_ANON, 0), 0);
    EXPECT_EQ_S(t, poke(parent, BASE, 0x1111), 0);
    EXPECT_EQ_S(t, poke(parent, BASE + PAGE_SIZE, 0x2222), 0);

    struct vm_space *child = vm_space_clone(parent);
    ASSERT_NOT_NULL(t, child);
    uint64_t shared = pte_phys(vm_lookup(parent, BASE));
    EXPECT_EQ(t, pte_phys(vm_lookup(child, BASE)), shared);
    EXPECT_EQ(t, refcount_at(parent, BASE), 2);
    EXPECT_EQ(t, vm_lookup(parent, BASE) & (PTE_WRITE | PTE_COW), PTE_COW);
    EXPECT_EQ(t, vm_lookup(child, BASE) & (PTE_WRITE | PTE_COW), PTE_COW);

    /* A write in the child copies one frame; the parent keeps its data. */
    size_t before = frame_free_count();
    EXPECT_EQ_S(t, poke(child, BASE, 0xc0c0), 0);
    EXPECT_EQ(t, frame_free_count(), before - 1);
    EXPECT_EQ(t, peek(child, BASE), 0xc0c0);
    EXPECT_EQ(t, peek(parent, BASE), 0x1111);
    EXPECT_NE(t, pte_phys(vm_lookup(child, BASE)), shared);
    EXPECT_EQ(t, refcount_at(parent, BASE), 1);
    EXPECT_EQ(t, refcount_at(parent, BASE + PAGE_SIZE), 2);

    /* The parent is now the frame's only user: its write copies nothing. */
    EXPECT_EQ_S(t, poke(parent, BASE, 0x9999), 0);
    EXPECT_EQ(t, frame_free_count(), before - 1);
    EXPECT_EQ(t, pte_phys(vm_lookup(parent, BASE)), shared);
    EXPECT_EQ(t, vm_lookup(parent, BASE) & (PTE_WRITE | PTE_COW), PTE_WRITE);
    EXPECT_EQ(t, peek(child, BASE), 0xc0c0);

    /* A write in the parent to the still-shared page copies it there. */
    EXPECT_EQ_S(t, poke(parent, BASE + PAGE_SIZE, 0x3333), 0);
    EXPECT_EQ(t, frame_free_count(), before - 2);
    EXPECT_EQ(t, peek(child, BASE + PAGE_SIZE), 0x2222);
    EXPECT_EQ(t, refcount_at(child, BASE + PAGE_SIZE), 1);

    vm_space_destroy(child);
    EXPECT_EQ(t, refcount_at(parent, BASE), 1);
    vm_space_destroy(parent);
}

KTEST(vm, shared_region_stays_shared_after_clone)
{
    struct vm_space *parent = vm_space_create();
    ASSERT_NOT_NULL(t, parent);
    ASSERT_EQ_S(t, vm_region_add(parent, BASE, BASE + PAGE_SIZE, VM_READ | VM_WRITE, VM_ANON,
                                 VM_SHARED), 0);
    EXPECT_EQ_S(t, poke(parent, BASE, 1), 0);
    struct vm_space *child = vm_space_clone(parent);
    ASSERT_NOT_NULL(t, child);

    size_t before = frame_free_count();
    EXPECT_EQ_S(t, poke(child, BASE, 2), 0);
    EXPECT_EQ(t, frame_free_count(), before);
    EXPECT_EQ(t, peek(parent, BASE), 2);
    EXPECT_EQ(t, refcount_at(parent, BASE), 2);
    vm_space_destroy(child);
    vm_space_destroy(parent);
}

KTEST(vm, stack_grows_down_to_its_limit)
{
    const uint64_t top = 0x7ff000000000ul;
    struct vm_space *s = vm_space_create();
    ASSERT_NOT_NULL(t, s);
    ASSERT_EQ_S(t, vm_region_add(s, top - PAGE_SIZE, top, VM_READ | VM_WRITE, VM_STACK, 0), 0);

    EXPECT_EQ_S(t, poke(s, top - 3 * PAGE_SIZE + 16, 5), 0);
    EXPECT_EQ(t, vm_region_find(s, top - 1)->start, top - 3 * PAGE_SIZE);
    EXPECT_EQ(t, peek(s, top - 3 * PAGE_SIZE + 16), 5);
    /* Below the 8 MiB limit: no growth. */
    EXPECT_EQ_S(t, poke(s, top - VM_STACK_MAX_SIZE - PAGE_SIZE, 5), -EFAULT);
    EXPECT_EQ(t, vm_region_find(s, top - 1)->start, top - 3 * PAGE_SIZE);

    /* A region within the guard gap below stops growth. */
    ASSERT_EQ_S(t, vm_region_add(s, top - 4 * PAGE_SIZE - VM_STACK_GUARD_GAP,
                                 top - 3 * PAGE_SIZE - VM_STACK_GUARD_GAP, VM_READ, VM_ANON, 0), 0);
    EXPECT_EQ_S(t, poke(s, top - 4 * PAGE_SIZE, 5), -EFAULT);
    vm_space_destroy(s);
}

KTEST(vm, destroy_frees_tables_and_frames)
{
    size_t before = frame_free_count();
    struct vm_space *s = vm_space_create();
    ASSERT_NOT_NULL(t, s);
    ASSERT_EQ_S(t, vm_region_add(s, BASE, BASE + 4 * PAGE_SIZE, VM_READ | VM_WRITE, VM_ANON, 0), 0);
    ASSERT_EQ_S(t, vm_region_add(s, 0x7f0000000000ul, 0x7f0000001000ul, VM_READ | VM_WRITE,
                                 VM_ANON, 0), 0);
    size_t created = frame_free_count();
    EXPECT_EQ_S(t, poke(s, BASE, 1), 0);
    EXPECT_EQ_S(t, poke(s, 0x7f0000000000ul, 1), 0);

    /* Two leaves far apart: each needs its own PDPT, PD and PT. */
    EXPECT_EQ(t, pt_count_tables(s->root), 6);
    EXPECT_EQ(t, frame_free_count(), created - 6 - 2);
    vm_space_destroy(s);
    EXPECT_EQ(t, frame_free_count(), before);
}

KTEST(vm, thousand_clone_cycles_leak_nothing)
{
    size_t before = frame_free_count();
    unsigned failures = 0;

    for (unsigned i = 0; i < 1000; i++) {
        struct vm_space *s = vm_space_create();
        if (s == NULL || vm_region_add(s, BASE, BASE + 4 * PAGE_SIZE, VM_READ | VM_WRITE,
                                       VM_ANON, 0) != 0) {
            failures++;
            if (s != NULL)
                vm_space_destroy(s);
            continue;
        }
        failures += poke(s, BASE, i) != 0;
        failures += poke(s, BASE + 2 * PAGE_SIZE, i) != 0;
        struct vm_space *c = vm_space_clone(s);
        if (c != NULL) {
            failures += poke(c, BASE, i + 1) != 0;
            failures += peek(s, BASE) != i;
            vm_space_destroy(c);
        } else {
            failures++;
        }
        vm_space_destroy(s);
    }
    EXPECT_EQ(t, failures, 0);
    EXPECT_EQ(t, frame_free_count(), before);
}
