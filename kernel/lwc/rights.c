/* Range sets, descriptor rights and resource specifications. */
#include "fs/file.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lwc/lwc.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/pagetable.h"
#include "mm/uaccess.h"

#define LWC_SPECS_MAX 64
#define SYSCALL_NUMBER_MAX 511

void lwc_range_remove(struct lwc_range_set *s, uint64_t start, uint64_t end)
{
    struct lwc_range_set out = { 0 };

    for (unsigned i = 0; i < s->count; i++) {
        uint64_t a = s->r[i].start, b = s->r[i].end;
        if (end <= a || b <= start) {
            out.r[out.count].start = a;
            out.r[out.count++].end = b;
            continue;
        }
        /* Keep the parts on either side; a split may need one more slot. */
        if (a < start && out.count < LWC_RANGES_MAX) {
            out.r[out.count].start = a;
            out.r[out.count++].end = start;
        }
        if (end < b && out.count < LWC_RANGES_MAX) {
            out.r[out.count].start = end;
            out.r[out.count++].end = b;
        }
    }
    *s = out;
}

void lwc_range_add(struct lwc_range_set *s, uint64_t start, uint64_t end)
{
    if (start >= end)
        return;
    /* Merge with every range it touches, then insert in order. */
    for (unsigned i = 0; i < s->count;) {
        if (s->r[i].end < start || end < s->r[i].start) {
            i++;
            continue;
        }
        start = s->r[i].start < start ? s->r[i].start : start;
        end = s->r[i].end > end ? s->r[i].end : end;
        memmove(&s->r[i], &s->r[i + 1], (s->count - i - 1) * sizeof(s->r[0]));
        s->count--;
    }
    if (s->count == LWC_RANGES_MAX)
        return;     /* NOTE: a right beyond the slots is dropped, never granted */
    unsigned pos = 0;
    while (pos < s->count && s->r[pos].start < start)
        pos++;
    memmove(&s->r[pos + 1], &s->r[pos], (s->count - pos) * sizeof(s->r[0]));
    s->r[pos].start = start;
    s->r[pos].end = end;
    s->count++;
}

bool lwc_range_covers(const struct lwc_range_set *s, uint64_t start, uint64_t end)
{
    for (unsigned i = 0; i < s->count; i++) {
        if (s->r[i].start <= start && end <= s->r[i].end)
            return true;
    }
    return start >= end;
}

void lwc_rights_all(struct lwc_rights *r)
{
    memset(r, 0, sizeof(*r));
    r->flags = LWC_R_SWITCH | LWC_R_SYSCALL;
    r->overlay_creds = true;
    lwc_range_add(&r->overlay_mem, 0, USER_SPACE_END);
    lwc_range_add(&r->overlay_fds, 0, FD_TABLE_SIZE);
}

static bool spec_valid(const struct lwc_rspec *s)
{
    unsigned type = s->flags & LWC_TYPE_MASK;
    unsigned mode = s->flags & LWC_MODE_MASK;

    if (s->flags & ~(unsigned)(LWC_TYPE_MASK | LWC_MODE_MASK | LWC_MAY_OVERLAY))
        return false;
    if (mode != LWC_COPY && mode != LWC_SHARE && mode != LWC_UNMAP)
        return false;
    switch (type) {
    case LWC_MEM:
        return s->sub.mem.start % PAGE_SIZE == 0 && s->sub.mem.end % PAGE_SIZE == 0 &&
               s->sub.mem.start < s->sub.mem.end && s->sub.mem.end <= USER_SPACE_END;
    case LWC_FILES:
        if (s->sub.fds.from == -1 && s->sub.fds.to == -1)
            return true;
        return s->sub.fds.from >= 0 && s->sub.fds.from <= s->sub.fds.to &&
               s->sub.fds.to < FD_TABLE_SIZE;
    case LWC_CREDS:
        return true;
    case LWC_SYSCALLS:
        return !(s->flags & LWC_MAY_OVERLAY) && s->sub.sys.from >= 0 &&
               s->sub.sys.from <= s->sub.sys.to && s->sub.sys.to <= SYSCALL_NUMBER_MAX;
    default:
        return false;
    }
}

struct lwc_rspec *lwc_copy_specs(uint64_t user_specs, int nspecs, int *err)
{
    if (nspecs < 0 || nspecs > LWC_SPECS_MAX) {
        *err = -EINVAL;
        return NULL;
    }
    struct lwc_rspec *specs = kmalloc((size_t)(nspecs > 0 ? nspecs : 1) * sizeof(*specs));
    if (specs == NULL) {
        *err = -ENOMEM;
        return NULL;
    }
    if (nspecs > 0 && copy_from_user(specs, user_specs, (size_t)nspecs * sizeof(*specs)) != 0) {
        kfree(specs);
        *err = -EFAULT;
        return NULL;
    }
    for (int i = 0; i < nspecs; i++) {
        if (!spec_valid(&specs[i])) {
            kfree(specs);
            *err = -EINVAL;
            return NULL;
        }
    }
    *err = 0;
    return specs;
}
