/*
 * Job-control signals: a stop signal stops the whole process until SIGCONT
 * or SIGKILL, and the parent sees both through wait4 (WUNTRACED,
 * WCONTINUED) and SIGCHLD. Prints the same on Linux and lwcos.
 */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ktap.h"

/* A child that counts into a pipe every 10 ms, forever. */
static pid_t start_counter(int *read_end)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = ktap_fork();
    if (pid == 0) {
        close(fds[0]);
        for (;;) {
            char c = 'x';
            if (write(fds[1], &c, 1) != 1)
                _exit(1);
            ktap_sleep_ms(10);
        }
    }
    close(fds[1]);
    *read_end = fds[0];
    return pid;
}

static void stop_reported_by_wuntraced(void)
{
    int fd, status = 0;
    pid_t pid = start_counter(&fd);
    ASSERT_GT(pid, 0);

    ktap_sleep_ms(50);
    EXPECT_EQ(kill(pid, SIGSTOP), 0);
    EXPECT_EQ(waitpid(pid, &status, WUNTRACED), pid);
    EXPECT_TRUE(WIFSTOPPED(status));
    EXPECT_EQ(WSTOPSIG(status), SIGSTOP);
    /* Reported once: a second WUNTRACED|WNOHANG wait finds nothing new. */
    EXPECT_EQ(waitpid(pid, &status, WUNTRACED | WNOHANG), 0);

    kill(pid, SIGKILL);
    EXPECT_SIGNALED(ktap_wait(pid), SIGKILL);
    close(fd);
}

static void stopped_process_does_not_run(void)
{
    int fd, status;
    char buf[4096];
    pid_t pid = start_counter(&fd);
    ASSERT_GT(pid, 0);

    ktap_sleep_ms(50);
    kill(pid, SIGSTOP);
    EXPECT_EQ(waitpid(pid, &status, WUNTRACED), pid);
    /* Drain what it wrote before stopping, then check nothing more comes. */
    struct timespec pause_ts = { 0, 100000000 };
    nanosleep(&pause_ts, NULL);
    (void)!read(fd, buf, sizeof buf);
    nanosleep(&pause_ts, NULL);
    EXPECT_EQ(waitpid(pid, &status, WNOHANG), 0);

    kill(pid, SIGCONT);
    EXPECT_EQ(waitpid(pid, &status, WCONTINUED), pid);
    EXPECT_TRUE(WIFCONTINUED(status));
    /* Running again: it writes. */
    EXPECT_EQ(read(fd, buf, 1), 1);

    kill(pid, SIGKILL);
    EXPECT_SIGNALED(ktap_wait(pid), SIGKILL);
    close(fd);
}

static void sigkill_ends_stopped_process(void)
{
    int fd, status;
    pid_t pid = start_counter(&fd);
    ASSERT_GT(pid, 0);

    kill(pid, SIGSTOP);
    EXPECT_EQ(waitpid(pid, &status, WUNTRACED), pid);
    EXPECT_EQ(kill(pid, SIGKILL), 0);
    EXPECT_SIGNALED(ktap_wait(pid), SIGKILL);
    close(fd);
}

static volatile sig_atomic_t chld_code, chld_status, chld_continued;

static void on_chld(int sig, siginfo_t *info, void *uc)
{
    (void)sig, (void)uc;
    chld_code = info->si_code;
    chld_status = info->si_status;
    if (info->si_code == CLD_CONTINUED)
        chld_continued++;
}

static void sigchld_reports_stop_and_continue(void)
{
    struct sigaction sa, old;
    int fd, status;

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGCHLD, &sa, &old);

    pid_t pid = start_counter(&fd);
    ASSERT_GT(pid, 0);
    chld_code = 0;
    kill(pid, SIGSTOP);
    EXPECT_EQ(waitpid(pid, &status, WUNTRACED), pid);
    for (int i = 0; i < 100 && chld_code == 0; i++)
        ktap_sleep_ms(5);
    EXPECT_EQ(chld_code, CLD_STOPPED);
    EXPECT_EQ(chld_status, SIGSTOP);

    chld_code = 0;
    kill(pid, SIGCONT);
    EXPECT_EQ(waitpid(pid, &status, WCONTINUED), pid);
    for (int i = 0; i < 100 && chld_code == 0; i++)
        ktap_sleep_ms(5);
    EXPECT_EQ(chld_code, CLD_CONTINUED);
    EXPECT_EQ(chld_status, SIGCONT);

    kill(pid, SIGKILL);
    EXPECT_SIGNALED(ktap_wait(pid), SIGKILL);
    sigaction(SIGCHLD, &old, NULL);
    close(fd);
}

static void sa_nocldstop_silences_stops(void)
{
    struct sigaction sa, old;
    int fd, status;

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, &old);

    pid_t pid = start_counter(&fd);
    ASSERT_GT(pid, 0);
    chld_code = 0;
    kill(pid, SIGSTOP);
    EXPECT_EQ(waitpid(pid, &status, WUNTRACED), pid);
    ktap_sleep_ms(100);
    EXPECT_EQ(chld_code, 0);
    /* SA_NOCLDSTOP silences the continue as well. */
    kill(pid, SIGCONT);
    EXPECT_EQ(waitpid(pid, &status, WCONTINUED), pid);
    EXPECT_TRUE(WIFCONTINUED(status));
    ktap_sleep_ms(100);
    EXPECT_EQ(chld_code, 0);

    kill(pid, SIGKILL);
    EXPECT_SIGNALED(ktap_wait(pid), SIGKILL);
    sigaction(SIGCHLD, &old, NULL);
    close(fd);
}

/* A SIGCONT that follows a SIGKILL to a stopped child does not make it
 * "continued": wait4 reports the kill, and no CLD_CONTINUED arrives. */
static void sigcont_after_sigkill_reports_kill(void)
{
    struct sigaction sa, old;
    int fd, status = 0;

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGCHLD, &sa, &old);

    pid_t pid = start_counter(&fd);
    ASSERT_GT(pid, 0);
    kill(pid, SIGSTOP);
    EXPECT_EQ(waitpid(pid, &status, WUNTRACED), pid);
    chld_continued = 0;
    kill(pid, SIGKILL);
    kill(pid, SIGCONT);
    EXPECT_EQ(waitpid(pid, &status, WCONTINUED), pid);
    EXPECT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    ktap_sleep_ms(50);
    EXPECT_EQ(chld_continued, 0);
    sigaction(SIGCHLD, &old, NULL);
    close(fd);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(stop_reported_by_wuntraced),
    KTAP_CASE(stopped_process_does_not_run),
    KTAP_CASE(sigkill_ends_stopped_process),
    KTAP_CASE(sigchld_reports_stop_and_continue),
    KTAP_CASE(sa_nocldstop_silences_stops),
    KTAP_CASE(sigcont_after_sigkill_reports_kill),
};

int main(int argc, char **argv)
{
    return KTAP_MAIN(argc, argv, cases);
}
