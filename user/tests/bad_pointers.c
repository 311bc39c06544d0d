/*
 * Every system call that takes a user pointer rejects a bad one with EFAULT, without
 * crashing the caller or the kernel. The bad addresses are NULL, a kernel address, an
 * unmapped page, a non-canonical address and a range that straddles the top of user
 * space. Calls go through syscall() because libc wrappers may touch the pointer first.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "ktap.h"

#define ARCH_GET_FS 0x1003
#define KERNEL_SIGSET_BYTES 8
#define BUFFER_BYTES 32

struct bad_address {
    const char *name;
    uintptr_t address;
    /* NULL is a valid "no value" for some arguments; those checks skip it. */
    bool is_null;
};

static struct bad_address bad_addresses[] = {
    { "NULL", 0, true },
    { "kernel", 0xffffffff80000000UL, false },
    { "unmapped", 0, false },  /* filled in by main */
    { "non-canonical", 0x0000800000000000UL, false },
    { "straddling the top of user space", 0x00007ffffffffff0UL, false },
};

#define BAD_COUNT (sizeof bad_addresses / sizeof bad_addresses[0])

static const char *self_path;

/* Check that EXPR (using `bad`) fails with EFAULT for every bad address, naming the one that does not. */
#define FOR_EACH_BAD_ADDRESS(skip_null, expr) \
    for (size_t i_ = 0; i_ < BAD_COUNT; i_++) { \
        void *bad = (void *)bad_addresses[i_].address; \
        if ((skip_null) && bad_addresses[i_].is_null) \
            continue; \
        if (!EXPECT_ERRNO(expr, EFAULT)) \
            ktap_diag("    with the %s address %p", bad_addresses[i_].name, bad); \
    }

static void read_into_bad_buffer(void)
{
    int fd = open(self_path, O_RDONLY);

    ASSERT_GE(fd, 0);
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_read, fd, bad, BUFFER_BYTES));
    /* Nothing was consumed by the failed reads. */
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 0);
    close(fd);
}

static void write_from_bad_buffer(void)
{
    int fds[2];

    ASSERT_OK(pipe(fds));
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_write, fds[1], bad, BUFFER_BYTES));
    close(fds[0]);
    close(fds[1]);
}

static void writev_with_bad_pointers(void)
{
    int fds[2];
    struct iovec iov;

    ASSERT_OK(pipe(fds));
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_writev, fds[1], bad, 1));
    iov.iov_len = BUFFER_BYTES;
    FOR_EACH_BAD_ADDRESS(false, (iov.iov_base = bad, syscall(SYS_writev, fds[1], &iov, 1)));
    close(fds[0]);
    close(fds[1]);
}

static void open_with_bad_path(void)
{
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_open, bad, O_RDONLY));
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_openat, AT_FDCWD, bad, O_RDONLY));
}

static void path_calls_with_bad_path(void)
{
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_mkdir, bad, 0755));
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_rmdir, bad));
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_unlink, bad));
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_chdir, bad));
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_execve, bad, NULL, NULL));
}

static void stat_into_bad_buffer(void)
{
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_fstat, 0, bad));
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_newfstatat, AT_FDCWD, "/", bad, 0));
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_newfstatat, AT_FDCWD, bad, (char[256]){ 0 }, 0));
}

static void pipe2_into_bad_array(void)
{
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_pipe2, bad, 0));
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_pipe, bad));
}

static void getdents64_into_bad_buffer(void)
{
    int fd = open("/", O_RDONLY | O_DIRECTORY);

    ASSERT_GE(fd, 0);
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_getdents64, fd, bad, 4096));
    close(fd);
}

static void getcwd_into_bad_buffer(void)
{
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_getcwd, bad, 256));
}

/*
 * Linux reaps the child before it stores the status, so after EFAULT the child is
 * gone (wait4 then fails with ECHILD).
 */
static void wait4_with_bad_pointers(void)
{
    for (int which = 0; which < 2; which++) {
        for (size_t i = 0; i < BAD_COUNT; i++) {
            void *bad = (void *)bad_addresses[i].address;
            pid_t pid;

            if (bad_addresses[i].is_null)
                continue;
            pid = ktap_fork();
            ASSERT_GE(pid, 0);
            if (pid == 0)
                _exit(0);
            if (!EXPECT_ERRNO(syscall(SYS_wait4, pid, which == 0 ? bad : NULL, 0,
                                      which == 1 ? bad : NULL), EFAULT))
                ktap_diag("    with the %s address as %s", bad_addresses[i].name,
                          which == 0 ? "status" : "rusage");
            EXPECT_ERRNO(waitpid(pid, NULL, 0), ECHILD);
        }
    }
}

