/*
 * The in-memory file system, as the rest of the kernel sees it: path lookup
 * with permission checks against credentials, and reading a file from the
 * kernel (execve's loader).
 */
#ifndef LWCOS_FS_VFS_H
#define LWCOS_FS_VFS_H

#include <stddef.h>
#include <stdint.h>

struct cred;
struct file;
struct inode;

/* Linux's struct stat for x86-64 (what fstat writes to user memory). */
struct kstat {
    uint64_t st_dev;
    uint64_t st_ino;
    uint64_t st_nlink;
    uint32_t st_mode;
    uint32_t st_uid;
    uint32_t st_gid;
    uint32_t pad0;
    uint64_t st_rdev;
    int64_t st_size;
    int64_t st_blksize;
    int64_t st_blocks;
    uint64_t st_atime, st_atime_nsec;
    uint64_t st_mtime, st_mtime_nsec;
    uint64_t st_ctime, st_ctime_nsec;
    int64_t reserved[3];
};

_Static_assert(sizeof(struct kstat) == 144, "struct stat on x86-64 Linux is 144 bytes");

/* Build the boot-time tree (/, /dev/console, /dev/null, /proc/meminfo,
 * /proc/processes, /tmp). Idempotent; vfs_root and the unpacker call it too.
 * It allocates nothing from the heap. */
void vfs_init(void);

/* Unpack the cpio newc archive at [data, data + size) into the file system,
 * keeping each entry's mode, uid and gid. Returns 0 or -errno (-EINVAL for a
 * malformed archive, with a log line naming the entry). */
int vfs_unpack_initramfs(const void *data, size_t size);

/* Open a regular file for execve: the path must resolve (from cwd if
 * relative) and cred must have search permission on every directory and
 * execute permission on the file. Returns 0 and a new file reference, or
 * -ENOENT, -EACCES (also for a directory or device, as Linux's execve),
 * -ENOTDIR, -ENAMETOOLONG. */
int vfs_open_exec(const char *path, struct inode *cwd, const struct cred *cred,
                  struct file **out);

/* Read up to n bytes at offset into kernel memory. Returns bytes read or -errno. */
long vfs_kernel_read(struct file *f, uint64_t offset, void *buf, size_t n);

/* The root directory, with a new reference (processes start with it as cwd). */
struct inode *vfs_root(void);
struct inode *inode_get(struct inode *inode);
void inode_put(struct inode *inode);

/* Open /dev/console for reading and writing (init's descriptors 0, 1, 2). */
int vfs_open_console(struct file **out);

/* Called by the COM1 interrupt handler for each received character. */
void tty_receive_char(char c);

/* The text of /proc/processes, one line per process: writes at most size
 * bytes (NUL-terminated when size > 0) and returns the full length, like
 * snprintf, or the bytes that fit (the reader retries with a larger buffer
 * either way). kernel/proc defines it; a weak default in fs/ returns "". */
size_t proc_format_list(char *buf, size_t size);

#endif
