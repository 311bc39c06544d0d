/*
 * In-kernel benchmarks, run in bench mode (lwcos.mode=bench). Each row times
 * one operation many times with serialised rdtsc and prints
 *
 *   BENCH <name> <unit> <median> <p10> <p90> <iterations>
 *
 * or, when the row cannot run here, "BENCH <name> <unit> n/a n/a n/a 0 <reason>".
 * Under QEMU's -icount the TSC advances with retired instructions, so the
 * same rows become deterministic instruction-based counts.
 *
 *   KBENCH(cr3_switch) {
 *       for (unsigned i = 0; i < 1000; i++) {
 *           uint64_t start = kbench_now();
 *           ...the operation...
 *           kbench_record(b, kbench_now() - start);
 *       }
 *   }
 */
#ifndef LWCOS_LIB_KBENCH_H
#define LWCOS_LIB_KBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kbench;

struct kbench_row {
    const char *name;
    void (*run)(struct kbench *b);
};

#define KBENCH(name_)                                                              \
    static void kbench_fn_##name_(struct kbench *b);                               \
    static const struct kbench_row kbench_row_##name_                              \
        __attribute__((used, section("kbench_rows"), aligned(8))) = {              \
            .name = #name_, .run = kbench_fn_##name_ };                            \
    static void kbench_fn_##name_(struct kbench *b)

/* TSC read ordered against the instructions around it (LFENCE on both sides). */
static inline uint64_t kbench_now(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
    return ((uint64_t)hi << 32) | lo;
}

/* Add one sample in cycles. Samples beyond the row's capacity are dropped. */
void kbench_record(struct kbench *b, uint64_t cycles);
/* Print the row as not applicable, with the reason. */
void kbench_not_applicable(struct kbench *b, const char *reason);
/* Mark the row failed (setup could not allocate, say); the run then exits 35. */
void kbench_fail(struct kbench *b, const char *reason);

/* Run every row whose name matches the filter glob. Returns failed rows.
 * With more_follow, "BENCH end" is left to whoever prints the next rows
 * (/init, with the user-program rows). */
int kbench_run_all(const char *filter, bool more_follow);

/* Sort samples and take the p-th percentile (0..100, nearest rank), for tests. */
uint64_t kbench_percentile(uint64_t *samples, size_t count, unsigned p);

#endif
