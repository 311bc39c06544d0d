/*
 * Open files of the in-memory file system: regular files, directories and
 * synthetic read-only files, and opening an inode as a struct file.
 */
#include "fs/inode_file.h"

#include "fs/namei.h"
#include "fs/ramfs.h"
#include "fs/tty.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/uaccess.h"
#include "proc/cred.h"

/* lseek arithmetic shared by regular files and directories (size is the
 * end for SEEK_END). A negative result is -EINVAL, as on Linux. */
static long seek_to(struct file *f, int64_t offset, int whence, uint64_t size)
{
    int64_t base;
    switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = (int64_t)f->offset; break;
    case SEEK_END: base = (int64_t)size; break;
    default: return -EINVAL;
    }
    int64_t target;
    if (__builtin_add_overflow(base, offset, &target) || target < 0)
        return -EINVAL;
    f->offset = (uint64_t)target;
    return target;
}

static int inode_file_stat(struct file *f, struct kstat *st)
{
    ramfs_fill_stat(f->inode, st);
    return 0;
}

static long regular_read(struct file *f, uint64_t user_buf, size_t count)
{
    long n = ramfs_read(f->inode, f->offset, user_buf, count, true);
    if (n > 0)
        f->offset += (uint64_t)n;
    return n;
}

static long regular_write(struct file *f, uint64_t user_buf, size_t count)
{
    if (f->flags & O_APPEND)
        f->offset = f->inode->size;
    long n = ramfs_write(f->inode, f->offset, user_buf, count, true);
    if (n > 0)
        f->offset += (uint64_t)n;
    return n;
}

static long regular_lseek(struct file *f, int64_t offset, int whence)
{
    return seek_to(f, offset, whence, f->inode->size);
}

static const struct file_ops regular_ops = {
    .read = regular_read,
    .write = regular_write,
    .lseek = regular_lseek,
    .stat = inode_file_stat,
};

/* The header of struct linux_dirent64; d_name follows, NUL-terminated, and
 * each record is padded to 8 bytes. */
struct linux_dirent64_head {
    uint64_t d_ino;
    int64_t d_off;
    uint16_t d_reclen;
    uint8_t d_type;
} __attribute__((packed));

_Static_assert(sizeof(struct linux_dirent64_head) == 19, "linux_dirent64 has d_name at byte 19");

/* f->offset counts entries: 0 is ".", 1 is "..", 2 + i is the i-th stored entry. */
static long dir_getdents64(struct file *f, uint64_t user_buf, size_t count)
{
    struct inode *dir = f->inode;
    size_t written = 0;

    for (;;) {
        uint64_t index = f->offset;
        const char *name;
        struct inode *target;
        if (index == 0) {
            name = ".";
            target = dir;
        } else if (index == 1) {
            name = "..";
            target = dir->parent;
        } else {
            struct dirent *entry = ramfs_dir_entry_at(dir, index - 2);
            if (entry == NULL)
                break;
            name = entry->name;
            target = entry->inode;
        }

        size_t name_len = strlen(name);
        size_t reclen = (sizeof(struct linux_dirent64_head) + name_len + 1 + 7) & ~(size_t)7;
        if (written + reclen > count) {
            /* Linux: a buffer too small for even one record is -EINVAL. */
            if (written == 0)
                return -EINVAL;
            break;
        }

        char record[sizeof(struct linux_dirent64_head) + NAME_MAX + 1 + 8];
        memset(record, 0, reclen);
        struct linux_dirent64_head head = {
            .d_ino = target->ino,
            .d_off = (int64_t)index + 1,
            .d_reclen = (uint16_t)reclen,
            .d_type = ramfs_dirent_type(target),
        };
        memcpy(record, &head, sizeof(head));
        memcpy(record + sizeof(head), name, name_len);
        if (copy_to_user(user_buf + written, record, reclen) != 0)
            return written > 0 ? (long)written : -EFAULT;
        written += reclen;
        f->offset = index + 1;
    }
    return (long)written;
}

static long dir_read(struct file *f, uint64_t user_buf, size_t count)
{
    (void)f, (void)user_buf, (void)count;
    return -EISDIR;
}

static long dir_write(struct file *f, uint64_t user_buf, size_t count)
{
    (void)f, (void)user_buf, (void)count;
    return -EISDIR;
}

