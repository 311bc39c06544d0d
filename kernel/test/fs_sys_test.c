/*
 * Tests for the file system calls on open files: open, read, write, lseek,
 * pread64/pwrite64, readv/writev, fstat, ftruncate, getdents64, ioctl.
 * Each case runs the handlers directly against a private process whose
 * buffers live in a test address space. Expected values are what Linux
 * x86-64 returns for the same calls.
 */
#include "fs/fcntl.h"
#include "fs/file.h"
#include "fs/fs_test_env.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/ktest.h"
#include "lib/printf.h"
#include "mm/layout.h"
#include "mm/pagetable.h"
#include "mm/uaccess.h"
#include "sys/syscall.h"

static long open_path(struct fs_test_env *e, const char *path, unsigned flags, unsigned mode)
{
    return sys_open(fs_test_user_str(e, path), flags, mode, 0, 0, 0);
}

static long write_str(struct fs_test_env *e, int fd, const char *s)
{
    return sys_write((uint64_t)fd, fs_test_user_str(e, s), strlen(s), 0, 0, 0);
}

/* Read up to n bytes from fd into out (NUL-terminated); returns read's result. */
static long read_str(struct fs_test_env *e, int fd, char *out, size_t n)
{
    uint64_t buf = fs_test_user_alloc(e, n);
    long got = sys_read((uint64_t)fd, buf, n - 1, 0, 0, 0);
    out[0] = '\0';
    if (got > 0 && copy_from_user(out, buf, (size_t)got) == 0)
        out[got] = '\0';
    return got;
}

static int fstat_of(struct fs_test_env *e, int fd, struct kstat *st)
{
    uint64_t buf = fs_test_user_alloc(e, sizeof(*st));
    long rc = sys_fstat((uint64_t)fd, buf, 0, 0, 0, 0);
    if (rc == 0)
        copy_from_user(st, buf, sizeof(*st));
    return (int)rc;
}

KTEST(fs_sys, create_write_read_back)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    char text[16];

    long fd = open_path(&e, "notes", O_CREAT | O_RDWR, 0666);
    EXPECT_EQ_S(t, fd, 0);                      /* lowest free descriptor */
    EXPECT_EQ_S(t, write_str(&e, (int)fd, "hello"), 5);
    EXPECT_EQ_S(t, sys_lseek((uint64_t)fd, 0, SEEK_SET, 0, 0, 0), 0);
    EXPECT_EQ_S(t, read_str(&e, (int)fd, text, sizeof(text)), 5);
    EXPECT_STREQ(t, text, "hello");
    EXPECT_EQ_S(t, read_str(&e, (int)fd, text, sizeof(text)), 0);   /* end of file */

    struct kstat st;
    EXPECT_EQ_S(t, fstat_of(&e, (int)fd, &st), 0);
    EXPECT_EQ(t, st.st_size, 5);
    EXPECT_EQ(t, st.st_mode, S_IFREG | 0644);   /* 0666 & ~umask 022 */
    EXPECT_EQ(t, st.st_nlink, 1);
    EXPECT_EQ(t, st.st_blocks, 8);              /* one 4 KiB frame in 512-byte blocks */
    EXPECT_EQ(t, st.st_blksize, 4096);
    EXPECT_EQ_S(t, sys_close((uint64_t)fd, 0, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_close((uint64_t)fd, 0, 0, 0, 0, 0), -EBADF);
    fs_test_env_end(&e);
}

KTEST(fs_sys, umask_applies_to_create)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    struct kstat st;

    EXPECT_EQ_S(t, sys_umask(077, 0, 0, 0, 0, 0), 022);
    long fd = open_path(&e, "private", O_CREAT | O_WRONLY, 0666);
    EXPECT_EQ_S(t, fstat_of(&e, (int)fd, &st), 0);
    EXPECT_EQ(t, st.st_mode, S_IFREG | 0600);
    EXPECT_EQ_S(t, sys_umask(0, 0, 0, 0, 0, 0), 077);
    fs_test_env_end(&e);
}

