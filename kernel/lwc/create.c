/* lwCreate (rules 1-5): a copy of the caller's lwC, edited by specs. */
#include "fs/file.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lwc/lwc.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/uaccess.h"
#include "mm/vm.h"
#include "proc/process_internal.h"
#include "proc/sched.h"
#include "sys/syscall.h"

#define UID_NOBODY 65534

/* The child's table must be its own before a range of it is edited. */
static int unshare_table(struct lwc *child, struct fd_table *parent_fds)
{
    if (child->fds != parent_fds)
        return 0;
    struct fd_table *copy = fd_table_clone(parent_fds);
    if (copy == NULL)
        return -ENOMEM;
    fd_table_put(child->fds);
    child->fds = copy;
    return 0;
}

static int apply_files(struct lwc *child, struct process *p, const struct lwc_rspec *s)
{
    unsigned mode = s->flags & LWC_MODE_MASK;
    bool all = s->sub.fds.from == -1;

    if (all && mode == LWC_SHARE) {
        fd_table_put(child->fds);
        child->fds = fd_table_get(p->fds);     /* one table for both */
        return 0;
    }
    int rc = unshare_table(child, p->fds);
    if (rc != 0)
        return rc;
    int from = all ? 0 : s->sub.fds.from;
    int to = all ? FD_TABLE_SIZE - 1 : s->sub.fds.to;
    for (int fd = from; fd <= to; fd++) {
        fd_close(child->fds, fd);
        struct file *f = mode == LWC_UNMAP ? NULL : fd_lookup(p->fds, fd);
        if (f != NULL)
            fd_install_at(child->fds, fd, file_get(f), fd_get_cloexec(p->fds, fd));
    }
    return 0;
}

static void apply_syscalls(struct lwc *child, const struct lwc_rspec *s)
{
    for (int nr = s->sub.sys.from; nr <= s->sub.sys.to; nr++) {
        uint64_t bit = 1ull << (nr % 64);
        if ((s->flags & LWC_MODE_MASK) == LWC_UNMAP)
            child->syscall_direct[nr / 64] &= ~bit;
        else
            child->syscall_direct[nr / 64] |= bit;
    }
}

/* Apply one spec to the child (rule 1; later specs override earlier ones),
 * and collect the overlay rights it grants on the creator (rule 4). */
static int apply_spec(struct lwc *child, struct process *p, const struct lwc_rspec *s,
                      struct lwc_rights *creator_rights)
{
    unsigned mode = s->flags & LWC_MODE_MASK;
    bool may_overlay = (s->flags & LWC_MAY_OVERLAY) != 0;

    switch (s->flags & LWC_TYPE_MASK) {
    case LWC_MEM:
        if (may_overlay)
            lwc_range_add(&creator_rights->overlay_mem, s->sub.mem.start, s->sub.mem.end);
        if (mode == LWC_UNMAP)
            return vm_unmap(child->vm, s->sub.mem.start, s->sub.mem.end);
        return vm_clone_range(child->vm, p->vm, s->sub.mem.start, s->sub.mem.end,
                              mode == LWC_SHARE);
    case LWC_FILES:
        if (may_overlay) {
            bool all = s->sub.fds.from == -1;
            lwc_range_add(&creator_rights->overlay_fds, all ? 0 : (uint64_t)s->sub.fds.from,
                          all ? FD_TABLE_SIZE : (uint64_t)s->sub.fds.to + 1);
        }
        return apply_files(child, p, s);
    case LWC_CREDS:
        if (may_overlay)
            creator_rights->overlay_creds = true;
        if (mode == LWC_UNMAP) {
            child->cred = (struct cred){ UID_NOBODY, UID_NOBODY, UID_NOBODY,
                                         UID_NOBODY, UID_NOBODY, UID_NOBODY };
        } else {
            /* NOTE: SHARE copies too; credentials are never shared live. */
            child->cred = p->cred;
        }
        return 0;
    case LWC_SYSCALLS:
        apply_syscalls(child, s);
        return 0;
    }
    return -EINVAL;
}

