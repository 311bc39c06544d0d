/*
 * Pipes: a 64 KiB ring buffer between a read end and a write end, as on
 * Linux. Each end is a struct file (FILE_PIPE_READ, FILE_PIPE_WRITE). The
 * pipe counts the files open on each end, so end of file and EPIPE follow
 * the last close. The ring's frames are allocated on first use of each 4 KiB.
 *
 * Atomicity: a write of at most PIPE_BUF bytes waits until it fits whole,
 * so it is never interleaved with another writer's data. Larger writes
 * move what fits and wait for the rest.
 *
 * NOTE: the ring counts free space in bytes. Linux keeps 16 page-sized
 * slots, so after a partial read of a full pipe Linux may still report
 * EAGAIN for a small non-blocking write that fits here, and a large
 * non-blocking write may move a different number of bytes.
 */
#include "fs/pipe.h"

#include "fs/fcntl.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/uaccess.h"
#include "proc/wait.h"
#include "signal/signal.h"

#define PIPE_PAGES (PIPE_CAPACITY / PAGE_SIZE)

struct pipe {
    uint64_t pages[PIPE_PAGES];     /* frame addresses, 0 until first written */
    size_t head;                    /* offset of the oldest byte */
    size_t count;                   /* bytes in the ring */
    unsigned readers, writers;      /* open files on each end */
    uint64_t ino;
    uint32_t uid, gid;
    struct wait_queue read_wait;    /* readers wait for data or the last writer's close */
    struct wait_queue write_wait;   /* writers wait for room or the last reader's close */
};

/* Pipe inode numbers, in their own range so they never equal a ramfs one. */
static uint64_t next_pipe_ino = 1ull << 32;

static char *ring_byte(struct pipe *p, size_t offset)
{
    offset %= PIPE_CAPACITY;
    return (char *)phys_to_virt(p->pages[offset / PAGE_SIZE]) + offset % PAGE_SIZE;
}

/* Make sure the frames under [offset, offset + n) of the ring exist. */
static int ring_reserve(struct pipe *p, size_t offset, size_t n)
{
    for (size_t done = 0; done < n;) {
        size_t pos = (offset + done) % PIPE_CAPACITY;
        size_t page = pos / PAGE_SIZE;
        if (p->pages[page] == 0) {
            p->pages[page] = frame_alloc();
            if (p->pages[page] == 0)
                return -ENOMEM;
        }
        done += PAGE_SIZE - pos % PAGE_SIZE;
    }
    return 0;
}

/* Length of the contiguous run of the ring starting at offset, at most n. */
static size_t ring_run(size_t offset, size_t n)
{
    size_t pos = offset % PIPE_CAPACITY;
    size_t run = PAGE_SIZE - pos % PAGE_SIZE;
    return run < n ? run : n;
}

static long pipe_read(struct file *f, uint64_t user_buf, size_t count)
{
    struct pipe *p = f->private_data;
    if (count == 0)
        return 0;

    /* Wait for data; with no writer left, an empty pipe is end of file. */
    if (p->count == 0) {
        if (p->writers == 0)
            return 0;
        if (f->flags & O_NONBLOCK)
            return -EAGAIN;
        int err = WAIT_EVENT_INTERRUPTIBLE(&p->read_wait, p->count > 0 || p->writers == 0);
        if (err != 0)
            return err;
        if (p->count == 0)
            return 0;
    }

    size_t n = count < p->count ? count : p->count;
    size_t done = 0;
    while (done < n) {
        size_t run = ring_run(p->head, n - done);
        if (copy_to_user(user_buf + done, ring_byte(p, p->head), run) != 0)
            break;
        p->head = (p->head + run) % PIPE_CAPACITY;
        p->count -= run;
        done += run;
    }
    if (done > 0)
        wait_queue_wake_all(&p->write_wait);
    return done > 0 ? (long)done : -EFAULT;
}

/* Copy up to n bytes from user memory into the free part of the ring. */
static long ring_fill(struct pipe *p, uint64_t user_buf, size_t n)
{
    size_t tail = p->head + p->count;
    if (ring_reserve(p, tail, n) != 0)
        return -ENOMEM;
    size_t done = 0;
    while (done < n) {
        size_t run = ring_run(tail + done, n - done);
        if (copy_from_user(ring_byte(p, tail + done), user_buf + done, run) != 0)
            break;
        done += run;
    }
    p->count += done;
    if (done > 0)
        wait_queue_wake_all(&p->read_wait);
    return done > 0 ? (long)done : -EFAULT;
}

