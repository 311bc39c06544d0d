/*
 * clone: new threads in the calling process (what musl's pthread_create
 * asks for), or a new process like fork. A new thread starts in the lwC of
 * the thread that created it.
 */
#include "arch/x86_64/trap.h"
#include "lib/errno.h"
#include "lwc/lwc.h"
#include "mm/uaccess.h"
#include "proc/process_internal.h"
#include "proc/sched.h"
#include "sys/syscall.h"

#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_PTRACE 0x00002000
#define CLONE_VFORK 0x00004000
#define CLONE_PARENT 0x00008000
#define CLONE_THREAD 0x00010000
#define CLONE_SYSVSEM 0x00040000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED 0x00400000
#define CLONE_CHILD_SETTID 0x01000000
#define CSIGNAL 0x000000ff
#define CLONE_KNOWN (CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_PTRACE | \
                     CLONE_VFORK | CLONE_PARENT | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |   \
                     CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED |               \
                     CLONE_CHILD_SETTID)

/* NOTE: a limit of this kernel. */
#define THREADS_PER_PROCESS_MAX 64

long sys_fork(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

static long clone_thread(unsigned long flags, uint64_t stack, uint64_t parent_tid,
                         uint64_t child_tid, uint64_t tls)
{
    struct thread *self = current_thread();
    struct process *p = self->proc;

    if (p->live_threads >= THREADS_PER_PROCESS_MAX || p->exiting)
        return -EAGAIN;

    struct trap_frame frame = *self->user_frame;
    frame.rax = 0;              /* clone returns 0 in the new thread */
    if (stack != 0)
        frame.rsp = stack;
    int tid = process_next_id();
    struct thread *t = thread_create_user(p, &frame, tid);
    if (t == NULL)
        return -ENOMEM;

    t->fs_base = (flags & CLONE_SETTLS) ? tls : self->fs_base;
    t->blocked_signals = self->blocked_signals;
    t->lwc = self->lwc;
    if (t->lwc != NULL)
        lwc_get(t->lwc);
    /* The new thread runs with the creator's view of the process: same
     * lwC, same resources. */
    t->view_saved = true;
    t->view_vm = p->vm;
    t->view_fds = p->fds;
    t->view_cred = p->cred;
    t->view_sigactions = p->sigactions;
    if (flags & CLONE_CHILD_CLEARTID)
        t->clear_child_tid = child_tid;

    /* Both tid words live in the shared memory, so one write serves both. */
    if (flags & CLONE_PARENT_SETTID)
        copy_to_user(parent_tid, &tid, sizeof(tid));
    if (flags & CLONE_CHILD_SETTID)
        copy_to_user(child_tid, &tid, sizeof(tid));

    sched_enqueue(t);
    return tid;
}

SYSCALL5(clone, unsigned long, flags, uint64_t, stack, uint64_t, parent_tid, uint64_t, child_tid,
         uint64_t, tls)
{
    if (flags & ~(unsigned long)CLONE_KNOWN)
        return -EINVAL;
    /* Linux: a thread needs shared signal handlers, which need shared memory. */
    if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
        return -EINVAL;
    if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
        return -EINVAL;

    if (flags & CLONE_THREAD)
        return clone_thread(flags, stack, parent_tid, child_tid, tls);

    /* A new process. NOTE: CLONE_VM without CLONE_THREAD (posix_spawn's
     * vfork-like clone) gets a copy-on-write copy, as fork does, so the
     * child's writes are not seen by the parent. */
    struct thread *self = current_thread();
    uint64_t saved_rsp = self->user_frame->rsp;
    if (stack != 0)
        self->user_frame->rsp = stack;     /* the child starts on the new stack */
    long pid = sys_fork(0, 0, 0, 0, 0, 0);
    self->user_frame->rsp = saved_rsp;
    if (pid > 0 && (flags & CLONE_PARENT_SETTID)) {
        int v = (int)pid;
        copy_to_user(parent_tid, &v, sizeof(v));
    }
    return pid;
}
