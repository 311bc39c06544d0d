/* The cpio newc unpacker (the format is described in cpio.c). */
#ifndef LWCOS_FS_CPIO_H
#define LWCOS_FS_CPIO_H

#include <stddef.h>

struct inode;

/* Unpack the archive at [data, data + size) under the directory root.
 * Returns 0, -EINVAL for a malformed archive (nothing is created), or the
 * error that stopped creating an entry (-ENOMEM, -ENOTDIR, -ENAMETOOLONG). */
int cpio_unpack(struct inode *root, const void *data, size_t size);

#endif
