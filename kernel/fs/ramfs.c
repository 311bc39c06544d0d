/* The in-memory file system: inode lifetime, directories and file data. */
#include "fs/ramfs.h"

#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/uaccess.h"

/* Inode numbers count up from 1 (the root) and are never reused. */
static uint64_t next_ino = 1;

/* Holes in a file read as these zeros. */
static const char zero_page[PAGE_SIZE];

static void inode_init(struct inode *inode, uint32_t mode, uint32_t uid, uint32_t gid,
                       struct inode *parent)
{
    memset(inode, 0, sizeof(*inode));
    inode->refcount = 1;
    inode->ino = next_ino++;
    inode->mode = mode;
    inode->uid = uid;
    inode->gid = gid;
    inode->dev_kind = FILE_INODE;
    list_init(&inode->entries);
    if (S_ISDIR(mode))
        inode->parent = parent != NULL ? inode_get(parent) : inode;
}

struct inode *ramfs_inode_create(uint32_t mode, uint32_t uid, uint32_t gid,
                                 struct inode *parent)
{
    struct inode *inode = kmalloc(sizeof(*inode));
    if (inode == NULL)
        return NULL;
    inode_init(inode, mode, uid, gid, parent);
    return inode;
}

void ramfs_inode_init_static(struct inode *inode, uint32_t mode, struct inode *parent)
{
    inode_init(inode, mode, 0, 0, parent);
    inode->static_storage = true;
    if (parent == NULL)
        inode->nlink = 2;           /* the root: "." and its own ".." */
}

struct inode *inode_get(struct inode *inode)
{
    inode->refcount++;
    return inode;
}

static void inode_free(struct inode *inode)
{
    KASSERT(list_empty(&inode->entries));
    ramfs_truncate(inode, 0);
    kfree(inode->pages);
    struct inode *parent = S_ISDIR(inode->mode) && inode->parent != inode ? inode->parent : NULL;
    kfree(inode);
    if (parent != NULL)
        inode_put(parent);
}

/* Free the inode once it has neither a name nor a reference. */
static void inode_free_if_unused(struct inode *inode)
{
    if (inode->refcount == 0 && inode->nlink == 0 && !inode->static_storage)
        inode_free(inode);
}

void inode_put(struct inode *inode)
{
    if (inode == NULL)
        return;
    if (inode->refcount == 0)
        panic("inode_put: inode %lu has no reference to drop", (unsigned long)inode->ino);
    inode->refcount--;
    inode_free_if_unused(inode);
}

struct dirent *ramfs_dir_find(struct inode *dir, const char *name)
{
    list_for_each(node, &dir->entries) {
        struct dirent *entry = container_of(node, struct dirent, link);
        if (strcmp(entry->name, name) == 0)
            return entry;
    }
    return NULL;
}

/* Count the new name: one link for the entry, and for a directory one more
 * for its "." and one on the parent for the child's "..". */
static void link_entry(struct inode *dir, struct dirent *entry, const char *name,
                       struct inode *inode)
{
    strlcpy(entry->name, name, sizeof(entry->name));
    entry->inode = inode;
    inode->nlink++;
    if (S_ISDIR(inode->mode)) {
        inode->nlink++;
        dir->nlink++;
        if (inode->parent != dir) {
            struct inode *old_parent = inode->parent;
            inode->parent = inode_get(dir);
            if (old_parent != inode)
                inode_put(old_parent);
        }
    }
    list_push_back(&dir->entries, &entry->link);
}

int ramfs_dir_add(struct inode *dir, const char *name, struct inode *inode)
{
    if (ramfs_dir_find(dir, name) != NULL)
        return -EEXIST;
    struct dirent *entry = kmalloc(sizeof(*entry));
    if (entry == NULL)
        return -ENOMEM;
    entry->static_storage = false;
    link_entry(dir, entry, name, inode);
    return 0;
}

