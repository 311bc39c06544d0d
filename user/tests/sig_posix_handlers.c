/*
 * Signal handlers: the siginfo they get, the mask while they run, nesting, SA_NODEFER,
 * SA_RESETHAND, sa_mask, sigpending, sigsuspend and SIGCHLD. The output is the same
 * on Linux and lwcos byte for byte.
 *
 * Handlers append letters to a trace (a lower-case letter when one starts, the
 * upper-case letter when it returns), so a case can check the exact order of events.
 * Each case puts every disposition and the mask back as they were before it ends.
 */
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktap.h"

/* ---- Helpers ---- */

static char trace[64];
static volatile sig_atomic_t trace_length;

static void trace_add(char event)
{
    if (trace_length < (sig_atomic_t)sizeof trace - 1)
        trace[trace_length++] = event;
    trace[trace_length] = '\0';
}

static void trace_clear(void)
{
    trace_length = 0;
    trace[0] = '\0';
}

static void install(int sig, void (*handler)(int), int flags)
{
    struct sigaction act;

    memset(&act, 0, sizeof act);
    act.sa_handler = handler;
    act.sa_flags = flags;
    if (sigaction(sig, &act, NULL) != 0)
        KTAP_FAIL("sigaction(%d) failed", sig);
}

static void install_info(int sig, void (*action)(int, siginfo_t *, void *), int flags)
{
    struct sigaction act;

    memset(&act, 0, sizeof act);
    act.sa_sigaction = action;
    act.sa_flags = flags | SA_SIGINFO;
    if (sigaction(sig, &act, NULL) != 0)
        KTAP_FAIL("sigaction(%d) failed", sig);
}

/* Put every catchable signal back to SIG_DFL and unblock everything. */
static void restore_defaults(void)
{
    sigset_t none;

    for (int sig = 1; sig < SIGRTMIN; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP && sig != SIGALRM)
            signal(sig, SIG_DFL);
    }
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static sigset_t set_of(int first, int second)
{
    sigset_t set;

    sigemptyset(&set);
    if (first != 0)
        sigaddset(&set, first);
    if (second != 0)
        sigaddset(&set, second);
    return set;
}

static bool blocked_now(int sig)
{
    sigset_t current;

    sigprocmask(SIG_BLOCK, NULL, &current);
    return sigismember(&current, sig) == 1;
}

/* ---- siginfo ---- */

static siginfo_t last_info;
static int info_calls;

static void record_info(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)context;
    last_info = *info;
    info_calls++;
}

static void kill_gives_si_user(void)
{
    info_calls = 0;
    install_info(SIGUSR1, record_info, 0);

    /* A process signalling itself with kill gets the signal before kill returns. */
    EXPECT_OK(kill(getpid(), SIGUSR1));
    EXPECT_EQ(info_calls, 1);
    EXPECT_EQ(last_info.si_signo, SIGUSR1);
    EXPECT_EQ(last_info.si_code, SI_USER);
    EXPECT_EQ(last_info.si_pid, getpid());
    EXPECT_EQ(last_info.si_uid, getuid());
    restore_defaults();
}

static void raise_gives_si_tkill(void)
{
    info_calls = 0;
    install_info(SIGUSR2, record_info, 0);

    EXPECT_EQ(raise(SIGUSR2), 0);
    EXPECT_EQ(info_calls, 1);
    EXPECT_EQ(last_info.si_signo, SIGUSR2);
    EXPECT_EQ(last_info.si_code, SI_TKILL);
    EXPECT_EQ(last_info.si_pid, getpid());
    EXPECT_EQ(last_info.si_uid, getuid());
    restore_defaults();
}

static void kill_from_child_names_sender(void)
{
    sigset_t usr1 = set_of(SIGUSR1, 0), empty = set_of(0, 0);
    pid_t pid;

    info_calls = 0;
    install_info(SIGUSR1, record_info, 0);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    EXPECT_ERRNO(sigsuspend(&empty), EINTR);
    EXPECT_EQ(info_calls, 1);
    EXPECT_EQ(last_info.si_code, SI_USER);
    EXPECT_EQ(last_info.si_pid, pid);
    EXPECT_EXITED(ktap_wait(pid), 0);
    restore_defaults();
}

/* ---- The mask while a handler runs ---- */

static bool usr1_blocked_inside, usr2_blocked_inside, term_blocked_inside;

static void record_mask(int sig)
{
    (void)sig;
    usr1_blocked_inside = blocked_now(SIGUSR1);
    usr2_blocked_inside = blocked_now(SIGUSR2);
    term_blocked_inside = blocked_now(SIGTERM);
}

