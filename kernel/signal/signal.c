/*
 * Signals: sending, masks, dispositions and default actions.
 * NOTE: user handlers are stored by rt_sigaction but not run yet; a signal
 * whose disposition is a handler takes its default action for now.
 */
#include "signal/signal.h"

#include "arch/x86_64/trap.h"
#include "lib/errno.h"
#include "lib/klog.h"
#include "mm/uaccess.h"
#include "proc/process_internal.h"
#include "proc/sched.h"
#include "signal/signal_internal.h"
#include "sys/syscall.h"

#define SIG_DFL 0
#define SIG_IGN 1
#define SIG_BIT(sig) (1ull << ((sig) - 1))
#define UNBLOCKABLE (SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP))

enum default_action { ACTION_TERMINATE, ACTION_IGNORE, ACTION_STOP, ACTION_CONTINUE };

static enum default_action default_action(int sig)
{
    switch (sig) {
    case SIGCHLD:
    case 23:    /* SIGURG */
    case 28:    /* SIGWINCH */
        return ACTION_IGNORE;
    case SIGCONT:
        return ACTION_CONTINUE;
    case SIGSTOP:
    case SIGTSTP:
    case 21:    /* SIGTTIN */
    case 22:    /* SIGTTOU */
        return ACTION_STOP;
    default:
        /* Real-time signals (32..64) and the rest terminate. */
        return ACTION_TERMINATE;
    }
}

static bool valid_signal(int sig)
{
    return sig >= 1 && sig <= NSIG;
}

/* Wake a thread of p that sleeps interruptibly, so it sees sig. */
static void wake_for_signal(struct process *p, int sig)
{
    list_for_each(node, &p->threads) {
        struct thread *t = container_of(node, struct thread, proc_link);
        if (t->state == THREAD_SLEEPING && t->sleep_interruptible &&
            (sig == SIGKILL || !(t->blocked_signals & SIG_BIT(sig))))
            sched_wake(t);
    }
}

/* Like Linux, a signal that would be ignored is discarded when it is sent,
 * unless it is blocked (then it stays pending until unblocked). */
static bool signal_discarded(const struct process *p, const struct thread *t, int sig)
{
    uint64_t handler = p->sigactions[sig - 1].handler;
    bool ignored = sig != SIGKILL &&
                   (handler == SIG_IGN || (handler == SIG_DFL && default_action(sig) != ACTION_TERMINATE));
    bool blocked = t != NULL && (t->blocked_signals & SIG_BIT(sig));
    return ignored && !blocked;
}

static struct thread *first_thread(const struct process *p)
{
    if (list_empty(&p->threads))
        return NULL;
    return container_of(p->threads.next, struct thread, proc_link);
}

int signal_send_process(struct process *p, int sig)
{
    if (!valid_signal(sig))
        return -EINVAL;
    if (p->state == PROCESS_ZOMBIE || p->pid == 0)
        return 0;
    if (signal_discarded(p, first_thread(p), sig))
        return 0;
    bool irq = irq_save_disable();
    p->pending_signals |= SIG_BIT(sig);
    wake_for_signal(p, sig);
    irq_restore(irq);
    return 0;
}

int signal_send_group(int pgid, int sig)
{
    int sent = 0;
    for (struct process *p = process_next(NULL); p != NULL; p = process_next(p)) {
        if (p->pgid == pgid && p->state == PROCESS_ALIVE) {
            signal_send_process(p, sig);
            sent++;
        }
    }
    return sent > 0 ? 0 : -ESRCH;
}

void signal_send_self(int sig)
{
    struct thread *self = current_thread();
    if (!signal_discarded(self->proc, self, sig))
        self->pending_signals |= SIG_BIT(sig);
}

static uint64_t deliverable(const struct thread *t)
{
    uint64_t pending = t->pending_signals | t->proc->pending_signals;
    return pending & ~(t->blocked_signals & ~UNBLOCKABLE);
}

bool signal_pending_current(void)
{
    return deliverable(current_thread()) != 0;
}

void signal_from_trap(struct trap_frame *frame, int sig)
{
    struct thread *self = current_thread();
    struct k_sigaction *action = &self->proc->sigactions[sig - 1];

    (void)frame;
    /* A fault that cannot be delivered (blocked or ignored) must not loop
     * on the same instruction: like Linux, force the default action. */
    if ((self->blocked_signals & SIG_BIT(sig)) || action->handler == SIG_IGN) {
        self->blocked_signals &= ~SIG_BIT(sig);
        action->handler = SIG_DFL;
    }
    self->pending_signals |= SIG_BIT(sig);
}

bool signal_deliver_pending(struct trap_frame *frame)
{
    struct thread *self = current_thread();
    uint64_t ready = deliverable(self);

    (void)frame;
    if (ready == 0)
        return false;
    int sig = __builtin_ctzll(ready) + 1;
    self->pending_signals &= ~SIG_BIT(sig);
    self->proc->pending_signals &= ~SIG_BIT(sig);

    uint64_t handler = self->proc->sigactions[sig - 1].handler;
    if (sig != SIGKILL && handler == SIG_IGN)
        return true;
    switch (default_action(sig)) {
    case ACTION_IGNORE:
    case ACTION_CONTINUE:
        return true;
    case ACTION_STOP:
        /* NOTE: stopping is not implemented; stop signals are ignored. */
        return true;
    case ACTION_TERMINATE:
        break;
    }
    process_exit(WAIT_STATUS_SIGNALED(sig));
}

