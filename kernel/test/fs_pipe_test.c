/*
 * Tests for pipes that need no second thread: filling the 64 KiB ring
 * with O_NONBLOCK, atomic writes, end of file after the last writer
 * closes, EPIPE and SIGPIPE without readers, ESPIPE, fstat and FIONREAD.
 * Values were checked against the same calls on Linux x86-64.
 */
#include "fs/fcntl.h"
#include "fs/file.h"
#include "fs/fs_test_env.h"
#include "fs/pipe.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/ktest.h"
#include "mm/layout.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "signal/signal.h"
#include "sys/syscall.h"

#define SIGPIPE_BIT (1ull << (SIGPIPE - 1))

/* Make a pipe in the test process; fds[0] reads, fds[1] writes. */
static long make_pipe(struct fs_test_env *e, unsigned flags, int fds[2])
{
    uint64_t user_fds = fs_test_user_alloc(e, 2 * sizeof(int));
    long rc = sys_pipe2(user_fds, flags, 0, 0, 0, 0);
    if (rc == 0)
        copy_from_user(fds, user_fds, 2 * sizeof(int));
    return rc;
}

KTEST(fs_pipe, fill_and_drain_nonblocking)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    int fds[2];
    ASSERT_EQ_S(t, make_pipe(&e, O_NONBLOCK, fds), 0);
    EXPECT_EQ_S(t, fds[0], 0);
    EXPECT_EQ_S(t, fds[1], 1);
    uint64_t big = fs_test_user_alloc(&e, PIPE_CAPACITY);

    EXPECT_EQ_S(t, sys_read((uint64_t)fds[0], big, 1, 0, 0, 0), -EAGAIN);  /* empty */
    EXPECT_EQ_S(t, sys_write((uint64_t)fds[1], big, PIPE_CAPACITY, 0, 0, 0), PIPE_CAPACITY);
    EXPECT_EQ_S(t, sys_write((uint64_t)fds[1], big, 1, 0, 0, 0), -EAGAIN);  /* full */
    EXPECT_EQ_S(t, sys_read((uint64_t)fds[0], big, 10, 0, 0, 0), 10);
    /* A write of at most PIPE_BUF bytes goes in whole or not at all. */
    EXPECT_EQ_S(t, sys_write((uint64_t)fds[1], big, 20, 0, 0, 0), -EAGAIN);
    EXPECT_EQ_S(t, sys_read((uint64_t)fds[0], big, PIPE_CAPACITY, 0, 0, 0),
                PIPE_CAPACITY - 10);
    EXPECT_EQ_S(t, sys_read((uint64_t)fds[0], big, 1, 0, 0, 0), -EAGAIN);
    fs_test_env_end(&e);
}

KTEST(fs_pipe, data_arrives_in_order)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    int fds[2];
    ASSERT_EQ_S(t, make_pipe(&e, 0, fds), 0);
    uint64_t buf = fs_test_user_alloc(&e, 16);
    char back[16] = { 0 };

    EXPECT_EQ_S(t, sys_write((uint64_t)fds[1], fs_test_user_str(&e, "one "), 4, 0, 0, 0), 4);
    EXPECT_EQ_S(t, sys_write((uint64_t)fds[1], fs_test_user_str(&e, "two"), 3, 0, 0, 0), 3);
    EXPECT_EQ_S(t, sys_read((uint64_t)fds[0], buf, 16, 0, 0, 0), 7);
    copy_from_user(back, buf, 7);
    EXPECT_STREQ(t, back, "one two");
    fs_test_env_end(&e);
}

KTEST(fs_pipe, eof_after_last_writer_closes)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    int fds[2];
    ASSERT_EQ_S(t, make_pipe(&e, 0, fds), 0);
    uint64_t buf = fs_test_user_alloc(&e, 16);
    long copy = sys_dup((uint64_t)fds[1], 0, 0, 0, 0, 0);

    EXPECT_EQ_S(t, sys_write((uint64_t)fds[1], fs_test_user_str(&e, "tail"), 4, 0, 0, 0), 4);
    EXPECT_EQ_S(t, sys_close((uint64_t)fds[1], 0, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_close((uint64_t)copy, 0, 0, 0, 0, 0), 0);
    /* Buffered data first, then end of file (a blocking read does not sleep). */
    EXPECT_EQ_S(t, sys_read((uint64_t)fds[0], buf, 16, 0, 0, 0), 4);
    EXPECT_EQ_S(t, sys_read((uint64_t)fds[0], buf, 16, 0, 0, 0), 0);
    fs_test_env_end(&e);
}

