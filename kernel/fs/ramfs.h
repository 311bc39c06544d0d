/*
 * The in-memory file system: inodes and directory entries.
 *
 * Vocabulary
 *   inode      one file, directory or device, whatever its names. It lives
 *              while it has a name (nlink > 0) or a reference (refcount > 0):
 *              an open file, a cwd, a lookup in progress.
 *   ino        the inode number stat reports; never reused.
 *   dirent     one name in a directory, pointing at an inode. "." and ".."
 *              are not stored: getdents64 and lookup make them up.
 *
 * Regular files keep their bytes in whole frames, one per 4 KiB of the file,
 * indexed by an array. A frame that was never written (a hole left by
 * ftruncate) is 0 and reads as zeros.
 *
 * Locking: none yet. Every caller runs with the single CPU in kernel mode
 * and no file-system code runs in interrupt context (the tty keeps its own
 * buffers), so nothing here is interrupted by another user of the tree.
 */
#ifndef LWCOS_FS_RAMFS_H
#define LWCOS_FS_RAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs/fcntl.h"
#include "fs/file.h"
#include "lib/list.h"

struct kstat;

/* Synthetic read-only file (/proc/meminfo): writes the whole text into buf
 * (at most size bytes) and returns its full length. */
typedef size_t (*inode_generate_fn)(char *buf, size_t size);

struct inode {
    unsigned refcount;
    uint64_t ino;
    uint32_t mode;                  /* S_IF* type and permission bits */
    uint32_t uid, gid;
    uint32_t nlink;
    uint64_t size;                  /* bytes, for regular files */
    uint32_t rdev;                  /* character devices: MKDEV(major, minor) */

    /* Regular files: page_count slots of page_capacity hold frame addresses. */
    uint64_t *pages;
    size_t page_capacity;

    /* Directories. parent holds a reference (so ".." of a removed cwd works). */
    struct list_node entries;       /* struct dirent.link, in creation order */
    struct inode *parent;

    /* Character devices and synthetic files. */
    enum file_kind dev_kind;        /* FILE_CONSOLE, FILE_NULL or FILE_INODE */
    inode_generate_fn generate;

    bool static_storage;            /* boot-time inode in static memory: never freed */
};

struct dirent {
    struct list_node link;
    struct inode *inode;            /* the name counts in inode->nlink */
    bool static_storage;
    char name[NAME_MAX + 1];
};

/* A new inode of the given mode (type included) with refcount 1 and nlink 0,
 * or NULL when memory runs out. Directories get parent (a reference is taken). */
struct inode *ramfs_inode_create(uint32_t mode, uint32_t uid, uint32_t gid,
                                 struct inode *parent);
/* Set up a boot-time inode in static storage (refcount 1, never freed). */
void ramfs_inode_init_static(struct inode *inode, uint32_t mode, struct inode *parent);

/* The entry called name in dir, or NULL. name is not "." or "..". */
struct dirent *ramfs_dir_find(struct inode *dir, const char *name);
/* Add name -> inode to dir (raising nlink, and dir's nlink for a directory).
 * Returns 0, -EEXIST or -ENOMEM. */
int ramfs_dir_add(struct inode *dir, const char *name, struct inode *inode);
void ramfs_dir_add_static(struct inode *dir, struct dirent *entry, const char *name,
                          struct inode *inode);
/* Remove the entry (dropping nlink; a removed directory gets nlink 0). */
void ramfs_dir_remove(struct inode *dir, struct dirent *entry);
/* Move an entry to new_dir under new_name (rename); the caller has removed
 * any entry already called new_name. Cannot fail. */
void ramfs_dir_move(struct inode *old_dir, struct dirent *entry, struct inode *new_dir,
                    const char *new_name);
/* The first entry of dir naming inode, or NULL (getcwd's reverse lookup). */
struct dirent *ramfs_dir_find_inode(struct inode *dir, const struct inode *inode);
bool ramfs_dir_is_empty(const struct inode *dir);
/* Remove everything below dir, depth first (tests clean up with it). */
void ramfs_dir_clear(struct inode *dir);
/* Entry number index (0-based, "." and ".." not counted), or NULL past the end. */
struct dirent *ramfs_dir_entry_at(struct inode *dir, uint64_t index);

/* Copy bytes of a regular file between the file and a buffer. user says
 * whether addr is a user address (copy_to_user/copy_from_user) or a kernel
 * pointer. Return bytes moved, or -EFAULT / -ENOMEM when none were. */
long ramfs_read(struct inode *inode, uint64_t offset, uint64_t addr, size_t n, bool user);
long ramfs_write(struct inode *inode, uint64_t offset, uint64_t addr, size_t n, bool user);
/* Set the size, freeing frames past it or leaving a hole. Returns 0 or -ENOMEM. */
int ramfs_truncate(struct inode *inode, uint64_t size);

/* Fill st from the inode (Linux's layout: st_blocks in 512-byte units). */
void ramfs_fill_stat(const struct inode *inode, struct kstat *st);
/* The d_type getdents64 reports for the inode. */
unsigned char ramfs_dirent_type(const struct inode *inode);

/* Largest file size; writes past it fail with -EFBIG. */
#define RAMFS_MAX_FILE_SIZE (1ull << 32)
/* st_dev of every inode of the in-memory file system. */
#define RAMFS_DEV 1

#endif
