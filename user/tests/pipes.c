/* Pipes: data, end of file, SIGPIPE and EPIPE, non-blocking mode and the errors Linux returns. */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "ktap.h"

#define LARGE_TRANSFER_BYTES (256 * 1024)

static unsigned char transfer_buf[LARGE_TRANSFER_BYTES];

static void close_pair(int fds[2])
{
    close(fds[0]);
    close(fds[1]);
}

static void pipe_gives_lowest_free_fds(void)
{
    int fds[2];
    int lowest = dup(0);

    ASSERT_GE(lowest, 0);
    close(lowest);
    ASSERT_OK(pipe(fds));
    EXPECT_EQ(fds[0], lowest);
    EXPECT_GT(fds[1], fds[0]);
    close_pair(fds);
}

static void write_then_read_same_bytes(void)
{
    int fds[2];
    char text[16] = "";

    ASSERT_OK(pipe(fds));
    EXPECT_EQ(write(fds[1], "0123456789", 10), 10);
    EXPECT_EQ(read(fds[0], text, 4), 4);
    EXPECT_EQ(read(fds[0], text + 4, sizeof text - 5), 6);
    EXPECT_STREQ(text, "0123456789");
    close_pair(fds);
}

static void eof_after_every_writer_closes(void)
{
    int fds[2];
    int second_writer;
    char byte;

    ASSERT_OK(pipe2(fds, O_NONBLOCK));
    second_writer = dup(fds[1]);
    ASSERT_GE(second_writer, 0);
    close(fds[1]);
    EXPECT_ERRNO(read(fds[0], &byte, 1), EAGAIN);
    close(second_writer);
    EXPECT_EQ(read(fds[0], &byte, 1), 0);
    close(fds[0]);
}

static void eof_when_writer_child_exits(void)
{
    int fds[2];
    char text[8] = "";
    pid_t pid;

    ASSERT_OK(pipe(fds));
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0)
        _exit(write(fds[1], "bye", 3) == 3 ? 0 : 100);
    close(fds[1]);
    EXPECT_EQ(read(fds[0], text, sizeof text), 3);
    EXPECT_EQ(read(fds[0], text, sizeof text), 0);
    EXPECT_EXITED(ktap_wait(pid), 0);
    close(fds[0]);
}

static void write_without_reader_is_sigpipe(void)
{
    int fds[2];
    pid_t pid;

    ASSERT_OK(pipe(fds));
    close(fds[0]);
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        write(fds[1], "x", 1);
        _exit(100);
    }
    EXPECT_STATUS(ktap_wait(pid), SIGPIPE);
    close(fds[1]);
}

static void blocked_sigpipe_gives_epipe(void)
{
    int fds[2];
    pid_t pid;

    ASSERT_OK(pipe(fds));
    close(fds[0]);
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        sigset_t set;

        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
            _exit(101);
        if (write(fds[1], "x", 1) != -1)
            _exit(102);
        /* Report errno as the exit code: EPIPE is 32. */
        _exit(errno);
    }
    EXPECT_EXITED(ktap_wait(pid), EPIPE);
    close(fds[1]);
}

static void empty_nonblocking_read_eagain(void)
{
    int fds[2];
    char byte;

    ASSERT_OK(pipe2(fds, O_NONBLOCK));
    EXPECT_ERRNO(read(fds[0], &byte, 1), EAGAIN);
    EXPECT_TRUE(fcntl(fds[0], F_GETFL) & O_NONBLOCK);
    close_pair(fds);
}

static void full_nonblocking_write_eagain(void)
{
    static char chunk[4096];
    int fds[2];
    long total = 0;
    ssize_t n;

    ASSERT_OK(pipe2(fds, O_NONBLOCK));
    while ((n = write(fds[1], chunk, sizeof chunk)) > 0 && total < 16 * 1024 * 1024)
        total += n;
    EXPECT_EQ(n, -1);
    EXPECT_EQ(errno, EAGAIN);
    /* POSIX requires PIPE_BUF (4096 on Linux) bytes of capacity. */
    EXPECT_GE(total, 4096);
    close_pair(fds);
}

static void large_transfer_keeps_order(void)
{
    int fds[2];
    size_t got = 0;
    ssize_t n;
    pid_t pid;

    ASSERT_OK(pipe(fds));
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        size_t sent = 0;

        close(fds[0]);
        for (size_t i = 0; i < sizeof transfer_buf; i++)
            transfer_buf[i] = (unsigned char)(i * 7 + i / 4096);
        while (sent < sizeof transfer_buf) {
            n = write(fds[1], transfer_buf + sent, sizeof transfer_buf - sent);
            if (n <= 0)
                _exit(100);
            sent += n;
        }
        _exit(0);
    }
    close(fds[1]);
    memset(transfer_buf, 0, sizeof transfer_buf);
    while (got < sizeof transfer_buf && (n = read(fds[0], transfer_buf + got, sizeof transfer_buf - got)) > 0)
        got += n;
    EXPECT_EQ(got, sizeof transfer_buf);
    for (size_t i = 0; i < got; i++) {
        if (transfer_buf[i] != (unsigned char)(i * 7 + i / 4096)) {
            KTAP_FAIL("byte %zu is 0x%02x, expected 0x%02x", i, transfer_buf[i],
                      (unsigned char)(i * 7 + i / 4096));
            break;
        }
    }
    EXPECT_EXITED(ktap_wait(pid), 0);
    close(fds[0]);
}

static void wrong_end_ebadf(void)
{
    int fds[2];
    char byte = 0;

    ASSERT_OK(pipe(fds));
    EXPECT_ERRNO(write(fds[0], &byte, 1), EBADF);
    EXPECT_ERRNO(read(fds[1], &byte, 1), EBADF);
    close_pair(fds);
}

static void lseek_on_pipe_espipe(void)
{
    int fds[2];

    ASSERT_OK(pipe(fds));
    EXPECT_ERRNO(lseek(fds[0], 0, SEEK_SET), ESPIPE);
    EXPECT_ERRNO(lseek(fds[1], 0, SEEK_CUR), ESPIPE);
    close_pair(fds);
}

static void pipe2_unknown_flag_einval(void)
{
    int fds[2];

    EXPECT_ERRNO(pipe2(fds, 0x1), EINVAL);
}

static void pipe2_cloexec_sets_fd_flag(void)
{
    int fds[2];

    ASSERT_OK(pipe2(fds, O_CLOEXEC));
    EXPECT_EQ(fcntl(fds[0], F_GETFD), FD_CLOEXEC);
    EXPECT_EQ(fcntl(fds[1], F_GETFD), FD_CLOEXEC);
    close_pair(fds);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(pipe_gives_lowest_free_fds),
    KTAP_CASE(write_then_read_same_bytes),
    KTAP_CASE(eof_after_every_writer_closes),
    KTAP_CASE(eof_when_writer_child_exits),
    KTAP_CASE(write_without_reader_is_sigpipe),
    KTAP_CASE(blocked_sigpipe_gives_epipe),
    KTAP_CASE(empty_nonblocking_read_eagain),
    KTAP_CASE(full_nonblocking_write_eagain),
    KTAP_CASE(large_transfer_keeps_order),
    KTAP_CASE(wrong_end_ebadf),
    KTAP_CASE(lseek_on_pipe_espipe),
    KTAP_CASE(pipe2_unknown_flag_einval),
    KTAP_CASE(pipe2_cloexec_sets_fd_flag),
};

int main(int argc, char **argv)
{
    return KTAP_MAIN(argc, argv, cases);
}
