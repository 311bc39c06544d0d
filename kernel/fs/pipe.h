/* Pipes (see pipe.c for the buffer and its rules). */
#ifndef LWCOS_FS_PIPE_H
#define LWCOS_FS_PIPE_H

#include <stdint.h>

#include "fs/file.h"

/* Ring size, Linux's default pipe capacity. */
#define PIPE_CAPACITY (64 * 1024)
/* The one ioctl pipes answer (Linux's FIONREAD): bytes ready to read. */
#define PIPE_FIONREAD 0x541b

/* Make a pipe owned by uid:gid: two new files, each with one reference.
 * flags may contain O_NONBLOCK. Returns 0 or -ENOMEM. */
int pipe_create(unsigned flags, uint32_t uid, uint32_t gid, struct file **read_end,
                struct file **write_end);

#endif
