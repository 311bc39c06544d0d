/*
 * Signals: sending, routing between lwCs, masks, dispositions and the
 * default actions. Handler frames and sigreturn are in signal/frame.c.
 *
 * Routing (the lwC rule): an attributable signal (caused by the thread's own
 * instruction: a CPU exception, or the thread signalling itself) is pending
 * on the thread and delivered in whatever lwC it runs in, with that lwC's
 * disposition. A non-attributable signal (kill from another process,
 * SIGALRM, SIGCHLD, SIGINT from the console, ...) is pending on the process
 * and delivered only while a thread runs in the root lwC. SIGKILL acts on
 * the whole process wherever its threads are.
 */
#include "signal/signal.h"

#include "arch/x86_64/trap.h"
#include "arch/x86_64/timer.h"
#include "lib/errno.h"
#include "lib/klog.h"
#include "lib/string.h"
#include "lwc/lwc.h"
#include "mm/uaccess.h"
#include "proc/process_internal.h"
#include "proc/sched.h"
#include "signal/signal_internal.h"
#include "sys/syscall.h"

#define SIG_BIT(sig) (1ull << ((sig) - 1))
#define UNBLOCKABLE (SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP))
/* Non-attributable signals that act wherever the threads are. */
#define ACTS_EVERYWHERE (SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP))

static bool valid_signal(int sig)
{
    return sig >= 1 && sig <= NSIG;
}

enum default_action signal_default_action(int sig)
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

static uint64_t handler_in(const struct k_sigaction *actions, int sig)
{
    return actions != NULL ? actions[sig - 1].handler : SIG_DFL;
}

/* The handler for sig in the lwC the current thread of p is running in. */
static uint64_t handler_of(const struct process *p, int sig)
{
    return handler_in(p->sigactions, sig);
}

/* The dispositions a process-directed signal is delivered with: the root
 * lwC's, because it waits until a thread runs there, whatever lwC is
 * running when it is sent. */
static const struct k_sigaction *root_sigactions(const struct process *p)
{
    return p->root_lwc != NULL ? p->root_lwc->sigactions : p->sigactions;
}

/* Like Linux, a signal that would be ignored under the dispositions it will
 * be delivered with is discarded when it is sent, unless it is blocked
 * (then it stays pending until unblocked). */
static bool signal_discarded(const struct k_sigaction *actions, const struct thread *t, int sig)
{
    uint64_t handler = handler_in(actions, sig);
    enum default_action action = signal_default_action(sig);
    bool ignored = sig != SIGKILL && sig != SIGSTOP &&
                   (handler == SIG_IGN ||
                    (handler == SIG_DFL && (action == ACTION_IGNORE || action == ACTION_CONTINUE)));
    bool blocked = t != NULL && (t->blocked_signals & SIG_BIT(sig));
    return ignored && !blocked;
}

static struct thread *first_thread(const struct process *p)
{
    if (list_empty(&p->threads))
        return NULL;
    return container_of(p->threads.next, struct thread, proc_link);
}

static bool in_root_lwc(const struct thread *t)
{
    return t->lwc == NULL || t->lwc == t->proc->root_lwc;
}

/* Signals t may take now: its own, plus the process's while it runs in
 * the root lwC (SIGKILL and SIGSTOP anywhere). */
static uint64_t deliverable(const struct thread *t)
{
    uint64_t shared = t->proc->pending_signals;
    if (!in_root_lwc(t))
        shared &= ACTS_EVERYWHERE;
    return (t->pending_signals | shared) & ~(t->blocked_signals & ~UNBLOCKABLE);
}

bool signal_pending_current(void)
{
    /* A process being torn down (exit_group, a fatal signal) ends every
     * interruptible sleep of its threads, as SIGKILL would. */
    return deliverable(current_thread()) != 0 || current_process()->exiting;
}

/* Wake the threads of p that sleep interruptibly and could take sig. */
static void wake_for_signal(struct process *p, int sig)
{
    list_for_each(node, &p->threads) {
        struct thread *t = container_of(node, struct thread, proc_link);
        if (t->state == THREAD_SLEEPING && t->sleep_interruptible && deliverable(t) != 0)
            sched_wake(t);
    }
    (void)sig;
}

/* Tell p's parent that p stopped or continued (SIGCHLD and wait4). */
static void notify_parent_stop(struct process *p, int code, int status)
{
    struct process *parent = p->parent;
    if (parent == NULL)
        return;
    const struct k_sigaction *actions = root_sigactions(parent);
    if (actions != NULL && (actions[SIGCHLD - 1].flags & SA_NOCLDSTOP))
        ;   /* the parent asked not to hear about stops or continues, as on Linux */
    else {
        struct ksiginfo info = { .code = code, .pid = p->pid, .uid = p->cred.uid, .status = status };
        signal_send_process_info(parent, SIGCHLD, &info);
    }
    wait_queue_wake_all(&parent->child_exit);
}

