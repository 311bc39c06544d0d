/* Calls on names and directories: getcwd, chdir, fchdir, mkdir(at), rmdir,
 * unlink(at), rename, chmod, umask and truncate. Errors and their order
 * are Linux's. */
#include "fs/fcntl.h"
#include "fs/file.h"
#include "fs/namei.h"
#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "sys/sys_fs.h"
#include "sys/syscall.h"

/* Copy the user path and resolve all but its last name, from dirfd. */
static int lookup_parent_at(struct process *p, int dirfd, uint64_t user_path,
                            struct namei_parent *out)
{
    char *path;
    int err = sys_fs_path_copy(user_path, false, &path);
    if (err != 0)
        return err;
    struct inode *base;
    err = sys_fs_base_dir(p, dirfd, path, &base);
    if (err == 0) {
        err = namei_lookup_parent(&p->cred, base, path, out);
        inode_put(base);
    }
    sys_fs_path_free(path);
    return err;
}

static int lookup_at(struct process *p, int dirfd, uint64_t user_path, struct inode **out)
{
    char *path;
    int err = sys_fs_path_copy(user_path, false, &path);
    if (err != 0)
        return err;
    struct inode *base;
    err = sys_fs_base_dir(p, dirfd, path, &base);
    if (err == 0) {
        err = namei_lookup(&p->cred, base, path, out);
        inode_put(base);
    }
    sys_fs_path_free(path);
    return err;
}

/* The entry for parent->name, or NULL (also when the directory was removed). */
static struct dirent *find_last(const struct namei_parent *parent)
{
    if (parent->dir->nlink == 0)
        return NULL;
    return ramfs_dir_find(parent->dir, parent->name);
}

static bool may_modify_dir(const struct process *p, const struct inode *dir)
{
    return cred_may_access(&p->cred, dir->mode, dir->uid, dir->gid, MAY_WRITE | MAY_EXEC);
}

/* Permission to remove entry from dir: -EACCES, -EPERM (sticky) or 0. */
static int may_delete(const struct process *p, const struct inode *dir,
                      const struct dirent *entry)
{
    if (!may_modify_dir(p, dir))
        return -EACCES;
    if (sys_fs_sticky_denies(&p->cred, dir, entry->inode))
        return -EPERM;
    return 0;
}

static long make_directory(int dirfd, uint64_t user_path, uint32_t mode)
{
    struct process *p = sys_fs_process();
    struct namei_parent parent;
    int err = lookup_parent_at(p, dirfd, user_path, &parent);
    if (err != 0)
        return err;

    if (parent.last != NAMEI_LAST_NORMAL || find_last(&parent) != NULL)
        err = -EEXIST;
    else if (parent.dir->nlink == 0)
        err = -ENOENT;
    else if (!may_modify_dir(p, parent.dir))
        err = -EACCES;
    if (err == 0) {
        uint32_t perm = mode & (0777 | S_ISVTX) & ~p->umask;
        struct inode *dir = ramfs_inode_create(S_IFDIR | perm, p->cred.euid, p->cred.egid,
                                               parent.dir);
        err = dir == NULL ? -ENOMEM : ramfs_dir_add(parent.dir, parent.name, dir);
        inode_put(dir);
    }
    namei_parent_put(&parent);
    return err;
}

SYSCALL2(mkdir, uint64_t, user_path, uint32_t, mode)
{
    return make_directory(AT_FDCWD, user_path, mode);
}

SYSCALL3(mkdirat, int, dirfd, uint64_t, user_path, uint32_t, mode)
{
    return make_directory(dirfd, user_path, mode);
}

static long remove_directory(int dirfd, uint64_t user_path)
{
    struct process *p = sys_fs_process();
    struct namei_parent parent;
    int err = lookup_parent_at(p, dirfd, user_path, &parent);
    if (err != 0)
        return err;

    struct dirent *entry = NULL;
    switch (parent.last) {
    case NAMEI_LAST_DOT: err = -EINVAL; break;
    case NAMEI_LAST_DOTDOT: err = -ENOTEMPTY; break;
    case NAMEI_LAST_ROOT: err = -EBUSY; break;
    case NAMEI_LAST_NORMAL:
        entry = find_last(&parent);
        if (entry == NULL)
            err = -ENOENT;
        else
            err = may_delete(p, parent.dir, entry);
        if (err == 0 && !S_ISDIR(entry->inode->mode))
            err = -ENOTDIR;
        else if (err == 0 && !ramfs_dir_is_empty(entry->inode))
            err = -ENOTEMPTY;
        break;
    }
    if (err == 0)
        ramfs_dir_remove(parent.dir, entry);
    namei_parent_put(&parent);
    return err;
}

