/*
 * Tests for descriptor tables (fd_install, fd_close, close-on-exec,
 * EMFILE, cloning) and the descriptor calls dup, dup2, dup3 and fcntl.
 */
#include "fs/fcntl.h"
#include "fs/file.h"
#include "fs/fs_test_env.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/ktest.h"
#include "sys/syscall.h"

#define U(s) fs_test_user_str(&e, (s))

static const struct file_ops no_ops;

static struct file *new_file(void)
{
    return file_alloc(FILE_NULL, &no_ops, O_RDWR);
}

KTEST(fs_fd, install_takes_lowest_free_slot)
{
    struct fd_table *table = fd_table_create();
    ASSERT_NOT_NULL(t, table);
    struct file *a = new_file(), *b = new_file(), *c = new_file();

    EXPECT_EQ_S(t, fd_install(table, a, 0, false), 0);
    EXPECT_EQ_S(t, fd_install(table, b, 0, false), 1);
    EXPECT_EQ_S(t, fd_close(table, 0), 0);
    EXPECT_EQ_S(t, fd_install(table, c, 0, false), 0);     /* the freed slot is reused */
    EXPECT_EQ(t, (uintptr_t)fd_lookup(table, 0), (uintptr_t)c);
    EXPECT_NULL(t, fd_lookup(table, 2));
    EXPECT_NULL(t, fd_lookup(table, -1));
    EXPECT_NULL(t, fd_lookup(table, FD_TABLE_SIZE));
    EXPECT_EQ_S(t, fd_close(table, 2), -EBADF);
    EXPECT_EQ_S(t, fd_close(table, -1), -EBADF);
    fd_table_put(table);
}

KTEST(fs_fd, table_full_is_emfile)
{
    struct fd_table *table = fd_table_create();
    ASSERT_NOT_NULL(t, table);
    struct file *f = new_file();

    /* Every slot but the top one (kept for the root lwC) can be filled. */
    for (int fd = 0; fd < FD_TABLE_SIZE - 1; fd++)
        ASSERT_EQ_S(t, fd_install(table, file_get(f), 0, false), fd);
    EXPECT_EQ_S(t, fd_install(table, f, 0, false), -EMFILE);
    EXPECT_EQ_S(t, fd_install_at(table, FD_TABLE_SIZE - 1, f, false), FD_TABLE_SIZE - 1);
    EXPECT_EQ(t, f->refcount, FD_TABLE_SIZE);
    fd_table_put(table);
}

KTEST(fs_fd, close_on_exec_closes_marked_only)
{
    struct fd_table *table = fd_table_create();
    ASSERT_NOT_NULL(t, table);
    struct file *keep = new_file(), *drop = new_file();

    EXPECT_EQ_S(t, fd_install(table, keep, 0, false), 0);
    EXPECT_EQ_S(t, fd_install(table, drop, 0, true), 1);
    EXPECT_TRUE(t, fd_get_cloexec(table, 1));
    EXPECT_FALSE(t, fd_get_cloexec(table, 0));
    fd_close_on_exec(table);
    EXPECT_NOT_NULL(t, fd_lookup(table, 0));
    EXPECT_NULL(t, fd_lookup(table, 1));
    EXPECT_FALSE(t, fd_get_cloexec(table, 1));      /* a closed slot's flag is cleared */
    fd_table_put(table);
}

KTEST(fs_fd, clone_shares_open_files)
{
    struct fd_table *table = fd_table_create();
    ASSERT_NOT_NULL(t, table);
    struct file *f = new_file();
    fd_install(table, f, 3, true);

    struct fd_table *copy = fd_table_clone(table);
    ASSERT_NOT_NULL(t, copy);
    EXPECT_EQ(t, (uintptr_t)fd_lookup(copy, 3), (uintptr_t)f);
    EXPECT_TRUE(t, fd_get_cloexec(copy, 3));
    EXPECT_EQ(t, f->refcount, 2);
    fd_table_put(table);
    EXPECT_EQ(t, f->refcount, 1);
    fd_table_put(copy);
}

