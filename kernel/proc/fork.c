/* fork: a copy of the calling process, sharing nothing writable. */
#include "arch/x86_64/trap.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "lwc/lwc.h"
#include "mm/vm.h"
#include "proc/process_internal.h"
#include "proc/sched.h"
#include "sys/syscall.h"

static long process_fork(void)
{
    struct process *parent = current_process();
    struct thread *self = current_thread();

    if (process_count() >= PROCESS_MAX)
        return -EAGAIN;
    /* RLIMIT_NPROC counts the processes of the real user; root is exempt. */
    if (parent->cred.euid != 0) {
        uint64_t mine = 0;
        for (struct process *q = process_next(NULL); q != NULL; q = process_next(q))
            mine += q->cred.uid == parent->cred.uid && q->state == PROCESS_ALIVE;
        if (mine >= parent->rlimits[RLIMIT_NPROC].cur)
            return -EAGAIN;
    }
    if (frame_free_count() < FORK_MIN_FREE_FRAMES)
        return -ENOMEM;

    struct process *child = process_alloc(parent);
    if (child == NULL)
        return -ENOMEM;
    strlcpy(child->name, parent->name, sizeof(child->name));
    child->brk_start = parent->brk_start;
    child->brk = parent->brk;
    child->mmap_hint = parent->mmap_hint;

    struct trap_frame frame = *self->user_frame;
    frame.rax = 0;      /* fork returns 0 in the child */
    struct thread *t = thread_create_user(child, &frame, child->pid);
    if (t == NULL) {
        process_free(child);
        return -ENOMEM;
    }
    /* Every lwC of the parent is copied; the child runs in the copy of the
     * lwC that forked. */
    if (lwc_fork_all(parent, child, t) != 0) {
        list_remove(&t->proc_link);
        thread_free(t);
        process_free(child);
        return -ENOMEM;
    }
    if (parent->cwd != NULL)
        child->cwd = inode_get(parent->cwd);
    t->fs_base = self->fs_base;
    t->blocked_signals = self->blocked_signals;

    sched_enqueue(t);
    return child->pid;
}

SYSCALL0(fork)
{
    return process_fork();
}

SYSCALL0(vfork)
{
    /* vfork may behave like fork; the child then simply has its own copy. */
    return process_fork();
}