static long remove_file(int dirfd, uint64_t user_path)
{
    struct process *p = sys_fs_process();
    struct namei_parent parent;
    int err = lookup_parent_at(p, dirfd, user_path, &parent);
    if (err != 0)
        return err;

    struct dirent *entry = NULL;
    if (parent.last != NAMEI_LAST_NORMAL) {
        err = -EISDIR;
    } else if ((entry = find_last(&parent)) == NULL) {
        err = -ENOENT;
    } else if (parent.trailing_slash) {
        /* "name/" names a directory: Linux reports what the name really is. */
        err = S_ISDIR(entry->inode->mode) ? -EISDIR : -ENOTDIR;
    } else {
        err = may_delete(p, parent.dir, entry);
        if (err == 0 && S_ISDIR(entry->inode->mode))
            err = -EISDIR;
    }
    if (err == 0)
        ramfs_dir_remove(parent.dir, entry);
    namei_parent_put(&parent);
    return err;
}

SYSCALL1(rmdir, uint64_t, user_path)
{
    return remove_directory(AT_FDCWD, user_path);
}

SYSCALL1(unlink, uint64_t, user_path)
{
    return remove_file(AT_FDCWD, user_path);
}

SYSCALL3(unlinkat, int, dirfd, uint64_t, user_path, int, flags)
{
    if (flags & ~AT_REMOVEDIR)
        return -EINVAL;
    return flags & AT_REMOVEDIR ? remove_directory(dirfd, user_path)
                                : remove_file(dirfd, user_path);
}

/* Is dir the directory ancestor, or inside it? */
static bool is_within(const struct inode *dir, const struct inode *ancestor)
{
    for (;;) {
        if (dir == ancestor)
            return true;
        if (dir->parent == dir)
            return false;
        dir = dir->parent;
    }
}

/* The checks of rename once both parents are resolved, in Linux's order. */
static int check_rename(struct process *p, struct namei_parent *from, struct namei_parent *to,
                        struct dirent **from_entry, struct dirent **to_entry)
{
    if (from->last != NAMEI_LAST_NORMAL || to->last != NAMEI_LAST_NORMAL)
        return -EBUSY;
    struct dirent *old = find_last(from);
    if (old == NULL)
        return -ENOENT;
    struct inode *inode = old->inode;
    bool is_dir = S_ISDIR(inode->mode);
    if (!is_dir && (from->trailing_slash || to->trailing_slash))
        return -ENOTDIR;
    if (to->dir->nlink == 0)
        return -ENOENT;
    if (is_dir && is_within(to->dir, inode))
        return -EINVAL;     /* a directory cannot move inside itself */

    struct dirent *target = find_last(to);
    *from_entry = old;
    *to_entry = target;
    if (target != NULL && target->inode == inode)
        return 1;           /* same file: nothing to do */

    int err = may_delete(p, from->dir, old);
    if (err != 0)
        return err;
    if (target == NULL)
        return may_modify_dir(p, to->dir) ? 0 : -EACCES;

    err = may_delete(p, to->dir, target);
    if (err != 0)
        return err;
    if (is_dir && !S_ISDIR(target->inode->mode))
        return -ENOTDIR;
    if (!is_dir && S_ISDIR(target->inode->mode))
        return -EISDIR;
    if (is_dir && !ramfs_dir_is_empty(target->inode))
        return -ENOTEMPTY;
    return 0;
}

SYSCALL2(rename, uint64_t, user_old, uint64_t, user_new)
{
    struct process *p = sys_fs_process();
    struct namei_parent from, to;
    int err = lookup_parent_at(p, AT_FDCWD, user_old, &from);
    if (err != 0)
        return err;
    err = lookup_parent_at(p, AT_FDCWD, user_new, &to);
    if (err != 0) {
        namei_parent_put(&from);
        return err;
    }

    struct dirent *from_entry = NULL, *to_entry = NULL;
    err = check_rename(p, &from, &to, &from_entry, &to_entry);
    if (err == 0) {
        /* Hold the moving inode: removing the target must not free it. */
        struct inode *inode = inode_get(from_entry->inode);
        if (to_entry != NULL)
            ramfs_dir_remove(to.dir, to_entry);
        ramfs_dir_move(from.dir, from_entry, to.dir, to.name);
        inode_put(inode);
    }
    namei_parent_put(&to);
    namei_parent_put(&from);
    return err > 0 ? 0 : err;
}

