#include "mm/frame.h"

#include <stdint.h>

#include "boot/multiboot2.h"
#include "lib/klog.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/layout.h"

/* ELF section header (System V gABI), as GRUB passes it in the boot information. */
struct elf64_shdr {
    uint32_t sh_name;
    uint32_t sh_type;
    uint64_t sh_flags;
    uint64_t sh_addr;
    uint64_t sh_offset;
    uint64_t sh_size;
    uint32_t sh_link;
    uint32_t sh_info;
    uint64_t sh_addralign;
    uint64_t sh_entsize;
};

#define SHF_ALLOC 0x2
#define LOW_MEMORY_END 0x100000ul       /* first MiB: BIOS data, never handed out */
#define RESERVED_MAX (4 + BOOT_MODULES_MAX + 32)
/* NOTE: a limit of this kernel, not of the hardware: RAM above 64 GiB is
 * ignored (the page array for it would take 256 MiB). */
#define RAM_TOP_MAX (64ul << 30)

uint64_t direct_map_end = BOOT_DIRECT_MAP_LIMIT;

static struct page *pages;              /* one per frame in [0, page_count) */
static size_t page_count;
static struct list_node free_list = LIST_HEAD_INIT(free_list);
static size_t free_frames;
static size_t usable_frames;

static struct phys_range reserved[RESERVED_MAX];
static size_t reserved_count;

static void reserve(uint64_t start, uint64_t end)
{
    if (end <= start)
        return;
    if (reserved_count == RESERVED_MAX)
        panic("frame_init: more than %d reserved ranges", RESERVED_MAX);
    reserved[reserved_count++] = (struct phys_range){
        .start = PAGE_ALIGN_DOWN(start), .end = PAGE_ALIGN_UP(end),
    };
}

/* Returns the end of the first reserved range overlapping [start, end), or 0. */
static uint64_t reserved_overlap_end(uint64_t start, uint64_t end)
{
    for (size_t i = 0; i < reserved_count; i++) {
        if (start < reserved[i].end && reserved[i].start < end)
            return reserved[i].end;
    }
    return 0;
}

/* Reserve the sections GRUB loaded outside the image (symbol table, strings,
 * DWARF when present): the symbolizer reads them for the whole uptime. */
static void reserve_elf_sections(const struct boot_info *info)
{
    const uint8_t *base = info->elf_sections;

    for (uint32_t i = 0; base != NULL && i < info->elf_section_count; i++) {
        const struct elf64_shdr *sh =
            (const struct elf64_shdr *)(base + (size_t)i * info->elf_section_entsize);
        if ((sh->sh_flags & SHF_ALLOC) || sh->sh_addr == 0 || sh->sh_size == 0)
            continue;
        reserve(sh->sh_addr, sh->sh_addr + sh->sh_size);
    }
}

/* Find room for size bytes of usable memory outside every reserved range. */
static uint64_t find_free_span(const struct boot_info *info, uint64_t size)
{
    for (size_t i = 0; i < info->mmap_count; i++) {
        const struct boot_mem_range *r = &info->mmap[i];
        if (r->type != MB2_MEMORY_AVAILABLE)
            continue;

        uint64_t end = r->base + r->length;
        if (end > BOOT_DIRECT_MAP_LIMIT)
            end = BOOT_DIRECT_MAP_LIMIT;
        uint64_t candidate = PAGE_ALIGN_UP(r->base < LOW_MEMORY_END ? LOW_MEMORY_END : r->base);
        while (candidate + size <= end) {
            uint64_t skip = reserved_overlap_end(candidate, candidate + size);
            if (skip == 0)
                return candidate;
            candidate = PAGE_ALIGN_UP(skip);
        }
    }
    return 0;
}

/* Free every whole usable frame in [low, high) outside the reserved ranges.
 * Walking upward and pushing at the back hands out low frames first. */