SYSCALL5(lwCreate, uint64_t, user_specs, int, nspecs, int, flags, uint64_t, user_caller,
         uint64_t, user_args)
{
    struct thread *self = current_thread();
    struct process *p = self->proc;
    struct lwc *cur = self->lwc;
    int rc;

    if (cur == NULL || (flags & ~LWC_SYSTRAP))
        return -EINVAL;
    struct lwc_rspec *specs = lwc_copy_specs(user_specs, nspecs, &rc);
    if (specs == NULL)
        return rc;
    /* Rule 2: in the creator, *caller is -1. This also checks the pointer. */
    int minus_one = -1;
    if ((user_caller != 0 && copy_to_user(user_caller, &minus_one, sizeof(minus_one)) != 0) ||
        (user_args != 0 && lwc_probe_writable(user_args, sizeof(struct lwc_args)) != 0)) {
        kfree(specs);
        return -EFAULT;
    }

    /* 1. A copy-on-write copy of everything, then the specs in order. */
    struct lwc *child = lwc_alloc(p);
    if (child == NULL) {
        kfree(specs);
        return -ENOMEM;
    }
    lwc_get(child);     /* held until the descriptors below take over */
    child->cred = p->cred;
    memcpy(child->sigactions, p->sigactions, sizeof(child->sigactions));
    child->vm = vm_space_clone_private(p->vm);
    child->fds = fd_table_clone(p->fds);
    rc = child->vm == NULL || child->fds == NULL ? -ENOMEM : 0;
    if (flags & LWC_SYSTRAP) {
        child->systrap = true;
        child->monitor = cur;
        lwc_get(cur);       /* the monitor lives as long as the child may trap */
        lwc_syscalls_set_default(child);
    }
    /* An lwC that traps cannot make a child that does not: the child traps
     * too (to the same monitor unless LWC_SYSTRAP names the caller), and
     * may run directly only what the caller may. */
    if (cur->systrap && !(flags & LWC_SYSTRAP)) {
        child->systrap = true;
        child->monitor = cur->monitor;
        if (child->monitor != NULL)
            lwc_get(child->monitor);
        memcpy(child->syscall_direct, cur->syscall_direct, sizeof(child->syscall_direct));
    }
    struct lwc_rights creator_rights = { .flags = LWC_R_SWITCH };
    for (int i = 0; rc == 0 && i < nspecs; i++)
        rc = apply_spec(child, p, &specs[i], &creator_rights);
    kfree(specs);
    if (cur->systrap) {
        for (unsigned i = 0; i < LWC_SYSCALL_BITMAP_WORDS; i++)
            child->syscall_direct[i] &= cur->syscall_direct[i];
    }

    /* 2. Every thread now in this lwC may enter the child (rule 5): the
     * caller resumes at this lwCreate, the others where they were. */
    child->saved[0] = (struct lwc_saved_thread){
        .tid = self->tid, .resume = LWC_RESUME_CREATE, .frame = *self->user_frame,
        .fs_base = self->fs_base, .user_caller = user_caller, .user_received = user_args,
    };
    unsigned slot = 1;
    list_for_each(node, &p->threads) {
        struct thread *t = container_of(node, struct thread, proc_link);
        if (t == self || t->lwc != cur || t->state == THREAD_DEAD || t->user_frame == NULL)
            continue;
        if (slot == LWC_THREAD_SLOTS) {
            rc = rc == 0 ? -ENOMEM : rc;    /* NOTE: more threads than slots */
            break;
        }
        child->saved[slot++] = (struct lwc_saved_thread){
            .tid = t->tid, .resume = t->has_run ? LWC_RESUME_SNAPSHOT : LWC_RESUME_FRESH,
            .frame = *t->user_frame,
            .fs_base = t->fs_base,
        };
    }

    /* 3. Descriptors: the child's for its creator, the creator's for the
     * child (with every right). */
    struct lwc_rights all;
    lwc_rights_all(&all);
    int creator_fd = -ENOMEM, child_fd = -ENOMEM;
    struct file *to_creator = rc == 0 ? lwc_file_create(cur, &creator_rights) : NULL;
    if (to_creator != NULL) {
        creator_fd = fd_install(child->fds, to_creator, 0, false);
        if (creator_fd < 0)
            file_put(to_creator);
    }
    struct file *to_child = creator_fd >= 0 ? lwc_file_create(child, &all) : NULL;
    if (to_child != NULL) {
        child_fd = fd_install(p->fds, to_child, 0, false);
        if (child_fd < 0)
            file_put(to_child);
    }
    if (rc == 0 && child_fd < 0)
        rc = creator_fd < 0 ? creator_fd : child_fd;
    if (rc != 0 && creator_fd >= 0)
        fd_close(child->fds, creator_fd);
    child->saved[0].creator_fd = creator_fd;

    lwc_put(child);     /* on failure, the last reference: the child goes */
    return rc != 0 ? rc : child_fd;
}
