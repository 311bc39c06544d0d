/*
 * Weak stand-ins for the file layer while it is being written, so the
 * kernel links in the meantime. Each real definition in kernel/fs replaces
 * its stand-in at link time.
 * TODO: delete this file once kernel/fs defines every function below.
 */
#include "fs/file.h"
#include "fs/vfs.h"
#include "lib/errno.h"

#define WEAK __attribute__((weak))

WEAK void fd_table_put(struct fd_table *t) { (void)t; }
WEAK struct fd_table *fd_table_clone(const struct fd_table *t) { (void)t; return NULL; }
WEAK struct fd_table *fd_table_create(void) { return NULL; }
WEAK void fd_close_on_exec(struct fd_table *t) { (void)t; }
WEAK int fd_install(struct fd_table *t, struct file *f, int min_fd, bool cloexec)
{
    (void)t, (void)f, (void)min_fd, (void)cloexec;
    return -EMFILE;
}
WEAK void file_put(struct file *f) { (void)f; }
WEAK struct file *file_get(struct file *f) { return f; }
WEAK struct file *fd_lookup(struct fd_table *t, int fd) { (void)t, (void)fd; return NULL; }
WEAK struct inode *inode_get(struct inode *inode) { return inode; }
WEAK void inode_put(struct inode *inode) { (void)inode; }
WEAK struct inode *vfs_root(void) { return NULL; }
WEAK int vfs_open_exec(const char *path, struct inode *cwd, const struct cred *cred,
                       struct file **out)
{
    (void)path, (void)cwd, (void)cred, (void)out;
    return -ENOENT;
}
WEAK long vfs_kernel_read(struct file *f, uint64_t offset, void *buf, size_t n)
{
    (void)f, (void)offset, (void)buf, (void)n;
    return -EIO;
}
WEAK int vfs_open_console(struct file **out) { (void)out; return -ENOENT; }
WEAK int vfs_unpack_initramfs(const void *data, size_t size) { (void)data, (void)size; return -EINVAL; }
WEAK void tty_receive_char(char c) { (void)c; }
