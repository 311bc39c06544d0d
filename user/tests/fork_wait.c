/* fork() and wait4(): return values, copied memory and descriptors, wait4's options and errors. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktap.h"

static int global_counter = 7;

/* Read exactly one long that a child wrote; returns -1 (after failing the case) on a short read. */
static long read_long(int fd)
{
    long value = -1;
    ssize_t n = read(fd, &value, sizeof value);

    if (n != (ssize_t)sizeof value) {
        KTAP_FAIL("read from the pipe returned %zd, expected %zu", n, sizeof value);
        return -1;
    }
    return value;
}

static void write_long(int fd, long value)
{
    if (write(fd, &value, sizeof value) != (ssize_t)sizeof value)
        _exit(100);
}

static void fork_returns_child_pid(void)
{
    int fds[2];
    pid_t pid;

    ASSERT_OK(pipe(fds));
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        write_long(fds[1], getpid());
        _exit(0);
    }
    EXPECT_GT(pid, 0);
    EXPECT_EQ(read_long(fds[0]), pid);
    EXPECT_EXITED(ktap_wait(pid), 0);
    close(fds[0]);
    close(fds[1]);
}

static void fork_returns_zero_in_child(void)
{
    int fds[2];
    pid_t pid;

    ASSERT_OK(pipe(fds));
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid <= 0) {
        write_long(fds[1], pid);
        _exit(0);
    }
    EXPECT_EQ(read_long(fds[0]), 0);
    EXPECT_EXITED(ktap_wait(pid), 0);
    close(fds[0]);
    close(fds[1]);
}

static void child_ppid_is_parent(void)
{
    int fds[2];
    pid_t pid;

    ASSERT_OK(pipe(fds));
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        write_long(fds[1], getppid());
        _exit(0);
    }
    EXPECT_EQ(read_long(fds[0]), getpid());
    EXPECT_EXITED(ktap_wait(pid), 0);
    close(fds[0]);
    close(fds[1]);
}

static void child_memory_is_a_copy(void)
{
    int fds[2];
    pid_t pid;
    char *heap = malloc(3 * 4096);
    volatile int on_stack = 11;

    ASSERT_TRUE(heap != NULL);
    memset(heap, 'p', 3 * 4096);
    global_counter = 7;
    ASSERT_OK(pipe(fds));
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        /* Report what the child saw, then change every kind of memory. */
        write_long(fds[1], global_counter * 10000 + on_stack * 100 + heap[4096]);
        global_counter = 8;
        on_stack = 12;
        memset(heap, 'c', 3 * 4096);
        write_long(fds[1], global_counter * 10000 + on_stack * 100 + heap[4096]);
        _exit(0);
    }
    EXPECT_EQ(read_long(fds[0]), 7 * 10000 + 11 * 100 + 'p');
    EXPECT_EQ(read_long(fds[0]), 8 * 10000 + 12 * 100 + 'c');
    EXPECT_EXITED(ktap_wait(pid), 0);
    EXPECT_EQ(global_counter, 7);
    EXPECT_EQ(on_stack, 11);
    EXPECT_EQ(heap[0], 'p');
    EXPECT_EQ(heap[4096], 'p');
    EXPECT_EQ(heap[3 * 4096 - 1], 'p');
    free(heap);
    close(fds[0]);
    close(fds[1]);
}

static void parent_write_not_seen_by_child(void)
{
    int to_child[2], from_child[2];
    pid_t pid;
    char go;

    global_counter = 7;
    ASSERT_OK(pipe(to_child));
    ASSERT_OK(pipe(from_child));
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (read(to_child[0], &go, 1) != 1)
            _exit(101);
        write_long(from_child[1], global_counter);
        _exit(0);
    }
    global_counter = 9;
    EXPECT_EQ(write(to_child[1], "g", 1), 1);
    EXPECT_EQ(read_long(from_child[0]), 7);
    EXPECT_EXITED(ktap_wait(pid), 0);
    global_counter = 7;
    close(to_child[0]);
    close(to_child[1]);
    close(from_child[0]);
    close(from_child[1]);
}

static void wait4_returns_pid_and_usage(void)
{
    struct rusage usage;
    int status = -1;
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0)
        _exit(3);
    memset(&usage, 0xff, sizeof usage);
    EXPECT_EQ(wait4(pid, &status, 0, &usage), pid);
    EXPECT_EXITED(status, 3);
    /* The kernel fills the structure; a child that ran this little used under a second. */
    EXPECT_GE(usage.ru_utime.tv_sec, 0);
    EXPECT_LT(usage.ru_utime.tv_sec, 60);
}

static void wait4_without_children_echild(void)
{
    int status;

    EXPECT_ERRNO(wait4(-1, &status, 0, NULL), ECHILD);
    EXPECT_ERRNO(wait4(-1, &status, WNOHANG, NULL), ECHILD);
}