SYSCALL2(chmod, uint64_t, user_path, uint32_t, mode)
{
    struct process *p = sys_fs_process();
    struct inode *inode;
    int err = lookup_at(p, AT_FDCWD, user_path, &inode);
    if (err != 0)
        return err;

    if (p->cred.euid != 0 && p->cred.euid != inode->uid)
        err = -EPERM;
    else
        inode->mode = (inode->mode & S_IFMT) | (mode & S_IALLUGO);
    inode_put(inode);
    return err;
}

SYSCALL1(umask, uint32_t, mask)
{
    struct process *p = sys_fs_process();
    uint32_t old = p->umask;
    p->umask = mask & 0777;
    return old;
}

/* Make inode (a reference the call gives up) the cwd, if it is a
 * directory cred may search. */
static long change_dir(struct process *p, struct inode *inode)
{
    int err = 0;
    if (!S_ISDIR(inode->mode))
        err = -ENOTDIR;
    else if (!cred_may_access(&p->cred, inode->mode, inode->uid, inode->gid, MAY_EXEC))
        err = -EACCES;
    if (err != 0) {
        inode_put(inode);
        return err;
    }
    inode_put(p->cwd);
    p->cwd = inode;
    return 0;
}

SYSCALL1(chdir, uint64_t, user_path)
{
    struct process *p = sys_fs_process();
    struct inode *inode;
    int err = lookup_at(p, AT_FDCWD, user_path, &inode);
    if (err != 0)
        return err;
    return change_dir(p, inode);
}

SYSCALL1(fchdir, int, fd)
{
    struct process *p = sys_fs_process();
    struct file *f = sys_fs_io_file(p, fd);
    if (f == NULL)
        return -EBADF;
    if (f->inode == NULL)
        return -ENOTDIR;
    return change_dir(p, inode_get(f->inode));
}

/* Linux's order: a negative length, then the lookup, then a directory
 * (-EISDIR), another non-regular file (-EINVAL), then write permission. */
SYSCALL2(truncate, uint64_t, user_path, int64_t, length)
{
    struct process *p = sys_fs_process();
    if (length < 0)
        return -EINVAL;
    struct inode *inode;
    int err = lookup_at(p, AT_FDCWD, user_path, &inode);
    if (err != 0)
        return err;

    if (S_ISDIR(inode->mode))
        err = -EISDIR;
    else if (!S_ISREG(inode->mode) || inode->generate != NULL)
        err = -EINVAL;
    else if (!cred_may_access(&p->cred, inode->mode, inode->uid, inode->gid, MAY_WRITE))
        err = -EACCES;
    else if ((uint64_t)length > RAMFS_MAX_FILE_SIZE)
        err = -EFBIG;
    else
        err = ramfs_truncate(inode, (uint64_t)length);
    inode_put(inode);
    return err;
}

/* Build the cwd's absolute path from the end of buf backwards, following
 * ".." links and finding each directory's name in its parent. Returns the
 * start of the path inside buf, or NULL when it does not fit. */
static char *build_cwd_path(struct inode *cwd, char *buf, size_t size)
{
    char *start = buf + size - 1;
    *start = '\0';
    for (struct inode *dir = cwd; dir->parent != dir; dir = dir->parent) {
        struct dirent *entry = ramfs_dir_find_inode(dir->parent, dir);
        if (entry == NULL)
            return NULL;
        size_t len = strlen(entry->name);
        if ((size_t)(start - buf) < len + 1)
            return NULL;
        start -= len;
        memcpy(start, entry->name, len);
        *--start = '/';
    }
    if (*start == '\0') {
        if (start == buf)
            return NULL;
        *--start = '/';
    }
    return start;
}

/* The raw getcwd returns the length including the NUL, as Linux's does. */
SYSCALL2(getcwd, uint64_t, user_buf, size_t, size)
{
    struct process *p = sys_fs_process();
    if (p->cwd->nlink == 0)
        return -ENOENT;         /* the cwd was removed */

    char *buf = kmalloc(PATH_MAX);
    if (buf == NULL)
        return -ENOMEM;
    long result;
    char *path = build_cwd_path(p->cwd, buf, PATH_MAX);
    if (path == NULL) {
        result = -ENAMETOOLONG;
    } else {
        size_t len = strlen(path) + 1;
        if (len > size)
            result = -ERANGE;
        else
            result = copy_to_user(user_buf, path, len) != 0 ? -EFAULT : (long)len;
    }
    kfree(buf);
    return result;
}