static void time_calls_with_bad_pointers(void)
{
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_clock_gettime, CLOCK_MONOTONIC, bad));
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_nanosleep, bad, NULL));
}

static void uname_into_bad_buffer(void)
{
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_uname, bad));
}

static void signal_calls_with_bad_pointers(void)
{
    FOR_EACH_BAD_ADDRESS(true, syscall(SYS_rt_sigaction, SIGUSR1, bad, NULL, KERNEL_SIGSET_BYTES));
    FOR_EACH_BAD_ADDRESS(true, syscall(SYS_rt_sigaction, SIGUSR1, NULL, bad, KERNEL_SIGSET_BYTES));
    FOR_EACH_BAD_ADDRESS(true, syscall(SYS_rt_sigprocmask, SIG_BLOCK, bad, NULL, KERNEL_SIGSET_BYTES));
    FOR_EACH_BAD_ADDRESS(true, syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, bad, KERNEL_SIGSET_BYTES));
}

static void arch_prctl_into_bad_pointer(void)
{
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_arch_prctl, ARCH_GET_FS, bad));
}

static void ioctl_winsize_into_bad_pointer(void)
{
    if (!isatty(STDIN_FILENO)) {
        ktap_skip("stdin is not a terminal");
        return;
    }
    FOR_EACH_BAD_ADDRESS(false, syscall(SYS_ioctl, STDIN_FILENO, TIOCGWINSZ, bad));
}

static void execve_with_bad_vectors(void)
{
    static char *const good_argv[] = { "never-runs", NULL };

    for (int which = 0; which < 2; which++) {
        for (size_t i = 0; i < BAD_COUNT; i++) {
            void *bad = (void *)bad_addresses[i].address;
            pid_t pid;
            int status;

            /* Linux accepts NULL argv and envp as empty vectors. */
            if (bad_addresses[i].is_null)
                continue;
            pid = ktap_fork();
            ASSERT_GE(pid, 0);
            if (pid == 0) {
                /* The exit code reports errno; a successful exec would run this program's cases. */
                syscall(SYS_execve, self_path, which == 0 ? bad : (void *)good_argv,
                        which == 1 ? bad : NULL);
                _exit(errno);
            }
            status = ktap_wait(pid);
            if (!EXPECT_EXITED(status, EFAULT))
                ktap_diag("    with the %s address as %s", bad_addresses[i].name,
                          which == 0 ? "argv" : "envp");
        }
    }
}

static void caller_still_works(void)
{
    char text[4] = "";
    int fds[2];

    /* After all those faults the process can still copy data in and out of the kernel. */
    ASSERT_OK(pipe(fds));
    EXPECT_EQ(write(fds[1], "ok", 3), 3);
    EXPECT_EQ(read(fds[0], text, 3), 3);
    EXPECT_STREQ(text, "ok");
    close(fds[0]);
    close(fds[1]);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(read_into_bad_buffer),
    KTAP_CASE(write_from_bad_buffer),
    KTAP_CASE(writev_with_bad_pointers),
    KTAP_CASE(open_with_bad_path),
    KTAP_CASE(path_calls_with_bad_path),
    KTAP_CASE(stat_into_bad_buffer),
    KTAP_CASE(pipe2_into_bad_array),
    KTAP_CASE(getdents64_into_bad_buffer),
    KTAP_CASE(getcwd_into_bad_buffer),
    KTAP_CASE(wait4_with_bad_pointers),
    KTAP_CASE(time_calls_with_bad_pointers),
    KTAP_CASE(uname_into_bad_buffer),
    KTAP_CASE(signal_calls_with_bad_pointers),
    KTAP_CASE(arch_prctl_into_bad_pointer),
    KTAP_CASE(ioctl_winsize_into_bad_pointer),
    KTAP_CASE(execve_with_bad_vectors),
    KTAP_CASE(caller_still_works),
};

int main(int argc, char **argv)
{
    void *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    /* An address that was mapped a moment ago and is not any more. */
    if (page != MAP_FAILED && munmap(page, 4096) == 0)
        bad_addresses[2].address = (uintptr_t)page;
    /* NOTE: execve_with_bad_vectors and read_into_bad_buffer use argv[0]: run this by a path. */
    self_path = argv[0];
    return KTAP_MAIN(argc, argv, cases);
}