static void wait4_non_child_pid_echild(void)
{
    int status;

    EXPECT_ERRNO(wait4(getpid(), &status, 0, NULL), ECHILD);
    EXPECT_ERRNO(wait4(1, &status, 0, NULL), ECHILD);
}

static void wait4_unknown_option_einval(void)
{
    int status;

    EXPECT_ERRNO(wait4(-1, &status, 0x100, NULL), EINVAL);
}

static void wait4_wnohang_running_child(void)
{
    int fds[2];
    int status = -1;
    pid_t pid;
    char byte;

    ASSERT_OK(pipe(fds));
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        close(fds[1]);
        _exit(read(fds[0], &byte, 1) == 0 ? 0 : 102);
    }
    close(fds[0]);
    EXPECT_EQ(wait4(pid, &status, WNOHANG, NULL), 0);
    EXPECT_EQ(status, -1);
    close(fds[1]);
    EXPECT_EXITED(ktap_wait(pid), 0);
}

static void wait4_any_reaps_each_child(void)
{
    pid_t pids[3];
    bool seen[3] = { false, false, false };

    for (int i = 0; i < 3; i++) {
        pids[i] = ktap_fork();
        ASSERT_GE(pids[i], 0);
        if (pids[i] == 0)
            _exit(i + 1);
    }
    for (int n = 0; n < 3; n++) {
        int status;
        pid_t pid = wait4(-1, &status, 0, NULL);
        int i;

        for (i = 0; i < 3 && pids[i] != pid; i++)
            continue;
        if (i == 3) {
            KTAP_FAIL("wait4(-1) returned %d, not one of %d %d %d", (int)pid, (int)pids[0],
                      (int)pids[1], (int)pids[2]);
            return;
        }
        EXPECT_TRUE(!seen[i]);
        seen[i] = true;
        EXPECT_EXITED(status, i + 1);
    }
    EXPECT_ERRNO(wait4(-1, NULL, WNOHANG, NULL), ECHILD);
}

static void wait4_pid_waits_for_that_child(void)
{
    int fds[2];
    int status;
    pid_t slow, quick;
    char byte;

    ASSERT_OK(pipe(fds));
    slow = ktap_fork();
    ASSERT_GE(slow, 0);
    if (slow == 0) {
        close(fds[1]);
        _exit(read(fds[0], &byte, 1) == 0 ? 5 : 102);
    }
    close(fds[0]);
    quick = ktap_fork();
    ASSERT_GE(quick, 0);
    if (quick == 0)
        _exit(6);

    EXPECT_EQ(wait4(quick, &status, 0, NULL), quick);
    EXPECT_EXITED(status, 6);
    EXPECT_EQ(wait4(slow, &status, WNOHANG, NULL), 0);
    close(fds[1]);
    EXPECT_EQ(wait4(slow, &status, 0, NULL), slow);
    EXPECT_EXITED(status, 5);
}

static void wait4_null_status_reaps(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0)
        _exit(0);
    EXPECT_EQ(wait4(pid, NULL, 0, NULL), pid);
    EXPECT_ERRNO(wait4(pid, NULL, 0, NULL), ECHILD);
}

static void child_inherits_descriptors(void)
{
    int fds[2];
    pid_t pid;
    char text[6] = "";

    ASSERT_OK(pipe(fds));
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0)
        _exit(write(fds[1], "hello", 5) == 5 ? 0 : 103);
    EXPECT_EXITED(ktap_wait(pid), 0);
    EXPECT_EQ(read(fds[0], text, 5), 5);
    EXPECT_STREQ(text, "hello");
    close(fds[0]);
    close(fds[1]);
}

static void many_sequential_children(void)
{
    for (int i = 0; i < 100; i++) {
        pid_t pid = ktap_fork();

        ASSERT_GE(pid, 0);
        if (pid == 0)
            _exit(i);
        ASSERT_(EXPECT_EXITED(ktap_wait(pid), i));
    }
}

static const struct ktap_case cases[] = {
    KTAP_CASE(fork_returns_child_pid),
    KTAP_CASE(fork_returns_zero_in_child),
    KTAP_CASE(child_ppid_is_parent),
    KTAP_CASE(child_memory_is_a_copy),
    KTAP_CASE(parent_write_not_seen_by_child),
    KTAP_CASE(child_inherits_descriptors),
    KTAP_CASE(wait4_returns_pid_and_usage),
    KTAP_CASE(wait4_without_children_echild),
    KTAP_CASE(wait4_non_child_pid_echild),
    KTAP_CASE(wait4_unknown_option_einval),
    KTAP_CASE(wait4_wnohang_running_child),
    KTAP_CASE(wait4_any_reaps_each_child),
    KTAP_CASE(wait4_pid_waits_for_that_child),
    KTAP_CASE(wait4_null_status_reaps),
    KTAP_CASE(many_sequential_children),
};

int main(int argc, char **argv)
{
    return KTAP_MAIN(argc, argv, cases);
}
