/* Descriptor calls: dup, dup2, dup3, fcntl, pipe and pipe2. */
#include "fs/fcntl.h"
#include "fs/file.h"
#include "fs/pipe.h"
#include "lib/errno.h"
#include "mm/uaccess.h"
#include "proc/proc.h"
#include "sys/sys_fs.h"
#include "sys/syscall.h"

/* Linux's O_DIRECT, which pipe2 accepts (packet mode) and we ignore. */
#define O_DIRECT 040000

SYSCALL1(dup, int, oldfd)
{
    struct fd_table *t = sys_fs_process()->fds;
    struct file *f = fd_lookup(t, oldfd);
    if (f == NULL)
        return -EBADF;
    int fd = fd_install(t, file_get(f), 0, false);
    if (fd < 0)
        file_put(f);
    return fd;
}

/* dup2 and dup3: newfd out of range is -EBADF; the copy never has close-on-exec
 * unless dup3 asks for it. */
static long dup_to(struct fd_table *t, int oldfd, int newfd, bool cloexec)
{
    struct file *f = fd_lookup(t, oldfd);
    if (newfd < 0 || newfd >= fd_limit() || f == NULL)
        return -EBADF;
    return fd_install_at(t, newfd, file_get(f), cloexec);
}

SYSCALL2(dup2, int, oldfd, int, newfd)
{
    struct fd_table *t = sys_fs_process()->fds;
    if (oldfd == newfd)
        return fd_lookup(t, oldfd) != NULL ? newfd : -EBADF;
    return dup_to(t, oldfd, newfd, false);
}

SYSCALL3(dup3, int, oldfd, int, newfd, unsigned, flags)
{
    if (flags & ~O_CLOEXEC)
        return -EINVAL;
    if (oldfd == newfd)
        return -EINVAL;
    return dup_to(sys_fs_process()->fds, oldfd, newfd, flags & O_CLOEXEC);
}

SYSCALL3(fcntl, int, fd, int, cmd, uint64_t, arg)
{
    struct fd_table *t = sys_fs_process()->fds;
    struct file *f = fd_lookup(t, fd);
    if (f == NULL)
        return -EBADF;

    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
        /* Linux compares the unsigned value with the descriptor limit. */
        if (arg >= (uint64_t)fd_limit())
            return -EINVAL;
        int newfd = fd_install(t, file_get(f), (int)arg, cmd == F_DUPFD_CLOEXEC);
        if (newfd < 0)
            file_put(f);
        return newfd;
    }
    case F_GETFD:
        return fd_get_cloexec(t, fd) ? FD_CLOEXEC : 0;
    case F_SETFD:
        return fd_set_cloexec(t, fd, arg & FD_CLOEXEC);
    case F_GETFL:
        return f->flags;
    case F_SETFL:
        f->flags = (f->flags & ~FCNTL_SETFL_MASK) | ((unsigned)arg & FCNTL_SETFL_MASK);
        return 0;
    default:
        return -EINVAL;
    }
}

SYSCALL2(pipe2, uint64_t, user_fds, unsigned, flags)
{
    struct process *p = sys_fs_process();
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
        return -EINVAL;

    struct file *read_end, *write_end;
    int err = pipe_create(flags, p->cred.euid, p->cred.egid, &read_end, &write_end);
    if (err != 0)
        return err;

    /* Install both ends, then publish the numbers; undo all on any failure. */
    bool cloexec = flags & O_CLOEXEC;
    int fds[2] = { fd_install(p->fds, read_end, 0, cloexec), -1 };
    if (fds[0] < 0) {
        file_put(read_end);
        file_put(write_end);
        return fds[0];
    }
    fds[1] = fd_install(p->fds, write_end, 0, cloexec);
    if (fds[1] < 0) {
        file_put(write_end);
        fd_close(p->fds, fds[0]);
        return fds[1];
    }
    if (copy_to_user(user_fds, fds, sizeof(fds)) != 0) {
        fd_close(p->fds, fds[0]);
        fd_close(p->fds, fds[1]);
        return -EFAULT;
    }
    return 0;
}

SYSCALL1(pipe, uint64_t, user_fds)
{
    return sys_pipe2(user_fds, 0, 0, 0, 0, 0);
}
