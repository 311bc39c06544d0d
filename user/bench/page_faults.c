/*
 * Page-fault rows, timed from user space: the first write to a fresh anonymous
 * page (demand zero), and the first write to a page shared copy-on-write with a
 * forked child. A sample covers the user-mode write, the exception, the fault
 * handler and the return to user mode. The kernel's own rows anon_fault and
 * cow_fault take the same faults on a kernel write (copy_to_user), with no
 * change of privilege level. Row names must be unique across the kernel and
 * every program, so these rows carry the prefix user_.
 */
#include <sys/wait.h>

#include "bench.h"

#define ITERATIONS 2000
#define WARMUP 100
/* One page per iteration, warm-up included: 8.2 MiB. */
#define REGION_PAGES (WARMUP + ITERATIONS)
#define REGION_BYTES (REGION_PAGES * BENCH_PAGE)

static uint64_t samples[BENCH_MAX_SAMPLES];

/* Time one write to each page of P, the first WARMUP untimed. */
static void time_page_writes(char *p)
{
    volatile char *page = p;

    for (unsigned i = 0; i < WARMUP; i++)
        page[i * BENCH_PAGE] = 2;
    for (unsigned i = 0; i < ITERATIONS; i++) {
        uint64_t start = bench_now();
        page[(WARMUP + i) * BENCH_PAGE] = 2;
        samples[i] = bench_now() - start;
    }
}

static void bench_anon_fault(void)
{
    const char *name = "user_anon_fault";
    char *p = mmap(NULL, REGION_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED) {
        bench_print_failed(name, "mmap");
        return;
    }
    bench_no_huge_pages(p, REGION_BYTES);
    time_page_writes(p);
    munmap(p, REGION_BYTES);
    bench_print_row(name, samples, ITERATIONS);
}

/*
 * The parent touches every page, forks a child that waits on a pipe while it
 * keeps the pages shared, then times its own first write to each page.
 */
static void bench_cow_fault(void)
{
    const char *name = "user_cow_fault";
    char *p = bench_map_touched(REGION_BYTES);
    int hold[2];
    char byte;
    pid_t pid;
    int status;

    if (p == NULL) {
        bench_print_failed(name, "mmap");
        return;
    }
    if (pipe(hold) != 0) {
        bench_print_failed(name, "pipe");
        munmap(p, REGION_BYTES);
        return;
    }
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        close(hold[1]);
        _exit(read(hold[0], &byte, 1) == 0 ? 0 : 1);
    }
    close(hold[0]);
    if (pid < 0) {
        bench_print_failed(name, "fork");
        close(hold[1]);
        munmap(p, REGION_BYTES);
        return;
    }

    time_page_writes(p);

    /* End of file on the pipe lets the child exit. */
    close(hold[1]);
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        errno = 0;
        bench_print_failed(name, "the child holding the pages did not exit with status 0");
    } else {
        bench_print_row(name, samples, ITERATIONS);
    }
    munmap(p, REGION_BYTES);
}

int main(void)
{
    if (bench_selected("user_anon_fault"))
        bench_anon_fault();
    if (bench_selected("user_cow_fault"))
        bench_cow_fault();
    return bench_failed_rows == 0 ? 0 : 1;
}
