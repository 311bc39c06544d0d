/*
 * Permission checks with a non-root process (uid 1000, gid 1000). The
 * cases cover search permission on every directory of a path, read and
 * write permission on open, and write and search permission on the parent
 * to create or remove. They also cover the sticky bit, chmod by a
 * non-owner, and access() with real IDs. The tree is made as root first,
 * and the expected errnos are Linux's.
 */
#include "fs/fcntl.h"
#include "fs/file.h"
#include "fs/fs_test_env.h"
#include "fs/namei.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/ktest.h"
#include "mm/uaccess.h"
#include "sys/syscall.h"

#define U(s) fs_test_user_str(&e, (s))
#define USER_ID 1000

static void make_file(struct fs_test_env *e, const char *path, uint32_t mode)
{
    long fd = sys_open(fs_test_user_str(e, path), O_CREAT | O_WRONLY, mode, 0, 0, 0);
    sys_close((uint64_t)fd, 0, 0, 0, 0, 0);
    sys_chmod(fs_test_user_str(e, path), mode, 0, 0, 0, 0);
}

static void make_dir(struct fs_test_env *e, const char *path, uint32_t mode)
{
    sys_mkdir(fs_test_user_str(e, path), mode, 0, 0, 0, 0);
    sys_chmod(fs_test_user_str(e, path), mode, 0, 0, 0, 0);
}

KTEST(fs_perm, search_permission_on_each_directory)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    make_dir(&e, "closed", 0700);
    make_file(&e, "closed/f", 0644);
    make_dir(&e, "listonly", 0744);     /* others may read the names, not search */
    make_file(&e, "listonly/f", 0644);
    fs_test_env_set_ids(&e, USER_ID, USER_ID);
    uint64_t buf = fs_test_user_alloc(&e, 256);

    EXPECT_EQ_S(t, sys_open(U("closed/f"), O_RDONLY, 0, 0, 0, 0), -EACCES);
    EXPECT_EQ_S(t, sys_stat(U("closed/f"), buf, 0, 0, 0, 0), -EACCES);
    EXPECT_EQ_S(t, sys_stat(U("closed/nx"), buf, 0, 0, 0, 0), -EACCES);    /* before ENOENT */
    EXPECT_EQ_S(t, sys_chdir(U("closed"), 0, 0, 0, 0, 0), -EACCES);
    EXPECT_EQ_S(t, sys_open(U("closed"), O_RDONLY, 0, 0, 0, 0), -EACCES);
    EXPECT_EQ_S(t, sys_stat(U("listonly/f"), buf, 0, 0, 0, 0), -EACCES);
    long dir = sys_open(U("listonly"), O_RDONLY, 0, 0, 0, 0);
    EXPECT_GE(t, dir, 0);
    EXPECT_EQ_S(t, sys_getdents64((uint64_t)dir, buf, 256, 0, 0, 0), 3 * 24);
    EXPECT_EQ_S(t, sys_stat(U("closed"), buf, 0, 0, 0, 0), 0);     /* the parent is searchable */

    /* The same rules through the kernel's own lookup. */
    struct inode *inode = NULL;
    EXPECT_EQ_S(t, namei_lookup(&e.proc.cred, e.proc.cwd, "closed/f", &inode), -EACCES);
    EXPECT_EQ_S(t, namei_lookup(&e.proc.cred, e.proc.cwd, "listonly/.", &inode), -EACCES);
    fs_test_env_end(&e);
}