void ramfs_dir_add_static(struct inode *dir, struct dirent *entry, const char *name,
                          struct inode *inode)
{
    entry->static_storage = true;
    link_entry(dir, entry, name, inode);
}

void ramfs_dir_remove(struct inode *dir, struct dirent *entry)
{
    struct inode *inode = entry->inode;

    list_remove(&entry->link);
    if (!entry->static_storage)
        kfree(entry);

    /* A removed directory loses its "." too, and the parent its "..". */
    if (S_ISDIR(inode->mode)) {
        inode->nlink = 0;
        dir->nlink--;
    } else {
        inode->nlink--;
    }
    inode_free_if_unused(inode);
}

void ramfs_dir_move(struct inode *old_dir, struct dirent *entry, struct inode *new_dir,
                    const char *new_name)
{
    struct inode *inode = entry->inode;

    /* Unlink the entry without freeing it, then link it again under the new
     * name; link_entry counts the name again and moves a directory's "..". */
    list_remove(&entry->link);
    inode->nlink--;
    if (S_ISDIR(inode->mode)) {
        inode->nlink--;
        old_dir->nlink--;
    }
    link_entry(new_dir, entry, new_name, inode);
}

struct dirent *ramfs_dir_find_inode(struct inode *dir, const struct inode *inode)
{
    list_for_each(node, &dir->entries) {
        struct dirent *entry = container_of(node, struct dirent, link);
        if (entry->inode == inode)
            return entry;
    }
    return NULL;
}

void ramfs_dir_clear(struct inode *dir)
{
    while (!list_empty(&dir->entries)) {
        struct dirent *entry = container_of(dir->entries.next, struct dirent, link);
        if (S_ISDIR(entry->inode->mode))
            ramfs_dir_clear(entry->inode);
        ramfs_dir_remove(dir, entry);
    }
}

bool ramfs_dir_is_empty(const struct inode *dir)
{
    return list_empty(&dir->entries);
}

struct dirent *ramfs_dir_entry_at(struct inode *dir, uint64_t index)
{
    uint64_t i = 0;
    list_for_each(node, &dir->entries) {
        if (i++ == index)
            return container_of(node, struct dirent, link);
    }
    return NULL;
}

/* Copy n bytes between kernel memory and addr (user or kernel). */
static int copy_out(uint64_t addr, const void *src, size_t n, bool user)
{
    if (user)
        return copy_to_user(addr, src, n);
    memcpy((void *)addr, src, n);
    return 0;
}

static int copy_in(void *dst, uint64_t addr, size_t n, bool user)
{
    if (user)
        return copy_from_user(dst, addr, n);
    memcpy(dst, (const void *)addr, n);
    return 0;
}

long ramfs_read(struct inode *inode, uint64_t offset, uint64_t addr, size_t n, bool user)
{
    if (offset >= inode->size)
        return 0;
    if (n > inode->size - offset)
        n = inode->size - offset;

    size_t done = 0;
    while (done < n) {
        uint64_t pos = offset + done;
        size_t index = pos / PAGE_SIZE, in_page = pos % PAGE_SIZE;
        size_t chunk = PAGE_SIZE - in_page;
        if (chunk > n - done)
            chunk = n - done;

        const char *src = zero_page;
        if (index < inode->page_capacity && inode->pages[index] != 0)
            src = (const char *)phys_to_virt(inode->pages[index]) + in_page;
        if (copy_out(addr + done, src, chunk, user) != 0)
            return done > 0 ? (long)done : -EFAULT;
        done += chunk;
    }
    return (long)done;
}

/* Make room for at least count page slots. */
static int reserve_pages(struct inode *inode, size_t count)
{
    if (count <= inode->page_capacity)
        return 0;
    size_t capacity = inode->page_capacity < 8 ? 8 : inode->page_capacity * 2;
    if (capacity < count)
        capacity = count;
    uint64_t *pages = kzalloc(capacity * sizeof(*pages));
    if (pages == NULL)
        return -ENOMEM;
    if (inode->pages != NULL)
        memcpy(pages, inode->pages, inode->page_capacity * sizeof(*pages));
    kfree(inode->pages);
    inode->pages = pages;
    inode->page_capacity = capacity;
    return 0;
}

