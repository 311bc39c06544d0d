/*
 * The STATE column of /proc/processes, which ps prints: R for a process
 * that can run, S for one whose threads all wait, T for a stopped one and
 * Z for a zombie. lwcos only: Linux has no /proc/processes.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ktap.h"

/* The state letter of pid in /proc/processes, or '?' when it is not listed. */
static char state_of(pid_t pid)
{
    static char text[8192];
    int fd = open("/proc/processes", O_RDONLY);
    if (fd < 0)
        return '?';
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0)
        return '?';
    text[n] = '\0';
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        int p, ppid;
        char state[8];
        if (sscanf(line, "%d %d %7s", &p, &ppid, state) == 3 && p == pid)
            return state[0];
    }
    return '?';
}

static void self_is_running(void)
{
    EXPECT_EQ(state_of(getpid()), 'R');
}

static void states_follow_child(void)
{
    pid_t pid = ktap_fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    ASSERT_GT(pid, 0);
    ktap_sleep_ms(50);
    EXPECT_EQ(state_of(pid), 'S');

    int status = 0;
    EXPECT_EQ(kill(pid, SIGSTOP), 0);
    EXPECT_EQ(waitpid(pid, &status, WUNTRACED), pid);
    EXPECT_EQ(state_of(pid), 'T');

    EXPECT_EQ(kill(pid, SIGKILL), 0);
    ktap_sleep_ms(50);
    EXPECT_EQ(state_of(pid), 'Z');
    EXPECT_SIGNALED(ktap_wait(pid), SIGKILL);
    EXPECT_EQ(state_of(pid), '?');
}

static const struct ktap_case cases[] = {
    KTAP_CASE(self_is_running),
    KTAP_CASE(states_follow_child),
};

int main(int argc, char **argv)
{
    return KTAP_MAIN(argc, argv, cases);
}