static void handler_blocks_own_signal(void)
{
    install(SIGUSR1, record_mask, 0);
    raise(SIGUSR1);
    EXPECT_TRUE(usr1_blocked_inside);
    EXPECT_TRUE(!usr2_blocked_inside);
    /* sigreturn restores the mask from before the handler. */
    EXPECT_TRUE(!blocked_now(SIGUSR1));
    restore_defaults();
}

static void handler_adds_sa_mask(void)
{
    struct sigaction act;

    memset(&act, 0, sizeof act);
    act.sa_handler = record_mask;
    sigemptyset(&act.sa_mask);
    sigaddset(&act.sa_mask, SIGUSR2);
    sigaddset(&act.sa_mask, SIGKILL);   /* silently left out */
    ASSERT_OK(sigaction(SIGUSR1, &act, NULL));

    raise(SIGUSR1);
    EXPECT_TRUE(usr1_blocked_inside);
    EXPECT_TRUE(usr2_blocked_inside);
    EXPECT_TRUE(!term_blocked_inside);
    EXPECT_TRUE(!blocked_now(SIGUSR2));
    EXPECT_TRUE(!blocked_now(SIGKILL));

    /* The stored sa_mask keeps SIGUSR2 and drops SIGKILL. */
    ASSERT_OK(sigaction(SIGUSR1, NULL, &act));
    EXPECT_EQ(sigismember(&act.sa_mask, SIGUSR2), 1);
    EXPECT_EQ(sigismember(&act.sa_mask, SIGKILL), 0);
    restore_defaults();
}

static void sa_nodefer_leaves_unblocked(void)
{
    install(SIGUSR1, record_mask, SA_NODEFER);
    raise(SIGUSR1);
    EXPECT_TRUE(!usr1_blocked_inside);
    restore_defaults();
}

/* ---- Nesting and deferral ---- */

static void usr2_letter(int sig)
{
    (void)sig;
    trace_add('b');
    trace_add('B');
}

/* SIGUSR1: raise SIGUSR2 (or SIGUSR1 again, once) from inside the handler. */
static int resend_signal;

static void usr1_resends(int sig)
{
    (void)sig;
    trace_add('a');
    if (resend_signal != 0) {
        int again = resend_signal;

        resend_signal = 0;
        raise(again);
    }
    trace_add('A');
}

static void other_signal_nests(void)
{
    trace_clear();
    install(SIGUSR2, usr2_letter, 0);
    install(SIGUSR1, usr1_resends, 0);
    resend_signal = SIGUSR2;
    raise(SIGUSR1);
    EXPECT_STREQ(trace, "abBA");
    restore_defaults();
}

static void sa_mask_defers_other_signal(void)
{
    struct sigaction act;

    trace_clear();
    install(SIGUSR2, usr2_letter, 0);
    memset(&act, 0, sizeof act);
    act.sa_handler = usr1_resends;
    sigaddset(&act.sa_mask, SIGUSR2);
    ASSERT_OK(sigaction(SIGUSR1, &act, NULL));
    resend_signal = SIGUSR2;
    raise(SIGUSR1);
    EXPECT_STREQ(trace, "aAbB");
    restore_defaults();
}

static void same_signal_is_deferred(void)
{
    trace_clear();
    install(SIGUSR1, usr1_resends, 0);
    resend_signal = SIGUSR1;
    raise(SIGUSR1);
    EXPECT_STREQ(trace, "aAaA");
    restore_defaults();
}

static void sa_nodefer_allows_reentry(void)
{
    trace_clear();
    install(SIGUSR1, usr1_resends, SA_NODEFER);
    resend_signal = SIGUSR1;
    raise(SIGUSR1);
    EXPECT_STREQ(trace, "aaAA");
    restore_defaults();
}

/*
 * A standard signal sent three times while blocked is delivered once. The thread
 * (raise) and the process (kill) keep separate pending sets, as on Linux, so the
 * two kinds are checked one at a time.
 */