KTEST(fs_sys, open_errors_match_linux)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    ASSERT_EQ_S(t, open_path(&e, "f", O_CREAT | O_WRONLY, 0644), 0);
    ASSERT_EQ_S(t, sys_mkdir(fs_test_user_str(&e, "d"), 0755, 0, 0, 0, 0), 0);

    EXPECT_EQ_S(t, open_path(&e, "missing", O_RDONLY, 0), -ENOENT);
    EXPECT_EQ_S(t, open_path(&e, "", O_RDONLY, 0), -ENOENT);
    EXPECT_EQ_S(t, open_path(&e, "missing/x", O_RDONLY, 0), -ENOENT);
    EXPECT_EQ_S(t, open_path(&e, "f/", O_RDONLY, 0), -ENOTDIR);
    EXPECT_EQ_S(t, open_path(&e, "f/x", O_RDONLY, 0), -ENOTDIR);
    EXPECT_EQ_S(t, open_path(&e, "f", O_RDONLY | O_DIRECTORY, 0), -ENOTDIR);
    EXPECT_EQ_S(t, open_path(&e, "d", O_WRONLY, 0), -EISDIR);
    EXPECT_EQ_S(t, open_path(&e, "d", O_RDWR, 0), -EISDIR);
    EXPECT_EQ_S(t, open_path(&e, "d", O_RDONLY | O_TRUNC, 0), -EISDIR);
    EXPECT_EQ_S(t, open_path(&e, "d", O_RDONLY | O_CREAT, 0644), -EISDIR);
    EXPECT_EQ_S(t, open_path(&e, "new/", O_RDONLY | O_CREAT, 0644), -EISDIR);
    EXPECT_EQ_S(t, open_path(&e, "/", O_RDONLY | O_CREAT, 0644), -EISDIR);
    EXPECT_EQ_S(t, open_path(&e, ".", O_RDONLY | O_CREAT, 0644), -EISDIR);
    EXPECT_EQ_S(t, open_path(&e, "f", O_RDONLY | O_CREAT | O_EXCL, 0644), -EEXIST);
    EXPECT_EQ_S(t, sys_open(0, O_RDONLY, 0, 0, 0, 0), -EFAULT);
    EXPECT_EQ_S(t, sys_open(KERNEL_VMA, O_RDONLY, 0, 0, 0, 0), -EFAULT);
    fs_test_env_end(&e);
}

KTEST(fs_sys, name_and_path_too_long)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    char name[NAME_MAX + 2];
    memset(name, 'a', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';          /* 256 bytes: one past NAME_MAX */

    EXPECT_EQ_S(t, open_path(&e, name, O_RDONLY, 0), -ENAMETOOLONG);
    EXPECT_EQ_S(t, open_path(&e, name, O_RDONLY | O_CREAT, 0644), -ENAMETOOLONG);
    name[NAME_MAX] = '\0';                  /* 255 bytes is allowed */
    EXPECT_EQ_S(t, open_path(&e, name, O_RDONLY | O_CREAT, 0644), 0);

    /* 4096 bytes without a NUL is too long; 4095 slashes resolve to "/". */
    static char path[PATH_MAX + 1];
    memset(path, '/', PATH_MAX);
    path[PATH_MAX] = '\0';
    EXPECT_EQ_S(t, open_path(&e, path, O_RDONLY, 0), -ENAMETOOLONG);
    path[PATH_MAX - 1] = '\0';
    EXPECT_EQ_S(t, open_path(&e, path, O_RDONLY, 0), 1);
    fs_test_env_end(&e);
}

KTEST(fs_sys, trunc_and_append)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    char text[32];

    long fd = open_path(&e, "log", O_CREAT | O_WRONLY, 0644);
    EXPECT_EQ_S(t, write_str(&e, (int)fd, "first"), 5);
    sys_close((uint64_t)fd, 0, 0, 0, 0, 0);

    fd = open_path(&e, "log", O_WRONLY | O_APPEND, 0);
    EXPECT_EQ_S(t, write_str(&e, (int)fd, "+second"), 7);
    EXPECT_EQ_S(t, sys_lseek((uint64_t)fd, 0, SEEK_SET, 0, 0, 0), 0);
    EXPECT_EQ_S(t, write_str(&e, (int)fd, "!"), 1);     /* O_APPEND ignores the offset */
    sys_close((uint64_t)fd, 0, 0, 0, 0, 0);

    fd = open_path(&e, "log", O_RDONLY, 0);
    EXPECT_EQ_S(t, read_str(&e, (int)fd, text, sizeof(text)), 13);
    EXPECT_STREQ(t, text, "first+second!");
    sys_close((uint64_t)fd, 0, 0, 0, 0, 0);

    fd = open_path(&e, "log", O_RDWR | O_TRUNC, 0);
    EXPECT_EQ_S(t, read_str(&e, (int)fd, text, sizeof(text)), 0);
    EXPECT_EQ_S(t, sys_lseek((uint64_t)fd, 0, SEEK_END, 0, 0, 0), 0);
    fs_test_env_end(&e);
}