/* Effects of sending a job-control signal, which act when sent, not when
 * delivered: SIGCONT resumes a stopped process and cancels pending stops;
 * a stop signal cancels a pending SIGCONT. */
static void job_control_on_send(struct process *p, int sig)
{
    const uint64_t stops = SIG_BIT(SIGSTOP) | SIG_BIT(SIGTSTP) | SIG_BIT(21) | SIG_BIT(22);

    if (sig == SIGCONT) {
        p->pending_signals &= ~stops;
        list_for_each(node, &p->threads)
            container_of(node, struct thread, proc_link)->pending_signals &= ~stops;
        if (p->stopped) {
            p->stopped = false;
            p->continued_unreported = true;
            wait_queue_wake_all(&p->stop_wq);
            notify_parent_stop(p, CLD_CONTINUED, SIGCONT);
        }
    } else if (stops & SIG_BIT(sig)) {
        p->pending_signals &= ~SIG_BIT(SIGCONT);
    } else if (sig == SIGKILL) {
        /* SIGKILL ends a stopped process too; it is no longer stopped, so a
         * SIGCONT sent before it dies reports no continue. */
        p->stopped = false;
        wait_queue_wake_all(&p->stop_wq);
    }
}

int signal_send_process_info(struct process *p, int sig, const struct ksiginfo *info)
{
    if (!valid_signal(sig))
        return -EINVAL;
    if (p->state == PROCESS_ZOMBIE || p->pid == 0)
        return 0;
    job_control_on_send(p, sig);
    if (signal_discarded(root_sigactions(p), first_thread(p), sig))
        return 0;
    /* Like Linux, init gets only the signals it has a handler for; not
     * even SIGKILL ends it from outside. */
    if (p->pid == 1 && (sig == SIGKILL || handler_in(root_sigactions(p), sig) <= SIG_IGN))
        return 0;
    bool irq = irq_save_disable();
    if (!(p->pending_signals & SIG_BIT(sig)))
        p->pending_info[sig - 1] = *info;
    p->pending_signals |= SIG_BIT(sig);
    wake_for_signal(p, sig);
    irq_restore(irq);
    return 0;
}

