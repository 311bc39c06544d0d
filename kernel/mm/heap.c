#include "mm/heap.h"

#include <stdbool.h>
#include <stdint.h>

#include "lib/panic.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/layout.h"

#define HEAP_CLASS_COUNT 8     /* 16, 32, ..., 2048 */

/* Frames with at least one free object, per size class. Full slabs are on no
 * list; empty slabs go back to the frame allocator at once. */
static struct list_node partial_slabs[HEAP_CLASS_COUNT];
static bool heap_ready;

static size_t class_size(unsigned cls)
{
    return (size_t)HEAP_SLAB_MIN << cls;
}

static unsigned class_for(size_t size)
{
    unsigned cls = 0;
    while (class_size(cls) < size)
        cls++;
    return cls;
}

static void heap_init_once(void)
{
    for (unsigned i = 0; i < HEAP_CLASS_COUNT; i++)
        list_init(&partial_slabs[i]);
    heap_ready = true;
}

/* The first word of a free object links to the next free object of its slab;
 * the rest holds POISON_BYTE. */
static void poison_object(void *obj, size_t size, void *next)
{
    memset(obj, POISON_BYTE, size);
    memcpy(obj, &next, sizeof(next));
}

static void *object_next(const void *obj)
{
    void *next;
    memcpy(&next, obj, sizeof(next));
    return next;
}

static void check_poison(const void *obj, size_t size)
{
    const uint8_t *bytes = obj;
    for (size_t i = sizeof(void *); i < size; i++) {
        if (bytes[i] != POISON_BYTE)
            panic("kmalloc: object %p (size %zu) was written after free: byte %zu is %#x",
                  obj, size, i, bytes[i]);
    }
}

static struct page *slab_new(unsigned cls)
{
    uint64_t phys = frame_alloc();
    if (phys == 0)
        return NULL;

    struct page *page = phys_to_page(phys);
    size_t size = class_size(cls);
    uint8_t *base = phys_to_virt(phys);

    page->flags = PAGE_SLAB;
    page->slab_class = (uint16_t)cls;
    page->count = 0;
    page->slab_free = NULL;
    /* Thread the free list from the top down so objects are handed out in
     * address order. */
    for (size_t off = PAGE_SIZE; off >= size; off -= size) {
        void *obj = base + off - size;
        poison_object(obj, size, page->slab_free);
        page->slab_free = obj;
    }
    list_push_front(&partial_slabs[cls], &page->link);
    return page;
}

static void *slab_alloc(unsigned cls)
{
    struct page *page;

    if (list_empty(&partial_slabs[cls])) {
        page = slab_new(cls);
        if (page == NULL)
            return NULL;
    } else {
        page = container_of(partial_slabs[cls].next, struct page, link);
    }

    void *obj = page->slab_free;
    check_poison(obj, class_size(cls));
    page->slab_free = object_next(obj);
    page->count++;
    if (page->slab_free == NULL)
        list_remove(&page->link);
    return obj;
}

void *kmalloc(size_t size)
{
    if (!heap_ready)
        heap_init_once();
    if (size == 0)
        return NULL;
    if (size <= HEAP_SLAB_MAX)
        return slab_alloc(class_for(size));

    size_t frames = PAGE_ALIGN_UP(size) / PAGE_SIZE;
    if (frames > UINT32_MAX)
        return NULL;
    uint64_t phys = frame_alloc_contig(frames);
    if (phys == 0)
        return NULL;
    struct page *head = phys_to_page(phys);
    head->flags = PAGE_LARGE;
    head->count = (uint32_t)frames;
    return phys_to_virt(phys);
}

void *kzalloc(size_t size)
{
    void *p = kmalloc(size);
    if (p != NULL)
        memset(p, 0, size);
    return p;
}

static struct page *heap_page_of(const void *ptr, const char *caller)
{
    uint64_t addr = (uint64_t)ptr;
    if (addr < DIRECT_MAP_BASE || addr >= DIRECT_MAP_BASE + direct_map_end)
        panic("%s: %p is not a kernel heap address", caller, ptr);
    struct page *page = phys_to_page(virt_to_phys(ptr));
    if (page == NULL || (page->flags & (PAGE_SLAB | PAGE_LARGE)) == 0)
        panic("%s: %p is not in a heap frame", caller, ptr);
    return page;
}

size_t kmalloc_usable_size(const void *ptr)
{
    struct page *page = heap_page_of(ptr, "kmalloc_usable_size");
    if (page->flags & PAGE_SLAB)
        return class_size(page->slab_class);
    return (size_t)page->count * PAGE_SIZE;
}

void kfree(void *ptr)
{
    if (ptr == NULL)
        return;

    struct page *page = heap_page_of(ptr, "kfree");
    if (page->flags & PAGE_LARGE) {
        if ((uint64_t)ptr % PAGE_SIZE != 0)
            panic("kfree: %p is inside a large block, not its start", ptr);
        size_t frames = page->count;
        page->flags = 0;
        page->count = 0;
        frame_free_contig(virt_to_phys(ptr), frames);
        return;
    }

    unsigned cls = page->slab_class;
    size_t size = class_size(cls);
    if ((uint64_t)ptr % size != 0)
        panic("kfree: %p is not the start of a %zu-byte object", ptr, size);
    for (void *obj = page->slab_free; obj != NULL; obj = object_next(obj)) {
        if (obj == ptr)
            panic("kfree: double free of %p (size %zu)", ptr, size);
    }

    bool was_full = page->slab_free == NULL;
    poison_object(ptr, size, page->slab_free);
    page->slab_free = ptr;
    page->count--;

    if (page->count == 0) {
        /* Empty slab: give the frame back so frame counts show heap leaks. */
        if (!was_full)
            list_remove(&page->link);
        page->flags = 0;
        page->slab_free = NULL;
        frame_free(page_to_phys(page));
    } else if (was_full) {
        list_push_front(&partial_slabs[cls], &page->link);
    }
}
