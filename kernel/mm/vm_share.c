/* Copying or sharing a range of one address space into another: the memory
 * side of lwCreate and lwOverlay. */
#include "lib/errno.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/pcid.h"
#include "mm/tlbcheck.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"

int vm_clone_range(struct vm_space *dst, struct vm_space *src, uint64_t start, uint64_t end,
                   bool share)
{
    if (start % PAGE_SIZE != 0 || end % PAGE_SIZE != 0 || start >= end || end > USER_SPACE_END)
        return -EINVAL;
    if (dst == src)
        return -EINVAL;

    /* 1. Whatever dst had there goes. */
    int rc = vm_unmap(dst, start, end);
    if (rc != 0)
        return rc;
    if (share && vm_region_isolate(src, start, end) != 0)
        return -ENOMEM;

    /* 2. Regions, clipped to the range. Shared ranges are marked
     * VM_LWC_SHARED on both sides, so later copies copy them at once. */
    list_for_each(node, &src->regions) {
        struct vm_region *r = container_of(node, struct vm_region, link);
        uint64_t from = r->start > start ? r->start : start;
        uint64_t to = r->end < end ? r->end : end;
        if (from >= to)
            continue;
        unsigned flags = r->flags & ~(VM_SHARED | VM_LWC_SHARED);
        if (share) {
            r->flags |= VM_LWC_SHARED;
            flags |= VM_LWC_SHARED;
            /* Sharing needs a frame on both sides now: a page touched
             * later would otherwise get two separate zero frames. */
            for (uint64_t va = from; va < to; va += PAGE_SIZE) {
                if (!pte_present(vm_lookup(src, va)) && r->prot != 0) {
                    rc = vm_fault(src, va, (r->prot & VM_WRITE) ? VM_ACCESS_WRITE : VM_ACCESS_READ);
                    if (rc != 0)
                        return rc;
                }
            }
        }
        rc = vm_region_add(dst, from, to, r->prot, r->kind, flags);
        if (rc != 0)
            return rc;
    }

    /* 3. Pages. */
    uint64_t va = start;
    pte_t *ptep;
    bool downgraded = false;
    while ((ptep = pt_next_present(src->root, &va, end)) != NULL) {
        struct vm_region *r = vm_region_find(src, va);
        if (share && (*ptep & PTE_COW) && r != NULL && (r->prot & VM_WRITE)) {
            /* Shared copy-on-write with someone else: take a private copy
             * in src first, which dst then shares writable. */
            rc = vm_fault(src, va, VM_ACCESS_WRITE);
            if (rc != 0)
                return rc;
            ptep = pt_walk(src->root, va, false);
        }
        pte_t pte = *ptep;
        if (!share && r != NULL && (r->flags & (VM_SHARED | VM_LWC_SHARED))) {
            /* Copying a page shared with someone else: copy it now. */
            rc = vm_copy_page_now(dst, va, pte, r->prot);
            if (rc != 0)
                return rc;
            va += PAGE_SIZE;
            continue;
        }
        if (!share && (pte & PTE_WRITE)) {
            pte = (pte & ~PTE_WRITE) | PTE_COW;
            vm_set_pte(src, va, ptep, pte);
            downgraded = true;
        }
        pte_t *dst_ptep = pt_walk(dst->root, va, true);
        if (dst_ptep == NULL)
            return -ENOMEM;
        *dst_ptep = pte;
        phys_to_page(pte_phys(pte))->refcount++;
        va += PAGE_SIZE;
    }
    if (downgraded && src == tlb_current())
        tlbcheck_check_current(src->pcid, "copy-on-write range clone");
    return 0;
}
