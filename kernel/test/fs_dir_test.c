/*
 * Tests for the calls on names: mkdir, rmdir, unlink, rename, chdir,
 * getcwd, stat/newfstatat, access, chmod, and path lookup rules (".",
 * "..", repeated and trailing slashes, *at directory descriptors).
 * Expected errnos are Linux x86-64's for the same calls.
 */
#include "fs/fcntl.h"
#include "fs/fs_test_env.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/ktest.h"
#include "mm/uaccess.h"
#include "mm/layout.h"
#include "sys/syscall.h"

/* A kernel address: every call must reject it with -EFAULT. */
#define KERNEL_VMA_ADDRESS ((uint64_t)KERNEL_VMA)

#define U(s) fs_test_user_str(&e, (s))

static long make_file(struct fs_test_env *e, const char *path)
{
    long fd = sys_open(fs_test_user_str(e, path), O_CREAT | O_WRONLY, 0644, 0, 0, 0);
    if (fd >= 0)
        sys_close((uint64_t)fd, 0, 0, 0, 0, 0);
    return fd < 0 ? fd : 0;
}

static long stat_path(struct fs_test_env *e, const char *path, struct kstat *st)
{
    uint64_t buf = fs_test_user_alloc(e, sizeof(*st));
    long rc = sys_stat(fs_test_user_str(e, path), buf, 0, 0, 0, 0);
    if (rc == 0)
        copy_from_user(st, buf, sizeof(*st));
    return rc;
}

static long cwd_of(struct fs_test_env *e, char *out, size_t n)
{
    uint64_t buf = fs_test_user_alloc(e, n);
    long rc = sys_getcwd(buf, n, 0, 0, 0, 0);
    out[0] = '\0';
    if (rc > 0)
        copy_from_user(out, buf, (size_t)rc);
    return rc;
}

KTEST(fs_dir, mkdir_and_nlink)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    struct kstat st;

    EXPECT_EQ_S(t, sys_mkdir(U("d"), 0777, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_mkdir(U("d/sub/"), 0700, 0, 0, 0, 0), 0);   /* trailing slash is fine */
    EXPECT_EQ_S(t, stat_path(&e, "d", &st), 0);
    EXPECT_EQ(t, st.st_mode, S_IFDIR | 0755);       /* 0777 & ~022 */
    EXPECT_EQ(t, st.st_nlink, 3);                   /* name, ".", and sub's ".." */
    EXPECT_EQ_S(t, stat_path(&e, "d/sub", &st), 0);
    EXPECT_EQ(t, st.st_mode, S_IFDIR | 0700);
    EXPECT_EQ(t, st.st_nlink, 2);
    fs_test_env_end(&e);
}

KTEST(fs_dir, mkdir_errors)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    ASSERT_EQ_S(t, make_file(&e, "f"), 0);
    ASSERT_EQ_S(t, sys_mkdir(U("d"), 0755, 0, 0, 0, 0), 0);

    EXPECT_EQ_S(t, sys_mkdir(U("/"), 0755, 0, 0, 0, 0), -EEXIST);
    EXPECT_EQ_S(t, sys_mkdir(U("."), 0755, 0, 0, 0, 0), -EEXIST);
    EXPECT_EQ_S(t, sys_mkdir(U(".."), 0755, 0, 0, 0, 0), -EEXIST);
    EXPECT_EQ_S(t, sys_mkdir(U("f"), 0755, 0, 0, 0, 0), -EEXIST);
    EXPECT_EQ_S(t, sys_mkdir(U("d/"), 0755, 0, 0, 0, 0), -EEXIST);
    EXPECT_EQ_S(t, sys_mkdir(U("nx/y"), 0755, 0, 0, 0, 0), -ENOENT);
    EXPECT_EQ_S(t, sys_mkdir(U("f/y"), 0755, 0, 0, 0, 0), -ENOTDIR);
    EXPECT_EQ_S(t, sys_mkdir(0, 0755, 0, 0, 0, 0), -EFAULT);
    fs_test_env_end(&e);
}

