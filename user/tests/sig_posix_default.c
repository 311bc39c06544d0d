/*
 * Default signal actions: which signals kill a process (and the exact wait status
 * they leave) and which ones are discarded. A case that expects a death forks first.
 * The output is the same on Linux and lwcos byte for byte.
 *
 * None of these signals dumps core by default, so bit 7 of the status stays clear.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "ktap.h"

/* Fork a child that sends SIG to its own process with kill(), then exits 42 if it
 * is still alive. Returns the child's wait status, or -1. */
static int status_after_self_kill(int sig)
{
    pid_t pid = ktap_fork();

    if (pid < 0) {
        KTAP_FAIL("fork failed");
        return -1;
    }
    if (pid == 0) {
        kill(getpid(), sig);
        _exit(42);
    }
    return ktap_wait(pid);
}

/*
 * Fork a child that waits on a pipe, send it SIG from this process, then let it
 * go on: it exits 42 if it survived. Returns its wait status, or -1.
 */
static int status_after_kill_from_parent(int sig)
{
    int ready[2], go[2];
    char byte = 0;
    pid_t pid;

    if (pipe(ready) != 0 || pipe(go) != 0) {
        KTAP_FAIL("pipe failed");
        return -1;
    }
    pid = ktap_fork();
    if (pid < 0) {
        KTAP_FAIL("fork failed");
        return -1;
    }
    if (pid == 0) {
        if (write(ready[1], "r", 1) != 1 || read(go[0], &byte, 1) != 1)
            _exit(100);
        _exit(42);
    }
    EXPECT_EQ(read(ready[0], &byte, 1), 1);
    EXPECT_OK(kill(pid, sig));
    /* A terminating signal has ended the child by now or ends it before it reads. */
    EXPECT_EQ(write(go[1], "g", 1), 1);
    int status = ktap_wait(pid);
    close(ready[0]);
    close(ready[1]);
    close(go[0]);
    close(go[1]);
    return status;
}

static void sigterm_kills(void)
{
    EXPECT_STATUS(status_after_self_kill(SIGTERM), 0x000f);
    EXPECT_STATUS(status_after_kill_from_parent(SIGTERM), 0x000f);
}

static void sigusr1_kills(void)
{
    EXPECT_STATUS(status_after_self_kill(SIGUSR1), 0x000a);
    EXPECT_STATUS(status_after_kill_from_parent(SIGUSR1), 0x000a);
}

static void sigusr2_kills(void)
{
    EXPECT_STATUS(status_after_self_kill(SIGUSR2), 0x000c);
}

static void sighup_kills(void)
{
    EXPECT_STATUS(status_after_self_kill(SIGHUP), 0x0001);
}

static void realtime_signal_kills(void)
{
    EXPECT_STATUS(status_after_self_kill(SIGRTMIN), SIGRTMIN);
    EXPECT_STATUS(status_after_self_kill(64), 64);
}

static void sigalrm_from_alarm_kills(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0) {
        alarm(1);
        pause();
        _exit(42);
    }
    EXPECT_STATUS(ktap_wait(pid), 0x000e);
}

static void sigchld_is_ignored(void)
{
    EXPECT_EXITED(status_after_self_kill(SIGCHLD), 42);
    EXPECT_EXITED(status_after_kill_from_parent(SIGCHLD), 42);
}

static void sigurg_is_ignored(void)
{
    EXPECT_EXITED(status_after_self_kill(SIGURG), 42);
    EXPECT_EXITED(status_after_kill_from_parent(SIGURG), 42);
}

static void sigwinch_is_ignored(void)
{
    EXPECT_EXITED(status_after_self_kill(SIGWINCH), 42);
    EXPECT_EXITED(status_after_kill_from_parent(SIGWINCH), 42);
}

static void sig_ign_survives_sigterm(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0) {
        signal(SIGTERM, SIG_IGN);
        kill(getpid(), SIGTERM);
        raise(SIGTERM);
        _exit(42);
    }
    EXPECT_EXITED(ktap_wait(pid), 42);
}

static void sigkill_cannot_be_caught(void)
{
    struct sigaction act;

    memset(&act, 0, sizeof act);
    act.sa_handler = SIG_IGN;
    EXPECT_ERRNO(sigaction(SIGKILL, &act, NULL), EINVAL);
    EXPECT_ERRNO(sigaction(SIGSTOP, &act, NULL), EINVAL);
    /* Reading the disposition is allowed. */
    EXPECT_OK(sigaction(SIGKILL, NULL, &act));
    EXPECT_TRUE(act.sa_handler == SIG_DFL);
}

static void blocked_sigkill_still_kills(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0) {
        sigset_t all;

        sigfillset(&all);
        sigprocmask(SIG_BLOCK, &all, NULL);
        kill(getpid(), SIGKILL);
        _exit(42);
    }
    EXPECT_STATUS(ktap_wait(pid), 0x0009);
}

static void blocked_signal_kills_on_unblock(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0) {
        sigset_t set;

        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigprocmask(SIG_BLOCK, &set, NULL);
        kill(getpid(), SIGTERM);
        if (write(STDOUT_FILENO, "", 0) != 0)   /* still alive after a system call */
            _exit(100);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        _exit(42);
    }
    EXPECT_STATUS(ktap_wait(pid), 0x000f);
}

static void sigpipe_kills_writer(void)
{
    int fds[2];
    pid_t pid;

    ASSERT_OK(pipe(fds));
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        /* Until the parent closes its read end, the writes fill the pipe and then
         * block; the write after that close raises SIGPIPE. */
        close(fds[0]);
        for (int i = 0; i < 1000000; i++) {
            if (write(fds[1], "x", 1) != 1)
                _exit(100);
        }
        _exit(42);
    }
    close(fds[0]);
    close(fds[1]);
    EXPECT_STATUS(ktap_wait(pid), 0x000d);
}

static void sigpipe_ignored_gives_epipe(void)
{
    int fds[2];
    pid_t pid;

    ASSERT_OK(pipe(fds));
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        signal(SIGPIPE, SIG_IGN);
        close(fds[0]);
        for (int i = 0; i < 1000000; i++) {
            if (write(fds[1], "x", 1) != 1)
                _exit(errno == EPIPE ? 42 : 100);
        }
        _exit(101);
    }
    close(fds[0]);
    close(fds[1]);
    EXPECT_EXITED(ktap_wait(pid), 42);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(sigterm_kills),
    KTAP_CASE(sigusr1_kills),
    KTAP_CASE(sigusr2_kills),
    KTAP_CASE(sighup_kills),
    KTAP_CASE(realtime_signal_kills),
    KTAP_CASE(sigalrm_from_alarm_kills),
    KTAP_CASE(sigchld_is_ignored),
    KTAP_CASE(sigurg_is_ignored),
    KTAP_CASE(sigwinch_is_ignored),
    KTAP_CASE(sig_ign_survives_sigterm),
    KTAP_CASE(sigkill_cannot_be_caught),
    KTAP_CASE(blocked_sigkill_still_kills),
    KTAP_CASE(blocked_signal_kills_on_unblock),
    KTAP_CASE(sigpipe_kills_writer),
    KTAP_CASE(sigpipe_ignored_gives_epipe),
};

int main(int argc, char **argv)
{
    return KTAP_MAIN(argc, argv, cases);
}
