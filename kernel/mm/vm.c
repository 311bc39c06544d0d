#include "mm/vm.h"

#include "lib/errno.h"
#include "lib/panic.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/pcid.h"
#include "mm/tlbcheck.h"
#include "mm/vm_internal.h"

bool vm_nx_enabled;

pte_t vm_prot_to_pte(unsigned prot)
{
    pte_t pte = PTE_PRESENT | PTE_USER;

    if (prot & VM_WRITE)
        pte |= PTE_WRITE;
    if (!(prot & VM_EXEC) && vm_nx_enabled)
        pte |= PTE_NX;
    return pte;
}

/* Does replacing old with new remove or reduce a translation a TLB may hold? */
static bool pte_needs_invalidation(pte_t old_pte, pte_t new_pte)
{
    if (!pte_present(old_pte))
        return false;
    if (!pte_present(new_pte) || pte_phys(old_pte) != pte_phys(new_pte))
        return true;
    pte_t lost = old_pte & ~new_pte & (PTE_WRITE | PTE_USER);
    pte_t gained_nx = new_pte & ~old_pte & PTE_NX;
    return lost != 0 || gained_nx != 0;
}

/* Write a PTE and report it to the checker, but leave the invalidation to
 * the caller. Returns whether one is needed. */
static bool vm_set_pte_deferred(struct vm_space *space, uint64_t va, pte_t *ptep, pte_t new_pte)
{
    pte_t old_pte = *ptep;

    *ptep = new_pte;
    tlbcheck_pte_change(space->root, va, old_pte, new_pte);
    return pte_needs_invalidation(old_pte, new_pte);
}

void vm_set_pte(struct vm_space *space, uint64_t va, pte_t *ptep, pte_t new_pte)
{
    if (vm_set_pte_deferred(space, va, ptep, new_pte))
        tlb_invalidate_page(space, va);
}

/* After a run of deferred changes: one page at a time for a few, the whole
 * PCID for many (a flush is cheaper than dozens of INVLPGs). */
#define INVALIDATE_ALL_THRESHOLD 32

struct pending_invalidations {
    unsigned long count;
    uint64_t va[INVALIDATE_ALL_THRESHOLD];
};

static void pending_add(struct pending_invalidations *p, uint64_t va)
{
    if (p->count < INVALIDATE_ALL_THRESHOLD)
        p->va[p->count] = va;
    p->count++;
}

static void pending_flush(struct vm_space *space, struct pending_invalidations *p,
                          const char *operation)
{
    if (p->count > INVALIDATE_ALL_THRESHOLD) {
        tlb_invalidate_all(space);
    } else {
        for (unsigned long i = 0; i < p->count; i++)
            tlb_invalidate_page(space, p->va[i]);
    }
    if (space == tlb_current())
        tlbcheck_check_current(space->pcid, operation);
    p->count = 0;
}

struct vm_space *vm_space_create(void)
{
    struct vm_space *space = kzalloc(sizeof(*space));
    if (space == NULL)
        return NULL;

    space->root = pt_create_root();
    if (space->root == 0) {
        kfree(space);
        return NULL;
    }
    space->pcid = PCID_KERNEL;
    list_init(&space->regions);
    return space;
}

/* Drop the frames mapped in [start, end) and clear their PTEs. */
static void unmap_pages(struct vm_space *space, uint64_t start, uint64_t end,
                        struct pending_invalidations *pending)
{
    uint64_t va = start;
    pte_t *ptep;

    while ((ptep = pt_next_present(space->root, &va, end)) != NULL) {
        uint64_t phys = pte_phys(*ptep);
        if (pending != NULL) {
            if (vm_set_pte_deferred(space, va, ptep, 0))
                pending_add(pending, va);
        } else {
            *ptep = 0;
        }
        frame_free(phys);
        va += PAGE_SIZE;
    }
}

void vm_space_destroy(struct vm_space *space)
{
    if (space == tlb_current())
        panic("vm_space_destroy: space %p is loaded", (void *)space);

    /* No per-page invalidation: the PCID is released dirty, so whoever
     * gets it next flushes it. Each mapped frame loses this space's
     * reference as its page table is freed. */
    while (!list_empty(&space->regions))
        vm_region_unlink(space, container_of(space->regions.next, struct vm_region, link));
    tlb_release(space);
    pt_destroy_with_leaves(space->root, frame_free);
    kfree(space);
}

int vm_copy_page_now(struct vm_space *dst, uint64_t va, pte_t src_pte, unsigned prot)
{
    uint64_t copy = frame_alloc();
    if (copy == 0)
        return -ENOMEM;
    memcpy(phys_to_virt(copy), phys_to_virt(pte_phys(src_pte)), PAGE_SIZE);
    pte_t *ptep = pt_walk(dst->root, va, true);
    if (ptep == NULL) {
        frame_free(copy);
        return -ENOMEM;
    }
    *ptep = copy | vm_prot_to_pte(prot);
    return 0;
}

static struct vm_space *clone_space(struct vm_space *parent, bool fork_semantics)
{
    struct vm_space *child = vm_space_create();
    struct pending_invalidations pending = { 0 };

    if (child == NULL)
        return NULL;

