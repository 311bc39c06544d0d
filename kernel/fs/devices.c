/*
 * The boot-time tree: /, /dev/console, /dev/null, /proc/meminfo,
 * /proc/processes and /tmp. These inodes and their names live in static
 * storage, so the tree exists before the initramfs is unpacked and building
 * it takes no frames (the tests' leak check does not see it).
 */
#include "fs/inode_file.h"
#include "fs/namei.h"
#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "mm/frame.h"
#include "mm/layout.h"

static bool vfs_ready;

static struct inode root_dir, dev_dir, proc_dir, tmp_dir;
static struct inode console_dev, null_dev, meminfo_file, processes_file;
static struct dirent dev_entry, proc_entry, tmp_entry;
static struct dirent console_entry, null_entry, meminfo_entry, processes_entry;

/* Linux's device numbers: /dev/console is 5:1, /dev/null is 1:3. */
#define CONSOLE_RDEV MKDEV(5, 1)
#define NULL_RDEV MKDEV(1, 3)

static long null_read(struct file *f, uint64_t user_buf, size_t count)
{
    (void)f, (void)user_buf, (void)count;
    return 0;
}

static long null_write(struct file *f, uint64_t user_buf, size_t count)
{
    (void)f, (void)user_buf;
    return (long)count;
}

/* Linux's /dev/null accepts any lseek and stays at offset 0. */
static long null_lseek(struct file *f, int64_t offset, int whence)
{
    (void)offset, (void)whence;
    f->offset = 0;
    return 0;
}

static int device_stat(struct file *f, struct kstat *st)
{
    ramfs_fill_stat(f->inode, st);
    return 0;
}

const struct file_ops null_file_ops = {
    .read = null_read,
    .write = null_write,
    .lseek = null_lseek,
    .stat = device_stat,
};

/* /proc/meminfo in Linux's layout: the name padded to 16 columns, the value
 * in KiB right-aligned in 8, then " kB". MemAvailable equals MemFree because
 * the kernel keeps no caches it could drop. */
size_t proc_format_meminfo(char *buf, size_t size)
{
    unsigned long total_kb = frame_total_count() * (PAGE_SIZE / 1024);
    unsigned long free_kb = frame_free_count() * (PAGE_SIZE / 1024);
    return (size_t)ksnprintf(buf, size, "%-16s%8lu kB\n%-16s%8lu kB\n%-16s%8lu kB\n",
                             "MemTotal:", total_kb, "MemFree:", free_kb,
                             "MemAvailable:", free_kb);
}

/* Empty until kernel/proc defines the real list. */
__attribute__((weak)) size_t proc_format_list(char *buf, size_t size)
{
    if (size > 0)
        buf[0] = '\0';
    return 0;
}

static void add_static(struct inode *dir, struct dirent *entry, const char *name,
                       struct inode *inode, uint32_t mode)
{
    ramfs_inode_init_static(inode, mode, dir);
    ramfs_dir_add_static(dir, entry, name, inode);
}

void vfs_init(void)
{
    if (vfs_ready)
        return;
    vfs_ready = true;

    ramfs_inode_init_static(&root_dir, S_IFDIR | 0755, NULL);
    add_static(&root_dir, &dev_entry, "dev", &dev_dir, S_IFDIR | 0755);
    add_static(&root_dir, &proc_entry, "proc", &proc_dir, S_IFDIR | 0555);
    add_static(&root_dir, &tmp_entry, "tmp", &tmp_dir, S_IFDIR | 01777);

    add_static(&dev_dir, &console_entry, "console", &console_dev, S_IFCHR | 0600);
    console_dev.rdev = CONSOLE_RDEV;
    console_dev.dev_kind = FILE_CONSOLE;
    add_static(&dev_dir, &null_entry, "null", &null_dev, S_IFCHR | 0666);
    null_dev.rdev = NULL_RDEV;
    null_dev.dev_kind = FILE_NULL;

    add_static(&proc_dir, &meminfo_entry, "meminfo", &meminfo_file, S_IFREG | 0444);
    meminfo_file.generate = proc_format_meminfo;
    add_static(&proc_dir, &processes_entry, "processes", &processes_file, S_IFREG | 0444);
    processes_file.generate = proc_format_list;
}

struct inode *vfs_root_inode(void)
{
    vfs_init();
    return &root_dir;
}

struct inode *vfs_root(void)
{
    return inode_get(vfs_root_inode());
}

enum file_kind vfs_device_kind(uint32_t rdev)
{
    if (rdev == CONSOLE_RDEV)
        return FILE_CONSOLE;
    if (rdev == NULL_RDEV)
        return FILE_NULL;
    return FILE_INODE;
}

int vfs_open_console(struct file **out)
{
    vfs_init();
    return vfs_open_inode(&console_dev, O_RDWR | O_LARGEFILE, out);
}
