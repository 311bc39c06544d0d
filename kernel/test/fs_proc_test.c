/*
 * Tests for the synthetic files /proc/meminfo and /proc/processes and the
 * boot-time tree. The meminfo layout is Linux's: the name padded to 16
 * columns, the value in KiB right-aligned in 8, then " kB".
 */
#include "fs/fcntl.h"
#include "fs/fs_test_env.h"
#include "fs/inode_file.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/ktest.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/uaccess.h"
#include "sys/syscall.h"

#define U(s) fs_test_user_str(&e, (s))

KTEST(fs_proc, meminfo_layout_and_values)
{
    char text[256], expected[256];
    unsigned long total_kb = frame_total_count() * 4, free_kb = frame_free_count() * 4;
    size_t len = proc_format_meminfo(text, sizeof(text));

    /* Build the expected lines by hand, padding as Linux's show_val_kb does. */
    char total[16], free[16];
    ksnprintf(total, sizeof(total), "%lu", total_kb);
    ksnprintf(free, sizeof(free), "%lu", free_kb);
    size_t used = 0;
    const char *names[3] = { "MemTotal:", "MemFree:", "MemAvailable:" };
    const char *values[3] = { total, free, free };
    for (int i = 0; i < 3; i++) {
        used += (size_t)ksnprintf(expected + used, sizeof(expected) - used, "%s", names[i]);
        for (size_t pad = strlen(names[i]) + strlen(values[i]); pad < 24; pad++)
            expected[used++] = ' ';
        used += (size_t)ksnprintf(expected + used, sizeof(expected) - used, "%s kB\n",
                                  values[i]);
    }
    EXPECT_STREQ(t, text, expected);
    EXPECT_EQ(t, len, 3 * 28);
    EXPECT_EQ(t, proc_format_meminfo(NULL, 0), len);
}

KTEST(fs_proc, meminfo_through_read)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    long fd = sys_open(U("/proc/meminfo"), O_RDONLY, 0, 0, 0, 0);
    ASSERT_GE(t, fd, 0);
    uint64_t buf = fs_test_user_alloc(&e, 128);
    char text[128] = { 0 };
    struct kstat st;

    EXPECT_EQ_S(t, sys_read((uint64_t)fd, buf, 9, 0, 0, 0), 9);
    copy_from_user(text, buf, 9);
    EXPECT_STREQ(t, text, "MemTotal:");
    EXPECT_EQ_S(t, sys_read((uint64_t)fd, buf, 128, 0, 0, 0), 3 * 28 - 9);
    EXPECT_EQ_S(t, sys_read((uint64_t)fd, buf, 128, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_lseek((uint64_t)fd, 0, SEEK_SET, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_lseek((uint64_t)fd, 0, SEEK_END, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_write((uint64_t)fd, buf, 1, 0, 0, 0), -EBADF);
    EXPECT_EQ_S(t, sys_fstat((uint64_t)fd, buf, 0, 0, 0, 0), 0);
    copy_from_user(&st, buf, sizeof(st));
    EXPECT_EQ(t, st.st_mode, S_IFREG | 0444);
    EXPECT_EQ(t, st.st_size, 0);                /* as on Linux's /proc */

    long wfd = sys_open(U("/proc/meminfo"), O_WRONLY, 0, 0, 0, 0);   /* root may open it */
    EXPECT_GE(t, wfd, 0);
    EXPECT_EQ_S(t, sys_write((uint64_t)wfd, buf, 1, 0, 0, 0), -EIO);
    EXPECT_EQ_S(t, sys_ftruncate((uint64_t)wfd, 0, 0, 0, 0, 0), -EINVAL);
    fs_test_env_end(&e);
}

KTEST(fs_proc, processes_file_matches_hook)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    char expected[512], text[512] = { 0 };
    size_t len = proc_format_list(expected, sizeof(expected));
    ASSERT_LT(t, len, sizeof(expected));
    long fd = sys_open(U("/proc/processes"), O_RDONLY, 0, 0, 0, 0);
    uint64_t buf = fs_test_user_alloc(&e, sizeof(text));

    EXPECT_EQ_S(t, sys_read((uint64_t)fd, buf, sizeof(text) - 1, 0, 0, 0), (long)len);
    copy_from_user(text, buf, len);
    EXPECT_STREQ(t, text, expected);
    fs_test_env_end(&e);
}

KTEST(fs_proc, boot_tree_entries)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    uint64_t buf = fs_test_user_alloc(&e, sizeof(struct kstat));
    struct kstat st;

    EXPECT_EQ_S(t, sys_stat(U("/dev/console"), buf, 0, 0, 0, 0), 0);
    copy_from_user(&st, buf, sizeof(st));
    EXPECT_EQ(t, st.st_mode, S_IFCHR | 0600);
    EXPECT_EQ(t, st.st_rdev, MKDEV(5, 1));
    EXPECT_EQ_S(t, sys_stat(U("/"), buf, 0, 0, 0, 0), 0);
    copy_from_user(&st, buf, sizeof(st));
    EXPECT_EQ(t, st.st_ino, 1);
    EXPECT_EQ(t, st.st_mode & S_IFMT, S_IFDIR);
    EXPECT_EQ_S(t, sys_stat(U("/tmp"), buf, 0, 0, 0, 0), 0);
    copy_from_user(&st, buf, sizeof(st));
    EXPECT_EQ(t, st.st_mode, S_IFDIR | 01777);
    fs_test_env_end(&e);
}
