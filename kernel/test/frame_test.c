/* Tests for mm/frame.c. Several cases take every free frame and give them
 * all back, so they also check that the free count returns to its start. */
#include "boot/multiboot2.h"
#include "lib/ktest.h"
#include "mm/frame.h"
#include "mm/layout.h"

extern char __kernel_phys_start[], __kernel_phys_end[];

static bool in_available_memory(uint64_t phys)
{
    for (size_t i = 0; i < boot_info.mmap_count; i++) {
        const struct boot_mem_range *r = &boot_info.mmap[i];
        if (r->type == MB2_MEMORY_AVAILABLE && phys >= r->base &&
            phys + PAGE_SIZE <= r->base + r->length)
            return true;
    }
    return false;
}

/* Take every free frame, chaining them through their first word so no other
 * memory is needed. Returns the head of the chain (0 when none) and the count. */
static uint64_t take_all_frames(size_t *count)
{
    uint64_t head = 0;
    *count = 0;
    for (uint64_t phys = frame_alloc(); phys != 0; phys = frame_alloc()) {
        *(uint64_t *)phys_to_virt(phys) = head;
        head = phys;
        (*count)++;
    }
    return head;
}

static void give_back_frames(uint64_t head)
{
    while (head != 0) {
        uint64_t next = *(uint64_t *)phys_to_virt(head);
        frame_free(head);
        head = next;
    }
}

KTEST(frame, alloc_returns_usable_aligned_frame)
{
    size_t before = frame_free_count();
    uint64_t phys = frame_alloc();

    ASSERT_NE(t, phys, 0);
    EXPECT_EQ(t, phys % PAGE_SIZE, 0);
    EXPECT_TRUE(t, in_available_memory(phys));
    EXPECT_EQ(t, frame_free_count(), before - 1);
    EXPECT_EQ(t, phys_to_page(phys)->refcount, 1);
    EXPECT_EQ(t, phys_to_page(phys)->flags & PAGE_FREE, 0);
    frame_free(phys);
    EXPECT_EQ(t, frame_free_count(), before);
    EXPECT_EQ(t, phys_to_page(phys)->flags, PAGE_FREE);
}

KTEST(frame, freed_frame_is_reused_first)
{
    uint64_t a = frame_alloc();
    ASSERT_NE(t, a, 0);
    frame_free(a);
    uint64_t b = frame_alloc();
    EXPECT_EQ(t, b, a);
    frame_free(b);
}

KTEST(frame, free_poisons_contents)
{
    uint64_t phys = frame_alloc();
    ASSERT_NE(t, phys, 0);
    uint8_t *bytes = phys_to_virt(phys);
    memset(bytes, 0x11, PAGE_SIZE);
    frame_free(phys);

    size_t unpoisoned = 0;
    for (size_t i = 0; i < PAGE_SIZE; i++)
        unpoisoned += bytes[i] != POISON_BYTE;
    EXPECT_EQ(t, unpoisoned, 0);
}

KTEST(frame, exhaustion_returns_zero_then_recovers)
{
    size_t before = frame_free_count();
    size_t taken;
    uint64_t head = take_all_frames(&taken);

    EXPECT_EQ(t, taken, before);
    EXPECT_EQ(t, frame_free_count(), 0);
    EXPECT_EQ(t, frame_alloc(), 0);
    EXPECT_EQ(t, frame_alloc_contig(2), 0);
    give_back_frames(head);
    EXPECT_EQ(t, frame_free_count(), before);

    uint64_t again = frame_alloc();
    EXPECT_NE(t, again, 0);
    if (again != 0)
        frame_free(again);
}

KTEST(frame, no_frame_handed_out_twice)
{
    size_t taken;
    uint64_t head = take_all_frames(&taken);
    size_t repeats = 0;

    /* Every taken frame is marked in its struct page; a frame seen twice
     * while walking the chain would mean the allocator returned it twice. */
    for (uint64_t p = head; p != 0; p = *(uint64_t *)phys_to_virt(p)) {
        struct page *page = phys_to_page(p);
        if (page->reserved == 0x5eed)
            repeats++;
        page->reserved = 0x5eed;
    }
    for (uint64_t p = head; p != 0; p = *(uint64_t *)phys_to_virt(p))
        phys_to_page(p)->reserved = 0;
    give_back_frames(head);

    EXPECT_GT(t, taken, 1000);
    EXPECT_EQ(t, repeats, 0);
}

KTEST(frame, reserved_ranges_never_handed_out)
{
    const struct phys_range *ranges;
    size_t range_count = frame_reserved_ranges(&ranges);
    size_t taken;
    size_t bad_reserved = 0, bad_unusable = 0, bad_image = 0, bad_info = 0;
    uint64_t head = take_all_frames(&taken);

    for (uint64_t p = head; p != 0; p = *(uint64_t *)phys_to_virt(p)) {
        for (size_t i = 0; i < range_count; i++)
            bad_reserved += p < ranges[i].end && ranges[i].start < p + PAGE_SIZE;
        bad_unusable += !in_available_memory(p);
        bad_image += p < (uint64_t)__kernel_phys_end && (uint64_t)__kernel_phys_start < p + PAGE_SIZE;
        bad_info += p < boot_info.info_phys + boot_info.info_size && boot_info.info_phys < p + PAGE_SIZE;
    }
    give_back_frames(head);

    /* The first MiB, the image, the boot information and the page array. */
    EXPECT_GE(t, range_count, 4);
    EXPECT_EQ(t, bad_reserved, 0);
    EXPECT_EQ(t, bad_unusable, 0);
    EXPECT_EQ(t, bad_image, 0);
    EXPECT_EQ(t, bad_info, 0);
    EXPECT_TRUE(t, frame_is_reserved(0));
    EXPECT_TRUE(t, frame_is_reserved((uint64_t)__kernel_phys_start));
}

KTEST(frame, reference_count_delays_free)
{
    size_t before = frame_free_count();
    uint64_t phys = frame_alloc();
    ASSERT_NE(t, phys, 0);

    phys_to_page(phys)->refcount++;
    frame_free(phys);
    EXPECT_EQ(t, phys_to_page(phys)->refcount, 1);
    EXPECT_EQ(t, frame_free_count(), before - 1);
    frame_free(phys);
    EXPECT_EQ(t, frame_free_count(), before);
}

KTEST(frame, contiguous_run)
{
    size_t before = frame_free_count();
    uint64_t phys = frame_alloc_contig(8);

    ASSERT_NE(t, phys, 0);
    EXPECT_EQ(t, frame_free_count(), before - 8);
    for (size_t i = 0; i < 8; i++) {
        EXPECT_EQ(t, phys_to_page(phys + i * PAGE_SIZE)->flags, 0);
        EXPECT_EQ(t, phys_to_page(phys + i * PAGE_SIZE)->refcount, 1);
    }
    frame_free_contig(phys, 8);
    EXPECT_EQ(t, frame_free_count(), before);
    EXPECT_EQ(t, frame_alloc_contig(0), 0);
}