KTEST(fs_perm, read_write_permission_on_open)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    make_file(&e, "readable", 0644);
    make_file(&e, "secret", 0600);
    make_file(&e, "groupw", 0664);
    fs_test_env_set_ids(&e, USER_ID, 0);    /* in root's group */

    EXPECT_GE(t, sys_open(U("readable"), O_RDONLY, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_open(U("readable"), O_WRONLY, 0, 0, 0, 0), -EACCES);
    EXPECT_EQ_S(t, sys_open(U("readable"), O_RDWR, 0, 0, 0, 0), -EACCES);
    EXPECT_EQ_S(t, sys_open(U("readable"), O_RDONLY | O_TRUNC, 0, 0, 0, 0), -EACCES);
    EXPECT_EQ_S(t, sys_open(U("secret"), O_RDONLY, 0, 0, 0, 0), -EACCES);
    EXPECT_GE(t, sys_open(U("groupw"), O_RDWR, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_access(U("readable"), W_OK, 0, 0, 0, 0), -EACCES);
    EXPECT_EQ_S(t, sys_access(U("readable"), R_OK, 0, 0, 0, 0), 0);
    EXPECT_EQ_S(t, sys_access(U("groupw"), R_OK | W_OK, 0, 0, 0, 0), 0);

    /* access() uses the real uid: a set-uid-root process is still checked as 1000. */
    e.proc.cred.euid = 0;
    EXPECT_EQ_S(t, sys_access(U("secret"), R_OK, 0, 0, 0, 0), -EACCES);
    EXPECT_GE(t, sys_open(U("secret"), O_RDONLY, 0, 0, 0, 0), 0);
    fs_test_env_end(&e);
}

KTEST(fs_perm, create_and_remove_need_write_on_parent)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    make_dir(&e, "ro", 0555);
    make_file(&e, "ro/f", 0666);
    make_dir(&e, "ro/d", 0777);
    fs_test_env_set_ids(&e, USER_ID, USER_ID);
    struct kstat st;
    uint64_t buf = fs_test_user_alloc(&e, sizeof(st));

    EXPECT_EQ_S(t, sys_open(U("ro/new"), O_CREAT | O_WRONLY, 0644, 0, 0, 0), -EACCES);
    EXPECT_EQ_S(t, sys_mkdir(U("ro/new"), 0755, 0, 0, 0, 0), -EACCES);
    EXPECT_EQ_S(t, sys_mkdir(U("ro/f"), 0755, 0, 0, 0, 0), -EEXIST);  /* EEXIST comes first */
    EXPECT_EQ_S(t, sys_unlink(U("ro/f"), 0, 0, 0, 0, 0), -EACCES);
    EXPECT_EQ_S(t, sys_rmdir(U("ro/d"), 0, 0, 0, 0, 0), -EACCES);
    EXPECT_EQ_S(t, sys_rename(U("ro/f"), U("moved"), 0, 0, 0, 0), -EACCES);
    EXPECT_GE(t, sys_open(U("ro/f"), O_RDWR, 0, 0, 0, 0), 0);          /* the file itself is 0666 */

    /* A new file belongs to the creator, even when its mode denies writing. */
    long fd = sys_open(U("mine"), O_CREAT | O_RDWR, 0444, 0, 0, 0);
    EXPECT_GE(t, fd, 0);
    EXPECT_EQ_S(t, sys_write((uint64_t)fd, U("x"), 1, 0, 0, 0), 1);
    EXPECT_EQ_S(t, sys_fstat((uint64_t)fd, buf, 0, 0, 0, 0), 0);
    copy_from_user(&st, buf, sizeof(st));
    EXPECT_EQ(t, st.st_uid, USER_ID);
    EXPECT_EQ(t, st.st_gid, USER_ID);
    EXPECT_EQ(t, st.st_mode, S_IFREG | 0444);
    fs_test_env_end(&e);
}

KTEST(fs_perm, chmod_needs_ownership)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    make_file(&e, "roots", 0644);
    fs_test_env_set_ids(&e, USER_ID, USER_ID);
    make_file(&e, "mine", 0644);

    EXPECT_EQ_S(t, sys_chmod(U("roots"), 0777, 0, 0, 0, 0), -EPERM);
    EXPECT_EQ_S(t, sys_chmod(U("mine"), 0600, 0, 0, 0, 0), 0);
    fs_test_env_end(&e);
}

KTEST(fs_perm, sticky_directory_protects_names)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    make_dir(&e, "shared", 01777);
    make_file(&e, "shared/roots", 0666);
    fs_test_env_set_ids(&e, USER_ID, USER_ID);
    make_file(&e, "shared/mine", 0666);

    EXPECT_EQ_S(t, sys_unlink(U("shared/roots"), 0, 0, 0, 0, 0), -EPERM);
    EXPECT_EQ_S(t, sys_rename(U("shared/roots"), U("shared/x"), 0, 0, 0, 0), -EPERM);
    EXPECT_EQ_S(t, sys_unlink(U("shared/mine"), 0, 0, 0, 0, 0), 0);
    fs_test_env_end(&e);
}

KTEST(fs_perm, exec_open_checks_x_bit)
{
    struct fs_test_env e;
    ASSERT_EQ_S(t, fs_test_env_begin(&e), 0);
    make_file(&e, "prog", 0755);
    make_file(&e, "data", 0644);
    struct file *f = NULL;
    struct cred root = { 0 }, user = { .uid = USER_ID, .euid = USER_ID, .gid = USER_ID,
                                       .egid = USER_ID };

    EXPECT_EQ_S(t, vfs_open_exec("prog", e.proc.cwd, &user, &f), 0);
    EXPECT_NOT_NULL(t, f);
    file_put(f);
    EXPECT_EQ_S(t, vfs_open_exec("data", e.proc.cwd, &root, &f), -EACCES);  /* no x bit at all */
    EXPECT_EQ_S(t, vfs_open_exec("/tmp", e.proc.cwd, &root, &f), -EACCES);  /* a directory */
    EXPECT_EQ_S(t, vfs_open_exec("/dev/null", e.proc.cwd, &root, &f), -EACCES);
    EXPECT_EQ_S(t, vfs_open_exec("nx", e.proc.cwd, &root, &f), -ENOENT);
    EXPECT_EQ_S(t, vfs_open_exec("data/x", e.proc.cwd, &root, &f), -ENOTDIR);
    fs_test_env_end(&e);
}
