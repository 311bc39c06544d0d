/*
 * Multiboot2 boot information (multiboot2 specification, section 3.6): the
 * tags GRUB passes and the checked, copied form the rest of the kernel uses.
 */
#ifndef LWCOS_BOOT_MULTIBOOT2_H
#define LWCOS_BOOT_MULTIBOOT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB2_TAG_END             0
#define MB2_TAG_CMDLINE         1
#define MB2_TAG_LOADER_NAME     2
#define MB2_TAG_MODULE          3
#define MB2_TAG_BASIC_MEMINFO   4
#define MB2_TAG_MMAP            6
#define MB2_TAG_ELF_SECTIONS    9

#define MB2_MEMORY_AVAILABLE    1

/* Wire layouts. Every tag starts 8-byte aligned. */
struct mb2_info_header {
    uint32_t total_size;
    uint32_t reserved;
};

struct mb2_tag {
    uint32_t type;
    uint32_t size;      /* bytes, header included, padding to 8 excluded */
};

struct mb2_mmap_entry {
    uint64_t base;
    uint64_t length;
    uint32_t type;
    uint32_t reserved;
};

struct mb2_tag_mmap {
    struct mb2_tag tag;
    uint32_t entry_size;
    uint32_t entry_version;
    /* struct mb2_mmap_entry entries[], each entry_size bytes apart */
};

struct mb2_tag_module {
    struct mb2_tag tag;
    uint32_t mod_start;
    uint32_t mod_end;
    /* NUL-terminated command line follows */
};

/* GRUB 2 stores num, entsize and shndx as 32-bit fields. */
struct mb2_tag_elf_sections {
    struct mb2_tag tag;
    uint32_t num;
    uint32_t entsize;
    uint32_t shndx;
    /* Elf64_Shdr sections[] */
};

#define BOOT_CMDLINE_MAX    512
#define BOOT_MMAP_MAX       64
#define BOOT_MODULES_MAX    8
#define BOOT_MODULE_NAME_MAX 64

struct boot_mem_range {
    uint64_t base;
    uint64_t length;
    uint32_t type;
};

struct boot_module {
    uint64_t start;     /* physical, inclusive */
    uint64_t end;       /* physical, exclusive */
    char name[BOOT_MODULE_NAME_MAX];
};

/* What the kernel keeps of the boot information after checking it. */
struct boot_info {
    uint64_t info_phys;         /* where the raw information lies, for the frame allocator */
    uint32_t info_size;

    bool has_cmdline;
    char cmdline[BOOT_CMDLINE_MAX];

    size_t mmap_count;
    size_t mmap_dropped;        /* entries beyond BOOT_MMAP_MAX */
    struct boot_mem_range mmap[BOOT_MMAP_MAX];

    size_t module_count;
    struct boot_module modules[BOOT_MODULES_MAX];

    /* ELF section headers of the kernel image, as GRUB loaded them (NULL if absent). */
    const void *elf_sections;
    uint32_t elf_section_count;
    uint32_t elf_section_entsize;
};

/*
 * Check and copy the boot information at info, of which avail bytes may be
 * read. Returns 0, or -EINVAL with a message naming the problem in err.
 * Missing optional tags (command line, modules, ELF sections) are not errors.
 */
int mb2_parse(const void *info, size_t avail, uint64_t info_phys, struct boot_info *out,
              char *err, size_t err_size);

extern struct boot_info boot_info;

#endif
