/*
 * Physical frame allocator. Every frame below the highest usable address has
 * a struct page; free frames sit on one list. Frames that are not usable RAM,
 * or that hold the kernel image, the boot information, modules, the ELF
 * sections GRUB loaded or the page array itself, are reserved and never
 * handed out. Frame 0 and the rest of the first MiB are reserved too, so a
 * physical address of 0 can mean "no frame".
 */
#ifndef LWCOS_MM_FRAME_H
#define LWCOS_MM_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/list.h"

struct boot_info;

enum page_flags {
    PAGE_RESERVED = 1 << 0,     /* never handed out */
    PAGE_FREE = 1 << 1,         /* on the free list */
    PAGE_SLAB = 1 << 2,         /* holds kernel-heap objects of one size class */
    PAGE_LARGE = 1 << 3,        /* first frame of a large kernel-heap block */
};

struct page {
    uint32_t refcount;
    uint16_t flags;
    uint16_t slab_class;        /* PAGE_SLAB: index of the heap size class */
    uint32_t count;             /* PAGE_LARGE: frames in the block; PAGE_SLAB: objects in use */
    uint32_t reserved;
    struct list_node link;      /* free list, or the heap's list of partly used slabs */
    void *slab_free;            /* PAGE_SLAB: first free object of this frame */
};

/* Byte written over freed frames and heap objects, so a use after free shows. */
#define POISON_BYTE 0x6b

/* A physical range the allocator must never hand out. */
struct phys_range {
    uint64_t start, end;        /* [start, end) */
};

/* Build the page array and free list from the boot memory map. Returns
 * false, with a message in err, if no usable memory could hold them. */
bool frame_init(const struct boot_info *info, char *err, size_t err_size);

/* Allocate one frame: returns its physical address, or 0 when none is free.
 * The frame's reference count is 1; its contents are undefined. */
uint64_t frame_alloc(void);
/* Free a frame whose reference count is 1 (or drop one reference). */
void frame_free(uint64_t phys);

/* Allocate n physically contiguous frames (0 when there is no such run). */
uint64_t frame_alloc_contig(size_t n);
void frame_free_contig(uint64_t phys, size_t n);

/* Highest physical address (exclusive) the page array covers. */
uint64_t frame_ram_top(void);
/* Make usable the frames above the boot direct map, once the kernel page
 * table maps all RAM. */
void frame_add_high_memory(const struct boot_info *info);

size_t frame_free_count(void);
size_t frame_total_count(void);     /* usable frames, free or not */

struct page *phys_to_page(uint64_t phys);
uint64_t page_to_phys(const struct page *page);
bool frame_is_reserved(uint64_t phys);

/* The ranges frame_init reserved, for tests and the boot log. */
size_t frame_reserved_ranges(const struct phys_range **ranges);

#endif
