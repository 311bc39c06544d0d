/* Tests for mm/heap.c. */
#include "lib/ktest.h"
#include "mm/frame.h"
#include "mm/heap.h"
#include "mm/layout.h"

KTEST(heap, size_classes)
{
    static const struct {
        size_t request, usable;
    } cases[] = {
        { 1, 16 }, { 16, 16 }, { 17, 32 }, { 100, 128 }, { 2048, 2048 },
        { 2049, 4096 }, { 4096, 4096 }, { 10000, 12288 },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        void *p = kmalloc(cases[i].request);
        if (p == NULL) {
            ktest_fail(t, __FILE__, __LINE__, "kmalloc(%zu) returned NULL", cases[i].request);
            continue;
        }
        if (kmalloc_usable_size(p) != cases[i].usable)
            ktest_fail(t, __FILE__, __LINE__, "kmalloc(%zu): usable size %zu, expected %zu",
                       cases[i].request, kmalloc_usable_size(p), cases[i].usable);
        kfree(p);
    }
}

KTEST(heap, objects_aligned_to_class)
{
    for (size_t size = HEAP_SLAB_MIN; size <= HEAP_SLAB_MAX; size *= 2) {
        void *a = kmalloc(size);
        void *b = kmalloc(size);
        ASSERT_NOT_NULL(t, a);
        ASSERT_NOT_NULL(t, b);
        EXPECT_EQ(t, (uintptr_t)a % size, 0);
        EXPECT_EQ(t, (uintptr_t)b % size, 0);
        kfree(a);
        kfree(b);
    }
    void *large = kmalloc(3 * PAGE_SIZE);
    ASSERT_NOT_NULL(t, large);
    EXPECT_EQ(t, (uintptr_t)large % PAGE_SIZE, 0);
    kfree(large);
}

KTEST(heap, zero_and_huge_requests_return_null)
{
    size_t before = frame_free_count();

    EXPECT_NULL(t, kmalloc(0));
    EXPECT_NULL(t, kmalloc((size_t)1 << 40));
    EXPECT_NULL(t, kmalloc(~(size_t)0));
    EXPECT_EQ(t, frame_free_count(), before);
    kfree(NULL);
}

KTEST(heap, freed_object_is_reused)
{
    void *p = kmalloc(64);
    ASSERT_NOT_NULL(t, p);
    kfree(p);
    void *q = kmalloc(64);
    EXPECT_EQ(t, (uintptr_t)q, (uintptr_t)p);
    kfree(q);
}

KTEST(heap, free_poisons_object)
{
    /* Keep a neighbour alive so the slab (and its poison) stays in place. */
    uint8_t *keep = kmalloc(128);
    uint8_t *p = kmalloc(128);
    ASSERT_NOT_NULL(t, keep);
    ASSERT_NOT_NULL(t, p);
    memset(p, 0xaa, 128);
    kfree(p);

    size_t unpoisoned = 0;
    for (size_t i = sizeof(void *); i < 128; i++)
        unpoisoned += p[i] != POISON_BYTE;
    EXPECT_EQ(t, unpoisoned, 0);
    kfree(keep);
}

KTEST(heap, kzalloc_clears_poison)
{
    uint8_t *keep = kmalloc(256);
    uint8_t *p = kmalloc(256);
    ASSERT_NOT_NULL(t, keep);
    ASSERT_NOT_NULL(t, p);
    kfree(p);
    uint8_t *z = kzalloc(256);
    ASSERT_NOT_NULL(t, z);
    EXPECT_EQ(t, (uintptr_t)z, (uintptr_t)p);

    size_t nonzero = 0;
    for (size_t i = 0; i < 256; i++)
        nonzero += z[i] != 0;
    EXPECT_EQ(t, nonzero, 0);
    kfree(z);
    kfree(keep);
}

KTEST(heap, objects_do_not_overlap)
{
    enum { COUNT = 300, SIZE = 48 };     /* class 64: 64 per frame, so 5 slabs */
    uint8_t **objs = kmalloc(COUNT * sizeof(*objs));
    ASSERT_NOT_NULL(t, objs);

    for (size_t i = 0; i < COUNT; i++) {
        objs[i] = kmalloc(SIZE);
        ASSERT_NOT_NULL(t, objs[i]);
        memset(objs[i], (int)(i & 0xff), SIZE);
    }
    size_t corrupted = 0;
    for (size_t i = 0; i < COUNT; i++) {
        for (size_t j = 0; j < SIZE; j++)
            corrupted += objs[i][j] != (uint8_t)(i & 0xff);
    }
    EXPECT_EQ(t, corrupted, 0);
    for (size_t i = 0; i < COUNT; i++)
        kfree(objs[i]);
    kfree(objs);
}

KTEST(heap, empty_slab_returns_its_frame)
{
    /* 16 objects of 512 bytes fill at least one new 8-object slab even if
     * another slab of that size is partly used already. */
    enum { COUNT = 16 };
    void *objs[COUNT];
    size_t before = frame_free_count();

    for (unsigned i = 0; i < COUNT; i++) {
        objs[i] = kmalloc(512);
        ASSERT_NOT_NULL(t, objs[i]);
    }
    EXPECT_LE(t, frame_free_count(), before - 1);
    EXPECT_GE(t, frame_free_count(), before - 2);
    for (unsigned i = 0; i < COUNT; i++)
        kfree(objs[i]);
    EXPECT_EQ(t, frame_free_count(), before);
}

KTEST(heap, large_block_takes_whole_frames)
{
    size_t before = frame_free_count();
    void *p = kmalloc(2 * PAGE_SIZE + 1);
    ASSERT_NOT_NULL(t, p);
    EXPECT_EQ(t, frame_free_count(), before - 3);
    EXPECT_EQ(t, kmalloc_usable_size(p), 3 * PAGE_SIZE);
    kfree(p);
    EXPECT_EQ(t, frame_free_count(), before);
}
