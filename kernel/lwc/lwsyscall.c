/* System-call trapping to a monitor (rules 14-15) and lwSyscall (rule 16). */
#include "fs/file.h"
#include "lib/errno.h"
#include "lwc/lwc.h"
#include "mm/pcid.h"
#include "mm/uaccess.h"
#include "proc/process_internal.h"
#include "proc/sched.h"
#include "sys/syscall.h"

static bool syscall_direct(const struct lwc *l, uint64_t nr)
{
    if (nr >= LWC_SYSCALL_BITMAP_WORDS * 64)
        return false;
    return (l->syscall_direct[nr / 64] >> (nr % 64)) & 1;
}

bool lwc_trap_syscall(struct trap_frame *frame, uint64_t nr)
{
    struct lwc *cur = current_thread()->lwc;

    if (cur == NULL || !cur->systrap || syscall_direct(cur, nr))
        return false;

    /* The call becomes a switch to the monitor (rule 14). */
    struct lwc_args args = {
        .kind = LWC_MSG_TRAP,
        .v = { (long)nr, (long)frame->rdi, (long)frame->rsi, (long)frame->rdx,
               (long)frame->r10, (long)frame->r8, (long)frame->r9 },
    };
    long rc = cur->monitor != NULL ? lwc_switch_to(cur->monitor, &args, LWC_RESUME_TRAP, 0)
                                   : -ENOSYS;
    frame->rax = (uint64_t)rc;
    return true;
}

/* Calls that replace or end the calling program cannot run on another
 * lwC's behalf. */
static bool lwsyscall_forbidden(long nr)
{
    switch (nr) {
    case 15:    /* rt_sigreturn */
    case 56:    /* clone */
    case 57:    /* fork */
    case 58:    /* vfork */
    case 59:    /* execve */
    case 60:    /* exit */
    case 231:   /* exit_group */
        return true;
    default:
        return nr >= SYS_lwCreate && nr <= SYS_lwSyscall;
    }
}

SYSCALL4(lwSyscall, int, fd, unsigned, mask, long, nr, uint64_t, user_args)
{
    struct process *p = current_process();
    long args[6] = { 0 };
    int rc;

    struct lwc_descriptor *d = lwc_lookup(fd, &rc);
    if (d == NULL)
        return rc;
    if (!(d->rights.flags & LWC_R_SYSCALL))
        return -EPERM;
    /* The dispatcher looks at the low 32 bits only: check the same bits. */
    nr &= 0xffffffffl;
    if ((mask & ~(unsigned)(LWC_SC_MEM | LWC_SC_FILES | LWC_SC_CREDS)) || lwsyscall_forbidden(nr))
        return -EINVAL;
    /* A trapping lwC must not run, through lwSyscall, a call it could not
     * run itself (rule 14 would be void). */
    struct lwc *cur = current_thread()->lwc;
    if (cur != NULL && cur->systrap && !syscall_direct(cur, (uint64_t)nr))
        return -EPERM;
    if (user_args != 0 && copy_from_user(args, user_args, sizeof(args)) != 0)
        return -EFAULT;

    /* Borrow the target's resources named by mask for one call. The call
     * may close the last descriptor naming the target (close through
     * LWC_SC_FILES, say), so hold it until its address space is unloaded. */
    struct lwc *target = d->target;
    lwc_get(target);
    struct vm_space *saved_vm = p->vm;
    struct fd_table *saved_fds = p->fds;
    struct cred saved_cred = p->cred;
    if (mask & LWC_SC_MEM) {
        p->vm = target->vm;
        tlb_switch_to(target->vm);
    }
    if (mask & LWC_SC_FILES)
        p->fds = target->fds;
    if (mask & LWC_SC_CREDS)
        p->cred = target->cred;

    long result = syscall_dispatch((uint64_t)nr, (uint64_t)args[0], (uint64_t)args[1],
                                   (uint64_t)args[2], (uint64_t)args[3], (uint64_t)args[4],
                                   (uint64_t)args[5]);

    if (mask & LWC_SC_CREDS) {
        target->cred = p->cred;     /* e.g. a setuid made on its behalf */
        p->cred = saved_cred;
    }
    p->fds = saved_fds;
    if (mask & LWC_SC_MEM) {
        p->vm = saved_vm;
        tlb_switch_to(saved_vm);
    }
    lwc_put(target);
    return result;
}
