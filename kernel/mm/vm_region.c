/* Region lists of address spaces: lookup, insertion and splitting. */
#include "lib/errno.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"

struct vm_region *vm_region_find(struct vm_space *space, uint64_t va)
{
    list_for_each(node, &space->regions) {
        struct vm_region *r = container_of(node, struct vm_region, link);
        if (va < r->start)
            return NULL;
        if (va < r->end)
            return r;
    }
    return NULL;
}

/* The last region that starts below va, or NULL. */
struct vm_region *vm_region_below(struct vm_space *space, uint64_t va)
{
    struct vm_region *below = NULL;

    list_for_each(node, &space->regions) {
        struct vm_region *r = container_of(node, struct vm_region, link);
        if (r->start >= va)
            break;
        below = r;
    }
    return below;
}

/* Insert r (already filled in) at its place in the sorted list. */
void vm_region_link(struct vm_space *space, struct vm_region *r)
{
    struct list_node *pos = &space->regions;

    list_for_each(node, &space->regions) {
        struct vm_region *other = container_of(node, struct vm_region, link);
        if (other->start > r->start)
            break;
        pos = node;
    }
    list_insert_after(pos, &r->link);
    space->region_count++;
}

void vm_region_unlink(struct vm_space *space, struct vm_region *r)
{
    list_remove(&r->link);
    space->region_count--;
    kfree(r);
}

int vm_region_add(struct vm_space *space, uint64_t start, uint64_t end, unsigned prot,
                  enum vm_region_kind kind, unsigned flags)
{
    if (start % PAGE_SIZE != 0 || end % PAGE_SIZE != 0 || start >= end || end > USER_SPACE_END)
        return -EINVAL;
    list_for_each(node, &space->regions) {
        struct vm_region *r = container_of(node, struct vm_region, link);
        if (start < r->end && r->start < end)
            return -EINVAL;
    }

    struct vm_region *r = kmalloc(sizeof(*r));
    if (r == NULL)
        return -ENOMEM;
    *r = (struct vm_region){ .start = start, .end = end, .prot = prot, .kind = kind, .flags = flags };
    vm_region_link(space, r);
    return 0;
}

/* Split r at addr (strictly inside it): r keeps [start, addr), a new region
 * gets [addr, end). Returns the new region, or NULL if out of memory. */
struct vm_region *vm_region_split(struct vm_space *space, struct vm_region *r, uint64_t addr)
{
    struct vm_region *upper = kmalloc(sizeof(*upper));
    if (upper == NULL)
        return NULL;
    *upper = *r;
    upper->start = addr;
    r->end = addr;
    list_insert_after(&r->link, &upper->link);
    space->region_count++;
    return upper;
}

/* Make region boundaries fall on start and end, so [start, end) is covered by
 * whole regions. Returns -ENOMEM if a split fails (nothing is lost: a region
 * that could not be split is left whole). */
int vm_region_isolate(struct vm_space *space, uint64_t start, uint64_t end)
{
    struct vm_region *r = vm_region_find(space, start);
    if (r != NULL && r->start < start && vm_region_split(space, r, start) == NULL)
        return -ENOMEM;
    r = vm_region_find(space, end);
    if (r != NULL && r->start < end && vm_region_split(space, r, end) == NULL)
        return -ENOMEM;
    return 0;
}
