/*
 * Unpacking the initramfs: a cpio archive in the "newc" format that GNU
 * cpio writes with -H newc. Each entry is
 *
 *   offset 0    "070701"                     magic, 6 bytes
 *   offset 6    13 fields of 8 hex digits:   ino mode uid gid nlink mtime
 *                                            filesize devmajor devminor
 *                                            rdevmajor rdevminor namesize check
 *   offset 110  name, namesize bytes with its NUL, padded to a multiple of 4
 *               (counted from the start of the entry)
 *               data, filesize bytes, padded to a multiple of 4
 *
 * and the entry named "TRAILER!!!" ends the archive (padding may follow).
 *
 * The archive is checked whole before anything is created, so a malformed
 * one changes nothing and returns -EINVAL with a log line naming the entry
 * and its offset.
 */
#include "fs/cpio.h"

#include "fs/inode_file.h"
#include "fs/namei.h"
#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/klog.h"
#include "lib/string.h"

#define CPIO_MAGIC "070701"
#define CPIO_HEADER_SIZE 110
#define CPIO_FIELDS 13
#define CPIO_TRAILER "TRAILER!!!"

enum cpio_field {
    F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE,
    F_DEVMAJOR, F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK,
};

struct cpio_entry {
    uint32_t field[CPIO_FIELDS];
    const char *name;           /* NUL-terminated, inside the archive */
    const uint8_t *data;
    size_t offset;              /* of the header, for messages */
    size_t next;                /* offset of the next header */
};

static size_t align4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

static bool parse_hex8(const uint8_t *p, uint32_t *out)
{
    uint32_t value = 0;
    for (int i = 0; i < 8; i++) {
        uint8_t c = p[i];
        uint32_t digit;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        else
            return false;
        value = value << 4 | digit;
    }
    *out = value;
    return true;
}

/* Parse the entry at offset. Returns NULL, or a reason it is malformed. */
static const char *parse_entry(const uint8_t *archive, size_t size, size_t offset,
                               struct cpio_entry *e)
{
    e->offset = offset;
    e->name = NULL;
    if (size - offset < CPIO_HEADER_SIZE)
        return "truncated header";
    const uint8_t *h = archive + offset;
    if (memcmp(h, CPIO_MAGIC, 6) != 0)
        return "bad magic (expected 070701, the newc format)";
    for (int i = 0; i < CPIO_FIELDS; i++) {
        if (!parse_hex8(h + 6 + 8 * i, &e->field[i]))
            return "a header field has a character that is not a hex digit";
    }

    size_t namesize = e->field[F_NAMESIZE];
    if (namesize == 0 || namesize > PATH_MAX)
        return "name size is 0 or larger than PATH_MAX";
    if (namesize > size - offset - CPIO_HEADER_SIZE)
        return "name runs past the end of the archive";
    e->name = (const char *)h + CPIO_HEADER_SIZE;
    if (e->name[namesize - 1] != '\0' || strlen(e->name) != namesize - 1)
        return "name is not NUL-terminated where its size says";

    size_t data_offset = offset + align4(CPIO_HEADER_SIZE + namesize);
    size_t filesize = e->field[F_FILESIZE];
    if (data_offset > size || filesize > size - data_offset)
        return "data runs past the end of the archive";
    e->data = archive + data_offset;
    e->next = align4(data_offset + filesize);
    return NULL;
}

/* Strip "./" and leading slashes: "./bin/sh" and "/bin/sh" become "bin/sh". */
static const char *relative_name(const char *name)
{
    for (;;) {
        if (name[0] == '/')
            name++;
        else if (name[0] == '.' && name[1] == '/')
            name += 2;
        else
            return name;
    }
}

/* Find or create the directory called name (len bytes) in dir. */
static int ensure_dir(struct inode *dir, const char *name, size_t len, struct inode **out)
{
    char buf[NAME_MAX + 1];
    if (len > NAME_MAX)
        return -ENAMETOOLONG;
    memcpy(buf, name, len);
    buf[len] = '\0';

    struct dirent *entry = ramfs_dir_find(dir, buf);
    if (entry != NULL) {
        if (!S_ISDIR(entry->inode->mode))
            return -ENOTDIR;
        *out = entry->inode;
        return 0;
    }
    struct inode *child = ramfs_inode_create(S_IFDIR | 0755, 0, 0, dir);
    if (child == NULL)
        return -ENOMEM;
    int err = ramfs_dir_add(dir, buf, child);
    inode_put(child);           /* the entry keeps it (nlink) */
    if (err != 0)
        return err;
    *out = child;
    return 0;
}

/* Walk to the directory that contains path's last name, creating missing
 * directories. *last points at that name. */