KTEST(fs_dir, rmdir_errors)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    ASSERT_EQ_S(t, make_file(&e, "f"), 0);
    ASSERT_EQ_S(t, sys_mkdir(U("d"), 0755, 0, 0, 0, 0), 0);
    ASSERT_EQ_S(t, sys_mkdir(U("d/sub"), 0755, 0, 0, 0, 0), 0);

    EXPECT_EQ_S(t, sys_rmdir(U("."), 0, 0, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_rmdir(U("d/."), 0, 0, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_rmdir(U(".."), 0, 0, 0, 0, 0), -ENOTEMPTY);
    EXPECT_EQ_S(t, sys_rmdir(U("/"), 0, 0, 0, 0, 0), -EBUSY);
    EXPECT_EQ_S(t, sys_rmdir(U("f"), 0, 0, 0, 0, 0), -ENOTDIR);
    EXPECT_EQ_S(t, sys_rmdir(U("nx"), 0, 0, 0, 0, 0), -ENOENT);
    EXPECT_EQ_S(t, sys_rmdir(U("d"), 0, 0, 0, 0, 0), -ENOTEMPTY);
    EXPECT_EQ_S(t, sys_rmdir(U("d/sub/"), 0, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_rmdir(U("d"), 0, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_unlinkat((uint64_t)AT_FDCWD, U("d"), 0x4000, 0, 0, 0), -EINVAL);
    fs_test_env_end(&e);
}

KTEST(fs_dir, unlink_errors_and_open_file)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    ASSERT_EQ_S(t, sys_mkdir(U("d"), 0755, 0, 0, 0, 0), 0);
    long fd = sys_open(U("f"), O_CREAT | O_RDWR, 0644, 0, 0, 0);
    ASSERT_GE(t, fd, 0);

    EXPECT_EQ_S(t, sys_unlink(U("."), 0, 0, 0, 0, 0), -EISDIR);
    EXPECT_EQ_S(t, sys_unlink(U(".."), 0, 0, 0, 0, 0), -EISDIR);
    EXPECT_EQ_S(t, sys_unlink(U("/"), 0, 0, 0, 0, 0), -EISDIR);
    EXPECT_EQ_S(t, sys_unlink(U("d"), 0, 0, 0, 0, 0), -EISDIR);
    EXPECT_EQ_S(t, sys_unlink(U("d/"), 0, 0, 0, 0, 0), -EISDIR);
    EXPECT_EQ_S(t, sys_unlink(U("f/"), 0, 0, 0, 0, 0), -ENOTDIR);
    EXPECT_EQ_S(t, sys_unlink(U("nx/"), 0, 0, 0, 0, 0), -ENOENT);

    /* An unlinked file lives on while it is open, with nlink 0. */
    EXPECT_EQ_S(t, sys_unlink(U("f"), 0, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_open(U("f"), O_RDONLY, 0, 0, 0, 0), -ENOENT);
    EXPECT_EQ_S(t, sys_write((uint64_t)fd, U("still"), 5, 0, 0, 0), 5);
    uint64_t buf = fs_test_user_alloc(&e, sizeof(struct kstat));
    struct kstat st;
    EXPECT_EQ_S(t, sys_fstat((uint64_t)fd, buf, 0, 0, 0, 0), 0);
    copy_from_user(&st, buf, sizeof(st));
    EXPECT_EQ(t, st.st_nlink, 0);
    EXPECT_EQ(t, st.st_size, 5);
    EXPECT_EQ_S(t, sys_unlinkat((uint64_t)AT_FDCWD, U("d"), AT_REMOVEDIR, 0, 0, 0), 0);
    fs_test_env_end(&e);
}

KTEST(fs_dir, rename_cases)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    ASSERT_EQ_S(t, make_file(&e, "f"), 0);
    ASSERT_EQ_S(t, make_file(&e, "g"), 0);
    ASSERT_EQ_S(t, sys_mkdir(U("d"), 0755, 0, 0, 0, 0), 0);
    ASSERT_EQ_S(t, sys_mkdir(U("e"), 0755, 0, 0, 0, 0), 0);
    ASSERT_EQ_S(t, make_file(&e, "e/inside"), 0);
    struct kstat st, moved;

    EXPECT_EQ_S(t, sys_rename(U("."), U("x"), 0, 0, 0, 0), -EBUSY);
    EXPECT_EQ_S(t, sys_rename(U("f"), U("."), 0, 0, 0, 0), -EBUSY);
    EXPECT_EQ_S(t, sys_rename(U("d"), U("d/sub"), 0, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_rename(U("f"), U("d"), 0, 0, 0, 0), -EISDIR);
    EXPECT_EQ_S(t, sys_rename(U("d"), U("f"), 0, 0, 0, 0), -ENOTDIR);
    EXPECT_EQ_S(t, sys_rename(U("f/"), U("h"), 0, 0, 0, 0), -ENOTDIR);
    EXPECT_EQ_S(t, sys_rename(U("nx"), U("h"), 0, 0, 0, 0), -ENOENT);
    EXPECT_EQ_S(t, sys_rename(U("d"), U("e"), 0, 0, 0, 0), -ENOTEMPTY);
    EXPECT_EQ_S(t, sys_rename(U("f"), U("f"), 0, 0, 0, 0), 0);

    /* Replacing a file keeps the moved inode and drops the old target. */
    ASSERT_EQ_S(t, stat_path(&e, "f", &st), 0);
    EXPECT_EQ_S(t, sys_rename(U("f"), U("g"), 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, stat_path(&e, "f", &moved), -ENOENT);
    EXPECT_EQ_S(t, stat_path(&e, "g", &moved), 0);
    EXPECT_EQ(t, moved.st_ino, st.st_ino);

    /* Moving a directory moves its ".." and both parents' link counts. */
    EXPECT_EQ_S(t, sys_rename(U("e"), U("d/e2"), 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, stat_path(&e, "d/e2/inside", &st), 0);
    EXPECT_EQ_S(t, stat_path(&e, "d/e2/..", &st), 0);
    EXPECT_EQ_S(t, stat_path(&e, "d", &moved), 0);
    EXPECT_EQ(t, st.st_ino, moved.st_ino);
    EXPECT_EQ(t, moved.st_nlink, 3);
    EXPECT_EQ_S(t, stat_path(&e, ".", &st), 0);
    EXPECT_EQ(t, st.st_nlink, 3);           /* scratch: name, ".", d's ".." */
    fs_test_env_end(&e);
}

KTEST(fs_dir, chdir_and_getcwd)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    ASSERT_EQ_S(t, sys_mkdir(U("a"), 0755, 0, 0, 0, 0), 0);
    ASSERT_EQ_S(t, sys_mkdir(U("a/b"), 0755, 0, 0, 0, 0), 0);
    ASSERT_EQ_S(t, make_file(&e, "f"), 0);
    char cwd[64];

    EXPECT_EQ_S(t, cwd_of(&e, cwd, sizeof(cwd)), 12);   /* the length counts the NUL */
    EXPECT_STREQ(t, cwd, "/tmp/fstest");
    EXPECT_EQ_S(t, sys_chdir(U("a//b/"), 0, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, cwd_of(&e, cwd, sizeof(cwd)), 16);
    EXPECT_STREQ(t, cwd, "/tmp/fstest/a/b");
    EXPECT_EQ_S(t, sys_chdir(U("../.."), 0, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, cwd_of(&e, cwd, sizeof(cwd)), 12);
    EXPECT_STREQ(t, cwd, "/tmp/fstest");
    EXPECT_EQ_S(t, sys_chdir(U("/.."), 0, 0, 0, 0, 0), 0);       /* ".." of / is / */
    EXPECT_EQ_S(t, cwd_of(&e, cwd, sizeof(cwd)), 2);
    EXPECT_STREQ(t, cwd, "/");

    EXPECT_EQ_S(t, sys_chdir(U("/tmp/fstest/f"), 0, 0, 0, 0, 0), -ENOTDIR);
    EXPECT_EQ_S(t, sys_chdir(U("/nx"), 0, 0, 0, 0, 0), -ENOENT);
    uint64_t buf = fs_test_user_alloc(&e, 8);
    EXPECT_EQ_S(t, sys_getcwd(buf, 0, 0, 0, 0, 0), -ERANGE);
    EXPECT_EQ_S(t, sys_getcwd(buf, 1, 0, 0, 0, 0), -ERANGE);
    EXPECT_EQ_S(t, sys_getcwd(KERNEL_VMA_ADDRESS, 8, 0, 0, 0, 0), -EFAULT);

    /* A removed cwd: getcwd is -ENOENT, creating in it too. */
    EXPECT_EQ_S(t, sys_chdir(U("/tmp/fstest/a/b"), 0, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_rmdir(U("/tmp/fstest/a/b"), 0, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_getcwd(buf, 8, 0, 0, 0, 0), -ENOENT);
    EXPECT_EQ_S(t, sys_open(U("new"), O_CREAT | O_RDWR, 0644, 0, 0, 0), -ENOENT);
    EXPECT_EQ_S(t, sys_chdir(U(".."), 0, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, cwd_of(&e, cwd, sizeof(cwd)), 14);
    EXPECT_STREQ(t, cwd, "/tmp/fstest/a");
    fs_test_env_end(&e);
}

KTEST(fs_dir, stat_and_fstatat_forms)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    ASSERT_EQ_S(t, sys_mkdir(U("d"), 0755, 0, 0, 0, 0), 0);
    ASSERT_EQ_S(t, make_file(&e, "d/f"), 0);
    long dir = sys_open(U("d"), O_RDONLY | O_DIRECTORY, 0, 0, 0, 0);
    long file = sys_open(U("d/f"), O_RDONLY, 0, 0, 0, 0);
    uint64_t buf = fs_test_user_alloc(&e, sizeof(struct kstat));
    struct kstat st, viaat;

    ASSERT_EQ_S(t, stat_path(&e, "d/f", &st), 0);
    EXPECT_EQ_S(t, sys_newfstatat((uint64_t)dir, U("f"), buf, 0, 0, 0), 0);
    copy_from_user(&viaat, buf, sizeof(viaat));
    EXPECT_EQ(t, viaat.st_ino, st.st_ino);
    EXPECT_EQ_S(t, sys_newfstatat((uint64_t)file, U(""), buf, AT_EMPTY_PATH, 0, 0), 0);
    copy_from_user(&viaat, buf, sizeof(viaat));
    EXPECT_EQ(t, viaat.st_ino, st.st_ino);
    EXPECT_EQ_S(t, sys_newfstatat((uint64_t)file, U(""), buf, 0, 0, 0), -ENOENT);
    EXPECT_EQ_S(t, sys_newfstatat((uint64_t)file, U("x"), buf, 0, 0, 0), -ENOTDIR);
    EXPECT_EQ_S(t, sys_newfstatat(99, U("x"), buf, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_newfstatat(99, U("/tmp"), buf, 0, 0, 0), 0);  /* absolute: dirfd unused */
    EXPECT_EQ_S(t, sys_newfstatat((uint64_t)AT_FDCWD, U("d"), buf, 0x8000, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_newfstatat((uint64_t)AT_FDCWD, U("d"), KERNEL_VMA_ADDRESS, 0, 0, 0),
                -EFAULT);
    EXPECT_EQ_S(t, sys_lstat(U("d//f"), buf, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_stat(U("d/f/"), buf, 0, 0, 0, 0), -ENOTDIR);
    EXPECT_EQ_S(t, sys_stat(U("d/./../d/f"), buf, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_openat((uint64_t)file, U("x"), O_RDONLY, 0, 0, 0), -ENOTDIR);
    EXPECT_EQ_S(t, sys_openat((uint64_t)dir, U("f"), O_RDONLY, 0, 0, 0), 2);
    EXPECT_EQ_S(t, sys_mkdirat((uint64_t)dir, U("sub"), 0755, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_unlinkat((uint64_t)dir, U("sub"), AT_REMOVEDIR, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_unlinkat((uint64_t)dir, U("f"), 0, 0, 0, 0), 0);
    fs_test_env_end(&e);
}

KTEST(fs_dir, access_and_chmod_as_root)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    ASSERT_EQ_S(t, make_file(&e, "f"), 0);
    struct kstat st;

    EXPECT_EQ_S(t, sys_access(U("f"), R_OK | W_OK, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_access(U("f"), X_OK, 0, 0, 0, 0), -EACCES);  /* root needs an x bit */
    EXPECT_EQ_S(t, sys_access(U("f"), 8, 0, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_access(U("nx"), F_OK, 0, 0, 0, 0), -ENOENT);
    EXPECT_EQ_S(t, sys_chmod(U("f"), 0100 | S_IFDIR, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, stat_path(&e, "f", &st), 0);
    EXPECT_EQ(t, st.st_mode, S_IFREG | 0100);   /* the type bits cannot change */
    EXPECT_EQ_S(t, sys_access(U("f"), X_OK, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_faccessat((uint64_t)AT_FDCWD, U("f"), W_OK, 0, 0, 0), 0);
    fs_test_env_end(&e);
}

KTEST(fs_dir, truncate_and_fchdir)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    ASSERT_EQ_S(t, sys_mkdir(U("d"), 0755, 0, 0, 0, 0), 0);
    long fd = sys_open(U("f"), O_CREAT | O_RDWR, 0644, 0, 0, 0);
    ASSERT_GE(t, fd, 0);
    sys_write((uint64_t)fd, U("abcdefgh"), 8, 0, 0, 0);
    struct kstat st;
    char cwd[32];

    EXPECT_EQ_S(t, sys_truncate(U("f"), 3, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, stat_path(&e, "f", &st), 0);
    EXPECT_EQ(t, st.st_size, 3);
    EXPECT_EQ_S(t, sys_truncate(U("f"), (uint64_t)-1, 0, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_truncate(U("d"), 0, 0, 0, 0, 0), -EISDIR);
    EXPECT_EQ_S(t, sys_truncate(U("/dev/null"), 0, 0, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_truncate(U("nx"), 0, 0, 0, 0, 0), -ENOENT);

    long dir = sys_open(U("d"), O_RDONLY | O_DIRECTORY, 0, 0, 0, 0);
    EXPECT_EQ_S(t, sys_fchdir((uint64_t)fd, 0, 0, 0, 0, 0), -ENOTDIR);
    EXPECT_EQ_S(t, sys_fchdir(99, 0, 0, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_fchdir((uint64_t)dir, 0, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, cwd_of(&e, cwd, sizeof(cwd)), 14);
    EXPECT_STREQ(t, cwd, "/tmp/fstest/d");
    fs_test_env_end(&e);
}
