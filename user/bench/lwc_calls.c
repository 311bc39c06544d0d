/*
 * lwC rows: lwSwitch round trips, lwCreate + close with more or less memory in
 * the creator, lwOverlay of a shared range, and a getppid call that traps to
 * the creator (its monitor) against the same call run directly.
 *
 * Vocabulary: the "root" is the lwC this program starts in; a "child" is an lwC
 * it creates. lwCreate returns twice: at once in the root with the child's
 * descriptor (*caller is -1), and in the child when a thread first switches in.
 * The child's memory is a copy-on-write copy of the root's, so the child reports
 * to the root through the arguments of lwSwitch or through a range that both
 * share (LWC_SHARE), never through ordinary variables.
 *
 * On a kernel without lwCs (Linux) every row is printed as not applicable.
 */
#include <sys/syscall.h>

#include "bench.h"

#define ITERATIONS 2000
#define WARMUP 100
/* Rows whose iteration copies or frees a whole address space. */
#define CREATE_ITERATIONS 1000
#define CREATE_WARMUP 10
/* lwcreate_256mib copies and frees 65536 page-table entries per iteration,
 * about 40 million cycles under QEMU's TCG, so it runs fewer iterations. */
#define CREATE_256MIB_ITERATIONS 200

static uint64_t samples[BENCH_MAX_SAMPLES];

/*
 * Create a child lwC that, each time it is entered, switches straight back to
 * the lwC that entered it. Returns the child's descriptor in the root, or -1 with
 * errno set. Only the root returns from here.
 */
static int create_echo_child(void)
{
    int caller = 0;
    int fd = lwCreate(NULL, 0, 0, &caller, NULL);

    if (fd < 0 || caller == -1)
        return fd;

    /* From here on, this runs in the child. */
    for (;;) {
        caller = lwSwitch(caller, NULL, NULL);
        if (caller < 0)
            _exit(120);
    }
}

/* Root -> child -> root: the second switch is the child's. */
static void bench_lwswitch_roundtrip(void)
{
    const char *name = "lwswitch_roundtrip";
    int child = create_echo_child();

    if (child < 0) {
        bench_print_failed(name, "lwCreate");
        return;
    }
    for (int i = 0; i < WARMUP + ITERATIONS; i++) {
        uint64_t start = bench_now();
        int back = lwSwitch(child, NULL, NULL);
        uint64_t end = bench_now();

        if (back != child) {
            bench_print_failed(name, "lwSwitch to the child");
            close(child);
            return;
        }
        if (i >= WARMUP)
            samples[i - WARMUP] = end - start;
    }
    close(child);
    bench_print_row(name, samples, ITERATIONS);
}

/*
 * lwCreate of a child that never runs, then close of its descriptor, which
 * frees it; both calls are timed together. BYTES of memory (0 for none) are
 * touched in the root first, so the child's copy-on-write copy covers them.
 * NOTE: the first lwCreate leaves the root's pages read-only (copy-on-write) and
 * nothing writes them again, so later iterations copy read-only entries, as a
 * second fork would.
 */
static void bench_lwcreate(const char *name, size_t bytes, int iterations)
{
    char *memory = NULL;
    bool ok = true;

    if (bytes > 0) {
        if (!bench_memory_fits(name, bytes))
            return;
        memory = bench_map_touched(bytes);
        if (memory == NULL) {
            if (errno == ENOMEM)
                bench_print_na(name, "not enough memory: mmap failed with ENOMEM; boot with more (-m)");
            else
                bench_print_failed(name, "mmap");
            return;
        }
    }

    for (int i = 0; i < CREATE_WARMUP + iterations; i++) {
        uint64_t start = bench_now();
        int child = lwCreate(NULL, 0, 0, NULL, NULL);

        if (child < 0) {
            if (errno == ENOMEM)
                bench_print_na(name, "not enough memory: lwCreate failed with ENOMEM; boot with more (-m)");
            else
                bench_print_failed(name, "lwCreate");
            ok = false;
            break;
        }
        close(child);
        if (i >= CREATE_WARMUP)
            samples[i - CREATE_WARMUP] = bench_now() - start;
    }
    if (ok)
        bench_print_row(name, samples, (size_t)iterations);
    if (memory != NULL)
        munmap(memory, bytes);
}

/*
 * lwOverlay of 1 MiB that the root touched before creating the child: each
 * call unmaps the root's range and maps the child's frames there (SHARE).
 */
static void bench_lwoverlay(void)
{
    const char *name = "lwoverlay_1mib";
    const size_t bytes = BENCH_MIB;
    char *memory = bench_map_touched(bytes);
    struct lwc_rspec spec = { .flags = LWC_MEM | LWC_SHARE };
    int child;

    if (memory == NULL) {
        bench_print_failed(name, "mmap");
        return;
    }
    child = lwCreate(NULL, 0, 0, NULL, NULL);
    if (child < 0) {
        bench_print_failed(name, "lwCreate");
        munmap(memory, bytes);
        return;
    }
    spec.sub.mem.start = (unsigned long)memory;
    spec.sub.mem.end = (unsigned long)memory + bytes;

    for (int i = 0; i < WARMUP + ITERATIONS; i++) {
        uint64_t start = bench_now();
        int rc = lwOverlay(child, &spec, 1);
        uint64_t end = bench_now();

        if (rc != 0) {
            bench_print_failed(name, "lwOverlay");
            close(child);
            munmap(memory, bytes);
            return;
        }
        if (i >= WARMUP)
            samples[i - WARMUP] = end - start;
    }
    close(child);
    munmap(memory, bytes);
    bench_print_row(name, samples, ITERATIONS);
}