static void blocked_signal_merges(void)
{
    sigset_t usr1 = set_of(SIGUSR1, 0);

    trace_clear();
    install(SIGUSR1, usr1_resends, 0);
    resend_signal = 0;
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    for (int i = 0; i < 3; i++)
        raise(SIGUSR1);
    EXPECT_STREQ(trace, "");
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    EXPECT_STREQ(trace, "aA");

    trace_clear();
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    for (int i = 0; i < 3; i++)
        kill(getpid(), SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    EXPECT_STREQ(trace, "aA");
    restore_defaults();
}

/*
 * Two signals become deliverable at once. The kernel takes the lowest number
 * (SIGUSR1) first and builds its frame, then, before returning to user mode, builds
 * SIGUSR2's frame on top of it: SIGUSR2's handler runs first and returns into
 * SIGUSR1's. Linux 6.x and lwcos both loop this way on the way out of the kernel.
 */
static void pending_pair_nests_higher(void)
{
    sigset_t both = set_of(SIGUSR1, SIGUSR2);

    trace_clear();
    install(SIGUSR1, usr1_resends, 0);
    install(SIGUSR2, usr2_letter, 0);
    resend_signal = 0;
    sigprocmask(SIG_BLOCK, &both, NULL);
    raise(SIGUSR2);
    raise(SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &both, NULL);
    EXPECT_STREQ(trace, "bBaA");
    restore_defaults();
}

/* ---- SA_RESETHAND ---- */

static void sa_resethand_runs_once(void)
{
    struct sigaction old;
    pid_t pid;

    trace_clear();
    install(SIGUSR1, usr1_resends, SA_RESETHAND);
    resend_signal = 0;
    raise(SIGUSR1);
    EXPECT_STREQ(trace, "aA");
    ASSERT_OK(sigaction(SIGUSR1, NULL, &old));
    EXPECT_TRUE(old.sa_handler == SIG_DFL);

    /* The second one takes the default action. */
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        raise(SIGUSR1);
        _exit(42);
    }
    EXPECT_STATUS(ktap_wait(pid), 0x000a);
    restore_defaults();
}

/* ---- sigpending ---- */

static void sigpending_lists_blocked(void)
{
    sigset_t block = set_of(SIGUSR1, SIGCHLD), pending;

    trace_clear();
    install(SIGUSR1, usr1_resends, 0);
    resend_signal = 0;
    sigprocmask(SIG_BLOCK, &block, NULL);

    ASSERT_OK(sigpending(&pending));
    EXPECT_EQ(sigismember(&pending, SIGUSR1), 0);
    kill(getpid(), SIGUSR1);
    /* Ignored by default, but blocked: it stays pending. */
    kill(getpid(), SIGCHLD);
    /* Ignored and not blocked: discarded at once. */
    kill(getpid(), SIGURG);
    ASSERT_OK(sigpending(&pending));
    EXPECT_EQ(sigismember(&pending, SIGUSR1), 1);
    EXPECT_EQ(sigismember(&pending, SIGCHLD), 1);
    EXPECT_EQ(sigismember(&pending, SIGURG), 0);
    EXPECT_EQ(sigismember(&pending, SIGUSR2), 0);
    EXPECT_STREQ(trace, "");

    sigprocmask(SIG_UNBLOCK, &block, NULL);
    EXPECT_STREQ(trace, "aA");
    ASSERT_OK(sigpending(&pending));
    EXPECT_EQ(sigismember(&pending, SIGUSR1), 0);
    EXPECT_EQ(sigismember(&pending, SIGCHLD), 0);
    restore_defaults();
}

static void sig_ign_discards_pending(void)
{
    sigset_t usr1 = set_of(SIGUSR1, 0), pending;

    sigprocmask(SIG_BLOCK, &usr1, NULL);
    raise(SIGUSR1);
    ASSERT_OK(sigpending(&pending));
    EXPECT_EQ(sigismember(&pending, SIGUSR1), 1);
    signal(SIGUSR1, SIG_IGN);
    ASSERT_OK(sigpending(&pending));
    EXPECT_EQ(sigismember(&pending, SIGUSR1), 0);
    restore_defaults();
}

/* ---- sigsuspend ---- */

static bool usr2_blocked_in_suspend;

static void usr1_checks_suspend_mask(int sig)
{
    (void)sig;
    usr1_blocked_inside = blocked_now(SIGUSR1);
    usr2_blocked_in_suspend = blocked_now(SIGUSR2);
    term_blocked_inside = blocked_now(SIGTERM);
    trace_add('a');
}

static void sigsuspend_replaces_mask(void)
{
    sigset_t block = set_of(SIGUSR1, SIGTERM), wait_mask = set_of(SIGUSR2, 0), now;

    trace_clear();
    install(SIGUSR1, usr1_checks_suspend_mask, 0);
    sigprocmask(SIG_BLOCK, &block, NULL);
    raise(SIGUSR1);
    EXPECT_STREQ(trace, "");

    /* Pending and unblocked by the wait mask: delivered at once, then EINTR. */
    EXPECT_ERRNO(sigsuspend(&wait_mask), EINTR);
    EXPECT_STREQ(trace, "a");
    /* Inside: the wait mask plus the handler's own signal. */
    EXPECT_TRUE(usr1_blocked_inside);
    EXPECT_TRUE(usr2_blocked_in_suspend);
    EXPECT_TRUE(!term_blocked_inside);

    /* After: the mask from before the call. */
    sigprocmask(SIG_BLOCK, NULL, &now);
    EXPECT_EQ(sigismember(&now, SIGUSR1), 1);
    EXPECT_EQ(sigismember(&now, SIGTERM), 1);
    EXPECT_EQ(sigismember(&now, SIGUSR2), 0);
    restore_defaults();
}

