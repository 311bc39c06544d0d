#include "lib/kbench.h"

#include <stdbool.h>

#include "lib/heap_sort.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/heap.h"

#define KBENCH_MAX_SAMPLES 4096

struct kbench {
    const struct kbench_row *row;
    uint64_t *samples;
    size_t count;
    bool not_applicable;
    bool failed;
    char reason[96];
};

extern const struct kbench_row __kbench_rows_start[], __kbench_rows_end[];

void kbench_record(struct kbench *b, uint64_t cycles)
{
    if (b->count < KBENCH_MAX_SAMPLES)
        b->samples[b->count++] = cycles;
}

void kbench_not_applicable(struct kbench *b, const char *reason)
{
    b->not_applicable = true;
    strlcpy(b->reason, reason, sizeof(b->reason));
}

void kbench_fail(struct kbench *b, const char *reason)
{
    b->failed = true;
    strlcpy(b->reason, reason, sizeof(b->reason));
}

uint64_t kbench_percentile(uint64_t *samples, size_t count, unsigned p)
{
    if (count == 0)
        return 0;
    heap_sort_u64(samples, count);
    /* Nearest rank: the smallest sample with at least p% of samples at or below it. */
    size_t rank = ((size_t)p * count + 99) / 100;
    if (rank == 0)
        rank = 1;
    return samples[rank - 1];
}

int kbench_run_all(const char *filter, bool more_follow)
{
    int failed = 0;
    uint64_t *samples = kmalloc(KBENCH_MAX_SAMPLES * sizeof(uint64_t));

    if (samples == NULL) {
        kprintf("BENCH version 1\nBENCH end\n");
        return 1;
    }
    kprintf("BENCH version 1\n");
    for (const struct kbench_row *row = __kbench_rows_start; row < __kbench_rows_end; row++) {
        if (filter != NULL && filter[0] != '\0' && !glob_match(filter, row->name))
            continue;

        struct kbench b = { .row = row, .samples = samples };
        row->run(&b);

        if (b.failed) {
            kprintf("BENCH %s cycles n/a n/a n/a 0 failed: %s\n", row->name, b.reason);
            failed++;
        } else if (b.not_applicable || b.count == 0) {
            kprintf("BENCH %s cycles n/a n/a n/a 0 %s\n", row->name,
                    b.not_applicable ? b.reason : "no samples");
        } else {
            uint64_t p10 = kbench_percentile(samples, b.count, 10);
            uint64_t median = kbench_percentile(samples, b.count, 50);
            uint64_t p90 = kbench_percentile(samples, b.count, 90);
            kprintf("BENCH %s cycles %lu %lu %lu %zu\n", row->name, median, p10, p90, b.count);
        }
    }
    if (!more_follow)
        kprintf("BENCH end\n");
    kfree(samples);
    return failed;
}