int signal_send_process(struct process *p, int sig)
{
    struct ksiginfo info = { .code = SI_KERNEL };
    return signal_send_process_info(p, sig, &info);
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

static void send_thread(struct thread *t, int sig, const struct ksiginfo *info)
{
    if (signal_discarded(t->proc->sigactions, t, sig))
        return;
    if (!(t->pending_signals & SIG_BIT(sig)))
        t->pending_info[sig - 1] = *info;
    t->pending_signals |= SIG_BIT(sig);
}

void signal_send_self(int sig)
{
    struct thread *self = current_thread();
    struct ksiginfo info = { .code = SI_KERNEL, .pid = self->proc->pid, .uid = self->proc->cred.uid };
    send_thread(self, sig, &info);
}

/* Fault details, by vector, for the siginfo of a CPU exception. */
static void fault_info(const struct trap_frame *frame, int sig, uint64_t addr, struct ksiginfo *info)
{
    info->addr = addr;
    switch (sig) {
    case SIGSEGV:
        /* Linux: MAPERR for a missing page, ACCERR for a protection fault. */
        info->code = (frame->vector == VEC_PAGE_FAULT && (frame->error_code & 1)) ? SEGV_ACCERR
                     : frame->vector == VEC_PAGE_FAULT                          ? SEGV_MAPERR
                                                                                 : SI_KERNEL;
        if (frame->vector != VEC_PAGE_FAULT)
            info->addr = 0;
        break;
    case SIGFPE:
        info->code = FPE_INTDIV;
        info->addr = frame->rip;
        break;
    case SIGILL:
        info->code = ILL_ILLOPN;
        info->addr = frame->rip;
        break;
    case SIGTRAP:
        info->code = frame->vector == VEC_BREAKPOINT ? SI_KERNEL : TRAP_BRKPT;
        info->addr = 0;
        break;
    default:
        info->code = BUS_ADRALN;
        break;
    }
}

void signal_from_trap(struct trap_frame *frame, int sig, uint64_t addr)
{
    struct thread *self = current_thread();
    struct ksiginfo info = { 0 };

    fault_info(frame, sig, addr, &info);
    /* A fault that cannot be delivered (blocked or ignored) must not loop
     * on the same instruction: like Linux, force the default action. */
    if ((self->blocked_signals & SIG_BIT(sig)) || handler_of(self->proc, sig) == SIG_IGN) {
        self->blocked_signals &= ~SIG_BIT(sig);
        if (self->proc->sigactions != NULL)
            self->proc->sigactions[sig - 1].handler = SIG_DFL;
    }
    self->pending_info[sig - 1] = info;
    self->pending_signals |= SIG_BIT(sig);
}

bool signal_deliver_pending(struct trap_frame *frame)
{
    struct thread *self = current_thread();
    struct process *p = self->proc;
    uint64_t ready = deliverable(self);

    if (ready == 0)
        return false;
    int sig = __builtin_ctzll(ready) + 1;
    struct ksiginfo info;
    if (self->pending_signals & SIG_BIT(sig)) {
        info = self->pending_info[sig - 1];
        self->pending_signals &= ~SIG_BIT(sig);
    } else {
        info = p->pending_info[sig - 1];
        p->pending_signals &= ~SIG_BIT(sig);
    }

    uint64_t handler = handler_of(p, sig);
    if (sig == SIGKILL)
        process_exit(WAIT_STATUS_SIGNALED(sig));
    if (handler == SIG_IGN)
        return true;
    if (handler != SIG_DFL) {
        signal_setup_frame(frame, sig, &info);
        return true;
    }
    switch (signal_default_action(sig)) {
    case ACTION_IGNORE:
    case ACTION_CONTINUE:
        return true;
    case ACTION_STOP:
        signal_stop(sig);
        return true;
    case ACTION_TERMINATE:
        break;
    }
    process_exit(WAIT_STATUS_SIGNALED(sig));
}

/* The default action of a stop signal: the process stops until SIGCONT or
 * SIGKILL. Called with interrupts disabled, on the way back to user mode.
 * NOTE: only the thread that takes the signal waits; with several threads,
 * the others stop at their own next return to user mode. */
void signal_stop(int sig)
{
    struct thread *self = current_thread();
    struct process *p = self->proc;

    if (!p->stopped) {
        p->stopped = true;
        p->stop_signal = sig;
        p->stop_reported = false;
        notify_parent_stop(p, CLD_STOPPED, sig);
    }
    while (p->stopped && !p->exiting &&
           !((self->pending_signals | p->pending_signals) & SIG_BIT(SIGKILL)))
        wait_queue_sleep(&p->stop_wq, false);
}

void signal_check_alarms(uint64_t now_ns)
{
    for (struct process *p = process_next(NULL); p != NULL; p = process_next(p)) {
        if (p->alarm_deadline_ns != 0 && now_ns >= p->alarm_deadline_ns) {
            p->alarm_deadline_ns = p->itimer_interval_ns != 0 ? now_ns + p->itimer_interval_ns : 0;
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
    struct process *self = current_process();
    if (!may_signal(p))
        return -EPERM;
    if (sig == 0)
        return 0;
    /* A process signalling itself with kill is not attributable to a
     * thread; it goes to the process like any other kill (kill(2)). */
    struct ksiginfo info = { .code = SI_USER, .pid = self->pid, .uid = self->cred.uid };
    return signal_send_process_info(p, sig, &info);
}

SYSCALL2(kill, int, pid, int, sig)
{
    if (sig < 0 || sig > NSIG)
        return -EINVAL;

    if (pid > 0) {
        struct process *p = process_find(pid);
        if (p == NULL || p->state == PROCESS_ZOMBIE)
            return p == NULL ? -ESRCH : 0;
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

static long tkill_common(int tid, int sig)
{
    struct thread *self = current_thread();

    if (tid <= 0 || sig < 0 || sig > NSIG)
        return -EINVAL;
    /* A thread signalling itself is attributable: the signal is its own
     * (raise). */
    if (tid == self->tid) {
        if (sig != 0) {
            struct ksiginfo info = { .code = SI_TKILL, .pid = self->proc->pid,
                                     .uid = self->proc->cred.uid };
            send_thread(self, sig, &info);
        }
        return 0;
    }
    struct thread *t = thread_find(tid);
    if (t == NULL || t->proc->state == PROCESS_ZOMBIE)
        return -ESRCH;
    if (!may_signal(t->proc))
        return -EPERM;
    if (sig == 0)
        return 0;
    /* NOTE: a signal to another thread is pending on that thread and, like
     * a thread's own signals, delivered in whatever lwC it runs. */
    struct ksiginfo info = { .code = SI_TKILL, .pid = self->proc->pid, .uid = self->proc->cred.uid };
    send_thread(t, sig, &info);
    if (t->state == THREAD_SLEEPING && t->sleep_interruptible &&
        !(t->blocked_signals & SIG_BIT(sig)))
        sched_wake(t);
    return 0;
}

SYSCALL2(tkill, int, tid, int, sig)
{
    return tkill_common(tid, sig);
}

SYSCALL3(tgkill, int, tgid, int, tid, int, sig)
{
    if (tgid <= 0 || tid <= 0)
        return -EINVAL;
    struct thread *t = thread_find(tid);
    if (t == NULL || t->proc->pid != tgid)
        return -ESRCH;
    return tkill_common(tid, sig);
}

SYSCALL4(rt_sigaction, int, sig, uint64_t, user_act, uint64_t, user_old, size_t, sigsetsize)
{
    struct process *p = current_process();
    struct k_sigaction act;

    if (sigsetsize != sizeof(uint64_t) || !valid_signal(sig) || p->sigactions == NULL)
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
        /* Setting SIG_IGN, or SIG_DFL for an ignored-by-default signal,
         * discards it if pending (POSIX). This lwC's dispositions cover the
         * thread's own pending signals. The process's pending signals wait
         * for the root lwC, so only a change made in the root discards them. */
        if (signal_discarded(p->sigactions, NULL, sig))
            current_thread()->pending_signals &= ~SIG_BIT(sig);
        if (signal_discarded(root_sigactions(p), NULL, sig))
            p->pending_signals &= ~SIG_BIT(sig);
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

/* Sleep until a signal is delivered. */
static long sleep_for_signal(void)
{
    struct wait_queue never = WAIT_QUEUE_INIT(never);
    bool irq = irq_save_disable();
    while (wait_queue_sleep(&never, true) == 0)
        ;
    irq_restore(irq);
    return -EINTR;
}

SYSCALL0(pause)
{
    return sleep_for_signal();
}

SYSCALL2(rt_sigsuspend, uint64_t, user_mask, size_t, sigsetsize)
{
    struct thread *self = current_thread();
    uint64_t mask;

    if (sigsetsize != sizeof(uint64_t))
        return -EINVAL;
    if (copy_from_user(&mask, user_mask, sizeof(mask)) != 0)
        return -EFAULT;
    /* The handler's frame records the old mask; sigreturn restores it. */
    self->saved_mask = self->blocked_signals;
    self->saved_mask_valid = true;
    self->blocked_signals = mask & ~UNBLOCKABLE;
    return sleep_for_signal();
}

struct itimerval_k {
    int64_t interval_sec, interval_usec;
    int64_t value_sec, value_usec;
};

#define ITIMER_REAL 0
#define USEC_NS 1000ull
#define SEC_NS 1000000000ull

static void itimer_read(const struct process *p, struct itimerval_k *out)
{
    uint64_t now = timer_monotonic_ns();
    uint64_t left = p->alarm_deadline_ns > now ? p->alarm_deadline_ns - now : 0;
    out->interval_sec = (int64_t)(p->itimer_interval_ns / SEC_NS);
    out->interval_usec = (int64_t)(p->itimer_interval_ns % SEC_NS / USEC_NS);
    out->value_sec = (int64_t)(left / SEC_NS);
    out->value_usec = (int64_t)((left % SEC_NS + USEC_NS - 1) / USEC_NS);
}

SYSCALL2(getitimer, int, which, uint64_t, user_value)
{
    struct itimerval_k value;
    if (which != ITIMER_REAL)
        return which == 1 || which == 2 ? -ENOSYS : -EINVAL;
    itimer_read(current_process(), &value);
    return copy_to_user(user_value, &value, sizeof(value));
}

SYSCALL3(setitimer, int, which, uint64_t, user_new, uint64_t, user_old)
{
    struct process *p = current_process();
    struct itimerval_k value, old;

    if (which != ITIMER_REAL)
        return which == 1 || which == 2 ? -ENOSYS : -EINVAL;
    if (user_new != 0 && copy_from_user(&value, user_new, sizeof(value)) != 0)
        return -EFAULT;
    if (user_new != 0 && (value.value_usec < 0 || value.value_usec >= 1000000 ||
                          value.interval_usec < 0 || value.interval_usec >= 1000000 ||
                          value.value_sec < 0 || value.interval_sec < 0))
        return -EINVAL;
    itimer_read(p, &old);
    if (user_old != 0 && copy_to_user(user_old, &old, sizeof(old)) != 0)
        return -EFAULT;
    if (user_new != 0) {
        uint64_t first = (uint64_t)value.value_sec * SEC_NS + (uint64_t)value.value_usec * USEC_NS;
        p->itimer_interval_ns = (uint64_t)value.interval_sec * SEC_NS +
                                (uint64_t)value.interval_usec * USEC_NS;
        p->alarm_deadline_ns = first == 0 ? 0 : timer_monotonic_ns() + first;
    }
    return 0;
}