static void add_usable_frames(const struct boot_info *info, uint64_t low, uint64_t high)
{
    for (size_t i = 0; i < info->mmap_count; i++) {
        const struct boot_mem_range *r = &info->mmap[i];
        if (r->type != MB2_MEMORY_AVAILABLE)
            continue;
        uint64_t start = PAGE_ALIGN_UP(r->base);
        uint64_t end = PAGE_ALIGN_DOWN(r->base + r->length);
        if (start < low)
            start = low;
        if (end > high)
            end = high;
        if (end > page_count * PAGE_SIZE)
            end = page_count * PAGE_SIZE;
        for (uint64_t phys = start; phys < end; phys += PAGE_SIZE) {
            struct page *page = &pages[phys / PAGE_SIZE];
            if (reserved_overlap_end(phys, phys + PAGE_SIZE) != 0 || (page->flags & PAGE_FREE))
                continue;
            page->flags = PAGE_FREE;
            page->refcount = 0;
            list_push_back(&free_list, &page->link);
            free_frames++;
            usable_frames++;
        }
    }
}

bool frame_init(const struct boot_info *info, char *err, size_t err_size)
{
    uint64_t top = 0;
    uint64_t ignored_above_limit = 0;

    reserved_count = 0;
    reserve(0, LOW_MEMORY_END);
    reserve((uint64_t)__kernel_phys_start, (uint64_t)__kernel_phys_end);
    reserve(info->info_phys, info->info_phys + info->info_size);
    for (size_t i = 0; i < info->module_count; i++)
        reserve(info->modules[i].start, info->modules[i].end);
    reserve_elf_sections(info);

    /* The page array covers every frame up to the highest usable address
     * (capped at RAM_TOP_MAX), but must itself lie in the boot direct map. */
    for (size_t i = 0; i < info->mmap_count; i++) {
        const struct boot_mem_range *r = &info->mmap[i];
        if (r->type != MB2_MEMORY_AVAILABLE)
            continue;
        uint64_t end = r->base + r->length;
        if (end > RAM_TOP_MAX) {
            ignored_above_limit += end - (r->base > RAM_TOP_MAX ? r->base : RAM_TOP_MAX);
            end = RAM_TOP_MAX;
        }
        if (end > top)
            top = end;
    }
    if (ignored_above_limit != 0)
        klog(KLOG_WARN, "mm", "ignoring %lu MiB of memory above %lu GiB",
             ignored_above_limit >> 20, RAM_TOP_MAX >> 30);

    page_count = PAGE_ALIGN_DOWN(top) / PAGE_SIZE;
    uint64_t array_size = PAGE_ALIGN_UP(page_count * sizeof(struct page));
    uint64_t array_phys = find_free_span(info, array_size);
    if (page_count == 0 || array_phys == 0) {
        ksnprintf(err, err_size, "no usable memory for the page array (%lu frames, %lu bytes)",
                  (unsigned long)page_count, (unsigned long)array_size);
        return false;
    }
    reserve(array_phys, array_phys + array_size);
    pages = phys_to_virt(array_phys);

    for (size_t i = 0; i < info->mmap_count; i++)
        klog(KLOG_DEBUG, "mm", "memory map: [%#lx, %#lx) type %u", info->mmap[i].base,
             info->mmap[i].base + info->mmap[i].length, info->mmap[i].type);
    for (size_t i = 0; i < reserved_count; i++)
        klog(KLOG_DEBUG, "mm", "reserved: [%#lx, %#lx)", reserved[i].start, reserved[i].end);

    for (size_t pfn = 0; pfn < page_count; pfn++) {
        pages[pfn] = (struct page){ .refcount = 1, .flags = PAGE_RESERVED };
        list_init(&pages[pfn].link);
    }

    /* Only memory the boot direct map reaches is usable until the kernel
     * page table maps the rest (frame_add_high_memory). */
    list_init(&free_list);
    free_frames = 0;
    usable_frames = 0;
    add_usable_frames(info, 0, BOOT_DIRECT_MAP_LIMIT);
    return true;
}