static long dir_lseek(struct file *f, int64_t offset, int whence)
{
    if (whence == SEEK_END)
        return -EINVAL;
    return seek_to(f, offset, whence, 0);
}

static const struct file_ops dir_ops = {
    .read = dir_read,
    .write = dir_write,
    .lseek = dir_lseek,
    .stat = inode_file_stat,
    .getdents64 = dir_getdents64,
};

/* Largest text a synthetic file may produce. */
#define SYNTHETIC_MAX_SIZE (64 * 4096)

/* Generate the whole text of a synthetic file into a new buffer. A
 * generator returns either the full length (snprintf) or the bytes that
 * fit, so the buffer grows until the text leaves a spare byte. */
static char *synthetic_text(inode_generate_fn generate, size_t *len)
{
    for (size_t size = 4096; size <= SYNTHETIC_MAX_SIZE; size *= 2) {
        char *text = kmalloc(size);
        if (text == NULL)
            return NULL;
        *len = generate(text, size);
        if (*len + 1 < size)
            return text;
        kfree(text);
    }
    return NULL;
}

/* Synthetic files generate their whole text on each read, then copy the
 * part at the file offset, so a reader in small pieces may see two versions. */
static long synthetic_read(struct file *f, uint64_t user_buf, size_t count)
{
    size_t len;
    char *text = synthetic_text(f->inode->generate, &len);
    if (text == NULL)
        return -ENOMEM;

    long n = 0;
    if (f->offset < len) {
        n = (long)(len - f->offset < count ? len - f->offset : count);
        if (copy_to_user(user_buf, text + f->offset, (size_t)n) != 0)
            n = -EFAULT;
        else
            f->offset += (uint64_t)n;
    }
    kfree(text);
    return n;
}

/* Linux's /proc files without a write handler fail writes with -EIO,
 * even when root opened them for writing. */
static long synthetic_write(struct file *f, uint64_t user_buf, size_t count)
{
    (void)f, (void)user_buf, (void)count;
    return -EIO;
}

static long synthetic_lseek(struct file *f, int64_t offset, int whence)
{
    if (whence == SEEK_END)
        return -EINVAL;
    return seek_to(f, offset, whence, 0);
}

static const struct file_ops synthetic_ops = {
    .read = synthetic_read,
    .write = synthetic_write,
    .lseek = synthetic_lseek,
    .stat = inode_file_stat,
};

int vfs_open_inode(struct inode *inode, unsigned flags, struct file **out)
{
    enum file_kind kind = FILE_INODE;
    const struct file_ops *ops;

    if (S_ISDIR(inode->mode)) {
        ops = &dir_ops;
    } else if (S_ISREG(inode->mode)) {
        ops = inode->generate != NULL ? &synthetic_ops : &regular_ops;
    } else if (S_ISCHR(inode->mode) && inode->dev_kind == FILE_CONSOLE) {
        kind = FILE_CONSOLE;
        ops = &tty_file_ops;
    } else if (S_ISCHR(inode->mode) && inode->dev_kind == FILE_NULL) {
        kind = FILE_NULL;
        ops = &null_file_ops;
    } else {
        return -ENXIO;      /* Linux: a device node with no driver */
    }

    struct file *f = file_alloc(kind, ops, flags);
    if (f == NULL)
        return -ENOMEM;
    f->inode = inode_get(inode);
    *out = f;
    return 0;
}

int vfs_open_exec(const char *path, struct inode *cwd, const struct cred *cred,
                  struct file **out)
{
    struct inode *inode;
    int err = namei_lookup(cred, cwd, path, &inode);
    if (err != 0)
        return err;

    /* Linux: execve of a directory or device is -EACCES, like a missing x bit. */
    if (!S_ISREG(inode->mode) || inode->generate != NULL ||
        !cred_may_access(cred, inode->mode, inode->uid, inode->gid, MAY_EXEC)) {
        inode_put(inode);
        return -EACCES;
    }
    err = vfs_open_inode(inode, O_RDONLY | O_LARGEFILE, out);
    inode_put(inode);
    return err;
}

long vfs_kernel_read(struct file *f, uint64_t offset, void *buf, size_t n)
{
    if (f->inode == NULL || !S_ISREG(f->inode->mode) || f->inode->generate != NULL)
        return -EINVAL;
    return ramfs_read(f->inode, offset, (uint64_t)buf, n, false);
}
