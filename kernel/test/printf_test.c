/* Tests for lib/printf.c. */
#include <stdint.h>

#include "lib/ktest.h"
#include "lib/printf.h"

#define FORMAT(buf, ...) ksnprintf(buf, sizeof(buf), __VA_ARGS__)

KTEST(printf, signed_and_unsigned_decimal)
{
    char buf[64];

    FORMAT(buf, "%d %d %i", 0, -42, 7);
    EXPECT_STREQ(t, buf, "0 -42 7");
    FORMAT(buf, "%d", INT32_MIN);
    EXPECT_STREQ(t, buf, "-2147483648");
    FORMAT(buf, "%ld", (long)INT64_MIN);
    EXPECT_STREQ(t, buf, "-9223372036854775808");
    FORMAT(buf, "%u %lu", 4294967295u, 18446744073709551615ul);
    EXPECT_STREQ(t, buf, "4294967295 18446744073709551615");
}

KTEST(printf, hex_octal_and_pointer)
{
    char buf[64];

    FORMAT(buf, "%x %X %o", 0xbeefu, 0xbeefu, 8u);
    EXPECT_STREQ(t, buf, "beef BEEF 10");
    FORMAT(buf, "%#x %#x %#o", 0x1fu, 0u, 8u);
    EXPECT_STREQ(t, buf, "0x1f 0 010");
    FORMAT(buf, "%#06x", 0xau);
    EXPECT_STREQ(t, buf, "0x000a");
    FORMAT(buf, "%p", (void *)0xffffffff80001000ul);
    EXPECT_STREQ(t, buf, "0xffffffff80001000");
    FORMAT(buf, "%p", (void *)0x10);
    EXPECT_STREQ(t, buf, "0x0000000000000010");
}

KTEST(printf, width_flags_and_precision)
{
    char buf[64];

    FORMAT(buf, "[%5d][%-5d][%05d]", 42, 42, -42);
    EXPECT_STREQ(t, buf, "[   42][42   ][-0042]");
    FORMAT(buf, "[%.3d][%.0d][%*d]", 7, 0, 4, 1);
    EXPECT_STREQ(t, buf, "[007][][   1]");
    FORMAT(buf, "[%-*d]", -3, 1);
    EXPECT_STREQ(t, buf, "[1  ]");
}

KTEST(printf, strings_chars_and_percent)
{
    char buf[64];

    FORMAT(buf, "%s|%.3s|%-6s|%6s", "lwcos", "lwcos", "ab", "ab");
    EXPECT_STREQ(t, buf, "lwcos|lwc|ab    |    ab");
    FORMAT(buf, "%s", (const char *)NULL);
    EXPECT_STREQ(t, buf, "(null)");
    FORMAT(buf, "%c%c%% %3c", 'o', 'k', 'x');
    EXPECT_STREQ(t, buf, "ok%   x");
}

/* Called through a pointer so clang does not check the format: these cases
 * pass an int to %hh and %h on purpose, to test the narrowing. */
static int (*const format_unchecked)(char *, size_t, const char *, ...) = ksnprintf;

KTEST(printf, length_modifiers)
{
    char buf[64];

    format_unchecked(buf, sizeof(buf), "%hhd %hhu %hd %hu", 300, 300, 70000, 70000);
    EXPECT_STREQ(t, buf, "44 44 4464 4464");
    FORMAT(buf, "%zu %zx %llx %lld", (size_t)12345, (size_t)0xabc, 0x123456789abcdefull, -5ll);
    EXPECT_STREQ(t, buf, "12345 abc 123456789abcdef -5");
}

KTEST(printf, truncation_returns_full_length)
{
    char small[8];

    EXPECT_EQ_S(t, ksnprintf(small, sizeof(small), "%s-%d", "abcdef", 12345), 12);
    EXPECT_STREQ(t, small, "abcdef-");
    EXPECT_EQ_S(t, ksnprintf(small, 1, "xyz"), 3);
    EXPECT_EQ(t, small[0], '\0');
    EXPECT_EQ_S(t, ksnprintf(NULL, 0, "%d", 100), 3);
}
