/*
 * Interrupted system calls: a handler that interrupts a blocking pipe read makes the
 * read fail with EINTR, unless the handler was installed with SA_RESTART, in which
 * case the read goes on and returns data written later. pause() and sigsuspend()
 * never restart. The output is the same on Linux and lwcos byte for byte.
 *
 * The interrupting signal is SIGALRM from alarm(1). Each case saves the program's
 * own timeout alarm (ktap.h) and arms it again when it ends.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "ktap.h"

static volatile sig_atomic_t alarms;
/* The write end of a pipe the handler writes one byte to, or -1. */
static int alarm_notify_fd = -1;

static void count_alarm(int sig)
{
    (void)sig;
    alarms++;
    if (alarm_notify_fd >= 0 && write(alarm_notify_fd, "!", 1) != 1)
        alarms = 100;
}

static void install_alarm_handler(int flags)
{
    struct sigaction act;

    memset(&act, 0, sizeof act);
    act.sa_handler = count_alarm;
    act.sa_flags = flags;
    if (sigaction(SIGALRM, &act, NULL) != 0)
        KTAP_FAIL("sigaction(SIGALRM) failed");
    alarms = 0;
}

/* Leave SIGALRM as ktap_main set it up: default action, the timeout re-armed
 * (alarm(0) means none was armed). */
static void restore_timeout(unsigned seconds_left)
{
    signal(SIGALRM, SIG_DFL);
    alarm_notify_fd = -1;
    alarm(seconds_left);
}

static void read_without_restart_fails_eintr(void)
{
    unsigned timeout_left = alarm(0);
    int data[2];
    char buffer[8];

    install_alarm_handler(0);
    ASSERT_OK(pipe(data));
    alarm(1);
    EXPECT_ERRNO(read(data[0], buffer, sizeof buffer), EINTR);
    EXPECT_EQ(alarms, 1);
    close(data[0]);
    close(data[1]);
    restore_timeout(timeout_left);
}

static void read_with_restart_gets_data(void)
{
    unsigned timeout_left = alarm(0);
    int data[2], fired[2];
    char buffer[8] = { 0 };
    pid_t pid;

    install_alarm_handler(SA_RESTART);
    ASSERT_OK(pipe(data));
    ASSERT_OK(pipe(fired));
    alarm_notify_fd = fired[1];

    /* The child writes only after the handler has run, so the read must restart. */
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        char byte;

        if (read(fired[0], &byte, 1) != 1 || write(data[1], "data", 4) != 4)
            _exit(100);
        _exit(0);
    }
    alarm(1);
    EXPECT_EQ(read(data[0], buffer, sizeof buffer), 4);
    EXPECT_STREQ(buffer, "data");
    EXPECT_EQ(alarms, 1);
    EXPECT_EXITED(ktap_wait(pid), 0);
    close(data[0]);
    close(data[1]);
    close(fired[0]);
    close(fired[1]);
    restore_timeout(timeout_left);
}

/*
 * A write that has moved some bytes when the signal arrives returns that count, even
 * with SA_RESTART: only a call that has done nothing yet is restarted. The pipe takes
 * 64 KiB (its capacity on Linux and on lwcos) before the write blocks.
 */
static void interrupted_write_returns_count(void)
{
    unsigned timeout_left = alarm(0);
    int data[2], fired[2];
    static char block[256 * 1024];
    pid_t pid;

    install_alarm_handler(SA_RESTART);
    ASSERT_OK(pipe(data));
    ASSERT_OK(pipe(fired));
    alarm_notify_fd = fired[1];
    memset(block, 'w', sizeof block);

    /* The child starts reading only after the handler has run. */
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        char byte, chunk[4096];
        size_t total = 0;
        ssize_t got;

        close(data[1]);
        if (read(fired[0], &byte, 1) != 1)
            _exit(100);
        while ((got = read(data[0], chunk, sizeof chunk)) > 0)
            total += (size_t)got;
        _exit(total == 65536 ? 0 : 101);
    }
    close(data[0]);
    alarm(1);
    EXPECT_EQ(write(data[1], block, sizeof block), 65536);
    EXPECT_EQ(alarms, 1);
    close(data[1]);
    EXPECT_EXITED(ktap_wait(pid), 0);
    close(fired[0]);
    close(fired[1]);
    restore_timeout(timeout_left);
}

