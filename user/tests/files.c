/* Regular files and folders: create, read, write, lseek, truncate, unlink, getdents64, mkdir, rmdir. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ktap.h"

/* Create PATH holding TEXT with mode 0644; returns 0, or -1 after failing the case. */
static int create_file(const char *path, const char *text)
{
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    ssize_t length = (ssize_t)strlen(text);

    if (fd < 0) {
        KTAP_FAIL("cannot create %s: errno %d", path, errno);
        return -1;
    }
    if (write(fd, text, length) != length) {
        KTAP_FAIL("short write to %s", path);
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* Read all of PATH into BUF (NUL-terminated); returns the byte count or -1. */
static ssize_t read_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    ssize_t total = 0, n;

    if (fd < 0)
        return -1;
    while ((size_t)total < size - 1 && (n = read(fd, buf + total, size - 1 - total)) > 0)
        total += n;
    buf[total] = '\0';
    close(fd);
    return total;
}

static void create_write_read_back(void)
{
    char path[256], text[64];
    struct stat st;

    ktap_tmp_path(path, sizeof path, "plain");
    ASSERT_EQ(create_file(path, "hello, file\n"), 0);
    EXPECT_EQ(read_file(path, text, sizeof text), 12);
    EXPECT_STREQ(text, "hello, file\n");
    ASSERT_OK(stat(path, &st));
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0644);
    EXPECT_EQ(st.st_size, 12);
    EXPECT_EQ(st.st_uid, geteuid());
    EXPECT_OK(unlink(path));
}

static void open_missing_enoent(void)
{
    char path[256];

    ktap_tmp_path(path, sizeof path, "missing");
    EXPECT_ERRNO(open(path, O_RDONLY), ENOENT);
    ktap_tmp_path(path, sizeof path, "missing/child");
    EXPECT_ERRNO(open(path, O_CREAT | O_WRONLY, 0644), ENOENT);
}

