/* open, openat, creat and close. */
#include "fs/fcntl.h"
#include "fs/file.h"
#include "fs/inode_file.h"
#include "fs/namei.h"
#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "proc/proc.h"
#include "sys/sys_fs.h"
#include "sys/syscall.h"

/* Flags that only matter while opening; the open file keeps the rest. */
#define OPEN_ONLY_FLAGS (O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)

static bool table_has_room(const struct fd_table *t)
{
    for (int fd = 0; fd < fd_limit(); fd++) {
        if (fd_slot_free(t, fd))
            return true;
    }
    return false;
}

/* Create a regular file called parent->name. Returns a new reference. */
static int create_file(struct process *p, struct namei_parent *parent, uint32_t mode,
                       struct inode **out)
{
    struct inode *dir = parent->dir;
    if (dir->nlink == 0)
        return -ENOENT;         /* the directory was removed */
    if (!cred_may_access(&p->cred, dir->mode, dir->uid, dir->gid, MAY_WRITE | MAY_EXEC))
        return -EACCES;

    uint32_t perm = mode & S_IALLUGO & ~p->umask;
    struct inode *inode = ramfs_inode_create(S_IFREG | perm, p->cred.euid, p->cred.egid, NULL);
    if (inode == NULL)
        return -ENOMEM;
    int err = ramfs_dir_add(dir, parent->name, inode);
    if (err != 0) {
        inode_put(inode);
        return err;
    }
    *out = inode;
    return 0;
}

/* Resolve (and with O_CREAT perhaps create) the inode to open. */
static int open_lookup(struct process *p, struct inode *base, const char *path, unsigned flags,
                       uint32_t mode, struct inode **out, bool *created)
{
    *created = false;
    if (!(flags & O_CREAT))
        return namei_lookup(&p->cred, base, path, out);

    struct namei_parent parent;
    int err = namei_lookup_parent(&p->cred, base, path, &parent);
    if (err != 0)
        return err;

    /* Linux: O_CREAT on "/", ".", ".." or a name with a trailing slash is -EISDIR. */
    if (parent.last != NAMEI_LAST_NORMAL || parent.trailing_slash) {
        namei_parent_put(&parent);
        return -EISDIR;
    }
    struct inode *inode = namei_lookup_last(&parent);
    if (inode != NULL) {
        namei_parent_put(&parent);
        if (flags & O_EXCL) {
            inode_put(inode);
            return -EEXIST;
        }
        if (S_ISDIR(inode->mode)) {
            inode_put(inode);
            return -EISDIR;
        }
        *out = inode;
        return 0;
    }

    err = create_file(p, &parent, mode, out);
    namei_parent_put(&parent);
    *created = err == 0;
    return err;
}

/* Checks on an existing inode before it is opened (a new file needs none). */
static int may_open(struct process *p, struct inode *inode, unsigned flags)
{
    unsigned accmode = flags & O_ACCMODE;
    if ((flags & O_DIRECTORY) && !S_ISDIR(inode->mode))
        return -ENOTDIR;
    if (S_ISDIR(inode->mode) && (accmode != O_RDONLY || (flags & O_TRUNC)))
        return -EISDIR;

    /* O_TRUNC needs write permission even with O_RDONLY, as on Linux. */
    unsigned may = 0;
    if (accmode == O_RDONLY || accmode == O_RDWR || accmode == O_ACCMODE)
        may |= MAY_READ;
    if (accmode != O_RDONLY || (flags & O_TRUNC))
        may |= MAY_WRITE;
    if (!cred_may_access(&p->cred, inode->mode, inode->uid, inode->gid, may))
        return -EACCES;
    return 0;
}

long sys_fs_open(int dirfd, uint64_t user_path, unsigned flags, uint32_t mode)
{
    struct process *p = sys_fs_process();
    char *path;
    int err = sys_fs_path_copy(user_path, false, &path);
    if (err != 0)
        return err;

    /* Linux reserves the descriptor first: a full table is -EMFILE before
     * any path error. */
    struct inode *base = NULL, *inode = NULL;
    struct file *f = NULL;
    bool created = false;
    if (!table_has_room(p->fds)) {
        err = -EMFILE;
        goto out;
    }
    err = sys_fs_base_dir(p, dirfd, path, &base);
    if (err != 0)
        goto out;
    err = open_lookup(p, base, path, flags, mode, &inode, &created);
    if (err != 0)
        goto out;
    if (!created) {
        err = may_open(p, inode, flags);
        if (err != 0)
            goto out;
    }

    /* Open, then truncate: a failed open must leave the file as it was. */
    err = vfs_open_inode(inode, (flags & ~OPEN_ONLY_FLAGS) | O_LARGEFILE, &f);
    if (err != 0)
        goto out;
    if ((flags & O_TRUNC) && S_ISREG(inode->mode) && inode->generate == NULL)
        ramfs_truncate(inode, 0);
    err = fd_install(p->fds, f, 0, flags & O_CLOEXEC);
    if (err < 0)
        file_put(f);

out:
    inode_put(inode);
    inode_put(base);
    sys_fs_path_free(path);
    return err;
}

SYSCALL3(open, uint64_t, user_path, unsigned, flags, uint32_t, mode)
{
    return sys_fs_open(AT_FDCWD, user_path, flags, mode);
}

SYSCALL4(openat, int, dirfd, uint64_t, user_path, unsigned, flags, uint32_t, mode)
{
    return sys_fs_open(dirfd, user_path, flags, mode);
}

SYSCALL2(creat, uint64_t, user_path, uint32_t, mode)
{
    return sys_fs_open(AT_FDCWD, user_path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

SYSCALL1(close, int, fd)
{
    return fd_close(sys_fs_process()->fds, fd);
}
