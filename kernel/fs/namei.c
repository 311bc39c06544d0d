/* Path lookup: from a path string to an inode, name by name. */
#include "fs/namei.h"

#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "proc/cred.h"

/* Skip slashes; return the length of the next name and set *name to it. */
static size_t next_name(const char **cursor, const char **name)
{
    const char *p = *cursor;
    while (*p == '/')
        p++;
    *name = p;
    while (*p != '\0' && *p != '/')
        p++;
    *cursor = p;
    return (size_t)(p - *name);
}

static bool only_slashes(const char *p)
{
    while (*p == '/')
        p++;
    return *p == '\0';
}

/* Check that dir can be searched by cred, as Linux does before each name. */
static int may_search(const struct cred *cred, const struct inode *dir)
{
    if (!S_ISDIR(dir->mode))
        return -ENOTDIR;
    if (!cred_may_access(cred, dir->mode, dir->uid, dir->gid, MAY_EXEC))
        return -EACCES;
    return 0;
}

/* One step of a walk: the name (len bytes) in dir, as a new reference. */
static int walk_one(struct inode *dir, const char *name, size_t len, struct inode **out)
{
    if (len == 1 && name[0] == '.') {
        *out = inode_get(dir);
        return 0;
    }
    if (len == 2 && name[0] == '.' && name[1] == '.') {
        *out = inode_get(dir->parent);
        return 0;
    }
    if (len > NAME_MAX)
        return -ENAMETOOLONG;

    char buf[NAME_MAX + 1];
    memcpy(buf, name, len);
    buf[len] = '\0';
    struct dirent *entry = dir->nlink == 0 ? NULL : ramfs_dir_find(dir, buf);
    if (entry == NULL)
        return -ENOENT;
    *out = inode_get(entry->inode);
    return 0;
}

int namei_lookup_parent(const struct cred *cred, struct inode *base, const char *path,
                        struct namei_parent *out)
{
    if (path[0] == '\0')
        return -ENOENT;
    if (strnlen(path, PATH_MAX) >= PATH_MAX)
        return -ENAMETOOLONG;

    struct inode *dir = inode_get(path[0] == '/' ? vfs_root_inode() : base);
    out->trailing_slash = false;
    if (only_slashes(path)) {
        out->dir = dir;
        out->last = NAMEI_LAST_ROOT;
        out->name[0] = '\0';
        return 0;
    }

    /* Walk each name; the last one (no further name after it) stays unresolved. */
    const char *cursor = path;
    for (;;) {
        const char *name;
        size_t len = next_name(&cursor, &name);
        int err = may_search(cred, dir);
        if (err != 0) {
            inode_put(dir);
            return err;
        }

        if (only_slashes(cursor)) {
            out->trailing_slash = *cursor == '/';
            if (len > NAME_MAX) {
                inode_put(dir);
                return -ENAMETOOLONG;
            }
            memcpy(out->name, name, len);
            out->name[len] = '\0';
            out->last = strcmp(out->name, ".") == 0    ? NAMEI_LAST_DOT
                        : strcmp(out->name, "..") == 0 ? NAMEI_LAST_DOTDOT
                                                       : NAMEI_LAST_NORMAL;
            out->dir = dir;
            return 0;
        }

        struct inode *next;
        err = walk_one(dir, name, len, &next);
        inode_put(dir);
        if (err != 0)
            return err;
        dir = next;
    }
}

void namei_parent_put(struct namei_parent *parent)
{
    inode_put(parent->dir);
    parent->dir = NULL;
}

struct inode *namei_lookup_last(const struct namei_parent *parent)
{
    struct inode *dir = parent->dir;
    switch (parent->last) {
    case NAMEI_LAST_ROOT:
    case NAMEI_LAST_DOT:
        return inode_get(dir);
    case NAMEI_LAST_DOTDOT:
        return inode_get(dir->parent);
    case NAMEI_LAST_NORMAL:
        break;
    }
    struct dirent *entry = dir->nlink == 0 ? NULL : ramfs_dir_find(dir, parent->name);
    return entry != NULL ? inode_get(entry->inode) : NULL;
}

int namei_lookup(const struct cred *cred, struct inode *base, const char *path,
                 struct inode **out)
{
    struct namei_parent parent;
    int err = namei_lookup_parent(cred, base, path, &parent);
    if (err != 0)
        return err;

    struct inode *inode = namei_lookup_last(&parent);
    bool trailing_slash = parent.trailing_slash;
    namei_parent_put(&parent);
    if (inode == NULL)
        return -ENOENT;
    if (trailing_slash && !S_ISDIR(inode->mode)) {
        inode_put(inode);
        return -ENOTDIR;
    }
    *out = inode;
    return 0;
}