KTEST(fs_fd, dup_calls_match_linux)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    long fd = sys_open(U("f"), O_CREAT | O_RDWR, 0644, 0, 0, 0);
    ASSERT_EQ_S(t, fd, 0);

    EXPECT_EQ_S(t, sys_dup(0, 0, 0, 0, 0, 0), 1);
    EXPECT_EQ_S(t, sys_dup(9, 0, 0, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_dup2(0, 0, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_dup2(9, 9, 0, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_dup2(0, (uint64_t)-1, 0, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_dup2(0, 100000, 0, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_dup2(0, 7, 0, 0, 0, 0), 7);
    EXPECT_EQ_S(t, sys_dup3(0, 0, 0, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_dup3(0, 5, O_NONBLOCK, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_dup3(0, 5, O_CLOEXEC, 0, 0, 0), 5);
    EXPECT_EQ_S(t, sys_fcntl(5, F_GETFD, 0, 0, 0, 0), FD_CLOEXEC);
    EXPECT_EQ_S(t, sys_fcntl(7, F_GETFD, 0, 0, 0, 0), 0);

    /* Duplicates share one offset. */
    EXPECT_EQ_S(t, sys_write(0, U("abc"), 3, 0, 0, 0), 3);
    EXPECT_EQ_S(t, sys_lseek(7, 0, SEEK_CUR, 0, 0, 0), 3);
    fs_test_env_end(&e);
}

KTEST(fs_fd, fcntl_commands)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    long fd = sys_open(U("f"), O_CREAT | O_RDWR | O_CLOEXEC, 0644, 0, 0, 0);
    ASSERT_EQ_S(t, fd, 0);

    EXPECT_EQ_S(t, sys_fcntl(0, F_GETFD, 0, 0, 0, 0), FD_CLOEXEC);
    EXPECT_EQ_S(t, sys_fcntl(0, F_SETFD, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_fcntl(0, F_GETFD, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_fcntl(0, F_GETFL, 0, 0, 0, 0), O_RDWR | O_LARGEFILE);
    EXPECT_EQ_S(t, sys_fcntl(0, F_SETFL, O_APPEND | O_NONBLOCK | O_WRONLY | O_TRUNC, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_fcntl(0, F_GETFL, 0, 0, 0, 0),
                O_RDWR | O_LARGEFILE | O_APPEND | O_NONBLOCK);   /* only the settable bits */
    EXPECT_EQ_S(t, sys_fcntl(0, F_DUPFD, 10, 0, 0, 0), 10);
    EXPECT_EQ_S(t, sys_fcntl(0, F_DUPFD_CLOEXEC, 10, 0, 0, 0), 11);
    EXPECT_EQ_S(t, sys_fcntl(11, F_GETFD, 0, 0, 0, 0), FD_CLOEXEC);
    EXPECT_EQ_S(t, sys_fcntl(0, F_DUPFD, (uint64_t)-1, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_fcntl(0, F_DUPFD, FD_TABLE_SIZE, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_fcntl(0, 999, 0, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_fcntl(3, F_GETFD, 0, 0, 0, 0), -EBADF);

    long dir = sys_open(U("."), O_RDONLY | O_DIRECTORY, 0, 0, 0, 0);
    EXPECT_EQ_S(t, sys_fcntl((uint64_t)dir, F_GETFL, 0, 0, 0, 0),
                O_RDONLY | O_LARGEFILE | O_DIRECTORY);
    fs_test_env_end(&e);
}

KTEST(fs_fd, open_with_full_table_is_emfile)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    ASSERT_EQ_S(t, sys_open(U("f"), O_CREAT | O_RDWR, 0644, 0, 0, 0), 0);
    for (int fd = 1; fd < FD_TABLE_SIZE - 1; fd++)
        ASSERT_EQ_S(t, sys_dup(0, 0, 0, 0, 0, 0), fd);

    EXPECT_EQ_S(t, sys_dup(0, 0, 0, 0, 0, 0), -EMFILE);
    EXPECT_EQ_S(t, sys_open(U("f"), O_RDONLY, 0, 0, 0, 0), -EMFILE);
    EXPECT_EQ_S(t, sys_open(U("missing"), O_RDONLY, 0, 0, 0, 0), -EMFILE);  /* before ENOENT */
    uint64_t fds = fs_test_user_alloc(&e, 8);
    EXPECT_EQ_S(t, sys_pipe(fds, 0, 0, 0, 0, 0), -EMFILE);
    fs_test_env_end(&e);
}
