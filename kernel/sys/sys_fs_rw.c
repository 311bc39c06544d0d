/* Data transfer calls: read, write, their vector and positioned forms,
 * lseek, ioctl, getdents64 and ftruncate. */
#include "fs/fcntl.h"
#include "fs/file.h"
#include "fs/ramfs.h"
#include "lib/errno.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "sys/sys_fs.h"
#include "sys/syscall.h"

/* Linux caps one transfer at INT_MAX rounded down to a page (MAX_RW_COUNT). */
#define MAX_RW_COUNT (0x7fffffffu & ~0xfffu)
/* Linux's UIO_MAXIOV: the most iovecs one readv or writev takes. */
#define UIO_MAXIOV 1024

struct iovec_user {
    uint64_t base;
    uint64_t len;
};

static bool readable(const struct file *f)
{
    unsigned mode = f->flags & O_ACCMODE;
    return mode == O_RDONLY || mode == O_RDWR;
}

static bool writable(const struct file *f)
{
    unsigned mode = f->flags & O_ACCMODE;
    return mode == O_WRONLY || mode == O_RDWR;
}

/* Checks shared by every read: an open, readable descriptor and a user range. */
static long read_file(struct file *f, uint64_t user_buf, size_t count)
{
    if (!readable(f))
        return -EBADF;
    if (f->ops->read == NULL)
        return -EINVAL;
    if (count > MAX_RW_COUNT)
        count = MAX_RW_COUNT;
    if (!sys_fs_user_range_ok(user_buf, count))
        return -EFAULT;
    return f->ops->read(f, user_buf, count);
}

static long write_file(struct file *f, uint64_t user_buf, size_t count)
{
    if (!writable(f))
        return -EBADF;
    if (f->ops->write == NULL)
        return -EINVAL;
    if (count > MAX_RW_COUNT)
        count = MAX_RW_COUNT;
    if (!sys_fs_user_range_ok(user_buf, count))
        return -EFAULT;
    return f->ops->write(f, user_buf, count);
}

SYSCALL3(read, int, fd, uint64_t, user_buf, size_t, count)
{
    struct file *f = sys_fs_io_file(sys_fs_process(), fd);
    if (f == NULL)
        return -EBADF;
    return read_file(f, user_buf, count);
}

SYSCALL3(write, int, fd, uint64_t, user_buf, size_t, count)
{
    struct file *f = sys_fs_io_file(sys_fs_process(), fd);
    if (f == NULL)
        return -EBADF;
    return write_file(f, user_buf, count);
}

/* readv and writev: each buffer in turn, stopping at the first short
 * transfer; an error after some bytes moved returns the bytes. */
static long transfer_vector(int fd, uint64_t user_iov, int iovcnt, bool write)
{
    struct file *f = sys_fs_io_file(sys_fs_process(), fd);
    if (f == NULL)
        return -EBADF;
    if (write ? !writable(f) : !readable(f))
        return -EBADF;
    if (iovcnt < 0 || iovcnt > UIO_MAXIOV)
        return -EINVAL;

    /* Validate every iovec before moving any byte, as Linux does. */
    uint64_t total = 0;
    for (int i = 0; i < iovcnt; i++) {
        struct iovec_user iov;
        if (copy_from_user(&iov, user_iov + (uint64_t)i * sizeof(iov), sizeof(iov)) != 0)
            return -EFAULT;
        if ((int64_t)iov.len < 0 || iov.len > (uint64_t)INT64_MAX - total)
            return -EINVAL;
        if (!sys_fs_user_range_ok(iov.base, iov.len))
            return -EFAULT;
        total += iov.len;
    }

    long done = 0;
    for (int i = 0; i < iovcnt; i++) {
        struct iovec_user iov;
        if (copy_from_user(&iov, user_iov + (uint64_t)i * sizeof(iov), sizeof(iov)) != 0)
            return done > 0 ? done : -EFAULT;
        if (iov.len == 0)
            continue;
        long n = write ? write_file(f, iov.base, iov.len) : read_file(f, iov.base, iov.len);
        if (n < 0)
            return done > 0 ? done : n;
        done += n;
        if ((uint64_t)n < iov.len)
            break;
    }
    return done;
}

SYSCALL3(readv, int, fd, uint64_t, user_iov, int, iovcnt)
{
    return transfer_vector(fd, user_iov, iovcnt, false);
}

SYSCALL3(writev, int, fd, uint64_t, user_iov, int, iovcnt)
{
    return transfer_vector(fd, user_iov, iovcnt, true);
}

/* pread64 and pwrite64 move data at offset and leave the file offset as it
 * was. Only seekable files (ramfs inodes and /dev/null) take them; Linux's
 * O_APPEND quirk holds: pwrite on an O_APPEND file appends. */
static long transfer_at(int fd, uint64_t user_buf, size_t count, int64_t offset, bool write)
{
    struct file *f = sys_fs_io_file(sys_fs_process(), fd);
    if (f == NULL)
        return -EBADF;
    if (write ? !writable(f) : !readable(f))
        return -EBADF;
    if (offset < 0)
        return -EINVAL;
    if (f->kind != FILE_INODE && f->kind != FILE_NULL)
        return -ESPIPE;

    uint64_t saved = f->offset;
    f->offset = (uint64_t)offset;
    long n = write ? write_file(f, user_buf, count) : read_file(f, user_buf, count);
    f->offset = saved;
    return n;
}

SYSCALL4(pread64, int, fd, uint64_t, user_buf, size_t, count, int64_t, offset)
{
    return transfer_at(fd, user_buf, count, offset, false);
}

SYSCALL4(pwrite64, int, fd, uint64_t, user_buf, size_t, count, int64_t, offset)
{
    return transfer_at(fd, user_buf, count, offset, true);
}

SYSCALL3(lseek, int, fd, int64_t, offset, int, whence)
{
    struct file *f = sys_fs_io_file(sys_fs_process(), fd);
    if (f == NULL)
        return -EBADF;
    if (f->ops->lseek == NULL)
        return -ESPIPE;
    return f->ops->lseek(f, offset, whence);
}

SYSCALL3(ioctl, int, fd, unsigned long, request, uint64_t, user_arg)
{
    struct file *f = sys_fs_io_file(sys_fs_process(), fd);
    if (f == NULL)
        return -EBADF;
    if (f->ops->ioctl == NULL)
        return -ENOTTY;
    return f->ops->ioctl(f, request, user_arg);
}

SYSCALL3(getdents64, int, fd, uint64_t, user_buf, size_t, count)
{
    struct file *f = sys_fs_io_file(sys_fs_process(), fd);
    if (f == NULL)
        return -EBADF;
    if (f->ops->getdents64 == NULL)
        return -ENOTDIR;
    if (count > MAX_RW_COUNT)
        count = MAX_RW_COUNT;
    if (!sys_fs_user_range_ok(user_buf, count))
        return -EFAULT;
    return f->ops->getdents64(f, user_buf, count);
}

/* Linux: a negative length, or a descriptor that is not a regular file
 * open for writing, is -EINVAL (not -EBADF). */
SYSCALL2(ftruncate, int, fd, int64_t, length)
{
    struct file *f = sys_fs_io_file(sys_fs_process(), fd);
    if (f == NULL)
        return -EBADF;
    if (length < 0)
        return -EINVAL;
    if (f->inode == NULL || !S_ISREG(f->inode->mode) || f->inode->generate != NULL ||
        !writable(f))
        return -EINVAL;
    if ((uint64_t)length > RAMFS_MAX_FILE_SIZE)
        return -EFBIG;
    return ramfs_truncate(f->inode, (uint64_t)length);
}
