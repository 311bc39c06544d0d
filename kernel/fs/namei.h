/*
 * Path lookup. A path is absolute (from the root) or relative to a base
 * directory (the cwd, or a directory descriptor for the *at calls). Every
 * directory a lookup looks a name up in must grant cred search (x)
 * permission, the last one included, as on Linux. Repeated slashes count as
 * one; a trailing slash requires the result to be a directory. There are no
 * symbolic links.
 *
 * Errors, as Linux gives them: -ENOENT (a name is missing, or the path is
 * empty), -ENOTDIR (a name before a slash is not a directory), -EACCES (no
 * search permission), -ENAMETOOLONG (a name longer than NAME_MAX; whole
 * paths of PATH_MAX bytes or more are rejected when copied in).
 */
#ifndef LWCOS_FS_NAMEI_H
#define LWCOS_FS_NAMEI_H

#include <stdbool.h>

#include "fs/fcntl.h"

struct cred;
struct inode;

enum namei_last {
    NAMEI_LAST_NORMAL,      /* an ordinary name, in result->name */
    NAMEI_LAST_DOT,         /* "." */
    NAMEI_LAST_DOTDOT,      /* ".." */
    NAMEI_LAST_ROOT,        /* the path is only slashes */
};

struct namei_parent {
    struct inode *dir;      /* holds a reference: release with namei_parent_put */
    enum namei_last last;
    bool trailing_slash;
    char name[NAME_MAX + 1];
};

/* Resolve every name of path but the last, checking search permission on
 * each directory including the last one (the one that holds the final
 * name). Returns 0 or -errno. */
int namei_lookup_parent(const struct cred *cred, struct inode *base, const char *path,
                        struct namei_parent *out);
void namei_parent_put(struct namei_parent *parent);

/* Resolve the whole path to an inode (a new reference). Returns 0 or -errno. */
int namei_lookup(const struct cred *cred, struct inode *base, const char *path,
                 struct inode **out);

/* Look up the last name of a resolved parent: a new reference, or NULL
 * when the name does not exist (or the directory was removed). */
struct inode *namei_lookup_last(const struct namei_parent *parent);

/* The root directory, without a new reference. */
struct inode *vfs_root_inode(void);

#endif
