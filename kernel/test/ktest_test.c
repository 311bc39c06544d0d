/* Tests of the KTAP framework itself, and the cases that let the harness
 * prove it reports failures, panics and CPU exceptions
 * (lwcos.test.selftest=fail|panic|fault). */
#include "lib/ktest.h"
#include "lib/panic.h"

static void fake_run(struct ktest *t)
{
    (void)t;
}

KTEST(ktest, failed_check_marks_case)
{
    static const struct ktest_case fake = { .suite = "fake", .name = "case", .run = fake_run };
    struct ktest inner = { .tcase = &fake, .quiet = true };

    EXPECT_EQ(&inner, 1, 1);
    EXPECT_FALSE(t, inner.failed);
    EXPECT_EQ(&inner, 1, 2);
    EXPECT_TRUE(t, inner.failed);

    struct ktest skipped = { .tcase = &fake, .quiet = true };
    ktest_skip(&skipped, "no PCID");
    EXPECT_TRUE(t, skipped.skipped);
    EXPECT_STREQ(t, skipped.skip_reason, "no PCID");
}

KTEST(ktest, filter_selects_cases)
{
    static const struct ktest_case plain = { .suite = "heap", .name = "sizes", .run = fake_run };
    static const struct ktest_case hidden = {
        .suite = "ktest", .name = "selftest_fail", .run = fake_run, .flags = KTEST_SELFTEST_FAIL,
    };

    EXPECT_TRUE(t, ktest_case_selected(&plain, "", 0));
    EXPECT_TRUE(t, ktest_case_selected(&plain, "heap.*", 0));
    EXPECT_TRUE(t, ktest_case_selected(&plain, "*.sizes", 0));
    EXPECT_FALSE(t, ktest_case_selected(&plain, "frame.*", 0));
    EXPECT_FALSE(t, ktest_case_selected(&hidden, "", 0));
    EXPECT_FALSE(t, ktest_case_selected(&hidden, "", KTEST_SELFTEST_PANIC));
    EXPECT_TRUE(t, ktest_case_selected(&hidden, "", KTEST_SELFTEST_FAIL));
}

KTEST_FLAGS(ktest, selftest_fail, KTEST_SELFTEST_FAIL)
{
    ktest_fail(t, __FILE__, __LINE__, "deliberate failure requested by lwcos.test.selftest=fail");
}

KTEST_FLAGS(ktest, selftest_panic, KTEST_SELFTEST_PANIC)
{
    (void)t;
    panic("ktest: deliberate panic requested by lwcos.test.selftest=panic");
}

/* Unmapped canonical address in the kernel half: the load raises #PF. */
#define UNMAPPED_KERNEL_ADDRESS 0xffffc00000000000ul

KTEST_FLAGS(ktest, selftest_fault, KTEST_SELFTEST_FAULT)
{
    (void)t;
    volatile uint64_t *p = (volatile uint64_t *)UNMAPPED_KERNEL_ADDRESS;
    (void)*p;
}
