#include "lib/ktest.h"

#include <stdarg.h>

#include "boot/cmdline.h"
#include "lib/klog.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/pcid.h"
#include "mm/tlbcheck.h"

#define KTEST_MAX_SUITES 64
#define KTEST_NAME_MAX 128

/* KTAP nests a suite's lines four spaces deeper than the top level. */
#define SUITE_INDENT "    "

extern const struct ktest_case __ktest_cases_start[], __ktest_cases_end[];

void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...)
{
    char message[256];
    va_list ap;

    t->failed = true;
    if (t->quiet)
        return;
    va_start(ap, fmt);
    kvsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    kprintf(SUITE_INDENT "# %s: %s at %s:%d\n", t->tcase->name, message, file, line);
}

void ktest_fail_values(struct ktest *t, const char *file, int line, const char *check,
                       const char *left_expr, const char *right_expr, uint64_t left,
                       uint64_t right)
{
    ktest_fail(t, file, line, "%s failed: %s vs %s", check, left_expr, right_expr);
    if (t->quiet)
        return;
    kprintf(SUITE_INDENT "#     left:  %ld (%#lx)\n", (long)left, left);
    kprintf(SUITE_INDENT "#     right: %ld (%#lx)\n", (long)right, right);
}

void ktest_skip(struct ktest *t, const char *reason)
{
    t->skipped = true;
    strlcpy(t->skip_reason, reason, sizeof(t->skip_reason));
}

bool ktest_case_selected(const struct ktest_case *c, const char *filter, unsigned selftest_flags)
{
    char full[KTEST_NAME_MAX];

    const unsigned selftest_only = KTEST_SELFTEST_FAIL | KTEST_SELFTEST_PANIC | KTEST_SELFTEST_FAULT;

    if ((c->flags & selftest_only) &&
        (c->flags & selftest_flags) == 0)
        return false;
    if (filter == NULL || filter[0] == '\0')
        return true;
    ksnprintf(full, sizeof(full), "%s.%s", c->suite, c->name);
    return glob_match(filter, full);
}

static unsigned selftest_flags_from_options(void)
{
    switch (boot_options.selftest) {
    case SELFTEST_FAIL:
        return KTEST_SELFTEST_FAIL;
    case SELFTEST_PANIC:
        return KTEST_SELFTEST_PANIC;
    case SELFTEST_FAULT:
        return KTEST_SELFTEST_FAULT;
    case SELFTEST_NONE:
        break;
    }
    return 0;
}

/* Collect distinct suite names in link order. */
static size_t collect_suites(const char **suites, unsigned selftest_flags)
{
    size_t count = 0;

    for (const struct ktest_case *c = __ktest_cases_start; c < __ktest_cases_end; c++) {
        if (!ktest_case_selected(c, boot_options.filter, selftest_flags))
            continue;
        bool seen = false;
        for (size_t i = 0; i < count && !seen; i++)
            seen = strcmp(suites[i], c->suite) == 0;
        if (!seen && count < KTEST_MAX_SUITES)
            suites[count++] = c->suite;
    }
    return count;
}

/* Kept out of line so backtraces and gdb show each case under run_case. */
__attribute__((noinline)) static bool run_case(const struct ktest_case *c, unsigned number)
{
    struct ktest t = { .tcase = c };
    size_t frames_before = frame_free_count();
    unsigned long tlb_failures_before = tlbcheck_failures();

    c->run(&t);

    if (tlb_current() != NULL) {
        ktest_fail(&t, __FILE__, __LINE__, "the case left an address space loaded");
        tlb_switch_to_kernel();
    }
    if (tlbcheck_failures() != tlb_failures_before)
        ktest_fail(&t, __FILE__, __LINE__, "the TLB model checker reported %lu failures",
                   tlbcheck_failures() - tlb_failures_before);

    size_t frames_after = frame_free_count();
    if (!(c->flags & KTEST_NO_LEAK_CHECK) && frames_after != frames_before)
        ktest_fail(&t, __FILE__, __LINE__, "free frames changed from %zu to %zu (leak check)",
                   frames_before, frames_after);

    if (t.failed)
        kprintf(SUITE_INDENT "not ok %u %s\n", number, c->name);
    else if (t.skipped)
        kprintf(SUITE_INDENT "ok %u %s # SKIP %s\n", number, c->name, t.skip_reason);
    else
        kprintf(SUITE_INDENT "ok %u %s\n", number, c->name);
    return !t.failed;
}

static unsigned top_level_count;

unsigned ktest_top_level_count(void)
{
    return top_level_count;
}

int ktest_run_all(bool user_suite)
{
    const char *suites[KTEST_MAX_SUITES];
    unsigned selftest_flags = selftest_flags_from_options();
    size_t suite_count = collect_suites(suites, selftest_flags);
    int failed_cases = 0;

    kprintf("KTAP version 1\n");
    kprintf("1..%zu\n", suite_count + (user_suite ? 1 : 0));
    top_level_count = (unsigned)suite_count;
    if (suite_count == 0 && boot_options.filter[0] != '\0' && !user_suite) {
        /* Almost always a typo; a silent pass would hide it. */
        klog(KLOG_ERROR, "ktest", "no case matches lwcos.filter=%s (patterns match suite.case, "
             "e.g. 'heap.*')", boot_options.filter);
        return 1;
    }

    for (size_t s = 0; s < suite_count; s++) {
        unsigned cases = 0;
        for (const struct ktest_case *c = __ktest_cases_start; c < __ktest_cases_end; c++) {
            if (strcmp(c->suite, suites[s]) == 0 &&
                ktest_case_selected(c, boot_options.filter, selftest_flags))
                cases++;
        }

        kprintf(SUITE_INDENT "KTAP version 1\n");
        kprintf(SUITE_INDENT "# Subtest: %s\n", suites[s]);
        kprintf(SUITE_INDENT "1..%u\n", cases);

        unsigned number = 0;
        bool suite_ok = true;
        for (const struct ktest_case *c = __ktest_cases_start; c < __ktest_cases_end; c++) {
            if (strcmp(c->suite, suites[s]) != 0 ||
                !ktest_case_selected(c, boot_options.filter, selftest_flags))
                continue;
            if (!run_case(c, ++number)) {
                suite_ok = false;
                failed_cases++;
            }
        }
        kprintf("%s %zu %s\n", suite_ok ? "ok" : "not ok", s + 1, suites[s]);
    }
    return failed_cases;
}
