/* Tests for lib/string.c. */
#include "lib/heap_sort.h"
#include "lib/kbench.h"
#include "lib/ktest.h"
#include "lib/string.h"

KTEST(string, memmove_overlapping_ranges)
{
    char forward[] = "abcdefgh";
    char backward[] = "abcdefgh";

    memmove(forward + 2, forward, 5);
    EXPECT_STREQ(t, forward, "ababcdeh");
    memmove(backward, backward + 2, 5);
    EXPECT_STREQ(t, backward, "cdefgfgh");
}

KTEST(string, memset_and_memcmp)
{
    unsigned char a[16], b[16];

    memset(a, 0x5a, sizeof(a));
    memset(b, 0x5a, sizeof(b));
    EXPECT_EQ_S(t, memcmp(a, b, sizeof(a)), 0);
    b[15] = 0x5b;
    EXPECT_EQ_S(t, memcmp(a, b, sizeof(a)), -1);
    EXPECT_EQ_S(t, memcmp(b, a, sizeof(a)), 1);
    EXPECT_EQ_S(t, memcmp(a, b, 15), 0);
}

KTEST(string, strlcpy_truncates_and_terminates)
{
    char buf[6];

    EXPECT_EQ(t, strlcpy(buf, "lwcos", sizeof(buf)), 5);
    EXPECT_STREQ(t, buf, "lwcos");
    EXPECT_EQ(t, strlcpy(buf, "lightweight", sizeof(buf)), 11);
    EXPECT_STREQ(t, buf, "light");
    buf[0] = 'x';
    EXPECT_EQ(t, strlcpy(buf, "abc", 0), 3);
    EXPECT_EQ(t, buf[0], 'x');
}

KTEST(string, strcmp_orders_bytes)
{
    EXPECT_EQ_S(t, strcmp("abc", "abc"), 0);
    EXPECT_TRUE(t, strcmp("abc", "abd") < 0);
    EXPECT_TRUE(t, strcmp("abd", "abc") > 0);
    EXPECT_TRUE(t, strcmp("ab", "abc") < 0);
    EXPECT_TRUE(t, strcmp("\xff", "a") > 0);
    EXPECT_EQ_S(t, strncmp("abcx", "abcy", 3), 0);
    EXPECT_EQ(t, strlen(""), 0);
    EXPECT_EQ(t, strnlen("abcdef", 4), 4);
    EXPECT_NULL(t, strchr("abc", 'z'));
    EXPECT_STREQ(t, strchr("a=b", '='), "=b");
}

KTEST(string, glob_patterns)
{
    static const struct {
        const char *pattern, *text;
        bool match;
    } cases[] = {
        { "*", "", true },
        { "*", "heap.alloc", true },
        { "heap.*", "heap.alloc", true },
        { "heap.*", "frame.alloc", false },
        { "*.alloc*", "heap.alloc_sizes", true },
        { "h?ap.x", "heap.x", true },
        { "h?ap.x", "hap.x", false },
        { "a*b*c", "axxbyyc", true },
        { "a*b*c", "axxbyy", false },
        { "exact", "exact", true },
        { "exact", "exactly", false },
        { "", "", true },
        { "", "x", false },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (glob_match(cases[i].pattern, cases[i].text) != cases[i].match)
            ktest_fail(t, __FILE__, __LINE__, "glob_match(\"%s\", \"%s\") should be %s",
                       cases[i].pattern, cases[i].text, cases[i].match ? "true" : "false");
    }
}

KTEST(string, parse_ulong_bases_and_errors)
{
    unsigned long v = 0;

    EXPECT_TRUE(t, parse_ulong("1234", 4, &v));
    EXPECT_EQ(t, v, 1234);
    EXPECT_TRUE(t, parse_ulong("0x1fA", 5, &v));
    EXPECT_EQ(t, v, 0x1fa);
    EXPECT_TRUE(t, parse_ulong("18446744073709551615", 20, &v));
    EXPECT_EQ(t, v, 0xfffffffffffffffful);
    EXPECT_FALSE(t, parse_ulong("18446744073709551616", 20, &v));
    EXPECT_FALSE(t, parse_ulong("", 0, &v));
    EXPECT_FALSE(t, parse_ulong("0x", 2, &v));
    EXPECT_FALSE(t, parse_ulong("12a", 3, &v));
    EXPECT_TRUE(t, parse_ulong("12a", 2, &v));
    EXPECT_EQ(t, v, 12);
}

KTEST(string, heap_sort_and_percentiles)
{
    uint64_t values[] = { 9, 3, 7, 1, 8, 2, 10, 6, 5, 4 };
    const size_t n = sizeof(values) / sizeof(values[0]);

    heap_sort_u64(values, n);
    for (size_t i = 0; i < n; i++)
        EXPECT_EQ(t, values[i], i + 1);
    EXPECT_EQ(t, kbench_percentile(values, n, 50), 5);
    EXPECT_EQ(t, kbench_percentile(values, n, 10), 1);
    EXPECT_EQ(t, kbench_percentile(values, n, 90), 9);
    EXPECT_EQ(t, kbench_percentile(values, n, 100), 10);
    EXPECT_EQ(t, kbench_percentile(values, 0, 50), 0);
}