KTEST(fs_pipe, write_without_reader_is_epipe)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    int fds[2];
    ASSERT_EQ_S(t, make_pipe(&e, 0, fds), 0);
    uint64_t buf = fs_test_user_alloc(&e, 8);
    struct thread *self = current_thread();
    uint64_t pending_before = self->pending_signals;

    EXPECT_EQ_S(t, sys_close((uint64_t)fds[0], 0, 0, 0, 0, 0), 0);
    EXPECT_EQ(t, self->pending_signals & SIGPIPE_BIT, 0);
    EXPECT_EQ_S(t, sys_write((uint64_t)fds[1], buf, 1, 0, 0, 0), -EPIPE);
    EXPECT_EQ(t, self->pending_signals & SIGPIPE_BIT, SIGPIPE_BIT);
    self->pending_signals = pending_before;
    fs_test_env_end(&e);
}

KTEST(fs_pipe, wrong_direction_and_seek)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    int fds[2];
    ASSERT_EQ_S(t, make_pipe(&e, 0, fds), 0);
    uint64_t buf = fs_test_user_alloc(&e, 8);

    EXPECT_EQ_S(t, sys_read((uint64_t)fds[1], buf, 1, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_write((uint64_t)fds[0], buf, 1, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_lseek((uint64_t)fds[0], 0, SEEK_SET, 0, 0, 0), -ESPIPE);
    EXPECT_EQ_S(t, sys_pread64((uint64_t)fds[0], buf, 1, 0, 0, 0), -ESPIPE);
    EXPECT_EQ_S(t, sys_pwrite64((uint64_t)fds[1], buf, 1, 0, 0, 0), -ESPIPE);
    EXPECT_EQ_S(t, sys_ftruncate((uint64_t)fds[1], 0, 0, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_fcntl((uint64_t)fds[0], F_GETFL, 0, 0, 0, 0), O_RDONLY);
    EXPECT_EQ_S(t, sys_fcntl((uint64_t)fds[1], F_GETFL, 0, 0, 0, 0), O_WRONLY);
    fs_test_env_end(&e);
}

KTEST(fs_pipe, fstat_fionread_and_bad_args)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    int fds[2];
    ASSERT_EQ_S(t, make_pipe(&e, O_CLOEXEC, fds), 0);
    uint64_t buf = fs_test_user_alloc(&e, sizeof(struct kstat));
    struct kstat st;
    int ready = -1;

    EXPECT_EQ_S(t, sys_fstat((uint64_t)fds[1], buf, 0, 0, 0, 0), 0);
    copy_from_user(&st, buf, sizeof(st));
    EXPECT_EQ(t, st.st_mode, S_IFIFO | 0600);
    EXPECT_EQ(t, st.st_size, 0);
    EXPECT_EQ(t, st.st_nlink, 1);
    EXPECT_EQ_S(t, sys_fcntl((uint64_t)fds[0], F_GETFD, 0, 0, 0, 0), FD_CLOEXEC);

    sys_write((uint64_t)fds[1], fs_test_user_str(&e, "12345"), 5, 0, 0, 0);
    EXPECT_EQ_S(t, sys_ioctl((uint64_t)fds[0], PIPE_FIONREAD, buf, 0, 0, 0), 0);
    copy_from_user(&ready, buf, sizeof(ready));
    EXPECT_EQ_S(t, ready, 5);
    EXPECT_EQ_S(t, sys_ioctl((uint64_t)fds[0], 0x5401 /* TCGETS */, buf, 0, 0, 0), -ENOTTY);

    EXPECT_EQ_S(t, sys_pipe2(buf, 0x1234, 0, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_pipe(KERNEL_VMA, 0, 0, 0, 0, 0), -EFAULT);
    EXPECT_NULL(t, fd_lookup(e.proc.fds, 2));   /* the failed call left no descriptor */
    fs_test_env_end(&e);
}
