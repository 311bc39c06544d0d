/*
 * Wait statuses exactly as Linux encodes them: exit code in bits 8-15, the killing
 * signal in bits 0-6 (bit 7 is the core-dump flag, which must stay clear here).
 */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktap.h"

/* Fork a child that exits with CODE; returns its raw wait status, or -1. */
static int status_of_exit(int code)
{
    pid_t pid = ktap_fork();

    if (pid < 0) {
        KTAP_FAIL("fork failed");
        return -1;
    }
    if (pid == 0)
        _exit(code);
    return ktap_wait(pid);
}

/*
 * Fork a child that blocks on a pipe, send it SIG with kill(), and return its raw
 * wait status. The child turns off core dumps first so that Linux leaves bit 7 clear
 * (prctl fails with ENOSYS where it does not exist, which is fine).
 */
static int status_of_kill(int sig)
{
    int ready[2], block[2];
    pid_t pid;
    char byte;

    if (pipe(ready) != 0 || pipe(block) != 0) {
        KTAP_FAIL("pipe failed");
        return -1;
    }
    pid = ktap_fork();
    if (pid < 0) {
        KTAP_FAIL("fork failed");
        return -1;
    }
    if (pid == 0) {
        struct rlimit no_core = { 0, 0 };

        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        setrlimit(RLIMIT_CORE, &no_core);
        close(block[1]);
        if (write(ready[1], "r", 1) != 1)
            _exit(100);
        read(block[0], &byte, 1);
        _exit(101);
    }
    close(block[0]);
    EXPECT_EQ(read(ready[0], &byte, 1), 1);
    EXPECT_OK(kill(pid, sig));
    int status = ktap_wait(pid);
    close(block[1]);
    close(ready[0]);
    close(ready[1]);
    return status;
}

static void exit_0_is_0x0000(void)
{
    EXPECT_STATUS(status_of_exit(0), 0x0000);
}

static void exit_1_is_0x0100(void)
{
    EXPECT_STATUS(status_of_exit(1), 0x0100);
}

static void exit_255_is_0xff00(void)
{
    EXPECT_STATUS(status_of_exit(255), 0xff00);
}

static void exit_256_keeps_low_byte(void)
{
    EXPECT_STATUS(status_of_exit(256), 0x0000);
    EXPECT_STATUS(status_of_exit(0x1234), 0x3400);
}

static void exit_42_decodes_with_macros(void)
{
    int status = status_of_exit(42);

    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 42);
    EXPECT_TRUE(!WIFSIGNALED(status));
    EXPECT_TRUE(!WIFSTOPPED(status));
}

static void sigkill_is_0x0009(void)
{
    int status = status_of_kill(SIGKILL);

    EXPECT_STATUS(status, 0x0009);
    EXPECT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    EXPECT_TRUE(!WIFEXITED(status));
}

static void sigterm_is_0x000f(void)
{
    EXPECT_STATUS(status_of_kill(SIGTERM), 0x000f);
}

static void sigsegv_by_kill_is_0x000b(void)
{
    EXPECT_STATUS(status_of_kill(SIGSEGV), 0x000b);
}

static void sigkill_to_self(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0) {
        kill(getpid(), SIGKILL);
        _exit(100);
    }
    EXPECT_STATUS(ktap_wait(pid), 0x0009);
}

static void kill_bad_signal_einval(void)
{
    EXPECT_ERRNO(kill(getpid(), 65), EINVAL);
    EXPECT_ERRNO(kill(getpid(), -1), EINVAL);
}

static void kill_signal_0_probes(void)
{
    pid_t pid;

    EXPECT_OK(kill(getpid(), 0));
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0)
        _exit(0);
    EXPECT_EXITED(ktap_wait(pid), 0);
    /* The reaped pid is free again (Linux does not reuse it this soon). */
    EXPECT_ERRNO(kill(pid, 0), ESRCH);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(exit_0_is_0x0000),
    KTAP_CASE(exit_1_is_0x0100),
    KTAP_CASE(exit_255_is_0xff00),
    KTAP_CASE(exit_256_keeps_low_byte),
    KTAP_CASE(exit_42_decodes_with_macros),
    KTAP_CASE(sigkill_is_0x0009),
    KTAP_CASE(sigterm_is_0x000f),
    KTAP_CASE(sigsegv_by_kill_is_0x000b),
    KTAP_CASE(sigkill_to_self),
    KTAP_CASE(kill_bad_signal_einval),
    KTAP_CASE(kill_signal_0_probes),
};

int main(int argc, char **argv)
{
    return KTAP_MAIN(argc, argv, cases);
}