static long pipe_write(struct file *f, uint64_t user_buf, size_t count)
{
    struct pipe *p = f->private_data;
    bool nonblock = f->flags & O_NONBLOCK;
    size_t written = 0;

    if (count == 0)
        return 0;
    while (written < count) {
        size_t left = count - written;
        /* An atomic write needs room for all of it at once. */
        size_t need = count <= PIPE_BUF ? left : 1;

        if (p->readers == 0) {
            if (written > 0)
                return (long)written;
            signal_send_self(SIGPIPE);
            return -EPIPE;
        }
        if (PIPE_CAPACITY - p->count < need) {
            if (nonblock)
                return written > 0 ? (long)written : -EAGAIN;
            int err = WAIT_EVENT_INTERRUPTIBLE(
                &p->write_wait, PIPE_CAPACITY - p->count >= need || p->readers == 0);
            if (err != 0)
                return written > 0 ? (long)written : err;
            continue;
        }

        size_t room = PIPE_CAPACITY - p->count;
        long n = ring_fill(p, user_buf + written, left < room ? left : room);
        if (n < 0)
            return written > 0 ? (long)written : n;
        written += (size_t)n;
        if ((size_t)n < (left < room ? left : room))
            return (long)written;       /* a bad user address part-way */
    }
    return (long)written;
}

static int pipe_stat(struct file *f, struct kstat *st)
{
    struct pipe *p = f->private_data;
    memset(st, 0, sizeof(*st));
    st->st_ino = p->ino;
    st->st_nlink = 1;
    st->st_mode = S_IFIFO | 0600;
    st->st_uid = p->uid;
    st->st_gid = p->gid;
    st->st_blksize = PAGE_SIZE;
    return 0;
}

static long pipe_ioctl(struct file *f, unsigned long request, uint64_t user_arg)
{
    struct pipe *p = f->private_data;
    if (request != PIPE_FIONREAD)
        return -ENOTTY;
    int ready = (int)p->count;
    return copy_to_user(user_arg, &ready, sizeof(ready)) != 0 ? -EFAULT : 0;
}

static void pipe_free_if_unused(struct pipe *p)
{
    if (p->readers != 0 || p->writers != 0)
        return;
    for (size_t i = 0; i < PIPE_PAGES; i++) {
        if (p->pages[i] != 0)
            frame_free(p->pages[i]);
    }
    kfree(p);
}

static void pipe_release_read(struct file *f)
{
    struct pipe *p = f->private_data;
    p->readers--;
    wait_queue_wake_all(&p->write_wait);
    pipe_free_if_unused(p);
}

static void pipe_release_write(struct file *f)
{
    struct pipe *p = f->private_data;
    p->writers--;
    wait_queue_wake_all(&p->read_wait);
    pipe_free_if_unused(p);
}

/* Reads on the write end and writes on the read end are caught earlier by
 * the access-mode check (-EBADF); lseek is left NULL (-ESPIPE). */
static const struct file_ops pipe_read_ops = {
    .read = pipe_read,
    .ioctl = pipe_ioctl,
    .stat = pipe_stat,
    .release = pipe_release_read,
};

static const struct file_ops pipe_write_ops = {
    .write = pipe_write,
    .ioctl = pipe_ioctl,
    .stat = pipe_stat,
    .release = pipe_release_write,
};

int pipe_create(unsigned flags, uint32_t uid, uint32_t gid, struct file **read_end,
                struct file **write_end)
{
    struct pipe *p = kzalloc(sizeof(*p));
    if (p == NULL)
        return -ENOMEM;
    p->ino = next_pipe_ino++;
    p->uid = uid;
    p->gid = gid;
    wait_queue_init(&p->read_wait);
    wait_queue_init(&p->write_wait);

    unsigned status = flags & O_NONBLOCK;
    struct file *r = file_alloc(FILE_PIPE_READ, &pipe_read_ops, O_RDONLY | status);
    struct file *w = file_alloc(FILE_PIPE_WRITE, &pipe_write_ops, O_WRONLY | status);
    if (r == NULL || w == NULL) {
        kfree(r);
        kfree(w);
        kfree(p);
        return -ENOMEM;
    }
    r->private_data = p;
    w->private_data = p;
    p->readers = 1;
    p->writers = 1;
    *read_end = r;
    *write_end = w;
    return 0;
}