    list_for_each(node, &parent->regions) {
        struct vm_region *r = container_of(node, struct vm_region, link);
        bool share = fork_semantics && (r->flags & VM_SHARED);
        bool copy_now = !share && (r->flags & (VM_SHARED | VM_LWC_SHARED));
        unsigned flags = share ? r->flags & ~VM_LWC_SHARED : r->flags & ~(VM_SHARED | VM_LWC_SHARED);
        if (vm_region_add(child, r->start, r->end, r->prot, r->kind, flags) != 0)
            goto fail;

        /* Shared memory needs one frame per page for both sides now: a
         * page first touched after the clone would otherwise get a
         * separate zero frame in each. */
        for (uint64_t page = r->start; share && r->prot != 0 && page < r->end; page += PAGE_SIZE) {
            if (!pte_present(vm_lookup(parent, page)) &&
                vm_fault(parent, page, (r->prot & VM_WRITE) ? VM_ACCESS_WRITE : VM_ACCESS_READ) != 0)
                goto fail;
        }

        uint64_t va = r->start;
        pte_t *ptep;
        while ((ptep = pt_next_present(parent->root, &va, r->end)) != NULL) {
            if (copy_now) {
                /* Shared with someone else: copy-on-write would split
                 * that sharing at the parent's next write. */
                if (vm_copy_page_now(child, va, *ptep, r->prot) != 0)
                    goto fail;
                va += PAGE_SIZE;
                continue;
            }
            pte_t *child_ptep = pt_walk(child->root, va, true);
            if (child_ptep == NULL)
                goto fail;

            pte_t pte = *ptep;
            if (!share && (pte & PTE_WRITE)) {
                /* Private and writable: both sides become read-only, and
                 * the first write in either copies the frame. */
                pte = (pte & ~PTE_WRITE) | PTE_COW;
                if (vm_set_pte_deferred(parent, va, ptep, pte))
                    pending_add(&pending, va);
            }
            *child_ptep = pte;
            phys_to_page(pte_phys(pte))->refcount++;
            va += PAGE_SIZE;
        }
    }
    pending_flush(parent, &pending, "copy-on-write clone");
    return child;

fail:
    pending_flush(parent, &pending, "copy-on-write clone");
    vm_space_destroy(child);
    return NULL;
}

struct vm_space *vm_space_clone(struct vm_space *parent)
{
    return clone_space(parent, true);
}

struct vm_space *vm_space_clone_private(struct vm_space *parent)
{
    return clone_space(parent, false);
}

int vm_unmap(struct vm_space *space, uint64_t start, uint64_t end)
{
    struct pending_invalidations pending = { 0 };

    if (start % PAGE_SIZE != 0 || start >= end || end > USER_SPACE_END)
        return -EINVAL;
    end = PAGE_ALIGN_UP(end);
    if (vm_region_isolate(space, start, end) != 0)
        return -ENOMEM;

    unmap_pages(space, start, end, &pending);
    pending_flush(space, &pending, "unmap");

    struct list_node *node = space->regions.next;
    while (node != &space->regions) {
        struct vm_region *r = container_of(node, struct vm_region, link);
        node = node->next;
        if (r->start >= start && r->end <= end)
            vm_region_unlink(space, r);
    }
    return 0;
}

int vm_discard_pages(struct vm_space *space, uint64_t start, uint64_t end)
{
    struct pending_invalidations pending = { 0 };
    unmap_pages(space, start, end, &pending);
    pending_flush(space, &pending, "discard");
    return 0;
}

int vm_protect(struct vm_space *space, uint64_t start, uint64_t end, unsigned prot)
{
    struct pending_invalidations pending = { 0 };

    if (start % PAGE_SIZE != 0 || start >= end || end > USER_SPACE_END)
        return -EINVAL;
    end = PAGE_ALIGN_UP(end);

    /* Every page of the range must be inside some region. */
    for (uint64_t covered = start; covered < end;) {
        struct vm_region *r = vm_region_find(space, covered);
        if (r == NULL)
            return -ENOMEM;
        covered = r->end;
    }
    if (vm_region_isolate(space, start, end) != 0)
        return -ENOMEM;

    list_for_each(node, &space->regions) {
        struct vm_region *r = container_of(node, struct vm_region, link);
        if (r->start >= start && r->end <= end)
            r->prot = prot;
    }

    uint64_t va = start;
    pte_t *ptep;
    while ((ptep = pt_next_present(space->root, &va, end)) != NULL) {
        pte_t old_pte = *ptep;
        pte_t new_pte = pte_phys(old_pte) | (old_pte & (PTE_COW | PTE_ACCESSED | PTE_DIRTY)) |
                        vm_prot_to_pte(prot);
        if (old_pte & PTE_COW)
            new_pte &= ~PTE_WRITE;      /* still shared: the next write copies */
        if (vm_set_pte_deferred(space, va, ptep, new_pte))
            pending_add(&pending, va);
        va += PAGE_SIZE;
    }
    pending_flush(space, &pending, "protect");
    return 0;
}

int vm_map_frame(struct vm_space *space, uint64_t va, uint64_t phys, unsigned prot)
{
    if (va % PAGE_SIZE != 0 || vm_region_find(space, va) == NULL)
        return -EINVAL;
    pte_t *ptep = pt_walk(space->root, va, true);
    if (ptep == NULL)
        return -ENOMEM;

    pte_t old_pte = *ptep;
    phys_to_page(phys)->refcount++;
    vm_set_pte(space, va, ptep, phys | vm_prot_to_pte(prot));
    if (pte_present(old_pte))
        frame_free(pte_phys(old_pte));
    if (space == tlb_current())
        tlbcheck_check_current(space->pcid, "map");
    return 0;
}

pte_t vm_lookup(struct vm_space *space, uint64_t va)
{
    pte_t *ptep = pt_walk(space->root, va, false);
    return ptep != NULL ? *ptep : 0;
}