uint64_t frame_ram_top(void)
{
    return (uint64_t)page_count * PAGE_SIZE;
}

void frame_add_high_memory(const struct boot_info *info)
{
    add_usable_frames(info, BOOT_DIRECT_MAP_LIMIT, frame_ram_top());
}

struct page *phys_to_page(uint64_t phys)
{
    size_t pfn = phys / PAGE_SIZE;
    if (pages == NULL || pfn >= page_count)
        return NULL;
    return &pages[pfn];
}

uint64_t page_to_phys(const struct page *page)
{
    return (uint64_t)(page - pages) * PAGE_SIZE;
}

bool frame_is_reserved(uint64_t phys)
{
    struct page *page = phys_to_page(phys);
    return page == NULL || (page->flags & PAGE_RESERVED) != 0;
}

static void frame_take(struct page *page)
{
    list_remove(&page->link);
    page->flags = 0;
    page->refcount = 1;
    page->count = 0;
    page->slab_free = NULL;
    free_frames--;
}

uint64_t frame_alloc(void)
{
    if (list_empty(&free_list))
        return 0;
    struct page *page = container_of(free_list.next, struct page, link);
    frame_take(page);
    return page_to_phys(page);
}

void frame_free(uint64_t phys)
{
    struct page *page = phys_to_page(phys);

    if (page == NULL || phys % PAGE_SIZE != 0)
        panic("frame_free: %#lx is not a frame address", (unsigned long)phys);
    if (page->flags & PAGE_RESERVED)
        panic("frame_free: frame %#lx is reserved", (unsigned long)phys);
    if (page->flags & PAGE_FREE)
        panic("frame_free: frame %#lx is already free", (unsigned long)phys);
    if (page->refcount == 0)
        panic("frame_free: frame %#lx has reference count 0", (unsigned long)phys);

    if (--page->refcount > 0)
        return;
    memset(phys_to_virt(phys), POISON_BYTE, PAGE_SIZE);
    page->flags = PAGE_FREE;
    list_push_front(&free_list, &page->link);
    free_frames++;
}

/* Where the last contiguous search ended: the next one starts there. */
static size_t contig_hint;

/* First run of n free frames in [from, to), or SIZE_MAX. */
static size_t find_free_run(size_t from, size_t to, size_t n)
{
    size_t run = 0;
    for (size_t pfn = from; pfn < to; pfn++) {
        run = (pages[pfn].flags & PAGE_FREE) ? run + 1 : 0;
        if (run == n)
            return pfn + 1 - n;
    }
    return SIZE_MAX;
}

uint64_t frame_alloc_contig(size_t n)
{
    if (n == 0)
        return 0;
    if (n == 1)
        return frame_alloc();

    /* Next fit over the page array. First fit from frame 0 crossed the
     * kernel, the initramfs and every frame in use on each call, which
     * made kernel stacks and descriptor tables cost tens of thousands of
     * steps. */
    if (contig_hint >= page_count)
        contig_hint = 0;
    size_t first = find_free_run(contig_hint, page_count, n);
    if (first == SIZE_MAX)
        first = find_free_run(0, contig_hint + n < page_count ? contig_hint + n : page_count, n);
    if (first == SIZE_MAX)
        return 0;
    for (size_t i = first; i < first + n; i++)
        frame_take(&pages[i]);
    contig_hint = first + n;
    return (uint64_t)first * PAGE_SIZE;
}

void frame_free_contig(uint64_t phys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        frame_free(phys + i * PAGE_SIZE);
}

size_t frame_free_count(void)
{
    return free_frames;
}

size_t frame_total_count(void)
{
    return usable_frames;
}

size_t frame_reserved_ranges(const struct phys_range **ranges)
{
    *ranges = reserved;
    return reserved_count;
}