static int walk_parents(struct inode *root, const char *path, struct inode **dir,
                        const char **last)
{
    struct inode *cur = root;
    for (;;) {
        const char *slash = strchr(path, '/');
        if (slash == NULL)
            break;
        if (slash != path && !(slash - path == 1 && path[0] == '.')) {
            int err = ensure_dir(cur, path, (size_t)(slash - path), &cur);
            if (err != 0)
                return err;
        }
        path = slash + 1;
    }
    *dir = cur;
    *last = path;
    return 0;
}

static int create_entry(struct inode *root, const struct cpio_entry *e)
{
    uint32_t mode = e->field[F_MODE];
    uint32_t type = mode & S_IFMT;
    const char *name = relative_name(e->name);

    /* "." (or "") is the root itself: keep its type, take the permissions. */
    if (name[0] == '\0' || strcmp(name, ".") == 0) {
        if (type == S_IFDIR) {
            root->mode = S_IFDIR | (mode & S_IALLUGO);
            root->uid = e->field[F_UID];
            root->gid = e->field[F_GID];
        }
        return 0;
    }
    if (type != S_IFDIR && type != S_IFREG && type != S_IFCHR) {
        klog(KLOG_WARN, "fs", "initramfs: skipped '%s' (mode %#o): only directories, "
             "regular files and character devices are supported", e->name, mode);
        return 0;
    }

    struct inode *dir;
    const char *last;
    int err = walk_parents(root, name, &dir, &last);
    if (err != 0)
        return err;
    if (strlen(last) > NAME_MAX)
        return -ENAMETOOLONG;

    /* An existing directory takes the entry's attributes; anything else
     * already there is replaced, except a boot-time device. */
    struct dirent *existing = ramfs_dir_find(dir, last);
    if (existing != NULL) {
        struct inode *old = existing->inode;
        if (type == S_IFDIR && S_ISDIR(old->mode)) {
            old->mode = mode;
            old->uid = e->field[F_UID];
            old->gid = e->field[F_GID];
            return 0;
        }
        if (old->static_storage || S_ISDIR(old->mode))
            return 0;
        ramfs_dir_remove(dir, existing);
    }

    struct inode *inode = ramfs_inode_create(mode, e->field[F_UID], e->field[F_GID],
                                             type == S_IFDIR ? dir : NULL);
    if (inode == NULL)
        return -ENOMEM;
    if (type == S_IFCHR) {
        inode->rdev = MKDEV(e->field[F_RDEVMAJOR], e->field[F_RDEVMINOR]);
        inode->dev_kind = vfs_device_kind(inode->rdev);
    }
    if (type == S_IFREG && e->field[F_FILESIZE] > 0) {
        long n = ramfs_write(inode, 0, (uint64_t)e->data, e->field[F_FILESIZE], false);
        if (n != (long)e->field[F_FILESIZE]) {
            inode_put(inode);
            return n < 0 ? (int)n : -ENOMEM;
        }
    }
    err = ramfs_dir_add(dir, last, inode);
    inode_put(inode);
    return err;
}

int cpio_unpack(struct inode *root, const void *data, size_t size)
{
    const uint8_t *archive = data;
    struct cpio_entry e;

    /* Pass 1: check every header, so a bad archive creates nothing. */
    size_t offset = 0;
    unsigned index = 0;
    for (;; index++) {
        const char *reason = parse_entry(archive, size, offset, &e);
        if (reason != NULL) {
            klog(KLOG_ERROR, "fs", "initramfs: entry %u ('%s') at offset %zu is invalid: %s",
                 index, e.name != NULL ? e.name : "?", offset, reason);
            return -EINVAL;
        }
        if (strcmp(e.name, CPIO_TRAILER) == 0)
            break;
        offset = e.next;
        if (offset >= size) {
            klog(KLOG_ERROR, "fs", "initramfs: archive of %zu bytes ends after entry %u "
                 "without the " CPIO_TRAILER " entry", size, index);
            return -EINVAL;
        }
    }

    /* Pass 2: create the entries. */
    offset = 0;
    for (unsigned i = 0; i < index; i++) {
        parse_entry(archive, size, offset, &e);
        int err = create_entry(root, &e);
        if (err != 0) {
            klog(KLOG_ERROR, "fs", "initramfs: entry %u ('%s') at offset %zu: creating it "
                 "failed with error %d", i, e.name, offset, -err);
            return err;
        }
        offset = e.next;
    }
    return 0;
}

int vfs_unpack_initramfs(const void *data, size_t size)
{
    int err = cpio_unpack(vfs_root_inode(), data, size);
    if (err == 0)
        klog(KLOG_INFO, "fs", "initramfs: unpacked %zu bytes", size);
    return err;
}
