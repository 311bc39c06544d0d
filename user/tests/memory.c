/* brk, mmap, munmap and mprotect: the memory they give and the errors Linux returns. */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ktap.h"

#define PAGE 4096UL
#define NON_CANONICAL_ADDRESS 0x0000800000001000UL

/* The end of the program's data and bss, placed by the linker. */
extern char end[];

static uintptr_t sys_brk(uintptr_t address)
{
    return (uintptr_t)syscall(SYS_brk, address);
}

static void *map_pages(size_t pages, int prot)
{
    return mmap(NULL, pages * PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* Fork a child that touches ADDRESS (writes when WRITE) and return its raw wait status. */
static int status_of_touch(volatile char *address, bool write)
{
    pid_t pid = ktap_fork();

    if (pid < 0) {
        KTAP_FAIL("fork failed");
        return -1;
    }
    if (pid == 0) {
        struct rlimit no_core = { 0, 0 };

        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        setrlimit(RLIMIT_CORE, &no_core);
        if (write)
            *address = 1;
        else
            (void)*address;
        _exit(0);
    }
    return ktap_wait(pid);
}

static void brk_query_is_past_bss(void)
{
    uintptr_t current = sys_brk(0);

    EXPECT_GE(current, (uintptr_t)end);
    EXPECT_EQ(sys_brk(0), current);
}

static void brk_grow_gives_zeroed_memory(void)
{
    uintptr_t start = (sys_brk(0) + PAGE - 1) & ~(PAGE - 1);
    uintptr_t old = sys_brk(0);
    char *memory = (char *)start;

    ASSERT_EQ(sys_brk(start + 3 * PAGE), start + 3 * PAGE);
    for (size_t i = 0; i < 3 * PAGE; i += 512)
        EXPECT_EQ(memory[i], 0);
    memset(memory, 'b', 3 * PAGE);
    EXPECT_EQ(memory[3 * PAGE - 1], 'b');
    EXPECT_EQ(sys_brk(old), old);
}

static void brk_shrink_unmaps_pages(void)
{
    uintptr_t old = sys_brk(0);
    uintptr_t start = (old + PAGE - 1) & ~(PAGE - 1);

    ASSERT_EQ(sys_brk(start + 2 * PAGE), start + 2 * PAGE);
    *(volatile char *)(start + PAGE) = 1;
    ASSERT_EQ(sys_brk(start + PAGE), start + PAGE);
    EXPECT_STATUS(status_of_touch((char *)(start + PAGE), false), SIGSEGV);
    EXPECT_EQ(sys_brk(old), old);
}

static void brk_invalid_keeps_old_break(void)
{
    uintptr_t old = sys_brk(0);

    /* Linux returns the unchanged break instead of an error. */
    EXPECT_EQ(sys_brk(PAGE), old);
    EXPECT_EQ(sys_brk(NON_CANONICAL_ADDRESS), old);
    EXPECT_EQ(sys_brk(0), old);
}

static void mmap_gives_zeroed_writable_pages(void)
{
    char *pages = map_pages(4, PROT_READ | PROT_WRITE);

    ASSERT_TRUE(pages != MAP_FAILED);
    EXPECT_EQ((uintptr_t)pages % PAGE, 0);
    for (size_t i = 0; i < 4 * PAGE; i += 256)
        EXPECT_EQ(pages[i], 0);
    memset(pages, 'm', 4 * PAGE);
    EXPECT_EQ(pages[4 * PAGE - 1], 'm');
    EXPECT_OK(munmap(pages, 4 * PAGE));
}

static void mmap_ranges_do_not_overlap(void)
{
    char *first = map_pages(2, PROT_READ | PROT_WRITE);
    char *second = map_pages(2, PROT_READ | PROT_WRITE);

    ASSERT_TRUE(first != MAP_FAILED);
    ASSERT_TRUE(second != MAP_FAILED);
    EXPECT_TRUE(first + 2 * PAGE <= second || second + 2 * PAGE <= first);
    munmap(first, 2 * PAGE);
    munmap(second, 2 * PAGE);
}

static void mmap_invalid_arguments_einval(void)
{
    EXPECT_TRUE(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
    EXPECT_EQ(errno, EINVAL);
    EXPECT_TRUE(mmap((void *)0x10000001, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                     -1, 0) == MAP_FAILED);
    EXPECT_EQ(errno, EINVAL);
    /* Neither MAP_PRIVATE nor MAP_SHARED. */
    EXPECT_TRUE(mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
    EXPECT_EQ(errno, EINVAL);
}

static void mmap_file_with_bad_fd_ebadf(void)
{
    EXPECT_TRUE(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, -1, 0) == MAP_FAILED);
    EXPECT_EQ(errno, EBADF);
}

static void mmap_fixed_replaces_pages(void)
{
    char *pages = map_pages(2, PROT_READ | PROT_WRITE);
    char *replaced;

    ASSERT_TRUE(pages != MAP_FAILED);
    memset(pages, 'x', 2 * PAGE);
    replaced = mmap(pages + PAGE, PAGE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    EXPECT_EQ((uintptr_t)replaced, (uintptr_t)(pages + PAGE));
    EXPECT_EQ(pages[0], 'x');
    EXPECT_EQ(pages[PAGE], 0);
    munmap(pages, 2 * PAGE);
}

static void munmap_invalid_arguments_einval(void)
{
    char *pages = map_pages(1, PROT_READ | PROT_WRITE);

    ASSERT_TRUE(pages != MAP_FAILED);
    EXPECT_ERRNO(munmap(pages + 1, PAGE), EINVAL);
    EXPECT_ERRNO(munmap(pages, 0), EINVAL);
    EXPECT_ERRNO(munmap((void *)NON_CANONICAL_ADDRESS, PAGE), EINVAL);
    munmap(pages, PAGE);
}

static void munmap_unmapped_range_succeeds(void)
{
    char *pages = map_pages(1, PROT_READ);

    ASSERT_TRUE(pages != MAP_FAILED);
    EXPECT_OK(munmap(pages, PAGE));
    EXPECT_OK(munmap(pages, PAGE));
}

static void munmap_middle_page_splits(void)
{
    char *pages = map_pages(3, PROT_READ | PROT_WRITE);

    ASSERT_TRUE(pages != MAP_FAILED);
    memset(pages, 's', 3 * PAGE);
    ASSERT_OK(munmap(pages + PAGE, PAGE));
    EXPECT_EQ(pages[0], 's');
    EXPECT_EQ(pages[2 * PAGE], 's');
    EXPECT_STATUS(status_of_touch(pages + PAGE, false), SIGSEGV);
    munmap(pages, 3 * PAGE);
}

static void mprotect_read_only_blocks_writes(void)
{
    char *pages = map_pages(1, PROT_READ | PROT_WRITE);

    ASSERT_TRUE(pages != MAP_FAILED);
    pages[0] = 'r';
    ASSERT_OK(mprotect(pages, PAGE, PROT_READ));
    EXPECT_EQ(pages[0], 'r');
    EXPECT_STATUS(status_of_touch(pages, true), SIGSEGV);
    ASSERT_OK(mprotect(pages, PAGE, PROT_READ | PROT_WRITE));
    pages[0] = 'w';
    EXPECT_EQ(pages[0], 'w');
    munmap(pages, PAGE);
}

static void mprotect_none_blocks_reads(void)
{
    char *pages = map_pages(1, PROT_READ | PROT_WRITE);

    ASSERT_TRUE(pages != MAP_FAILED);
    ASSERT_OK(mprotect(pages, PAGE, PROT_NONE));
    EXPECT_STATUS(status_of_touch(pages, false), SIGSEGV);
    munmap(pages, PAGE);
}

static void mprotect_unmapped_range_enomem(void)
{
    char *pages = map_pages(2, PROT_READ | PROT_WRITE);

    ASSERT_TRUE(pages != MAP_FAILED);
    ASSERT_OK(munmap(pages + PAGE, PAGE));
    EXPECT_ERRNO(mprotect(pages + PAGE, PAGE, PROT_READ), ENOMEM);
    /* A range that is only partly mapped fails too. */
    EXPECT_ERRNO(mprotect(pages, 2 * PAGE, PROT_READ), ENOMEM);
    munmap(pages, PAGE);
}

static void mprotect_unaligned_einval(void)
{
    char *pages = map_pages(1, PROT_READ | PROT_WRITE);

    ASSERT_TRUE(pages != MAP_FAILED);
    /* musl's mprotect() rounds the start down to a page, so call the kernel directly. */
    EXPECT_ERRNO(syscall(SYS_mprotect, pages + 1, PAGE, PROT_READ), EINVAL);
    munmap(pages, PAGE);
}

static void munmapped_page_faults(void)
{
    char *pages = map_pages(1, PROT_READ | PROT_WRITE);

    ASSERT_TRUE(pages != MAP_FAILED);
    pages[0] = 1;
    ASSERT_OK(munmap(pages, PAGE));
    EXPECT_STATUS(status_of_touch(pages, true), SIGSEGV);
}

static void large_sparse_mapping(void)
{
    const size_t pages = 4096;
    char *memory = map_pages(pages, PROT_READ | PROT_WRITE);

    ASSERT_TRUE(memory != MAP_FAILED);
    for (size_t i = 0; i < pages; i += 64)
        memory[i * PAGE] = (char)i;
    for (size_t i = 0; i < pages; i += 64)
        EXPECT_EQ(memory[i * PAGE], (char)i);
    EXPECT_OK(munmap(memory, pages * PAGE));
}

static const struct ktap_case cases[] = {
    KTAP_CASE(brk_query_is_past_bss),
    KTAP_CASE(brk_grow_gives_zeroed_memory),
    KTAP_CASE(brk_shrink_unmaps_pages),
    KTAP_CASE(brk_invalid_keeps_old_break),
    KTAP_CASE(mmap_gives_zeroed_writable_pages),
    KTAP_CASE(mmap_ranges_do_not_overlap),
    KTAP_CASE(mmap_invalid_arguments_einval),
    KTAP_CASE(mmap_file_with_bad_fd_ebadf),
    KTAP_CASE(mmap_fixed_replaces_pages),
    KTAP_CASE(munmap_invalid_arguments_einval),
    KTAP_CASE(munmap_unmapped_range_succeeds),
    KTAP_CASE(munmap_middle_page_splits),
    KTAP_CASE(munmapped_page_faults),
    KTAP_CASE(mprotect_read_only_blocks_writes),
    KTAP_CASE(mprotect_none_blocks_reads),
    KTAP_CASE(mprotect_unmapped_range_enomem),
    KTAP_CASE(mprotect_unaligned_einval),
    KTAP_CASE(large_sparse_mapping),
};

int main(int argc, char **argv)
{
    return KTAP_MAIN(argc, argv, cases);
}