long ramfs_write(struct inode *inode, uint64_t offset, uint64_t addr, size_t n, bool user)
{
    if (n == 0)
        return 0;
    if (offset >= RAMFS_MAX_FILE_SIZE)
        return -EFBIG;
    if (n > RAMFS_MAX_FILE_SIZE - offset)
        n = RAMFS_MAX_FILE_SIZE - offset;
    if (reserve_pages(inode, (offset + n + PAGE_SIZE - 1) / PAGE_SIZE) != 0)
        return -ENOMEM;

    size_t done = 0;
    long err = 0;
    while (done < n) {
        uint64_t pos = offset + done;
        size_t index = pos / PAGE_SIZE, in_page = pos % PAGE_SIZE;
        size_t chunk = PAGE_SIZE - in_page;
        if (chunk > n - done)
            chunk = n - done;

        /* First write to this page: give it a zeroed frame. */
        if (inode->pages[index] == 0) {
            uint64_t frame = frame_alloc();
            if (frame == 0) {
                err = -ENOMEM;
                break;
            }
            memset(phys_to_virt(frame), 0, PAGE_SIZE);
            inode->pages[index] = frame;
        }
        char *dst = (char *)phys_to_virt(inode->pages[index]) + in_page;
        if (copy_in(dst, addr + done, chunk, user) != 0) {
            err = -EFAULT;
            break;
        }
        done += chunk;
    }

    if (done > 0 && offset + done > inode->size)
        inode->size = offset + done;
    return done > 0 ? (long)done : err;
}

int ramfs_truncate(struct inode *inode, uint64_t size)
{
    if (size > RAMFS_MAX_FILE_SIZE)
        return -EFBIG;

    /* Free whole pages past the new end, and zero the tail of the last one,
     * so growing the file again reads zeros there. */
    size_t keep = (size + PAGE_SIZE - 1) / PAGE_SIZE;
    for (size_t i = keep; i < inode->page_capacity; i++) {
        if (inode->pages[i] != 0) {
            frame_free(inode->pages[i]);
            inode->pages[i] = 0;
        }
    }
    if (size % PAGE_SIZE != 0 && keep - 1 < inode->page_capacity && inode->pages[keep - 1] != 0) {
        char *page = phys_to_virt(inode->pages[keep - 1]);
        memset(page + size % PAGE_SIZE, 0, PAGE_SIZE - size % PAGE_SIZE);
    }
    if (size == 0) {
        kfree(inode->pages);
        inode->pages = NULL;
        inode->page_capacity = 0;
    }
    inode->size = size;
    return 0;
}

void ramfs_fill_stat(const struct inode *inode, struct kstat *st)
{
    memset(st, 0, sizeof(*st));
    st->st_dev = RAMFS_DEV;
    st->st_ino = inode->ino;
    st->st_nlink = inode->nlink;
    st->st_mode = inode->mode;
    st->st_uid = inode->uid;
    st->st_gid = inode->gid;
    st->st_rdev = inode->rdev;
    st->st_size = S_ISREG(inode->mode) ? (int64_t)inode->size : 0;
    st->st_blksize = PAGE_SIZE;

    size_t frames = 0;
    for (size_t i = 0; i < inode->page_capacity; i++)
        frames += inode->pages[i] != 0;
    st->st_blocks = (int64_t)(frames * (PAGE_SIZE / 512));
}

unsigned char ramfs_dirent_type(const struct inode *inode)
{
    switch (inode->mode & S_IFMT) {
    case S_IFDIR: return DT_DIR;
    case S_IFREG: return DT_REG;
    case S_IFCHR: return DT_CHR;
    case S_IFIFO: return DT_FIFO;
    default: return DT_UNKNOWN;
    }
}
