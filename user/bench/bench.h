/*
 * Helpers shared by the benchmark programs of user/bench/.
 *
 * Every program in this folder is a static musl binary that runs unchanged on
 * lwcos and on Linux. It prints one line per row on stdout, at column 0, in the
 * format of the kernel's own rows:
 *
 *   BENCH <name> cycles <median> <p10> <p90> <iterations>
 *   BENCH <name> cycles n/a n/a n/a 0 <reason>
 *
 * and nothing else there; diagnostics go to stderr. A program exits 1 when a row
 * failed unexpectedly (a "failed: ..." reason), otherwise 0.
 *
 * The build makes a program of every C file in this folder, so shared code lives
 * here as static inline functions.
 */
#ifndef USER_BENCH_H
#define USER_BENCH_H

#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lwc.h"

#define BENCH_PAGE 4096UL
#define BENCH_MIB (1UL << 20)
/* Samples per row at most; the percentiles are taken over what was recorded. */
#define BENCH_MAX_SAMPLES 4096

#define BENCH_NO_LWC_REASON "lwC system calls are not available (ENOSYS)"

/* Rows that failed unexpectedly in this program; main returns 1 when it is not 0. */
static int bench_failed_rows;

/* TSC read ordered against the instructions around it (LFENCE on both sides). */
static inline uint64_t bench_now(void)
{
    uint32_t lo, hi;

    __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
    return ((uint64_t)hi << 32) | lo;
}

static inline int bench_compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

/* Nearest rank, as the kernel's rows take it: the smallest sample with at least
 * p% of the samples at or below it. SORTED must be in ascending order. */
static inline uint64_t bench_percentile(const uint64_t *sorted, size_t count, unsigned p)
{
    size_t rank = ((size_t)p * count + 99) / 100;

    if (rank == 0)
        rank = 1;
    return sorted[rank - 1];
}

/* Print a row not applicable here, with the reason in plain words. */
/* Is the row selected by LWCOS_FILTER (a glob over row names, which
 * lwcos bench --rows sets)? With no filter every row is. */
static inline bool bench_selected(const char *name)
{
    const char *filter = getenv("LWCOS_FILTER");
    return filter == NULL || filter[0] == '\0' || fnmatch(filter, name, 0) == 0;
}

static inline void bench_print_na(const char *name, const char *reason)
{
    printf("BENCH %s cycles n/a n/a n/a 0 %s\n", name, reason);
    fflush(stdout);
}

/* Print a row that failed unexpectedly: OPERATION failed, with errno's message
 * when errno is set. The program then exits 1. */
static inline void bench_print_failed(const char *name, const char *operation)
{
    int error = errno;

    if (error != 0)
        printf("BENCH %s cycles n/a n/a n/a 0 failed: %s: %s\n", name, operation, strerror(error));
    else
        printf("BENCH %s cycles n/a n/a n/a 0 failed: %s\n", name, operation);
    fflush(stdout);
    bench_failed_rows++;
}

/* Sort SAMPLES (cycles) in place and print the row's median, p10, p90 and count. */
static inline void bench_print_row(const char *name, uint64_t *samples, size_t count)
{
    if (count == 0) {
        errno = 0;
        bench_print_failed(name, "no samples were recorded");
        return;
    }
    qsort(samples, count, sizeof samples[0], bench_compare_u64);
    printf("BENCH %s cycles %llu %llu %llu %zu\n", name,
           (unsigned long long)bench_percentile(samples, count, 50),
           (unsigned long long)bench_percentile(samples, count, 10),
           (unsigned long long)bench_percentile(samples, count, 90), count);
    fflush(stdout);
}

/* Whether the kernel has the lwC calls. Linux returns ENOSYS for number 501;
 * lwcos rejects descriptor -1 with EBADF. */
static inline bool bench_lwc_available(void)
{
    errno = 0;
    return !(lwSwitch(-1, NULL, NULL) == -1 && errno == ENOSYS);
}

/* MemAvailable from /proc/meminfo in KiB, or -1 when it cannot be read. */
static inline long bench_available_kib(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[128];
    long kib = -1;

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL) {
        if (sscanf(line, "MemAvailable: %ld kB", &kib) == 1)
            break;
    }
    fclose(f);
    return kib;
}

/*
 * Check that BYTES of new memory, plus a 32 MiB margin for page tables and the
 * kernel, are available. Returns true, or false after printing NAME as not
 * applicable. The check runs before touching the memory because a page fault
 * that finds no free frame would end the program instead of failing a call.
 */
static inline bool bench_memory_fits(const char *name, size_t bytes)
{
    long available = bench_available_kib();
    long needed = (long)((bytes + 32 * BENCH_MIB) / 1024);
    char reason[160];

    if (available < 0 || available >= needed)
        return true;
    snprintf(reason, sizeof reason,
             "not enough memory: %ld KiB needed, %ld KiB available; boot with more (-m)",
             needed, available);
    bench_print_na(name, reason);
    return false;
}

/*
 * Ask Linux not to back P with transparent huge pages, so each first touch is a
 * 4 KiB fault as on lwcos. The result is ignored because lwcos has no madvise
 * and maps user memory in 4 KiB pages only.
 */
static inline void bench_no_huge_pages(void *p, size_t bytes)
{
    int saved = errno;

    madvise(p, bytes, MADV_NOHUGEPAGE);
    errno = saved;
}

/*
 * Map BYTES of private anonymous memory in 4 KiB pages and write one byte to each
 * page, so every page has a frame. Returns NULL with errno set when mmap fails.
 */
static inline char *bench_map_touched(size_t bytes)
{
    char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED)
        return NULL;
    bench_no_huge_pages(p, bytes);
    for (size_t off = 0; off < bytes; off += BENCH_PAGE)
        ((volatile char *)p)[off] = 1;
    return p;
}

#endif