static void o_excl_existing_eexist(void)
{
    char path[256];
    int fd;

    ktap_tmp_path(path, sizeof path, "exclusive");
    fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    close(fd);
    EXPECT_ERRNO(open(path, O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    EXPECT_OK(unlink(path));
}

static void o_append_writes_at_end(void)
{
    char path[256], text[64];
    int fd;

    ktap_tmp_path(path, sizeof path, "append");
    ASSERT_EQ(create_file(path, "abc"), 0);
    fd = open(path, O_WRONLY | O_APPEND);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(lseek(fd, 0, SEEK_SET), 0);
    EXPECT_EQ(write(fd, "de", 2), 2);
    EXPECT_EQ(lseek(fd, 0, SEEK_CUR), 5);
    close(fd);
    EXPECT_EQ(read_file(path, text, sizeof text), 5);
    EXPECT_STREQ(text, "abcde");
    EXPECT_OK(unlink(path));
}

static void o_trunc_empties_file(void)
{
    char path[256];
    struct stat st;
    int fd;

    ktap_tmp_path(path, sizeof path, "trunc");
    ASSERT_EQ(create_file(path, "some bytes"), 0);
    fd = open(path, O_WRONLY | O_TRUNC);
    ASSERT_GE(fd, 0);
    ASSERT_OK(fstat(fd, &st));
    EXPECT_EQ(st.st_size, 0);
    close(fd);
    EXPECT_OK(unlink(path));
}

static void lseek_whence_and_holes(void)
{
    char path[256], text[16];
    int fd;

    ktap_tmp_path(path, sizeof path, "seek");
    fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(write(fd, "0123456789", 10), 10);
    EXPECT_EQ(lseek(fd, 2, SEEK_SET), 2);
    EXPECT_EQ(lseek(fd, 3, SEEK_CUR), 5);
    EXPECT_EQ(lseek(fd, -1, SEEK_END), 9);
    EXPECT_EQ(read(fd, text, 4), 1);
    EXPECT_EQ(text[0], '9');
    EXPECT_EQ(read(fd, text, 4), 0);

    /* Writing past the end leaves a hole that reads as zeros. */
    EXPECT_EQ(lseek(fd, 14, SEEK_SET), 14);
    EXPECT_EQ(write(fd, "x", 1), 1);
    EXPECT_EQ(pread(fd, text, 5, 10), 5);
    EXPECT_EQ(memcmp(text, "\0\0\0\0x", 5), 0);

    EXPECT_ERRNO(lseek(fd, -1, SEEK_SET), EINVAL);
    EXPECT_ERRNO(lseek(fd, 0, 42), EINVAL);
    close(fd);
    EXPECT_OK(unlink(path));
}

static void truncate_shrinks_and_grows(void)
{
    char path[256], text[16];
    struct stat st;
    int fd;

    ktap_tmp_path(path, sizeof path, "truncate");
    ASSERT_EQ(create_file(path, "abcdefgh"), 0);
    EXPECT_OK(truncate(path, 3));
    EXPECT_EQ(read_file(path, text, sizeof text), 3);
    EXPECT_STREQ(text, "abc");

    fd = open(path, O_RDWR);
    ASSERT_GE(fd, 0);
    EXPECT_OK(ftruncate(fd, 6));
    ASSERT_OK(fstat(fd, &st));
    EXPECT_EQ(st.st_size, 6);
    EXPECT_EQ(pread(fd, text, 6, 0), 6);
    EXPECT_EQ(memcmp(text, "abc\0\0\0", 6), 0);
    EXPECT_ERRNO(ftruncate(fd, -1), EINVAL);
    close(fd);

    fd = open(path, O_RDONLY);
    ASSERT_GE(fd, 0);
    EXPECT_ERRNO(ftruncate(fd, 0), EINVAL);
    close(fd);
    EXPECT_OK(unlink(path));
}

static void unlink_removes_name(void)
{
    char path[256];

    ktap_tmp_path(path, sizeof path, "doomed");
    ASSERT_EQ(create_file(path, "x"), 0);
    EXPECT_OK(unlink(path));
    EXPECT_ERRNO(open(path, O_RDONLY), ENOENT);
    EXPECT_ERRNO(unlink(path), ENOENT);
}

static void unlinked_open_file_stays_readable(void)
{
    char path[256], text[16] = "";
    int fd;

    ktap_tmp_path(path, sizeof path, "ghost");
    ASSERT_EQ(create_file(path, "still here"), 0);
    fd = open(path, O_RDWR);
    ASSERT_GE(fd, 0);
    EXPECT_OK(unlink(path));
    EXPECT_EQ(read(fd, text, sizeof text - 1), 10);
    EXPECT_STREQ(text, "still here");
    EXPECT_EQ(write(fd, "!", 1), 1);
    close(fd);
}

static void mkdir_and_rmdir(void)
{
    char dir[256], file[256];
    struct stat st;

    ktap_tmp_path(dir, sizeof dir, "folder");
    ASSERT_OK(mkdir(dir, 0755));
    ASSERT_OK(stat(dir, &st));
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0755);
    EXPECT_ERRNO(mkdir(dir, 0755), EEXIST);

    ktap_tmp_path(file, sizeof file, "folder/inside");
    ASSERT_EQ(create_file(file, "x"), 0);
    EXPECT_ERRNO(rmdir(dir), ENOTEMPTY);
    EXPECT_ERRNO(rmdir(file), ENOTDIR);
    EXPECT_ERRNO(unlink(dir), EISDIR);
    EXPECT_ERRNO(open(dir, O_WRONLY), EISDIR);
    EXPECT_ERRNO(open(file, O_RDONLY | O_DIRECTORY), ENOTDIR);
    EXPECT_OK(unlink(file));
    EXPECT_OK(rmdir(dir));
    EXPECT_ERRNO(rmdir(dir), ENOENT);
}

/* One linux_dirent64 record, as the getdents64 system call writes it. */
struct dirent64_record {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static void getdents64_lists_entries(void)
{
    static const char *const expected[] = { ".", "..", "alpha", "beta", "sub" };
    static const unsigned char expected_type[] = { DT_DIR, DT_DIR, DT_REG, DT_REG, DT_DIR };
    char dir[256], path[256];
    char buf[4096] __attribute__((aligned(8)));
    int seen[5] = { 0 };
    long n;
    int fd;

    ktap_tmp_path(dir, sizeof dir, "listing");
    ASSERT_OK(mkdir(dir, 0755));
    ASSERT_EQ(create_file(ktap_tmp_path(path, sizeof path, "listing/alpha"), "a"), 0);
    ASSERT_EQ(create_file(ktap_tmp_path(path, sizeof path, "listing/beta"), "b"), 0);
    ASSERT_OK(mkdir(ktap_tmp_path(path, sizeof path, "listing/sub"), 0755));

    fd = open(dir, O_RDONLY | O_DIRECTORY);
    ASSERT_GE(fd, 0);
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
        for (long offset = 0; offset < n;) {
            struct dirent64_record *record = (struct dirent64_record *)(buf + offset);
            int i;

            for (i = 0; i < 5 && strcmp(record->d_name, expected[i]) != 0; i++)
                continue;
            if (i == 5) {
                KTAP_FAIL("unexpected entry \"%s\"", record->d_name);
            } else {
                seen[i]++;
                EXPECT_EQ(record->d_type, expected_type[i]);
            }
            EXPECT_NE(record->d_ino, 0);
            EXPECT_EQ(record->d_reclen % 8, 0);
            offset += record->d_reclen;
        }
    }
    EXPECT_EQ(n, 0);
    for (int i = 0; i < 5; i++)
        EXPECT_EQ(seen[i], 1);
    close(fd);

    unlink(ktap_tmp_path(path, sizeof path, "listing/alpha"));
    unlink(ktap_tmp_path(path, sizeof path, "listing/beta"));
    rmdir(ktap_tmp_path(path, sizeof path, "listing/sub"));
    EXPECT_OK(rmdir(dir));
}

static void getdents64_on_file_enotdir(void)
{
    char path[256], buf[512];
    int fd;

    ktap_tmp_path(path, sizeof path, "notdir");
    ASSERT_EQ(create_file(path, "x"), 0);
    fd = open(path, O_RDONLY);
    ASSERT_GE(fd, 0);
    EXPECT_ERRNO(syscall(SYS_getdents64, fd, buf, sizeof buf), ENOTDIR);
    close(fd);
    EXPECT_OK(unlink(path));
}

static void getdents64_small_buffer_einval(void)
{
    char dir[256], buf[8];
    int fd;

    ktap_tmp_path(dir, sizeof dir, "tiny");
    ASSERT_OK(mkdir(dir, 0755));
    fd = open(dir, O_RDONLY | O_DIRECTORY);
    ASSERT_GE(fd, 0);
    EXPECT_ERRNO(syscall(SYS_getdents64, fd, buf, sizeof buf), EINVAL);
    close(fd);
    EXPECT_OK(rmdir(dir));
}

static void read_and_write_modes_enforced(void)
{
    char path[256], byte;
    int fd;

    ktap_tmp_path(path, sizeof path, "modes");
    ASSERT_EQ(create_file(path, "x"), 0);
    fd = open(path, O_RDONLY);
    ASSERT_GE(fd, 0);
    EXPECT_ERRNO(write(fd, "y", 1), EBADF);
    close(fd);
    fd = open(path, O_WRONLY);
    ASSERT_GE(fd, 0);
    EXPECT_ERRNO(read(fd, &byte, 1), EBADF);
    close(fd);
    EXPECT_OK(unlink(path));
}

static const struct ktap_case cases[] = {
    KTAP_CASE(create_write_read_back),
    KTAP_CASE(open_missing_enoent),
    KTAP_CASE(o_excl_existing_eexist),
    KTAP_CASE(o_append_writes_at_end),
    KTAP_CASE(o_trunc_empties_file),
    KTAP_CASE(lseek_whence_and_holes),
    KTAP_CASE(truncate_shrinks_and_grows),
    KTAP_CASE(unlink_removes_name),
    KTAP_CASE(unlinked_open_file_stays_readable),
    KTAP_CASE(mkdir_and_rmdir),
    KTAP_CASE(getdents64_lists_entries),
    KTAP_CASE(getdents64_on_file_enotdir),
    KTAP_CASE(getdents64_small_buffer_einval),
    KTAP_CASE(read_and_write_modes_enforced),
};

int main(int argc, char **argv)
{
    umask(022);
    return KTAP_MAIN(argc, argv, cases);
}
