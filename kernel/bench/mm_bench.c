/* Benchmarks of the memory system: CR3 switches, page faults and clones. */
#include "lib/kbench.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/pcid.h"
#include "mm/uaccess.h"
#include "mm/vm.h"

#define BASE 0x400000ul
#define MIB (1ul << 20)

/* A space with [BASE, BASE + size) mapped and every page written. */
static struct vm_space *touched_space(uint64_t size)
{
    struct vm_space *s = vm_space_create();
    if (s == NULL)
        return NULL;
    if (vm_region_add(s, BASE, BASE + size, VM_READ | VM_WRITE, VM_ANON, 0) != 0) {
        vm_space_destroy(s);
        return NULL;
    }
    tlb_switch_to(s);
    for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
        if (copy_to_user(BASE + off, &off, sizeof(off)) != 0) {
            tlb_switch_to_kernel();
            vm_space_destroy(s);
            return NULL;
        }
    }
    tlb_switch_to_kernel();
    return s;
}

KBENCH(cr3_switch)
{
    struct vm_space *a = touched_space(PAGE_SIZE);
    struct vm_space *c = touched_space(PAGE_SIZE);
    if (a == NULL || c == NULL) {
        kbench_fail(b, "out of memory");
    } else {
        tlb_switch_to(a);
        for (unsigned i = 0; i < 2000; i++) {
            struct vm_space *next = i % 2 == 0 ? c : a;
            uint64_t start = kbench_now();
            tlb_switch_to(next);
            kbench_record(b, kbench_now() - start);
        }
        tlb_switch_to_kernel();
    }
    if (a != NULL)
        vm_space_destroy(a);
    if (c != NULL)
        vm_space_destroy(c);
}

KBENCH(anon_fault)
{
    struct vm_space *s = touched_space(PAGE_SIZE);
    if (s == NULL || vm_region_add(s, BASE + MIB, BASE + 9 * MIB, VM_READ | VM_WRITE, VM_ANON, 0) != 0) {
        kbench_fail(b, "out of memory");
    } else {
        tlb_switch_to(s);
        for (unsigned i = 0; i < 2000; i++) {
            uint64_t value = i;
            uint64_t start = kbench_now();
            int rc = copy_to_user(BASE + MIB + i * PAGE_SIZE, &value, sizeof(value));
            uint64_t end = kbench_now();
            if (rc != 0) {
                kbench_fail(b, "first-touch write failed");
                break;
            }
            kbench_record(b, end - start);
        }
        tlb_switch_to_kernel();
    }
    if (s != NULL)
        vm_space_destroy(s);
}

KBENCH(cow_fault)
{
    struct vm_space *parent = touched_space(4 * MIB);
    if (parent == NULL) {
        kbench_fail(b, "out of memory");
        return;
    }
    struct vm_space *child = vm_space_clone(parent);
    if (child == NULL) {
        kbench_fail(b, "out of memory");
    } else {
        /* Each write hits a different shared page, so each one copies. */
        tlb_switch_to(child);
        for (unsigned i = 0; i < 1000; i++) {
            uint64_t value = i;
            uint64_t start = kbench_now();
            int rc = copy_to_user(BASE + i * PAGE_SIZE, &value, sizeof(value));
            uint64_t end = kbench_now();
            if (rc != 0) {
                kbench_fail(b, "copy-on-write write failed");
                break;
            }
            kbench_record(b, end - start);
        }
        tlb_switch_to_kernel();
        vm_space_destroy(child);
    }
    vm_space_destroy(parent);
}

static void bench_clone(struct kbench *b, uint64_t size, unsigned iterations)
{
    struct vm_space *parent = touched_space(size);
    if (parent == NULL) {
        kbench_not_applicable(b, "not enough memory: boot with more (-m)");
        return;
    }
    /* Clone with the parent loaded, as fork does. */
    tlb_switch_to(parent);
    for (unsigned i = 0; i < iterations; i++) {
        uint64_t start = kbench_now();
        struct vm_space *child = vm_space_clone(parent);
        uint64_t end = kbench_now();
        if (child == NULL) {
            kbench_fail(b, "clone ran out of memory");
            break;
        }
        kbench_record(b, end - start);
        vm_space_destroy(child);
    }
    tlb_switch_to_kernel();
    vm_space_destroy(parent);
}

KBENCH(clone_1mib)
{
    bench_clone(b, MIB, 1000);
}

KBENCH(clone_16mib)
{
    bench_clone(b, 16 * MIB, 1000);
}

KBENCH(clone_256mib)
{
    bench_clone(b, 256 * MIB, 1000);
}
