/* Tests for lib/ksym.c: symbol lookup and frame-pointer backtraces. */
#include "lib/ksym.h"
#include "lib/ktest.h"
#include "mm/heap.h"

void kmain(uint32_t magic, uint64_t info_phys);

KTEST(ksym, lookup_names_function_and_offset)
{
    const char *name = NULL;
    uint64_t offset = 99;

    ASSERT_TRUE(t, ksym_lookup((uint64_t)kmalloc + 5, &name, &offset));
    EXPECT_STREQ(t, name, "kmalloc");
    EXPECT_EQ(t, offset, 5);
    EXPECT_FALSE(t, ksym_lookup(0x1000, &name, &offset));
}

KTEST(ksym, address_by_name)
{
    EXPECT_EQ(t, ksym_address("kmain"), (uint64_t)kmain);
    EXPECT_EQ(t, ksym_address("ksym_address"), (uint64_t)ksym_address);
    EXPECT_EQ(t, ksym_address("no_such_symbol_anywhere"), 0);
}

/* Two frames that cannot be inlined, so the chain has known callers. */
__attribute__((noinline)) static size_t backtrace_inner(uint64_t *out, size_t max)
{
    size_t n = backtrace_collect((uint64_t)__builtin_frame_address(0), out, max);
    __asm__ volatile("" ::: "memory");  /* keep this call out of tail position */
    return n;
}

__attribute__((noinline)) static size_t backtrace_outer(uint64_t *out, size_t max)
{
    size_t n = backtrace_inner(out, max);
    __asm__ volatile("" ::: "memory");
    return n;
}

KTEST(ksym, backtrace_names_callers)
{
    uint64_t addrs[8];
    const char *name;
    uint64_t offset;

    size_t n = backtrace_outer(addrs, 8);
    ASSERT_GE(t, n, 3);
    ASSERT_TRUE(t, ksym_lookup(addrs[0] - 1, &name, &offset));
    EXPECT_STREQ(t, name, "backtrace_outer");
    ASSERT_TRUE(t, ksym_lookup(addrs[1] - 1, &name, &offset));
    EXPECT_STREQ(t, name, "ktest_fn_ksym__backtrace_names_callers");
    ASSERT_TRUE(t, ksym_lookup(addrs[2] - 1, &name, &offset));
    EXPECT_STREQ(t, name, "run_case");
}
