/*
 * Helpers shared by the file system calls (kernel/sys/sys_fs_*.c).
 *
 * Every file system call follows the same order as Linux: copy the user
 * arguments in and validate them (returning -errno before anything
 * changes), then resolve descriptors and paths, then change state.
 */
#ifndef LWCOS_SYS_SYS_FS_H
#define LWCOS_SYS_SYS_FS_H

#include <stdbool.h>
#include <stdint.h>

struct cred;
struct file;
struct inode;
struct process;

/* The process whose descriptors, cwd, credentials and umask the calls use:
 * the current process, unless a test has set sys_fs_test_process. */
extern struct process *sys_fs_test_process;
struct process *sys_fs_process(void);

/* Copy a path from user memory into a new PATH_MAX buffer (free it with
 * sys_fs_path_free). Returns 0, -EFAULT, -ENAMETOOLONG (no NUL within
 * PATH_MAX bytes), -ENOENT (empty, unless allow_empty) or -ENOMEM. */
int sys_fs_path_copy(uint64_t user_path, bool allow_empty, char **out);
void sys_fs_path_free(char *path);

/* The directory a *at() call resolves a relative path from: the cwd for
 * AT_FDCWD, else the directory open at dirfd (-EBADF if none, -ENOTDIR if
 * it is not a directory). Absolute paths ignore dirfd, as on Linux. Returns
 * a new inode reference in *out. */
int sys_fs_base_dir(struct process *p, int dirfd, const char *path, struct inode **out);

/* The open file at fd for I/O calls: NULL for a bad descriptor or an lwC
 * descriptor (both -EBADF). */
struct file *sys_fs_io_file(struct process *p, int fd);

/* Is [addr, addr + n) inside user space? (Linux's access_ok: only the range
 * is checked here; the copy itself reports unmapped pages.) */
bool sys_fs_user_range_ok(uint64_t addr, uint64_t n);

/* Linux's sticky-directory rule: in a directory with S_ISVTX only root,
 * the directory's owner or the file's owner may remove or rename the file. */
bool sys_fs_sticky_denies(const struct cred *cred, const struct inode *dir,
                          const struct inode *inode);

/* Open path (relative to dirfd) with Linux's open flags and mode; returns
 * the new descriptor or -errno. */
long sys_fs_open(int dirfd, uint64_t user_path, unsigned flags, uint32_t mode);

#endif
