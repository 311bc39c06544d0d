/* Helpers shared by the file system calls. */
#include "sys/sys_fs.h"

#include "fs/fcntl.h"
#include "fs/file.h"
#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "mm/heap.h"
#include "mm/pagetable.h"
#include "mm/uaccess.h"
#include "proc/proc.h"

struct process *sys_fs_test_process;

struct process *sys_fs_process(void)
{
    return sys_fs_test_process != NULL ? sys_fs_test_process : current_process();
}

int sys_fs_path_copy(uint64_t user_path, bool allow_empty, char **out)
{
    char *path = kmalloc(PATH_MAX);
    if (path == NULL)
        return -ENOMEM;
    long len = strncpy_from_user(path, user_path, PATH_MAX);
    if (len < 0 || (len == 0 && !allow_empty)) {
        kfree(path);
        return len < 0 ? (int)len : -ENOENT;
    }
    *out = path;
    return 0;
}

void sys_fs_path_free(char *path)
{
    kfree(path);
}

int sys_fs_base_dir(struct process *p, int dirfd, const char *path, struct inode **out)
{
    if (path[0] == '/' || dirfd == AT_FDCWD) {
        *out = inode_get(p->cwd);
        return 0;
    }
    struct file *f = fd_lookup(p->fds, dirfd);
    if (f == NULL || f->kind == FILE_LWC)
        return -EBADF;
    if (f->inode == NULL || !S_ISDIR(f->inode->mode))
        return -ENOTDIR;
    *out = inode_get(f->inode);
    return 0;
}

struct file *sys_fs_io_file(struct process *p, int fd)
{
    struct file *f = fd_lookup(p->fds, fd);
    if (f == NULL || f->kind == FILE_LWC)
        return NULL;
    return f;
}

bool sys_fs_user_range_ok(uint64_t addr, uint64_t n)
{
    return addr <= USER_SPACE_END && n <= USER_SPACE_END - addr;
}

bool sys_fs_sticky_denies(const struct cred *cred, const struct inode *dir,
                          const struct inode *inode)
{
    if (!(dir->mode & S_ISVTX) || cred->euid == 0)
        return false;
    return cred->euid != dir->uid && cred->euid != inode->uid;
}