/* Called from the timer tick: fire due alarm() timers. */
void signal_check_alarms(uint64_t now_ns)
{
    for (struct process *p = process_next(NULL); p != NULL; p = process_next(p)) {
        if (p->alarm_deadline_ns != 0 && now_ns >= p->alarm_deadline_ns) {
            p->alarm_deadline_ns = 0;
            signal_send_process(p, SIGALRM);
        }
    }
}

/* May the current process send a signal to p? Root, or matching user IDs. */
static bool may_signal(const struct process *p)
{
    const struct cred *me = &current_process()->cred;
    return me->euid == 0 || me->euid == p->cred.uid || me->uid == p->cred.uid ||
           me->euid == p->cred.suid || me->uid == p->cred.suid;
}

static int kill_one(struct process *p, int sig)
{
    if (!may_signal(p))
        return -EPERM;
    return sig == 0 ? 0 : signal_send_process(p, sig);
}

SYSCALL2(kill, int, pid, int, sig)
{
    if (sig < 0 || sig > NSIG)
        return -EINVAL;

    if (pid > 0) {
        struct process *p = process_find(pid);
        if (p == NULL)
            return -ESRCH;
        return kill_one(p, sig);
    }

    /* Groups, or every process but init and the caller for pid -1. */
    int pgid = pid == 0 ? current_process()->pgid : -pid;
    int found = 0, allowed = 0;
    for (struct process *p = process_next(NULL); p != NULL; p = process_next(p)) {
        if (p->pid == 0 || p->state == PROCESS_ZOMBIE)
            continue;
        if (pid == -1 ? (p->pid == 1 || p == current_process()) : p->pgid != pgid)
            continue;
        found++;
        if (kill_one(p, sig) == 0)
            allowed++;
    }
    if (found == 0)
        return -ESRCH;
    return allowed > 0 ? 0 : -EPERM;
}

SYSCALL2(tkill, int, tid, int, sig)
{
    if (tid <= 0 || sig < 0 || sig > NSIG)
        return -EINVAL;
    /* One thread per process: the tid is the pid. */
    if (tid == current_thread()->tid) {
        if (sig != 0)
            signal_send_self(sig);
        return 0;
    }
    struct process *p = process_find(tid);
    if (p == NULL || p->state == PROCESS_ZOMBIE)
        return -ESRCH;
    return kill_one(p, sig);
}

SYSCALL3(tgkill, int, tgid, int, tid, int, sig)
{
    if (tgid <= 0)
        return -EINVAL;
    if (tgid != tid)
        return tid <= 0 ? -EINVAL : -ESRCH;
    return sys_tkill((uint64_t)tid, (uint64_t)sig, 0, 0, 0, 0);
}

SYSCALL4(rt_sigaction, int, sig, uint64_t, user_act, uint64_t, user_old, size_t, sigsetsize)
{
    struct process *p = current_process();
    struct k_sigaction act;

    if (sigsetsize != sizeof(uint64_t) || !valid_signal(sig))
        return -EINVAL;
    if (user_act != 0 && (sig == SIGKILL || sig == SIGSTOP))
        return -EINVAL;
    if (user_act != 0 && copy_from_user(&act, user_act, sizeof(act)) != 0)
        return -EFAULT;
    if (user_old != 0 &&
        copy_to_user(user_old, &p->sigactions[sig - 1], sizeof(struct k_sigaction)) != 0)
        return -EFAULT;
    if (user_act != 0) {
        act.mask &= ~UNBLOCKABLE;
        p->sigactions[sig - 1] = act;
        /* Setting SIG_IGN discards a pending signal (POSIX). */
        if (act.handler == SIG_IGN) {
            p->pending_signals &= ~SIG_BIT(sig);
            current_thread()->pending_signals &= ~SIG_BIT(sig);
        }
    }
    return 0;
}

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

SYSCALL4(rt_sigprocmask, int, how, uint64_t, user_set, uint64_t, user_old, size_t, sigsetsize)
{
    struct thread *self = current_thread();
    uint64_t set;

    if (sigsetsize != sizeof(uint64_t))
        return -EINVAL;
    if (user_set != 0 && how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK)
        return -EINVAL;
    if (user_set != 0 && copy_from_user(&set, user_set, sizeof(set)) != 0)
        return -EFAULT;
    if (user_old != 0 && copy_to_user(user_old, &self->blocked_signals, sizeof(uint64_t)) != 0)
        return -EFAULT;
    if (user_set != 0) {
        if (how == SIG_BLOCK)
            self->blocked_signals |= set;
        else if (how == SIG_UNBLOCK)
            self->blocked_signals &= ~set;
        else
            self->blocked_signals = set;
        self->blocked_signals &= ~UNBLOCKABLE;
    }
    return 0;
}

SYSCALL2(rt_sigpending, uint64_t, user_set, size_t, sigsetsize)
{
    struct thread *self = current_thread();
    uint64_t pending = (self->pending_signals | self->proc->pending_signals) & self->blocked_signals;

    if (sigsetsize > sizeof(uint64_t))
        return -EINVAL;
    if (copy_to_user(user_set, &pending, sigsetsize) != 0)
        return -EFAULT;
    return 0;
}

SYSCALL0(pause)
{
    struct wait_queue never = WAIT_QUEUE_INIT(never);
    bool irq = irq_save_disable();
    while (wait_queue_sleep(&never, true) == 0)
        ;
    irq_restore(irq);
    return -EINTR;
}
