/* Page-fault resolution for user addresses: demand-zero, copy-on-write and
 * stack growth. */
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/layout.h"
#include "mm/pcid.h"
#include "mm/tlbcheck.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"

/* Grow a stack region down to cover va, if va is close enough below one. */
static struct vm_region *grow_stack(struct vm_space *space, uint64_t va)
{
    uint64_t page = PAGE_ALIGN_DOWN(va);
    struct vm_region *above = NULL;

    list_for_each(node, &space->regions) {
        struct vm_region *r = container_of(node, struct vm_region, link);
        if (r->start > va) {
            above = r;
            break;
        }
    }
    if (above == NULL || above->kind != VM_STACK || above->end - page > VM_STACK_MAX_SIZE)
        return NULL;

    struct vm_region *below = vm_region_below(space, va);
    if (below != NULL && below->end + VM_STACK_GUARD_GAP > page)
        return NULL;
    above->start = page;
    return above;
}

static bool access_allowed(const struct vm_region *r, enum vm_access access)
{
    switch (access) {
    case VM_ACCESS_READ:
        return r->prot != 0;
    case VM_ACCESS_WRITE:
        return (r->prot & VM_WRITE) != 0;
    case VM_ACCESS_EXEC:
        return (r->prot & VM_EXEC) != 0;
    }
    return false;
}

/* Write fault on a read-only copy-on-write page. */
static int break_cow(struct vm_space *space, uint64_t va, pte_t *ptep, const struct vm_region *r)
{
    pte_t pte = *ptep;
    uint64_t old_phys = pte_phys(pte);
    struct page *old_page = phys_to_page(old_phys);

    if (old_page->refcount == 1) {
        /* Last user of the frame: take it over. Gaining write access needs
         * no invalidation (the fault dropped the read-only entry). */
        vm_set_pte(space, va, ptep, old_phys | vm_prot_to_pte(r->prot));
        return 0;
    }

    uint64_t copy = frame_alloc();
    if (copy == 0)
        return -ENOMEM;
    memcpy(phys_to_virt(copy), phys_to_virt(old_phys), PAGE_SIZE);
    vm_set_pte(space, va, ptep, copy | vm_prot_to_pte(r->prot));
    frame_free(old_phys);
    return 0;
}

int vm_fault(struct vm_space *space, uint64_t va, enum vm_access access)
{
    if (va >= USER_SPACE_END)
        return -EFAULT;

    struct vm_region *r = vm_region_find(space, va);
    if (r == NULL)
        r = grow_stack(space, va);
    if (r == NULL || !access_allowed(r, access))
        return -EFAULT;

    uint64_t page = PAGE_ALIGN_DOWN(va);
    pte_t *ptep = pt_walk(space->root, page, true);
    if (ptep == NULL)
        return -ENOMEM;

    int rc = 0;
    if (!pte_present(*ptep)) {
        uint64_t frame = frame_alloc();
        if (frame == 0)
            return -ENOMEM;
        memset(phys_to_virt(frame), 0, PAGE_SIZE);
        vm_set_pte(space, page, ptep, frame | vm_prot_to_pte(r->prot));
    } else if (access == VM_ACCESS_WRITE && !(*ptep & PTE_WRITE)) {
        rc = break_cow(space, page, ptep, r);
    }
    /* Otherwise the PTE already allows the access: the TLB held an older,
     * narrower entry, which the fault itself invalidated. */

    if (space == tlb_current())
        tlbcheck_check_current(space->pcid, "page fault");
    return rc;
}

int vm_copy_to(struct vm_space *space, uint64_t va, const void *src, size_t n)
{
    const uint8_t *bytes = src;

    if (va >= USER_SPACE_END || n > USER_SPACE_END - va)
        return -EFAULT;
    while (n > 0) {
        uint64_t page = PAGE_ALIGN_DOWN(va);
        size_t offset = va - page;
        size_t chunk = PAGE_SIZE - offset < n ? PAGE_SIZE - offset : n;

        /* Make the page present and private, as a user write would. */
        int rc = vm_fault(space, va, VM_ACCESS_WRITE);
        if (rc != 0)
            return rc;
        memcpy((uint8_t *)phys_to_virt(pte_phys(vm_lookup(space, page))) + offset, bytes, chunk);
        va += chunk;
        bytes += chunk;
        n -= chunk;
    }
    return 0;
}
