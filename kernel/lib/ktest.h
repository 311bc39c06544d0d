/*
 * In-kernel tests with KTAP version 1 output.
 *
 *   KTEST(heap, alloc_sizes) {
 *       void *p = kmalloc(24);
 *       ASSERT_NOT_NULL(t, p);
 *       EXPECT_EQ(t, kmalloc_usable_size(p), 32);
 *       kfree(p);
 *   }
 *
 * KTEST places a struct ktest_case in the ktest_cases linker section; the
 * runner groups cases by suite in link order. EXPECT_* records a failure and
 * goes on; ASSERT_* records it and returns from the test function. Each
 * failure prints a KTAP diagnostic with file:line and both values. A case that
 * changes the free-frame count fails as a leak.
 */
#ifndef LWCOS_LIB_KTEST_H
#define LWCOS_LIB_KTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"

struct ktest;

enum ktest_case_flags {
    KTEST_SELFTEST_FAIL = 1 << 0,   /* listed only with lwcos.test.selftest=fail */
    KTEST_SELFTEST_PANIC = 1 << 1,  /* listed only with lwcos.test.selftest=panic */
    KTEST_SELFTEST_FAULT = 1 << 2,  /* listed only with lwcos.test.selftest=fault */
    KTEST_NO_LEAK_CHECK = 1 << 3,   /* the case keeps frames on purpose */
};

struct ktest_case {
    const char *suite;
    const char *name;
    void (*run)(struct ktest *t);
    unsigned flags;
};

struct ktest {
    const struct ktest_case *tcase;
    bool failed;
    bool skipped;
    bool quiet;                 /* record failures without printing (framework self-tests) */
    char skip_reason[96];
};