static void sigsuspend_waits_for_child_kill(void)
{
    sigset_t usr1 = set_of(SIGUSR1, 0), empty = set_of(0, 0), now;
    pid_t pid;

    trace_clear();
    install(SIGUSR1, usr1_checks_suspend_mask, 0);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        usleep(100000);
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    EXPECT_ERRNO(sigsuspend(&empty), EINTR);
    EXPECT_STREQ(trace, "a");
    sigprocmask(SIG_BLOCK, NULL, &now);
    EXPECT_EQ(sigismember(&now, SIGUSR1), 1);
    EXPECT_EXITED(ktap_wait(pid), 0);
    restore_defaults();
}

/* ---- SIGCHLD ---- */

static siginfo_t child_info;
static int child_signals;

static void record_child(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)context;
    child_info = *info;
    child_signals++;
}

/* Fork a child that runs BODY, wait for its SIGCHLD in sigsuspend, then reap it. */
static pid_t fork_and_catch_sigchld(void (*body)(void))
{
    sigset_t chld = set_of(SIGCHLD, 0), empty = set_of(0, 0);
    pid_t pid;

    child_signals = 0;
    memset(&child_info, 0, sizeof child_info);
    install_info(SIGCHLD, record_child, 0);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    pid = ktap_fork();
    if (pid < 0) {
        KTAP_FAIL("fork failed");
        return -1;
    }
    if (pid == 0)
        body();
    EXPECT_ERRNO(sigsuspend(&empty), EINTR);
    return pid;
}

static void exit_7(void)
{
    _exit(7);
}

static void die_by_sigterm(void)
{
    kill(getpid(), SIGTERM);
    _exit(100);
}

static void sigchld_reports_exit(void)
{
    pid_t pid = fork_and_catch_sigchld(exit_7);

    ASSERT_GT(pid, 0);
    EXPECT_EQ(child_signals, 1);
    EXPECT_EQ(child_info.si_signo, SIGCHLD);
    EXPECT_EQ(child_info.si_code, CLD_EXITED);
    EXPECT_EQ(child_info.si_pid, pid);
    EXPECT_EQ(child_info.si_uid, getuid());
    EXPECT_EQ(child_info.si_status, 7);
    EXPECT_EXITED(ktap_wait(pid), 7);
    restore_defaults();
}

static void sigchld_reports_kill(void)
{
    pid_t pid = fork_and_catch_sigchld(die_by_sigterm);

    ASSERT_GT(pid, 0);
    EXPECT_EQ(child_signals, 1);
    EXPECT_EQ(child_info.si_signo, SIGCHLD);
    EXPECT_EQ(child_info.si_code, CLD_KILLED);
    EXPECT_EQ(child_info.si_pid, pid);
    EXPECT_EQ(child_info.si_status, SIGTERM);
    EXPECT_SIGNALED(ktap_wait(pid), SIGTERM);
    restore_defaults();
}

static const struct ktap_case cases[] = {
    KTAP_CASE(kill_gives_si_user),
    KTAP_CASE(raise_gives_si_tkill),
    KTAP_CASE(kill_from_child_names_sender),
    KTAP_CASE(handler_blocks_own_signal),
    KTAP_CASE(handler_adds_sa_mask),
    KTAP_CASE(sa_nodefer_leaves_unblocked),
    KTAP_CASE(other_signal_nests),
    KTAP_CASE(sa_mask_defers_other_signal),
    KTAP_CASE(same_signal_is_deferred),
    KTAP_CASE(sa_nodefer_allows_reentry),
    KTAP_CASE(blocked_signal_merges),
    KTAP_CASE(pending_pair_nests_higher),
    KTAP_CASE(sa_resethand_runs_once),
    KTAP_CASE(sigpending_lists_blocked),
    KTAP_CASE(sig_ign_discards_pending),
    KTAP_CASE(sigsuspend_replaces_mask),
    KTAP_CASE(sigsuspend_waits_for_child_kill),
    KTAP_CASE(sigchld_reports_exit),
    KTAP_CASE(sigchld_reports_kill),
};

int main(int argc, char **argv)
{
    return KTAP_MAIN(argc, argv, cases);
}
