/* lwOverlay (rules 12-13) and lwRestrict (rule 11). */
#include "fs/file.h"
#include "lib/errno.h"
#include "lwc/lwc.h"
#include "mm/heap.h"
#include "mm/vm.h"
#include "proc/process_internal.h"
#include "proc/sched.h"
#include "sys/syscall.h"

static void spec_fd_range(const struct lwc_rspec *s, int *from, int *to)
{
    bool all = s->sub.fds.from == -1;
    *from = all ? 0 : s->sub.fds.from;
    *to = all ? FD_TABLE_SIZE - 1 : s->sub.fds.to;
}

/* Does the descriptor's right cover this spec? */
static int overlay_allowed(const struct lwc_rights *r, const struct lwc_rspec *s)
{
    int from, to;

    if ((s->flags & LWC_MODE_MASK) == LWC_UNMAP)
        return -EINVAL;
    switch (s->flags & LWC_TYPE_MASK) {
    case LWC_MEM:
        return lwc_range_covers(&r->overlay_mem, s->sub.mem.start, s->sub.mem.end) ? 0 : -EPERM;
    case LWC_FILES:
        spec_fd_range(s, &from, &to);
        return lwc_range_covers(&r->overlay_fds, (uint64_t)from, (uint64_t)to + 1) ? 0 : -EPERM;
    case LWC_CREDS:
        return r->overlay_creds ? 0 : -EPERM;
    default:
        return -EINVAL;     /* system-call lists cannot be overlaid */
    }
}

SYSCALL3(lwOverlay, int, fd, uint64_t, user_specs, int, nspecs)
{
    struct thread *self = current_thread();
    struct process *p = self->proc;
    int rc;

    struct lwc_descriptor *d = lwc_lookup(fd, &rc);
    if (d == NULL)
        return rc;
    if (d->target == self->lwc)
        return -EINVAL;
    struct lwc_rspec *specs = lwc_copy_specs(user_specs, nspecs, &rc);
    if (specs == NULL)
        return rc;

    /* Every range must be covered before anything changes (rule 12). */
    for (int i = 0; i < nspecs && rc == 0; i++)
        rc = overlay_allowed(&d->rights, &specs[i]);

    /* Hold the target: closing the caller's descriptors below may drop the
     * last one naming it, and its table must outlive the loop. */
    struct lwc *target = d->target;
    lwc_get(target);
    for (int i = 0; i < nspecs && rc == 0; i++) {
        const struct lwc_rspec *s = &specs[i];
        bool share = (s->flags & LWC_MODE_MASK) == LWC_SHARE;
        int from, to;

        switch (s->flags & LWC_TYPE_MASK) {
        case LWC_MEM:
            rc = vm_clone_range(p->vm, target->vm, s->sub.mem.start, s->sub.mem.end, share);
            break;
        case LWC_FILES:
            if (p->fds == target->fds)
                break;      /* one shared table: nothing to copy */
            spec_fd_range(s, &from, &to);
            for (int n = from; n <= to; n++) {
                struct file *f = fd_lookup(target->fds, n);
                fd_close(p->fds, n);
                if (f != NULL)
                    fd_install_at(p->fds, n, file_get(f), fd_get_cloexec(target->fds, n));
            }
            break;
        case LWC_CREDS:
            p->cred = target->cred;
            break;
        }
    }
    lwc_put(target);    /* frees it if no descriptor names it any more */
    kfree(specs);
    return rc;
}

SYSCALL3(lwRestrict, int, fd, uint64_t, user_specs, int, nspecs)
{
    struct process *p = current_process();
    int rc;

    struct lwc_descriptor *d = lwc_lookup(fd, &rc);
    if (d == NULL)
        return rc;
    struct lwc_rspec *specs = lwc_copy_specs(user_specs, nspecs, &rc);
    if (specs == NULL)
        return rc;

    /* Rights only shrink (rule 11). */
    struct lwc_rights rights = d->rights;
    for (int i = 0; i < nspecs; i++) {
        const struct lwc_rspec *s = &specs[i];
        int from, to;
        switch (s->flags & LWC_TYPE_MASK) {
        case LWC_MEM:
            lwc_range_remove(&rights.overlay_mem, s->sub.mem.start, s->sub.mem.end);
            break;
        case LWC_FILES:
            spec_fd_range(s, &from, &to);
            lwc_range_remove(&rights.overlay_fds, (uint64_t)from, (uint64_t)to + 1);
            break;
        case LWC_CREDS:
            rights.overlay_creds = false;
            break;
        case LWC_SYSCALLS:
            rights.flags &= ~(unsigned)LWC_R_SYSCALL;
            break;
        }
    }
    kfree(specs);

    /* A new descriptor object at the same number: tables copied before this
     * call keep the old object and its rights. */
    struct file *f = lwc_file_create(d->target, &rights);
    if (f == NULL)
        return -ENOMEM;
    fd_install_at(p->fds, fd, f, fd_get_cloexec(p->fds, fd));
    return 0;
}
