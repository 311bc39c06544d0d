/* Every descriptor-taking call rejects -1, a number past the table and a closed descriptor with EBADF. */
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ktap.h"

struct bad_fd {
    const char *name;
    int fd;
};

static struct bad_fd bad_fds[] = {
    { "-1", -1 },
    { "1000", 1000 },
    { "closed", -1 },  /* filled in by main */
    { "INT32_MAX", INT32_MAX },
};

#define BAD_COUNT (sizeof bad_fds / sizeof bad_fds[0])

/* Check that EXPR (using `fd`) fails with EBADF for every bad descriptor, naming the one that does not. */
#define FOR_EACH_BAD_FD(expr) \
    for (size_t i_ = 0; i_ < BAD_COUNT; i_++) { \
        int fd = bad_fds[i_].fd; \
        if (!EXPECT_ERRNO(expr, EBADF)) \
            ktap_diag("    with the descriptor %s (%d)", bad_fds[i_].name, fd); \
    }

static void read_write_bad_fd(void)
{
    char buf[8] = "";
    struct iovec iov = { buf, sizeof buf };

    FOR_EACH_BAD_FD(read(fd, buf, sizeof buf));
    FOR_EACH_BAD_FD(write(fd, buf, sizeof buf));
    FOR_EACH_BAD_FD(writev(fd, &iov, 1));
    FOR_EACH_BAD_FD(syscall(SYS_readv, fd, &iov, 1));
    FOR_EACH_BAD_FD(pread(fd, buf, sizeof buf, 0));
}

static void close_bad_fd(void)
{
    FOR_EACH_BAD_FD(close(fd));
}

static void lseek_fstat_bad_fd(void)
{
    struct stat st;

    FOR_EACH_BAD_FD(lseek(fd, 0, SEEK_SET));
    FOR_EACH_BAD_FD(fstat(fd, &st));
}

static void dup_family_bad_fd(void)
{
    FOR_EACH_BAD_FD(dup(fd));
    FOR_EACH_BAD_FD(dup2(fd, 20));
    FOR_EACH_BAD_FD(dup3(fd, 20, 0));
    /* The old descriptor is fine, the new one is out of range. */
    EXPECT_ERRNO(dup2(0, -1), EBADF);
    EXPECT_ERRNO(syscall(SYS_dup2, 0, 1 << 30), EBADF);
}

static void fcntl_bad_fd(void)
{
    FOR_EACH_BAD_FD(fcntl(fd, F_GETFD));
    FOR_EACH_BAD_FD(fcntl(fd, F_GETFL));
    FOR_EACH_BAD_FD(fcntl(fd, F_DUPFD, 0));
}

static void directory_calls_bad_fd(void)
{
    char buf[256];

    FOR_EACH_BAD_FD(syscall(SYS_getdents64, fd, buf, sizeof buf));
    FOR_EACH_BAD_FD(syscall(SYS_fchdir, fd));
    FOR_EACH_BAD_FD(ftruncate(fd, 0));
}

static void openat_relative_bad_dirfd(void)
{
    /* AT_FDCWD is -100; -1 and the others are invalid directory descriptors. */
    FOR_EACH_BAD_FD(openat(fd, "relative", O_RDONLY));
}

static void ioctl_bad_fd(void)
{
    FOR_EACH_BAD_FD(syscall(SYS_ioctl, fd, 0x5413 /* TIOCGWINSZ */, (char[8]){ 0 }));
}

static void mmap_file_bad_fd(void)
{
    for (size_t i = 0; i < BAD_COUNT; i++) {
        void *result = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, bad_fds[i].fd, 0);

        if (!EXPECT_TRUE(result == MAP_FAILED && errno == EBADF))
            ktap_diag("    with the descriptor %s: result %p, errno %d", bad_fds[i].name, result, errno);
    }
}

static void dup2_same_fd_returns_it(void)
{
    EXPECT_EQ(dup2(1, 1), 1);
    EXPECT_ERRNO(dup3(1, 1, 0), EINVAL);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(read_write_bad_fd),
    KTAP_CASE(close_bad_fd),
    KTAP_CASE(lseek_fstat_bad_fd),
    KTAP_CASE(dup_family_bad_fd),
    KTAP_CASE(fcntl_bad_fd),
    KTAP_CASE(directory_calls_bad_fd),
    KTAP_CASE(openat_relative_bad_dirfd),
    KTAP_CASE(ioctl_bad_fd),
    KTAP_CASE(mmap_file_bad_fd),
    KTAP_CASE(dup2_same_fd_returns_it),
};

int main(int argc, char **argv)
{
    int fd = dup(0);

    /* A descriptor number that was valid a moment ago. */
    if (fd >= 0) {
        close(fd);
        bad_fds[2].fd = fd;
    }
    return KTAP_MAIN(argc, argv, cases);
}