#define KTEST_FLAGS(suite_, name_, flags_)                                          \
    static void ktest_fn_##suite_##__##name_(struct ktest *t);                      \
    static const struct ktest_case ktest_case_##suite_##__##name_                   \
        __attribute__((used, section("ktest_cases"), aligned(8))) = {               \
            .suite = #suite_, .name = #name_,                                       \
            .run = ktest_fn_##suite_##__##name_, .flags = (flags_) };               \
    static void ktest_fn_##suite_##__##name_(struct ktest *t)

#define KTEST(suite_, name_) KTEST_FLAGS(suite_, name_, 0)

/* Record a failed check; prints "# case: what at file:line" and the detail. */
void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void ktest_fail_values(struct ktest *t, const char *file, int line, const char *check,
                       const char *left_expr, const char *right_expr, uint64_t left,
                       uint64_t right);
/* Mark the case skipped with a reason (KTAP "# SKIP reason"). */
void ktest_skip(struct ktest *t, const char *reason);

#define KTEST_CMP_(t, a, op, b, check, on_fail)                                   \
    do {                                                                          \
        uint64_t ktest_a_ = (uint64_t)(a), ktest_b_ = (uint64_t)(b);              \
        if (!(ktest_a_ op ktest_b_)) {                                            \
            ktest_fail_values((t), __FILE__, __LINE__, check, #a, #b, ktest_a_,   \
                              ktest_b_);                                          \
            on_fail;                                                              \
        }                                                                         \
    } while (0)

#define KTEST_SCMP_(t, a, op, b, check, on_fail)                                  \
    do {                                                                          \
        int64_t ktest_a_ = (int64_t)(a), ktest_b_ = (int64_t)(b);                 \
        if (!(ktest_a_ op ktest_b_)) {                                            \
            ktest_fail_values((t), __FILE__, __LINE__, check, #a, #b,             \
                              (uint64_t)ktest_a_, (uint64_t)ktest_b_);            \
            on_fail;                                                              \
        }                                                                         \
    } while (0)

#define KTEST_STREQ_(t, a, b, check, on_fail)                                     \
    do {                                                                          \
        const char *ktest_a_ = (a), *ktest_b_ = (b);                              \
        if (ktest_a_ == NULL || ktest_b_ == NULL || strcmp(ktest_a_, ktest_b_) != 0) { \
            ktest_fail((t), __FILE__, __LINE__,                                   \
                       check " failed: %s == %s; left \"%s\", right \"%s\"", #a, #b, \
                       ktest_a_ ? ktest_a_ : "(null)", ktest_b_ ? ktest_b_ : "(null)"); \
            on_fail;                                                              \
        }                                                                         \
    } while (0)

#define KTEST_BOOL_(t, cond, expected, check, on_fail)                            \
    do {                                                                          \
        if ((bool)(cond) != (expected)) {                                         \
            ktest_fail((t), __FILE__, __LINE__, check " failed: %s", #cond);      \
            on_fail;                                                              \
        }                                                                         \
    } while (0)

/* Integer comparisons compare as uint64_t; the _S forms compare as int64_t. */
#define EXPECT_EQ(t, a, b) KTEST_CMP_(t, a, ==, b, "EXPECT_EQ", (void)0)
#define EXPECT_NE(t, a, b) KTEST_CMP_(t, a, !=, b, "EXPECT_NE", (void)0)
#define EXPECT_LT(t, a, b) KTEST_CMP_(t, a, <, b, "EXPECT_LT", (void)0)
#define EXPECT_LE(t, a, b) KTEST_CMP_(t, a, <=, b, "EXPECT_LE", (void)0)
#define EXPECT_GT(t, a, b) KTEST_CMP_(t, a, >, b, "EXPECT_GT", (void)0)
#define EXPECT_GE(t, a, b) KTEST_CMP_(t, a, >=, b, "EXPECT_GE", (void)0)
#define EXPECT_EQ_S(t, a, b) KTEST_SCMP_(t, a, ==, b, "EXPECT_EQ", (void)0)
#define EXPECT_STREQ(t, a, b) KTEST_STREQ_(t, a, b, "EXPECT_STREQ", (void)0)
#define EXPECT_TRUE(t, c) KTEST_BOOL_(t, c, true, "EXPECT_TRUE", (void)0)
#define EXPECT_FALSE(t, c) KTEST_BOOL_(t, c, false, "EXPECT_FALSE", (void)0)
#define EXPECT_NULL(t, p) KTEST_CMP_(t, (uintptr_t)(p), ==, 0, "EXPECT_NULL", (void)0)
#define EXPECT_NOT_NULL(t, p) KTEST_CMP_(t, (uintptr_t)(p), !=, 0, "EXPECT_NOT_NULL", (void)0)

#define ASSERT_EQ(t, a, b) KTEST_CMP_(t, a, ==, b, "ASSERT_EQ", return)
#define ASSERT_NE(t, a, b) KTEST_CMP_(t, a, !=, b, "ASSERT_NE", return)
#define ASSERT_LT(t, a, b) KTEST_CMP_(t, a, <, b, "ASSERT_LT", return)
#define ASSERT_LE(t, a, b) KTEST_CMP_(t, a, <=, b, "ASSERT_LE", return)
#define ASSERT_GE(t, a, b) KTEST_CMP_(t, a, >=, b, "ASSERT_GE", return)
#define ASSERT_EQ_S(t, a, b) KTEST_SCMP_(t, a, ==, b, "ASSERT_EQ", return)
#define ASSERT_STREQ(t, a, b) KTEST_STREQ_(t, a, b, "ASSERT_STREQ", return)
#define ASSERT_TRUE(t, c) KTEST_BOOL_(t, c, true, "ASSERT_TRUE", return)
#define ASSERT_FALSE(t, c) KTEST_BOOL_(t, c, false, "ASSERT_FALSE", return)
#define ASSERT_NOT_NULL(t, p) KTEST_CMP_(t, (uintptr_t)(p), !=, 0, "ASSERT_NOT_NULL", return)

/* Does "suite.case" match the filter glob (an empty filter matches all)? */
bool ktest_case_selected(const struct ktest_case *c, const char *filter, unsigned selftest_flags);

/* Run every selected case, printing KTAP. With user_suite, the plan
 * counts one more top-level test, which /init prints after the kernel's.
 * Returns the number of failed cases, or 1 when a filter is set and selects
 * no case (and no user suite follows). */
int ktest_run_all(bool user_suite);
/* The number of top-level tests the kernel printed (the user suite's is one more). */
unsigned ktest_top_level_count(void);

#endif
