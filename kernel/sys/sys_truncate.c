/* truncate(2), built from the calls that already check everything: open
 * the path for writing (ENOENT, EACCES, EISDIR, ...), ftruncate, close. */
#include "lib/errno.h"
#include "sys/syscall.h"

#define AT_FDCWD (-100)
#define O_WRONLY 01

SYSCALL2(truncate, uint64_t, user_path, int64_t, length)
{
    if (length < 0)
        return -EINVAL;
    long fd = sys_openat((uint64_t)(int64_t)AT_FDCWD, user_path, O_WRONLY, 0, 0, 0);
    if (fd < 0)
        return fd;
    long rc = sys_ftruncate((uint64_t)fd, (uint64_t)length, 0, 0, 0, 0);
    sys_close((uint64_t)fd, 0, 0, 0, 0, 0);
    return rc;
}