/* The child's report in the v[] of its final lwSwitch to the root. */
enum {
    REPORT_RECORDED,        /* samples written, or -1 */
    REPORT_WRONG_RESULTS,   /* getppid calls whose result was not the expected pid */
};

/*
 * The child's half of the getppid rows: call getppid WARMUP + ITERATIONS times,
 * write the timed samples to SHARED, then switch back to the root with a report.
 */
static void run_getppid_child(int root, pid_t expected, uint64_t *shared)
{
    struct lwc_args report = { 0 };
    long wrong = 0;

    for (int i = 0; i < WARMUP + ITERATIONS; i++) {
        uint64_t start = bench_now();
        pid_t ppid = getppid();
        uint64_t end = bench_now();

        if (ppid != expected)
            wrong++;
        if (i >= WARMUP)
            shared[i - WARMUP] = end - start;
    }
    report.v[REPORT_RECORDED] = ITERATIONS;
    report.v[REPORT_WRONG_RESULTS] = wrong;
    lwSwitch(root, &report, NULL);
    _exit(121);
}

/*
 * getppid timed inside a LWC_SYSTRAP child. With TRAPPED, getppid is taken off
 * the child's allow-list (it is on the default one), so each call switches to
 * the root, which switches back with the result. A sample is the child's whole
 * round trip. The root replies with a pid read before the loop, so the samples
 * contain the trap and two switches but no monitor work.
 * Without TRAPPED, the same child runs getppid directly.
 */
static void bench_getppid_in_child(const char *name, bool trapped)
{
    const size_t shared_bytes = BENCH_MAX_SAMPLES * sizeof(uint64_t);
    uint64_t *shared = mmap(NULL, shared_bytes, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    pid_t ppid = getppid();
    struct lwc_rspec specs[2] = {
        { .flags = LWC_MEM | LWC_SHARE },
        { .flags = LWC_SYSCALLS | LWC_UNMAP, .sub.sys = { SYS_getppid, SYS_getppid } },
    };
    struct lwc_args received, answer = { 0 };
    long traps = 0;
    int caller = 0, child, from, switch_errno;

    if (shared == MAP_FAILED) {
        bench_print_failed(name, "mmap");
        return;
    }
    specs[0].sub.mem.start = (unsigned long)shared;
    specs[0].sub.mem.end = (unsigned long)shared + shared_bytes;

    child = lwCreate(specs, trapped ? 2 : 1, LWC_SYSTRAP, &caller, NULL);
    if (child < 0) {
        bench_print_failed(name, "lwCreate with LWC_SYSTRAP");
        munmap(shared, shared_bytes);
        return;
    }
    /* In the child, lwCreate's result is the child's descriptor for the root. */
    if (caller != -1)
        run_getppid_child(child, ppid, shared);

    /* The monitor: reply to every trapped call until the child switches back. */
    from = lwSwitch(child, NULL, &received);
    while (from >= 0 && received.kind == LWC_MSG_TRAP) {
        traps++;
        answer.v[0] = received.v[0] == SYS_getppid ? ppid : -ENOSYS;
        from = lwSwitch(from, &answer, &received);
    }
    switch_errno = from < 0 ? errno : 0;
    close(child);

    errno = switch_errno;
    if (from < 0)
        bench_print_failed(name, "lwSwitch to the child");
    else if (received.v[REPORT_RECORDED] != ITERATIONS)
        bench_print_failed(name, "the child recorded no samples");
    else if (received.v[REPORT_WRONG_RESULTS] != 0)
        bench_print_failed(name, "getppid in the child returned a pid other than the root's");
    else if (traps != (trapped ? WARMUP + ITERATIONS : 0))
        bench_print_failed(name, trapped ? "getppid did not trap on every call"
                                         : "getppid trapped although it is on the allow-list");
    else
        bench_print_row(name, shared, ITERATIONS);
    munmap(shared, shared_bytes);
}

int main(void)
{
    static const char *const rows[] = {
        "lwswitch_roundtrip", "lwcreate_close", "lwcreate_1mib", "lwcreate_16mib",
        "lwcreate_256mib", "lwoverlay_1mib", "trapped_getppid", "direct_getppid_in_lwc",
    };

    if (!bench_lwc_available()) {
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            if (bench_selected(rows[i]))
                bench_print_na(rows[i], BENCH_NO_LWC_REASON);
        }
        return 0;
    }

    if (bench_selected("lwswitch_roundtrip"))
        bench_lwswitch_roundtrip();
    if (bench_selected("lwcreate_close"))
        bench_lwcreate("lwcreate_close", 0, CREATE_ITERATIONS);
    if (bench_selected("lwcreate_1mib"))
        bench_lwcreate("lwcreate_1mib", BENCH_MIB, CREATE_ITERATIONS);
    if (bench_selected("lwcreate_16mib"))
        bench_lwcreate("lwcreate_16mib", 16 * BENCH_MIB, CREATE_ITERATIONS);
    if (bench_selected("lwcreate_256mib"))
        bench_lwcreate("lwcreate_256mib", 256 * BENCH_MIB, CREATE_256MIB_ITERATIONS);
    if (bench_selected("lwoverlay_1mib"))
        bench_lwoverlay();
    if (bench_selected("trapped_getppid"))
        bench_getppid_in_child("trapped_getppid", true);
    if (bench_selected("direct_getppid_in_lwc"))
        bench_getppid_in_child("direct_getppid_in_lwc", false);
    return bench_failed_rows == 0 ? 0 : 1;
}
