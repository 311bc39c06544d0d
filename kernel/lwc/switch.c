/*
 * lwSwitch (rules 6-8): the whole switch is lwc_switch_to below plus the
 * return path in arch/x86_64/syscall_entry.asm. A student stepping through
 * it in gdb sees three steps: save the caller, install the target (CR3 with
 * the target's PCID), resume the target where this thread last left it.
 */
#include "arch/x86_64/cpu.h"
#include "fs/file.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lwc/lwc.h"
#include "mm/pcid.h"
#include "mm/uaccess.h"
#include "proc/process_internal.h"
#include "proc/sched.h"
#include "sys/syscall.h"

static struct lwc_saved_thread *find_slot(struct lwc *l, int tid)
{
    for (unsigned i = 0; i < LWC_THREAD_SLOTS; i++) {
        if (l->saved[i].tid == tid)
            return &l->saved[i];
    }
    return NULL;
}

long lwc_switch_to(struct lwc *target, const struct lwc_args *args, enum lwc_resume leave_as,
                   uint64_t user_received)
{
    struct thread *self = current_thread();
    struct process *p = self->proc;
    struct lwc *cur = self->lwc;
    struct trap_frame *frame = self->user_frame;

    /* Checks first: after them nothing can fail. */
    struct lwc_saved_thread *in = find_slot(target, self->tid);
    if (in == NULL)
        return -ESRCH;      /* this thread never had a place in target (rule 5) */
    struct lwc_saved_thread *out = find_slot(cur, self->tid);
    if (out == NULL)
        out = find_slot(cur, 0);
    if (out == NULL)
        return -ENOMEM;
    int caller_fd = lwc_fd_for(target, cur);    /* rule 7 */
    if (caller_fd < 0)
        return caller_fd;

    /* 1. Save the caller: where it resumes when someone switches back. */
    out->tid = self->tid;
    out->resume = leave_as;
    out->frame = *frame;
    out->fs_base = self->fs_base;
    out->user_received = user_received;
    cur->cred = p->cred;

    /* 2. Install the target: address space (its page table and PCID),
     * descriptor table, credentials. */
    lwc_get(target);
    self->lwc = target;
    p->vm = target->vm;
    p->fds = target->fds;
    p->cred = target->cred;
    p->sigactions = target->sigactions;
    tlb_switch_to(target->vm);
    lwc_put(cur);   /* may free cur, if no descriptor names it (rule 9) */

    /* 3. Resume the target where this thread last left it. */
    *frame = in->frame;
    in->tid = 0;    /* the slot is free again; its other fields are read below */
    self->fs_base = in->fs_base;
    wrmsr(MSR_FS_BASE, in->fs_base);
    sched_frame_changed();

    switch (in->resume) {
    case LWC_RESUME_CREATE:
        /* lwCreate returns a second time, in the child (rule 3). NOTE: the
         * pointers were checked in the creator; if the child's spec unmapped
         * them, these writes are skipped. */
        copy_to_user(in->user_caller, &caller_fd, sizeof(caller_fd));
        if (in->user_received != 0)
            copy_to_user(in->user_received, args, sizeof(*args));
        return in->creator_fd;
    case LWC_RESUME_SWITCH:
        if (in->user_received != 0)
            copy_to_user(in->user_received, args, sizeof(*args));
        return caller_fd;
    case LWC_RESUME_TRAP:
        /* The monitor's answer is the trapped call's result (rule 15). */
        return args->v[0];
    case LWC_RESUME_SNAPSHOT:
        /* Where the thread was when the lwC was created: inside a system
         * call, which returns -EINTR here; or interrupted in user mode,
         * which continues with its registers unchanged. */
        return frame->vector == TRAP_VECTOR_SYSCALL ? -EINTR : (long)frame->rax;
    case LWC_RESUME_FRESH:
        /* The frame is the one clone built, so the thread starts as new: its
         * clone returns 0 here too, not EINTR. */
        return (long)frame->rax;
    }
    return -EINVAL;
}

/* A user buffer we will write later must be writable now: read it and
 * write the same bytes back. */
int lwc_probe_writable(uint64_t user_addr, size_t n)
{
    uint8_t buf[sizeof(struct lwc_args)];
    if (n > sizeof(buf))
        return -EINVAL;
    if (copy_from_user(buf, user_addr, n) != 0 || copy_to_user(user_addr, buf, n) != 0)
        return -EFAULT;
    return 0;
}

SYSCALL3(lwSwitch, int, target_fd, uint64_t, user_args, uint64_t, user_received)
{
    struct lwc_args args = { 0 };
    int err;

    struct lwc_descriptor *d = lwc_lookup(target_fd, &err);
    if (d == NULL)
        return err;                             /* rule 8: not an lwC */
    if (!(d->rights.flags & LWC_R_SWITCH))
        return -EPERM;                          /* rule 8: no switch right */
    if (d->target == current_thread()->lwc)
        return -EINVAL;                         /* rule 8: already there */
    if (user_args != 0 && copy_from_user(&args, user_args, sizeof(args)) != 0)
        return -EFAULT;
    if (user_received != 0 && lwc_probe_writable(user_received, sizeof(args)) != 0)
        return -EFAULT;
    args.kind = LWC_MSG_SWITCH;
    return lwc_switch_to(d->target, &args, LWC_RESUME_SWITCH, user_received);
}
