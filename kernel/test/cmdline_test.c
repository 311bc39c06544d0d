/* Tests for boot/cmdline.c. */
#include "boot/cmdline.h"
#include "lib/klog.h"
#include "lib/ktest.h"

KTEST(cmdline, empty_line_gives_defaults)
{
    struct boot_options o;

    EXPECT_EQ_S(t, cmdline_parse("", &o), 0);
    EXPECT_EQ(t, o.mode, BOOT_MODE_SHELL);
    EXPECT_STREQ(t, o.filter, "");
    EXPECT_EQ_S(t, o.loglevel, KLOG_DEFAULT_LEVEL);
    EXPECT_EQ(t, o.selftest, SELFTEST_NONE);
}

KTEST(cmdline, every_option)
{
    struct boot_options o;

    EXPECT_EQ_S(t, cmdline_parse("  lwcos.mode=bench\tlwcos.filter=heap.* loglevel=3 "
                                 "lwcos.test.selftest=panic  ", &o), 0);
    EXPECT_EQ(t, o.mode, BOOT_MODE_BENCH);
    EXPECT_STREQ(t, o.filter, "heap.*");
    EXPECT_EQ_S(t, o.loglevel, 3);
    EXPECT_EQ(t, o.selftest, SELFTEST_PANIC);
    EXPECT_STREQ(t, boot_mode_name(BOOT_MODE_TEST), "test");
}

KTEST(cmdline, unknown_and_invalid_words_are_ignored)
{
    struct boot_options o;
    int saved = klog_max_level;

    /* The parser logs each rejected word; keep this test's output quiet. */
    klog_max_level = KLOG_ERROR;
    int rejected = cmdline_parse("quiet lwcos.mode=fast loglevel=9 loglevel=x "
                                 "lwcos.filter= foo=bar lwcos.mode=test", &o);
    klog_max_level = saved;

    EXPECT_EQ_S(t, rejected, 6);
    EXPECT_EQ(t, o.mode, BOOT_MODE_TEST);
    EXPECT_EQ_S(t, o.loglevel, KLOG_DEFAULT_LEVEL);
    EXPECT_STREQ(t, o.filter, "");
}