static void pause_never_restarts(void)
{
    unsigned timeout_left = alarm(0);

    install_alarm_handler(SA_RESTART);
    alarm(1);
    EXPECT_ERRNO(pause(), EINTR);
    EXPECT_EQ(alarms, 1);
    restore_timeout(timeout_left);
}

static void sigsuspend_never_restarts(void)
{
    unsigned timeout_left = alarm(0);
    sigset_t empty;

    install_alarm_handler(SA_RESTART);
    sigemptyset(&empty);
    alarm(1);
    EXPECT_ERRNO(sigsuspend(&empty), EINTR);
    EXPECT_EQ(alarms, 1);
    restore_timeout(timeout_left);
}

static void ignored_signal_does_not_interrupt(void)
{
    unsigned timeout_left = alarm(0);
    int data[2];
    char buffer[8] = { 0 };
    pid_t pid;

    ASSERT_OK(pipe(data));
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        /* SIGURG is ignored by default: the read neither fails nor wakes early. */
        kill(getppid(), SIGURG);
        usleep(200000);
        if (write(data[1], "late", 4) != 4)
            _exit(100);
        _exit(0);
    }
    EXPECT_EQ(read(data[0], buffer, sizeof buffer), 4);
    EXPECT_STREQ(buffer, "late");
    EXPECT_EXITED(ktap_wait(pid), 0);
    close(data[0]);
    close(data[1]);
    restore_timeout(timeout_left);
}

static void getitimer_counts_down(void)
{
    unsigned timeout_left = alarm(0);
    struct itimerval value;

    install_alarm_handler(0);
    EXPECT_EQ(alarm(5), 0u);
    ASSERT_OK(getitimer(ITIMER_REAL, &value));
    EXPECT_TRUE(value.it_value.tv_sec == 4 || value.it_value.tv_sec == 5);
    EXPECT_EQ(value.it_interval.tv_sec, 0);
    EXPECT_EQ(value.it_interval.tv_usec, 0);
    /* alarm() returns the whole seconds left, rounded up. */
    EXPECT_EQ(alarm(0), 5u);
    ASSERT_OK(getitimer(ITIMER_REAL, &value));
    EXPECT_EQ(value.it_value.tv_sec, 0);
    EXPECT_EQ(value.it_value.tv_usec, 0);
    EXPECT_EQ(alarms, 0);
    restore_timeout(timeout_left);
}

static void setitimer_interval_repeats(void)
{
    unsigned timeout_left = alarm(0);
    struct itimerval every_50ms = { { 0, 50000 }, { 0, 50000 } }, off = { { 0, 0 }, { 0, 0 } };
    sigset_t empty;

    install_alarm_handler(0);
    sigemptyset(&empty);
    ASSERT_OK(setitimer(ITIMER_REAL, &every_50ms, NULL));
    while (alarms < 3)
        sigsuspend(&empty);
    ASSERT_OK(setitimer(ITIMER_REAL, &off, NULL));
    EXPECT_EQ(alarms, 3);
    restore_timeout(timeout_left);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(read_without_restart_fails_eintr),
    KTAP_CASE(read_with_restart_gets_data),
    KTAP_CASE(interrupted_write_returns_count),
    KTAP_CASE(pause_never_restarts),
    KTAP_CASE(sigsuspend_never_restarts),
    KTAP_CASE(ignored_signal_does_not_interrupt),
    KTAP_CASE(getitimer_counts_down),
    KTAP_CASE(setitimer_interval_repeats),
};

int main(int argc, char **argv)
{
    return KTAP_MAIN(argc, argv, cases);
}
