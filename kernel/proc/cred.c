#include "proc/cred.h"

bool cred_may_access(const struct cred *cred, uint32_t mode, uint32_t uid, uint32_t gid,
                     unsigned may)
{
    if (cred->euid == 0) {
        /* root: anything, except executing a non-directory with no x bit */
        bool is_dir = (mode & 0170000) == 0040000;
        if ((may & MAY_EXEC) && !is_dir && (mode & 0111) == 0)
            return false;
        return true;
    }

    unsigned bits;
    if (cred->euid == uid)
        bits = (mode >> 6) & 7;
    else if (cred->egid == gid)
        bits = (mode >> 3) & 7;
    else
        bits = mode & 7;
    return (bits & may) == may;
}
