/* fstat, stat, lstat, newfstatat, access and faccessat. */
#include "fs/fcntl.h"
#include "fs/file.h"
#include "fs/namei.h"
#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "sys/sys_fs.h"
#include "sys/syscall.h"

/* newfstatat flags Linux accepts; AT_STATX_SYNC_TYPE (0x6000) is accepted and ignored. */
#define FSTATAT_FLAGS (AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | 0x6000)

static long stat_file(struct file *f, uint64_t user_statbuf)
{
    struct kstat st;
    int err = f->ops->stat != NULL ? f->ops->stat(f, &st) : -EBADF;
    if (err != 0)
        return err;
    return copy_to_user(user_statbuf, &st, sizeof(st)) != 0 ? -EFAULT : 0;
}

SYSCALL2(fstat, int, fd, uint64_t, user_statbuf)
{
    struct file *f = sys_fs_io_file(sys_fs_process(), fd);
    if (f == NULL)
        return -EBADF;
    return stat_file(f, user_statbuf);
}

SYSCALL4(newfstatat, int, dirfd, uint64_t, user_path, uint64_t, user_statbuf, int, flags)
{
    struct process *p = sys_fs_process();
    if (flags & ~FSTATAT_FLAGS)
        return -EINVAL;

    char *path;
    int err = sys_fs_path_copy(user_path, flags & AT_EMPTY_PATH, &path);
    if (err != 0)
        return err;

    /* AT_EMPTY_PATH with "": the descriptor itself (or the cwd). */
    if (path[0] == '\0') {
        sys_fs_path_free(path);
        if (dirfd == AT_FDCWD) {
            struct kstat st;
            ramfs_fill_stat(p->cwd, &st);
            return copy_to_user(user_statbuf, &st, sizeof(st)) != 0 ? -EFAULT : 0;
        }
        struct file *f = sys_fs_io_file(p, dirfd);
        return f == NULL ? -EBADF : stat_file(f, user_statbuf);
    }

    struct inode *base, *inode = NULL;
    err = sys_fs_base_dir(p, dirfd, path, &base);
    if (err == 0) {
        err = namei_lookup(&p->cred, base, path, &inode);
        inode_put(base);
    }
    sys_fs_path_free(path);
    if (err != 0)
        return err;

    struct kstat st;
    ramfs_fill_stat(inode, &st);
    inode_put(inode);
    return copy_to_user(user_statbuf, &st, sizeof(st)) != 0 ? -EFAULT : 0;
}

/* There are no symbolic links, so stat and lstat are the same call. */
SYSCALL2(stat, uint64_t, user_path, uint64_t, user_statbuf)
{
    return sys_newfstatat((uint64_t)AT_FDCWD, user_path, user_statbuf, 0, 0, 0);
}

SYSCALL2(lstat, uint64_t, user_path, uint64_t, user_statbuf)
{
    return sys_newfstatat((uint64_t)AT_FDCWD, user_path, user_statbuf, AT_SYMLINK_NOFOLLOW,
                          0, 0);
}

/* access and faccessat check with the real user and group IDs, for the
 * lookup as well as for the file, as Linux does. */
SYSCALL3(faccessat, int, dirfd, uint64_t, user_path, int, mode)
{
    struct process *p = sys_fs_process();
    if (mode & ~(R_OK | W_OK | X_OK))
        return -EINVAL;

    char *path;
    int err = sys_fs_path_copy(user_path, false, &path);
    if (err != 0)
        return err;

    struct cred real = p->cred;
    real.euid = real.uid;
    real.egid = real.gid;

    struct inode *base, *inode = NULL;
    err = sys_fs_base_dir(p, dirfd, path, &base);
    if (err == 0) {
        err = namei_lookup(&real, base, path, &inode);
        inode_put(base);
    }
    sys_fs_path_free(path);
    if (err != 0)
        return err;

    if (mode != F_OK && !cred_may_access(&real, inode->mode, inode->uid, inode->gid,
                                         (unsigned)mode))
        err = -EACCES;
    inode_put(inode);
    return err;
}

SYSCALL2(access, uint64_t, user_path, int, mode)
{
    return sys_faccessat((uint64_t)AT_FDCWD, user_path, (uint64_t)mode, 0, 0, 0);
}
