/* Credentials: who a process (later: an lwC) acts as for permission checks. */
#ifndef LWCOS_PROC_CRED_H
#define LWCOS_PROC_CRED_H

#include <stdbool.h>
#include <stdint.h>

struct cred {
    uint32_t uid, euid, suid;   /* real, effective, saved user IDs */
    uint32_t gid, egid, sgid;   /* real, effective, saved group IDs */
};

/* Access bits for cred_may_access, as in access(2): R_OK 4, W_OK 2, X_OK 1. */
#define MAY_READ 4
#define MAY_WRITE 2
#define MAY_EXEC 1

/* Unix permission check of an object with mode (st_mode, type bits
 * included), uid and gid: owner bits if euid matches, else group bits if
 * egid matches, else other bits. euid 0 may read, write and search
 * anything, and execute a file with at least one x bit. */
bool cred_may_access(const struct cred *cred, uint32_t mode, uint32_t uid, uint32_t gid,
                     unsigned may);

#endif
