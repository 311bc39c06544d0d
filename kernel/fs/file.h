/*
 * Open files and descriptor tables.
 *
 * A struct file is one open file description (Linux's term): an offset, open
 * flags and operations, shared by every descriptor that dup, fork or lwCreate
 * copies from it. A descriptor table maps small integers to files. Kinds
 * other than regular files (pipes, the console, lwC descriptors) supply
 * their own operations; an operation left NULL fails with the errno Linux
 * gives for that object (EINVAL, ESPIPE, ENOTTY, ENOTDIR, or EBADF).
 */
#ifndef LWCOS_FS_FILE_H
#define LWCOS_FS_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct file;
struct inode;
struct kstat;

enum file_kind {
    FILE_INODE,         /* regular file or directory of the in-memory file system */
    FILE_PIPE_READ,
    FILE_PIPE_WRITE,
    FILE_CONSOLE,       /* /dev/console */
    FILE_NULL,          /* /dev/null */
    FILE_LWC,           /* an lwC descriptor: every file operation fails with EBADF */
};

struct file_ops {
    /* Read or write through a user buffer; return bytes moved or -errno. */
    long (*read)(struct file *f, uint64_t user_buf, size_t count);
    long (*write)(struct file *f, uint64_t user_buf, size_t count);
    long (*lseek)(struct file *f, int64_t offset, int whence);
    long (*ioctl)(struct file *f, unsigned long request, uint64_t user_arg);
    int (*stat)(struct file *f, struct kstat *st);
    long (*getdents64)(struct file *f, uint64_t user_buf, size_t count);
    /* Called once, when the last reference goes away. */
    void (*release)(struct file *f);
};

struct file {
    unsigned refcount;
    enum file_kind kind;
    const struct file_ops *ops;
    unsigned flags;             /* O_ACCMODE bits, O_APPEND, O_NONBLOCK as Linux */
    uint64_t offset;
    struct inode *inode;        /* FILE_INODE: the inode (holds a reference) */
    void *private_data;         /* pipe, lwC, ... */
};

/* A new file with refcount 1 and offset 0, or NULL when memory runs out. */
struct file *file_alloc(enum file_kind kind, const struct file_ops *ops, unsigned flags);
/* Take and drop references; the last file_put calls ops->release, then
 * drops the file's inode reference (if any) and frees it. */
struct file *file_get(struct file *f);
void file_put(struct file *f);

/* Descriptor numbers go from 0 to FD_TABLE_SIZE - 1. The top one is kept
 * for the root lwC's well-known descriptor. */
#define FD_TABLE_SIZE 1024

/* Slots grow in steps of this many, so a table with a few low descriptors
 * stays small (many lwCs each have a table). */
#define FD_TABLE_STEP 64

struct fd_table {
    unsigned refcount;          /* tables may be shared (lwC SHARE of all descriptors) */
    int capacity;               /* slots allocated: a multiple of FD_TABLE_STEP, at most FD_TABLE_SIZE */
    struct file **files;        /* capacity slots; descriptors at or above capacity are free */
    uint64_t *cloexec;          /* capacity / 64 words */
};

/* True if slot fd is free (or beyond the allocated slots). */
bool fd_slot_free(const struct fd_table *t, int fd);

struct fd_table *fd_table_create(void);
/* A copy in which every open descriptor refers to the same file (as fork). */
struct fd_table *fd_table_clone(const struct fd_table *t);
struct fd_table *fd_table_get(struct fd_table *t);
/* Drop a reference; the last one closes every descriptor and frees the table. */
void fd_table_put(struct fd_table *t);

/* Descriptors a process may open: its RLIMIT_NOFILE, at most
 * FD_TABLE_SIZE - 1 (the top slot is the root lwC's). */
int fd_limit(void);

/* Put f (the caller's reference moves into the table) in the lowest free
 * slot >= min_fd and below fd_limit(). Returns the descriptor, or -EMFILE
 * (the caller keeps its reference). */
int fd_install(struct fd_table *t, struct file *f, int min_fd, bool cloexec);
/* Put f at exactly fd, closing what was there (as dup2). Returns fd, or
 * -EBADF for a number out of range or -ENOMEM; on failure the reference to
 * f is dropped, so callers never leak it. */
int fd_install_at(struct fd_table *t, int fd, struct file *f, bool cloexec);
/* The file at fd, without a new reference, or NULL for a bad descriptor. */
struct file *fd_lookup(struct fd_table *t, int fd);
/* Close fd. Returns 0 or -EBADF. */
int fd_close(struct fd_table *t, int fd);
/* Close every descriptor marked close-on-exec. */
void fd_close_on_exec(struct fd_table *t);
/* The close-on-exec flag of fd (false for a bad descriptor), and setting it
 * (0, or -EBADF when fd is not open). */
bool fd_get_cloexec(const struct fd_table *t, int fd);
int fd_set_cloexec(struct fd_table *t, int fd, bool cloexec);

#endif