KTEST(fs_sys, read_write_errors)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    long ro = open_path(&e, "f", O_CREAT | O_RDONLY, 0644);
    long wo = open_path(&e, "f", O_WRONLY, 0);
    long dir = open_path(&e, ".", O_RDONLY, 0);
    uint64_t buf = fs_test_user_alloc(&e, 16);

    EXPECT_EQ_S(t, sys_read((uint64_t)-1, buf, 1, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_read(99, buf, 1, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_read(FD_TABLE_SIZE, buf, 1, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_write((uint64_t)ro, buf, 1, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_read((uint64_t)wo, buf, 1, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_read((uint64_t)dir, buf, 1, 0, 0, 0), -EISDIR);
    EXPECT_EQ_S(t, sys_write((uint64_t)wo, 0, 4, 0, 0, 0), -EFAULT);
    EXPECT_EQ_S(t, sys_write((uint64_t)wo, KERNEL_VMA, 4, 0, 0, 0), -EFAULT);
    EXPECT_EQ_S(t, write_str(&e, (int)wo, "data"), 4);
    EXPECT_EQ_S(t, sys_read((uint64_t)ro, KERNEL_VMA, 4, 0, 0, 0), -EFAULT);
    EXPECT_EQ_S(t, sys_read((uint64_t)ro, USER_SPACE_END - 2, 4, 0, 0, 0), -EFAULT);
    EXPECT_EQ_S(t, sys_read((uint64_t)ro, 0x1000, 4, 0, 0, 0), -EFAULT);    /* unmapped */
    EXPECT_EQ_S(t, sys_read((uint64_t)ro, buf, 0, 0, 0, 0), 0);
    fs_test_env_end(&e);
}

KTEST(fs_sys, lseek_cases)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    long fd = open_path(&e, "f", O_CREAT | O_RDWR, 0644);
    write_str(&e, (int)fd, "0123456789");

    EXPECT_EQ_S(t, sys_lseek((uint64_t)fd, (uint64_t)-3, SEEK_END, 0, 0, 0), 7);
    EXPECT_EQ_S(t, sys_lseek((uint64_t)fd, 2, SEEK_CUR, 0, 0, 0), 9);
    EXPECT_EQ_S(t, sys_lseek((uint64_t)fd, (uint64_t)-1, SEEK_SET, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_lseek((uint64_t)fd, 0, 7, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_lseek((uint64_t)fd, 0, SEEK_CUR, 0, 0, 0), 9);   /* unchanged */

    /* Seeking past the end and writing leaves a hole that reads as zeros. */
    EXPECT_EQ_S(t, sys_lseek((uint64_t)fd, 8192, SEEK_SET, 0, 0, 0), 8192);
    EXPECT_EQ_S(t, write_str(&e, (int)fd, "Z"), 1);
    uint64_t buf = fs_test_user_alloc(&e, 4);
    char back[4] = { 1, 1, 1, 1 };
    EXPECT_EQ_S(t, sys_pread64((uint64_t)fd, buf, 4, 4096, 0, 0), 4);
    copy_from_user(back, buf, 4);
    EXPECT_EQ(t, back[0] | back[1] | back[2] | back[3], 0);
    EXPECT_EQ_S(t, sys_lseek((uint64_t)fd, 0, SEEK_END, 0, 0, 0), 8193);
    EXPECT_EQ_S(t, sys_lseek(77, 0, SEEK_SET, 0, 0, 0), -EBADF);
    fs_test_env_end(&e);
}

KTEST(fs_sys, pread_pwrite_keep_offset)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    long fd = open_path(&e, "f", O_CREAT | O_RDWR, 0644);
    write_str(&e, (int)fd, "abcdef");
    uint64_t buf = fs_test_user_alloc(&e, 8);
    char back[8] = { 0 };

    EXPECT_EQ_S(t, sys_pread64((uint64_t)fd, buf, 3, 2, 0, 0), 3);
    copy_from_user(back, buf, 3);
    EXPECT_STREQ(t, back, "cde");
    EXPECT_EQ_S(t, sys_pwrite64((uint64_t)fd, fs_test_user_str(&e, "XY"), 2, 0, 0, 0), 2);
    EXPECT_EQ_S(t, sys_lseek((uint64_t)fd, 0, SEEK_CUR, 0, 0, 0), 6);
    EXPECT_EQ_S(t, sys_pread64((uint64_t)fd, buf, 6, 0, 0, 0), 6);
    copy_from_user(back, buf, 6);
    EXPECT_STREQ(t, back, "XYcdef");
    EXPECT_EQ_S(t, sys_pread64((uint64_t)fd, buf, 1, (uint64_t)-1, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_pread64((uint64_t)fd, buf, 1, 100, 0, 0), 0);
    fs_test_env_end(&e);
}

KTEST(fs_sys, readv_writev)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    long fd = open_path(&e, "f", O_CREAT | O_RDWR, 0644);
    uint64_t iov = fs_test_user_alloc(&e, 4 * sizeof(uint64_t));
    uint64_t parts[4] = { fs_test_user_str(&e, "ab"), 2, fs_test_user_str(&e, "cde"), 3 };
    copy_to_user(iov, parts, sizeof(parts));

    EXPECT_EQ_S(t, sys_writev((uint64_t)fd, iov, 2, 0, 0, 0), 5);
    EXPECT_EQ_S(t, sys_lseek((uint64_t)fd, 0, SEEK_SET, 0, 0, 0), 0);
    uint64_t a = fs_test_user_alloc(&e, 8), b = fs_test_user_alloc(&e, 8);
    uint64_t read_parts[4] = { a, 1, b, 8 };
    copy_to_user(iov, read_parts, sizeof(read_parts));
    EXPECT_EQ_S(t, sys_readv((uint64_t)fd, iov, 2, 0, 0, 0), 5);
    char back[8] = { 0 };
    copy_from_user(back, b, 4);
    EXPECT_STREQ(t, back, "bcde");

    EXPECT_EQ_S(t, sys_readv((uint64_t)fd, iov, (uint64_t)-1, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_readv((uint64_t)fd, iov, 1025, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_readv((uint64_t)fd, iov, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_writev((uint64_t)fd, 0, 1, 0, 0, 0), -EFAULT);
    uint64_t bad[2] = { KERNEL_VMA, 4 };
    copy_to_user(iov, bad, sizeof(bad));
    EXPECT_EQ_S(t, sys_writev((uint64_t)fd, iov, 1, 0, 0, 0), -EFAULT);
    fs_test_env_end(&e);
}

KTEST(fs_sys, ftruncate_cases)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    long fd = open_path(&e, "f", O_CREAT | O_RDWR, 0644);
    long ro = open_path(&e, "f", O_RDONLY, 0);
    long dir = open_path(&e, ".", O_RDONLY, 0);
    struct kstat st;
    write_str(&e, (int)fd, "0123456789");

    EXPECT_EQ_S(t, sys_ftruncate((uint64_t)fd, 4, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, fstat_of(&e, (int)fd, &st), 0);
    EXPECT_EQ(t, st.st_size, 4);
    EXPECT_EQ_S(t, sys_ftruncate((uint64_t)fd, 6000, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, fstat_of(&e, (int)fd, &st), 0);
    EXPECT_EQ(t, st.st_size, 6000);
    EXPECT_EQ(t, st.st_blocks, 8);          /* the second page is a hole */

    /* Bytes cut off by the shrink read back as zeros after regrowing. */
    uint64_t buf = fs_test_user_alloc(&e, 2);
    char back[2] = { 1, 1 };
    EXPECT_EQ_S(t, sys_pread64((uint64_t)fd, buf, 2, 4, 0, 0), 2);
    copy_from_user(back, buf, 2);
    EXPECT_EQ(t, back[0] | back[1], 0);

    EXPECT_EQ_S(t, sys_ftruncate((uint64_t)fd, (uint64_t)-1, 0, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_ftruncate((uint64_t)ro, 0, 0, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_ftruncate((uint64_t)dir, 0, 0, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_ftruncate(55, 0, 0, 0, 0, 0), -EBADF);
    fs_test_env_end(&e);
}

/* Walk the records getdents64 wrote; store names joined by ' ' in out. */
static void dirent_names(const char *records, long len, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (long pos = 0; pos < len;) {
        uint16_t reclen;
        memcpy(&reclen, records + pos + 16, sizeof(reclen));
        const char *name = records + pos + 19;
        used += (size_t)ksnprintf(out + used, size - used, "%s%s", used ? " " : "", name);
        pos += reclen;
    }
}

KTEST(fs_sys, getdents64_lists_entries)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    sys_close((uint64_t)open_path(&e, "a", O_CREAT | O_RDONLY, 0644), 0, 0, 0, 0, 0);
    sys_mkdir(fs_test_user_str(&e, "sub"), 0755, 0, 0, 0, 0);
    long dir = open_path(&e, ".", O_RDONLY | O_DIRECTORY, 0);
    uint64_t buf = fs_test_user_alloc(&e, 512);
    char records[512], names[64];

    long len = sys_getdents64((uint64_t)dir, buf, 512, 0, 0, 0);
    EXPECT_EQ_S(t, len, 24 + 24 + 24 + 24);     /* each record padded to 8 bytes */
    copy_from_user(records, buf, sizeof(records));
    dirent_names(records, len, names, sizeof(names));
    EXPECT_STREQ(t, names, ". .. a sub");
    EXPECT_EQ(t, (uint8_t)records[24 * 2 + 18], DT_REG);
    EXPECT_EQ(t, (uint8_t)records[24 * 3 + 18], DT_DIR);
    EXPECT_EQ_S(t, sys_getdents64((uint64_t)dir, buf, 512, 0, 0, 0), 0);   /* at the end */

    /* Rewind; a buffer too small for one record is -EINVAL. */
    EXPECT_EQ_S(t, sys_lseek((uint64_t)dir, 0, SEEK_SET, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_getdents64((uint64_t)dir, buf, 10, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_getdents64((uint64_t)dir, buf, 30, 0, 0, 0), 24);  /* one record */
    EXPECT_EQ_S(t, sys_getdents64((uint64_t)dir, KERNEL_VMA, 512, 0, 0, 0), -EFAULT);
    long file = open_path(&e, "a", O_RDONLY, 0);
    EXPECT_EQ_S(t, sys_getdents64((uint64_t)file, buf, 512, 0, 0, 0), -ENOTDIR);
    fs_test_env_end(&e);
}

KTEST(fs_sys, ioctl_on_non_tty_is_enotty)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    long fd = open_path(&e, "f", O_CREAT | O_RDWR, 0644);
    long null = open_path(&e, "/dev/null", O_RDWR, 0);
    uint64_t buf = fs_test_user_alloc(&e, 64);

    EXPECT_EQ_S(t, sys_ioctl((uint64_t)fd, 0x5401 /* TCGETS */, buf, 0, 0, 0), -ENOTTY);
    EXPECT_EQ_S(t, sys_ioctl((uint64_t)fd, 0x5413 /* TIOCGWINSZ */, buf, 0, 0, 0), -ENOTTY);
    EXPECT_EQ_S(t, sys_ioctl((uint64_t)null, 0x5401, buf, 0, 0, 0), -ENOTTY);
    EXPECT_EQ_S(t, sys_ioctl(42, 0x5401, buf, 0, 0, 0), -EBADF);
    fs_test_env_end(&e);
}

KTEST(fs_sys, dev_null_reads_eof)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    long fd = open_path(&e, "/dev/null", O_RDWR, 0);
    char text[8];
    struct kstat st;

    EXPECT_EQ_S(t, write_str(&e, (int)fd, "gone"), 4);
    EXPECT_EQ_S(t, read_str(&e, (int)fd, text, sizeof(text)), 0);
    EXPECT_EQ_S(t, sys_lseek((uint64_t)fd, 100, SEEK_SET, 0, 0, 0), 0);
    EXPECT_EQ_S(t, fstat_of(&e, (int)fd, &st), 0);
    EXPECT_EQ(t, st.st_mode, S_IFCHR | 0666);
    EXPECT_EQ(t, st.st_rdev, MKDEV(1, 3));
    fs_test_env_end(&e);
}

static const struct file_ops no_ops;

KTEST(fs_sys, lwc_descriptor_io_is_ebadf)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    struct file *f = file_alloc(FILE_LWC, &no_ops, O_RDWR);
    ASSERT_NOT_NULL(t, f);
    int fd = fd_install(e.proc.fds, f, 0, false);
    uint64_t buf = fs_test_user_alloc(&e, 256);

    EXPECT_EQ_S(t, sys_read((uint64_t)fd, buf, 1, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_write((uint64_t)fd, buf, 1, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_lseek((uint64_t)fd, 0, SEEK_SET, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_fstat((uint64_t)fd, buf, 0, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_ioctl((uint64_t)fd, 0x5401, buf, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_pread64((uint64_t)fd, buf, 1, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_getdents64((uint64_t)fd, buf, 256, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_dup((uint64_t)fd, 0, 0, 0, 0, 0), 1);     /* dup still works */
    EXPECT_EQ_S(t, sys_close((uint64_t)fd, 0, 0, 0, 0, 0), 0);
    fs_test_env_end(&e);
}
