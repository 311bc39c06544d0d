/* Opening inodes of the in-memory file system as struct file. */
#ifndef LWCOS_FS_INODE_FILE_H
#define LWCOS_FS_INODE_FILE_H

#include "fs/file.h"

struct inode;

/* Open inode with the given open flags: a new file holding a reference to
 * the inode, with the operations its type needs. Permission checks are the
 * caller's. Returns 0, -ENXIO (a device with no driver) or -ENOMEM. */
int vfs_open_inode(struct inode *inode, unsigned flags, struct file **out);

/* /dev/null: reads return 0 (end of file), writes succeed and discard. */
extern const struct file_ops null_file_ops;

/* The text of /proc/meminfo (snprintf's contract). */
size_t proc_format_meminfo(char *buf, size_t size);

/* The file kind for a character device number (FILE_INODE when no driver). */
enum file_kind vfs_device_kind(uint32_t rdev);

#endif
