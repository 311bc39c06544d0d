/* Open files (reference counted) and descriptor tables. */
#include "fs/file.h"

#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "lib/string.h"
#include "mm/heap.h"

struct file *file_alloc(enum file_kind kind, const struct file_ops *ops, unsigned flags)
{
    struct file *f = kzalloc(sizeof(*f));
    if (f == NULL)
        return NULL;
    f->refcount = 1;
    f->kind = kind;
    f->ops = ops;
    f->flags = flags;
    return f;
}

struct file *file_get(struct file *f)
{
    f->refcount++;
    return f;
}

void file_put(struct file *f)
{
    if (f == NULL)
        return;
    if (f->refcount == 0)
        panic("file_put: file %p (kind %d) has no reference to drop", (void *)f, (int)f->kind);
    if (--f->refcount != 0)
        return;

    if (f->ops != NULL && f->ops->release != NULL)
        f->ops->release(f);
    inode_put(f->inode);
    kfree(f);
}

static bool fd_valid(int fd)
{
    return fd >= 0 && fd < FD_TABLE_SIZE;
}

static void set_cloexec(struct fd_table *t, int fd, bool cloexec)
{
    if (fd >= t->capacity)
        return;
    uint64_t bit = 1ull << (fd % 64);
    if (cloexec)
        t->cloexec[fd / 64] |= bit;
    else
        t->cloexec[fd / 64] &= ~bit;
}

bool fd_get_cloexec(const struct fd_table *t, int fd)
{
    return fd_valid(fd) && fd < t->capacity && (t->cloexec[fd / 64] >> (fd % 64)) & 1;
}

bool fd_slot_free(const struct fd_table *t, int fd)
{
    return fd >= t->capacity || t->files[fd] == NULL;
}

/* Make room for descriptor fd. Returns 0, or -ENOMEM with the table unchanged. */
static int fd_table_reserve(struct fd_table *t, int fd)
{
    if (fd < t->capacity)
        return 0;
    int capacity = (fd / FD_TABLE_STEP + 1) * FD_TABLE_STEP;
    struct file **files = kzalloc((size_t)capacity * sizeof(*files));
    uint64_t *cloexec = kzalloc((size_t)capacity / 64 * sizeof(uint64_t));
    if (files == NULL || cloexec == NULL) {
        kfree(files);
        kfree(cloexec);
        return -ENOMEM;
    }
    if (t->capacity > 0) {
        memcpy(files, t->files, (size_t)t->capacity * sizeof(*files));
        memcpy(cloexec, t->cloexec, (size_t)t->capacity / 64 * sizeof(uint64_t));
    }
    kfree(t->files);
    kfree(t->cloexec);
    t->files = files;
    t->cloexec = cloexec;
    t->capacity = capacity;
    return 0;
}

int fd_set_cloexec(struct fd_table *t, int fd, bool cloexec)
{
    if (fd_lookup(t, fd) == NULL)
        return -EBADF;
    set_cloexec(t, fd, cloexec);
    return 0;
}

struct fd_table *fd_table_create(void)
{
    struct fd_table *t = kzalloc(sizeof(*t));
    if (t != NULL)
        t->refcount = 1;
    return t;
}

struct fd_table *fd_table_clone(const struct fd_table *t)
{
    struct fd_table *copy = fd_table_create();
    if (copy == NULL)
        return NULL;
    /* Only as many slots as the highest open descriptor needs. */
    int highest = -1;
    for (int fd = 0; fd < t->capacity; fd++) {
        if (t->files[fd] != NULL)
            highest = fd;
    }
    if (highest >= 0 && fd_table_reserve(copy, highest) != 0) {
        kfree(copy);
        return NULL;
    }
    for (int fd = 0; fd <= highest; fd++) {
        if (t->files[fd] != NULL)
            copy->files[fd] = file_get(t->files[fd]);
    }
    if (highest >= 0)
        memcpy(copy->cloexec, t->cloexec, (size_t)copy->capacity / 64 * sizeof(uint64_t));
    return copy;
}

struct fd_table *fd_table_get(struct fd_table *t)
{
    t->refcount++;
    return t;
}

void fd_table_put(struct fd_table *t)
{
    if (t == NULL)
        return;
    if (t->refcount == 0)
        panic("fd_table_put: table %p has no reference to drop", (void *)t);
    if (--t->refcount != 0)
        return;
    for (int fd = 0; fd < t->capacity; fd++) {
        if (t->files[fd] != NULL)
            fd_close(t, fd);
    }
    kfree(t->files);
    kfree(t->cloexec);
    kfree(t);
}

int fd_install(struct fd_table *t, struct file *f, int min_fd, bool cloexec)
{
    if (min_fd < 0)
        min_fd = 0;

    /* The top slot is the root lwC's; ordinary installs never take it. */
    int limit = fd_limit();
    for (int fd = min_fd; fd < limit; fd++) {
        if (fd_slot_free(t, fd)) {
            if (fd_table_reserve(t, fd) != 0)
                return -ENOMEM;
            t->files[fd] = f;
            set_cloexec(t, fd, cloexec);
            return fd;
        }
    }
    return -EMFILE;
}

int fd_install_at(struct fd_table *t, int fd, struct file *f, bool cloexec)
{
    if (!fd_valid(fd) || fd_table_reserve(t, fd) != 0) {
        file_put(f);
        return fd_valid(fd) ? -ENOMEM : -EBADF;
    }
    struct file *old = t->files[fd];
    t->files[fd] = f;
    set_cloexec(t, fd, cloexec);
    file_put(old);
    return fd;
}

struct file *fd_lookup(struct fd_table *t, int fd)
{
    if (t == NULL || !fd_valid(fd) || fd >= t->capacity)
        return NULL;
    return t->files[fd];
}

int fd_close(struct fd_table *t, int fd)
{
    struct file *f = fd_lookup(t, fd);
    if (f == NULL)
        return -EBADF;

    /* Empty the slot before the release runs, so it never sees a half-closed table. */
    t->files[fd] = NULL;
    set_cloexec(t, fd, false);
    file_put(f);
    return 0;
}

void fd_close_on_exec(struct fd_table *t)
{
    for (int fd = 0; fd < t->capacity; fd++) {
        if (fd_get_cloexec(t, fd))
            fd_close(t, fd);
    }
}
