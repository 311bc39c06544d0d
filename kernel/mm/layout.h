/* Address conversions between physical memory, the direct map and the image. */
#ifndef LWCOS_MM_LAYOUT_H
#define LWCOS_MM_LAYOUT_H

#include <stdint.h>

#include "arch/x86_64/asm_consts.h"

#define PAGE_SIZE   4096ul
#define PAGE_SHIFT  12
#define PAGE_ALIGN_UP(x)   (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ALIGN_DOWN(x) ((x) & ~(PAGE_SIZE - 1))

/* Physical memory the boot page tables map at DIRECT_MAP_BASE. */
#define BOOT_DIRECT_MAP_LIMIT ((uint64_t)BOOT_DIRECT_MAP_GIB << 30)

/* Physical memory mapped at DIRECT_MAP_BASE now: BOOT_DIRECT_MAP_LIMIT until
 * pt_init_kernel maps all RAM. */
extern uint64_t direct_map_end;

static inline void *phys_to_virt(uint64_t phys)
{
    return (void *)(DIRECT_MAP_BASE + phys);
}

/* Physical address of a direct-map or kernel-image address. */
static inline uint64_t virt_to_phys(const void *virt)
{
    uint64_t v = (uint64_t)virt;
    if (v >= KERNEL_VMA)
        return v - KERNEL_VMA;
    return v - DIRECT_MAP_BASE;
}

/* Linker-script symbols bounding the loaded image (physical addresses). */
extern char __kernel_phys_start[], __kernel_phys_end[];
extern char __text_start[], __text_end[];

#endif
