/*
 * Threads and lwCs. Threads of one process run in different lwCs at the same time,
 * each with that lwC's memory and signal handlers. Only threads that existed at a
 * child's lwCreate may enter it, and they resume where they were then. Four threads
 * switch among five lwCs, and a thread preempted inside a child resumes there.
 *
 * Threads other than the case's own store what they saw in root memory, and lwC
 * children report through the reply of their lwSwitch back, never through the
 * KTAP helpers: under COPY, a failure recorded in a child's memory would never
 * reach the root's.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ktap.h"
#include "lwc.h"

/* Linux's futex operations (<linux/futex.h>, which musl-gcc does not provide). */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129
#define PAGE_SIZE 4096UL
#define NSEC_PER_SEC 1000000000u

/* ---- Helpers ---- */

static long gettid_raw(void)
{
    return syscall(SYS_gettid);
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* A system call's result, or -errno: what a thread or child reports. */
static long result_or_errno(long result)
{
    return result == -1 ? -errno : result;
}

/*
 * NOTE: lwcos keys a futex by the physical frame of its word. pthread_join sleeps on
 * the thread's tid word, and when a live child lwC still shares that page
 * copy-on-write, the exiting thread's write moves the root to a new frame and its
 * wake-up misses the joiner. So the cases below wait for a thread's done flag and
 * close the children before they join.
 */

/* In a child: lwCreate's result there, its descriptor for the creator. */
static int child_creator_fd = -100;

typedef void (*lwc_body)(const struct lwc_args *in, struct lwc_args *out);

/*
 * Create an lwC with SPECS. Each time a thread switches into it through the
 * lwCreate slot or a later lwSwitch, the child runs BODY on what the switcher sent
 * and switches back with BODY's reply. Returns the child's descriptor in the
 * creator, or -1 with errno set.
 */
static int spawn(const struct lwc_rspec *specs, int nspecs, lwc_body body)
{
    int caller = -2;
    struct lwc_args in = { 0 };
    int fd = lwCreate(specs, nspecs, 0, &caller, &in);

    if (fd < 0 || caller == -1)
        return fd;

    /* From here on, this runs in the child. */
    child_creator_fd = fd;
    for (;;) {
        struct lwc_args out = { 0 };

        body(&in, &out);
        caller = lwSwitch(caller, &out, &in);
        if (caller < 0)
            _exit(120);
    }
}

/* Progress counters in a page that the root and a child share (LWC_SHARE), so
 * each side can see that the other ran. */
struct progress_page {
    volatile long root_steps;
    volatile long child_steps;
};

static struct progress_page *progress;
static struct lwc_rspec progress_spec;

/* Map PROGRESS and fill PROGRESS_SPEC, the spec entry that shares it. */
static bool map_progress(void)
{
    void *page = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);

    if (page == MAP_FAILED)
        return false;
    progress = page;
    progress->root_steps = 0;
    progress->child_steps = 0;
    progress_spec = (struct lwc_rspec){
        .flags = LWC_MEM | LWC_SHARE,
        .sub.mem = { (unsigned long)page, (unsigned long)page + PAGE_SIZE },
    };
    return true;
}

/* What a thread that creates a child and enters it once did, for the case to check. */
struct entry_report {
    lwc_body body;
    long send;              /* v[0] of the switch into the child */
    long tid;
    long create_result;     /* the child's descriptor, or -errno */
    long switch_result;
    struct lwc_args reply;
    volatile int done;
};

/* Thread body: create a child running report->body with the progress page shared,
 * switch into it once, close it. */
static void *create_and_enter(void *arg)
{
    struct entry_report *report = arg;
    struct lwc_args send = { .v = { report->send } };

    report->tid = gettid_raw();
    report->create_result = result_or_errno(spawn(&progress_spec, 1, report->body));
    if (report->create_result >= 0) {
        report->switch_result = result_or_errno(lwSwitch((int)report->create_result, &send,
                                                         &report->reply));
        close((int)report->create_result);
    }
    report->done = 1;
    return NULL;
}

/* 100 in the root; children write their own values. */
static volatile long private_value = 100;

/*
 * In the root, while REPORT's thread works in its child: count steps in the shared
 * page and check private_value keeps the root's 100, until the thread is done (at
 * most 10 s). Sets *CHILD_STEPS_SEEN to the child's steps counted meanwhile. Returns
 * how often private_value was wrong.
 */
static long run_root_until_done(struct entry_report *report, long *child_steps_seen,
                                bool yield)
{
    uint64_t deadline = now_ns() + 10ull * NSEC_PER_SEC;
    long wrong = 0;
    long first = progress->child_steps;

    while (!report->done && now_ns() < deadline) {
        if (private_value != 100)
            wrong++;
        progress->root_steps++;
        if (yield)
            sched_yield();
    }
    *child_steps_seen = progress->child_steps - first;
    return wrong;
}

static void skip_without_lwc(void)
{
    ktap_skip("lwC system calls are not available (ENOSYS)");
}

/* Run CASES, or report each as skipped when the kernel has no lwC calls (Linux). */
static int run_cases(int argc, char **argv, const struct ktap_case *cases, size_t count)
{
    static struct ktap_case skipped[64];

    errno = 0;
    if (!(lwSwitch(-1, NULL, NULL) == -1 && errno == ENOSYS) || count > 64)
        return ktap_main(argc, argv, cases, count);
    for (size_t i = 0; i < count; i++)
        skipped[i] = (struct ktap_case){ cases[i].name, skip_without_lwc };
    return ktap_main(argc, argv, skipped, count);
}

/* ---- Two threads in two lwCs at once ---- */

/*
 * In the child: set private_value to v[0], then, until the root has made 20 more
 * steps (at most 5 s), check that private_value keeps the child's value.
 * Reply: v[0] = times it was wrong, v[1] = root steps seen, v[2] = tid, v[3] = the
 * child's private_value at the end.
 */
static void hold_value_while_root_runs(const struct lwc_args *in, struct lwc_args *out)
{
    long start = progress->root_steps;
    uint64_t deadline = now_ns() + 5ull * NSEC_PER_SEC;

    private_value = in->v[0];
    while (progress->root_steps < start + 20 && now_ns() < deadline) {
        if (private_value != in->v[0])
            out->v[0]++;
        progress->child_steps++;
        sched_yield();
    }
    out->v[1] = progress->root_steps - start;
    out->v[2] = gettid_raw();
    out->v[3] = private_value;
}

static void threads_see_own_memory(void)
{
    struct entry_report report = { .body = hold_value_while_root_runs, .send = 200 };
    pthread_t thread;
    long child_steps_seen;

    ASSERT_TRUE(map_progress());
    private_value = 100;
    ASSERT_EQ(pthread_create(&thread, NULL, create_and_enter, &report), 0);
    long root_wrong = run_root_until_done(&report, &child_steps_seen, true);
    ASSERT_EQ(pthread_join(thread, NULL), 0);

    EXPECT_GE(report.create_result, 0);
    EXPECT_EQ(report.switch_result, report.create_result);
    EXPECT_EQ(report.reply.v[0], 0);        /* the child always saw 200 */
    EXPECT_GE(report.reply.v[1], 20);       /* the root ran meanwhile */
    EXPECT_EQ(report.reply.v[2], report.tid);
    EXPECT_EQ(report.reply.v[3], 200);
    EXPECT_EQ(root_wrong, 0);               /* the root always saw 100 */
    EXPECT_GT(child_steps_seen, 0);         /* the child ran meanwhile */
    EXPECT_EQ(private_value, 100);
    munmap((void *)progress, PAGE_SIZE);
}

/* ---- A fault in a child is handled there ---- */

static sigjmp_buf fault_return;
static volatile long fault_handler_tid, fault_handler_runs;

static void recover_from_fault(int sig)
{
    (void)sig;
    fault_handler_tid = gettid_raw();
    fault_handler_runs++;
    siglongjmp(fault_return, 1);
}

/*
 * In the child: install a SIGSEGV handler (the child's disposition only), write to
 * address 0, and once recovered wait for 5 more root steps (at most 5 s).
 * Reply: v[0] = sigaction's result, v[1] = handler runs, v[2] = the handler's tid,
 * v[3] = this thread's tid, v[4] = root steps during the fault and wait.
 */
static void fault_in_child(const struct lwc_args *in, struct lwc_args *out)
{
    struct sigaction sa = { .sa_handler = recover_from_fault };
    long start = progress->root_steps;
    uint64_t deadline = now_ns() + 5ull * NSEC_PER_SEC;

    (void)in;
    out->v[0] = result_or_errno(sigaction(SIGSEGV, &sa, NULL));
    if (sigsetjmp(fault_return, 1) == 0)
        *(volatile int *)0 = 1;
    while (progress->root_steps < start + 5 && now_ns() < deadline) {
        progress->child_steps++;
        sched_yield();
    }
    out->v[1] = fault_handler_runs;
    out->v[2] = fault_handler_tid;
    out->v[3] = gettid_raw();
    out->v[4] = progress->root_steps - start;
}

/* Results of fault_in_child_handled_there, in a page shared with the forked process. */
struct fault_results {
    long create_result, switch_result, handler_runs, handler_tid, thread_tid, root_steps;
    long sigaction_result, root_handler_is_default, root_handler_runs, child_steps;
};

static void fault_in_child_handled_there(void)
{
    struct fault_results *results = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE,
                                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    ASSERT_TRUE(results != MAP_FAILED);
    results->create_result = -1000;

    /* A process of its own, so a fault delivered in the root (SIG_DFL) kills only it. */
    pid_t pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        struct entry_report report = { .body = fault_in_child };
        struct sigaction root_action;
        pthread_t thread;

        if (!map_progress())
            _exit(90);
        if (pthread_create(&thread, NULL, create_and_enter, &report) != 0)
            _exit(91);
        run_root_until_done(&report, &results->child_steps, true);
        pthread_join(thread, NULL);
        results->create_result = report.create_result;
        results->switch_result = report.switch_result;
        results->sigaction_result = report.reply.v[0];
        results->handler_runs = report.reply.v[1];
        results->handler_tid = report.reply.v[2];
        results->thread_tid = report.reply.v[3];
        results->root_steps = report.reply.v[4];
        sigaction(SIGSEGV, NULL, &root_action);
        results->root_handler_is_default = root_action.sa_handler == SIG_DFL;
        results->root_handler_runs = fault_handler_runs;
        _exit(0);
    }
    EXPECT_EXITED(ktap_wait(pid), 0);
    EXPECT_GE(results->create_result, 0);
    EXPECT_EQ(results->switch_result, results->create_result);
    EXPECT_EQ(results->sigaction_result, 0);
    EXPECT_EQ(results->handler_runs, 1);
    EXPECT_NE(results->thread_tid, 0);
    EXPECT_EQ(results->handler_tid, results->thread_tid);
    EXPECT_GE(results->root_steps, 5);
    EXPECT_GT(results->child_steps, 0);
    EXPECT_EQ(results->root_handler_is_default, 1);
    EXPECT_EQ(results->root_handler_runs, 0);
    munmap(results, PAGE_SIZE);
}

/* ---- Which threads may enter a child: those that existed at its lwCreate ---- */

static void reply_with_tid(const struct lwc_args *in, struct lwc_args *out)
{
    out->v[0] = in->v[0];
    out->v[1] = gettid_raw();
}

static int late_child;
static long late_switch_result;

static void *switch_into_late_child(void *arg)
{
    struct lwc_args reply;

    (void)arg;
    late_switch_result = result_or_errno(lwSwitch(late_child, NULL, &reply));
    return NULL;
}

static void thread_created_later_gets_esrch(void)
{
    struct lwc_args send = { .v = { 5 } };
    struct lwc_args reply = { 0 };
    pthread_t thread;

    late_child = spawn(NULL, 0, reply_with_tid);
    ASSERT_GE(late_child, 0);
    late_switch_result = 0;
    ASSERT_EQ(pthread_create(&thread, NULL, switch_into_late_child, NULL), 0);
    ASSERT_EQ(pthread_join(thread, NULL), 0);
    EXPECT_EQ(late_switch_result, -ESRCH);

    /* The creator still enters it. */
    EXPECT_EQ(lwSwitch(late_child, &send, &reply), late_child);
    EXPECT_EQ(reply.v[0], 5);
    EXPECT_EQ(reply.v[1], gettid_raw());
    close(late_child);
}

/* Set in the child's memory when its creator first enters. */
static volatile int in_snapshot_child;
static int snapshot_pipe[2];
static volatile int snapshot_child_fd = -1;
static volatile int snapshot_thread_reading, snapshot_done;

struct snapshot_report {
    long tid;
    long root_read;         /* what read returned in the root */
    long switch_result;     /* lwSwitch into the child, as the root saw it return */
    struct lwc_args reply;  /* what the thread saw in the child */
};

static struct snapshot_report snapshot;

static void mark_snapshot_child(const struct lwc_args *in, struct lwc_args *out)
{
    (void)in;
    (void)out;
    in_snapshot_child = 1;
}

/*
 * Blocks in read while the main thread creates the child, so the child holds this
 * thread's state inside read. In the root, read returns the byte the main thread
 * writes, and the thread switches into the child. There the same read returns
 * again, from the snapshot: the thread reports that result back to the root.
 */
static void *read_then_enter_child(void *arg)
{
    char byte;

    (void)arg;
    snapshot.tid = gettid_raw();
    snapshot_thread_reading = 1;
    long n = result_or_errno(read(snapshot_pipe[0], &byte, 1));
    if (in_snapshot_child) {
        struct lwc_args out = { .v = { n, gettid_raw(), child_creator_fd } };

        lwSwitch(child_creator_fd, &out, NULL);
        _exit(121);     /* nothing switches back to this point */
    }
    snapshot.root_read = n;
    snapshot.switch_result = result_or_errno(lwSwitch(snapshot_child_fd, NULL, &snapshot.reply));
    snapshot_done = 1;
    return NULL;
}

static void thread_existing_at_create_enters(void)
{
    pthread_t thread;
    char byte = 'x';

    snapshot = (struct snapshot_report){ 0 };
    snapshot_thread_reading = 0;
    snapshot_done = 0;
    snapshot_child_fd = -1;
    ASSERT_OK(pipe(snapshot_pipe));
    ASSERT_EQ(pthread_create(&thread, NULL, read_then_enter_child, NULL), 0);
    for (int i = 0; i < 5000 && !snapshot_thread_reading; i++)
        ktap_sleep_ms(1);
    ktap_sleep_ms(50);       /* time to block in read */

    int child = spawn(NULL, 0, mark_snapshot_child);
    if (EXPECT_GE(child, 0)) {
        EXPECT_EQ(lwSwitch(child, NULL, NULL), child);
        EXPECT_EQ(in_snapshot_child, 0);
        snapshot_child_fd = child;
    }
    EXPECT_EQ(write(snapshot_pipe[1], &byte, 1), 1);
    for (int i = 0; i < 5000 && !snapshot_done; i++)
        ktap_sleep_ms(1);
    EXPECT_EQ(snapshot_done, 1);
    close(child);
    ASSERT_EQ(pthread_join(thread, NULL), 0);

    EXPECT_EQ(snapshot.root_read, 1);
    EXPECT_EQ(snapshot.switch_result, child);
    /* In the child, the read the thread was blocked in returns EINTR: this kernel's
     * choice for a thread caught inside a system call at lwCreate. */
    EXPECT_EQ(snapshot.reply.v[0], -EINTR);
    EXPECT_EQ(snapshot.reply.v[1], snapshot.tid);
    EXPECT_GE(snapshot.reply.v[2], 0);
    close(snapshot_pipe[0]);
    close(snapshot_pipe[1]);
}

static volatile int fresh_gate, fresh_done, fresh_child_fd = -1;
static struct snapshot_report fresh;

/*
 * Created just before the lwC, so it has usually not run once when the child is
 * made. In the child it then starts from the beginning, as clone's new thread,
 * and reports back to the root. In the root it waits for the main thread to
 * open the gate, then switches into the child.
 */
static void *start_then_enter_child(void *arg)
{
    (void)arg;
    for (;;) {
        if (in_snapshot_child) {
            struct lwc_args out = { .v = { 1, gettid_raw(), child_creator_fd } };

            lwSwitch(child_creator_fd, &out, NULL);
            _exit(121);     /* nothing switches back to this point */
        }
        if (fresh_gate)
            break;
        sched_yield();
    }
    fresh.tid = gettid_raw();
    fresh.switch_result = result_or_errno(lwSwitch(fresh_child_fd, NULL, &fresh.reply));
    fresh_done = 1;
    return NULL;
}

static void thread_not_yet_run_starts_fresh(void)
{
    pthread_t thread;

    fresh = (struct snapshot_report){ 0 };
    fresh_gate = 0;
    fresh_done = 0;
    fresh_child_fd = -1;
    ASSERT_EQ(pthread_create(&thread, NULL, start_then_enter_child, NULL), 0);
    int child = spawn(NULL, 0, mark_snapshot_child);
    if (EXPECT_GE(child, 0)) {
        EXPECT_EQ(lwSwitch(child, NULL, NULL), child);
        EXPECT_EQ(in_snapshot_child, 0);
        fresh_child_fd = child;
    }
    fresh_gate = 1;
    for (int i = 0; i < 5000 && !fresh_done; i++)
        ktap_sleep_ms(1);
    EXPECT_EQ(fresh_done, 1);
    ASSERT_EQ(pthread_join(thread, NULL), 0);
    close(child);

    EXPECT_EQ(fresh.switch_result, child);
    EXPECT_EQ(fresh.reply.v[0], 1);
    EXPECT_EQ(fresh.reply.v[1], fresh.tid);
    EXPECT_GE(fresh.reply.v[2], 0);
}

/* ---- Four threads, five lwCs ---- */

#define WORKERS 4
#define CHILDREN 5
#define ROUNDS 50
#define REQUEST_INIT 1
#define REQUEST_COUNT 2
#define FIRST_ENTRY (-1)

/* In each child's memory: its index (-1 in the root) and how often it was entered. */
static volatile long child_index = -1;
static long child_entries;

static int worker_children[CHILDREN];
static volatile int workers_parked, workers_go, workers_done;

struct worker_report {
    long tid;
    long first_entry_result[CHILDREN];  /* the interrupted call's result, in each child */
    long bad_switches, bad_replies;
};

static struct worker_report worker_reports[WORKERS];

/*
 * Serve a switch in a child: v[6] = REQUEST_INIT records the child's index v[0];
 * REQUEST_COUNT reports the entries so far; otherwise count this entry.
 * Reply: v[0] = child index, v[1] = the sender's v[0], v[2] = its v[1], v[3] = entries.
 */
static void serve_request(const struct lwc_args *in, struct lwc_args *out)
{
    if (in->v[6] == REQUEST_INIT)
        child_index = in->v[0];
    else if (in->v[6] != REQUEST_COUNT)
        __atomic_add_fetch(&child_entries, 1, __ATOMIC_SEQ_CST);
    out->v[0] = child_index;
    out->v[1] = in->v[0];
    out->v[2] = in->v[1];
    out->v[3] = __atomic_load_n(&child_entries, __ATOMIC_SEQ_CST);
}

/* Serve switches in a child entered at a snapshot, first replying FIRST. */
static void serve_after_snapshot(struct lwc_args first)
{
    struct lwc_args in, out = first;
    int caller = child_creator_fd;

    for (;;) {
        caller = lwSwitch(caller, &out, &in);
        if (caller < 0)
            _exit(122);
        out = (struct lwc_args){ 0 };
        serve_request(&in, &out);
    }
}

static void *worker(void *arg)
{
    long w = (long)(intptr_t)arg;
    struct worker_report *report = &worker_reports[w];
    struct timespec timeout = { 0, 100000000 };
    long interrupted = 0;

    report->tid = gettid_raw();
    __atomic_add_fetch(&workers_parked, 1, __ATOMIC_SEQ_CST);

    /* Park until released. The main thread creates the children meanwhile, so each
     * child stores this thread's state in this loop, most likely inside the futex
     * call. A first entry into a child resumes here, in the child's memory. */
    while (!workers_go && child_index < 0)
        interrupted = result_or_errno(syscall(SYS_futex, &workers_go, FUTEX_WAIT_PRIVATE, 0,
                                              &timeout, NULL, 0));
    if (child_index >= 0) {
        struct lwc_args first = { .v = { child_index, w, FIRST_ENTRY, 0, interrupted } };

        serve_after_snapshot(first);
    }

    /* In the root: enter every child ROUNDS times, in turn. */
    for (long round = FIRST_ENTRY; round < ROUNDS; round++) {
        for (int j = 0; j < CHILDREN; j++) {
            struct lwc_args send = { .v = { w, round } };
            struct lwc_args reply = { 0 };

            if (lwSwitch(worker_children[j], &send, &reply) != worker_children[j]) {
                report->bad_switches++;
                continue;
            }
            if (reply.v[0] != j || reply.v[1] != w || reply.v[2] != round)
                report->bad_replies++;
            if (round == FIRST_ENTRY)
                report->first_entry_result[j] = reply.v[4];
        }
    }
    __atomic_add_fetch(&workers_done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void four_threads_five_lwcs(void)
{
    pthread_t threads[WORKERS];
    int created = 0;

    workers_parked = 0;
    workers_go = 0;
    workers_done = 0;
    child_index = -1;
    child_entries = 0;
    for (long w = 0; w < WORKERS; w++) {
        worker_reports[w] = (struct worker_report){ 0 };
        ASSERT_EQ(pthread_create(&threads[w], NULL, worker, (void *)(intptr_t)w), 0);
    }
    for (int i = 0; i < 5000 && workers_parked < WORKERS; i++)
        ktap_sleep_ms(1);
    ktap_sleep_ms(50);       /* time to reach the futex wait */

    /* Each child gets a saved state for the main thread (lwCreate) and for every
     * parked worker. The main thread enters first to tell the child its index. */
    for (int j = 0; j < CHILDREN; j++) {
        struct lwc_args init = { .v = { j, 0, 0, 0, 0, 0, REQUEST_INIT } };
        struct lwc_args reply = { 0 };

        worker_children[j] = spawn(NULL, 0, serve_request);
        if (!EXPECT_GE(worker_children[j], 0))
            break;
        created++;
        EXPECT_EQ(lwSwitch(worker_children[j], &init, &reply), worker_children[j]);
        EXPECT_EQ(reply.v[0], j);
    }
    EXPECT_EQ(child_index, -1);

    /* The wake-up may miss workers, because their futex page is now shared
     * copy-on-write with the children (see the note at the top). Their 100 ms
     * timeout covers that. */
    workers_go = 1;
    syscall(SYS_futex, &workers_go, FUTEX_WAKE_PRIVATE, WORKERS, NULL, NULL, 0);
    for (int i = 0; i < 30000 && workers_done < WORKERS; i++)
        ktap_sleep_ms(1);
    EXPECT_EQ(workers_done, WORKERS);

    for (int w = 0; w < WORKERS; w++) {
        EXPECT_EQ(worker_reports[w].bad_switches, 0);
        EXPECT_EQ(worker_reports[w].bad_replies, 0);
        for (int j = 0; j < created; j++) {
            long first = worker_reports[w].first_entry_result[j];

            /* The interrupted futex wait: EINTR, or ETIMEDOUT/0 had the worker left
             * the kernel before the snapshot. */
            if (first != -EINTR)
                ktap_diag("worker %d entered child %d after a futex result of %ld", w, j, first);
            EXPECT_TRUE(first == -EINTR || first == -ETIMEDOUT || first == 0);
        }
    }
    for (int j = 0; j < created; j++) {
        struct lwc_args count = { .v = { j, 0, 0, 0, 0, 0, REQUEST_COUNT } };
        struct lwc_args reply = { 0 };

        EXPECT_EQ(lwSwitch(worker_children[j], &count, &reply), worker_children[j]);
        EXPECT_EQ(reply.v[0], j);
        EXPECT_EQ(reply.v[3], WORKERS * ROUNDS);
        close(worker_children[j]);
    }
    for (int w = 0; w < WORKERS; w++)
        EXPECT_EQ(pthread_join(threads[w], NULL), 0);
    EXPECT_EQ(child_entries, 0);
}

/* ---- Preempted in a child, resumed there ---- */

/* 777 only in the child's memory, from its first entry. */
static volatile long child_only_value;

/*
 * In the child: v[0] = 1 sets child_only_value to 777 and returns. Otherwise spin
 * for 300 ms of wall time, never giving up the CPU, so timer ticks (100 Hz) preempt
 * this thread in the child. Reply: v[0] = times child_only_value was not 777 while
 * spinning, v[1] = child_only_value at the end, v[2] = root steps made while
 * spinning, v[3] = clock reads.
 */
static void spin_in_child(const struct lwc_args *in, struct lwc_args *out)
{
    if (in->v[0] == 1) {
        child_only_value = 777;
        return;
    }
    long start = progress->root_steps;
    uint64_t end = now_ns() + 300000000u;
    while (now_ns() < end) {
        /* Mostly user-mode work between clock reads, so most ticks land in it. */
        for (int i = 0; i < 10000; i++) {
            if (child_only_value != 777)
                out->v[0]++;
            progress->child_steps++;
        }
        out->v[3]++;
    }
    out->v[1] = child_only_value;
    out->v[2] = progress->root_steps - start;
}

static struct entry_report preempt_report;

/* Thread body: create the spinning child, enter it to set it up, then to spin. */
static void *enter_twice(void *arg)
{
    struct entry_report *report = arg;
    struct lwc_args setup = { .v = { 1 } };
    struct lwc_args spin = { .v = { 2 } };

    report->tid = gettid_raw();
    int child = spawn(&progress_spec, 1, spin_in_child);
    report->create_result = result_or_errno(child);
    if (child >= 0) {
        report->switch_result = result_or_errno(lwSwitch(child, &setup, &report->reply));
        if (report->switch_result == child)
            report->switch_result = result_or_errno(lwSwitch(child, &spin, &report->reply));
        close(child);
    }
    report->done = 1;
    return NULL;
}

static void preempted_in_child_resumes_there(void)
{
    pthread_t thread;
    long child_steps_seen;

    ASSERT_TRUE(map_progress());
    private_value = 100;
    child_only_value = 0;
    preempt_report = (struct entry_report){ 0 };
    ASSERT_EQ(pthread_create(&thread, NULL, enter_twice, &preempt_report), 0);
    /* Spin in the root too, without yielding: only the timer moves the CPU. */
    long root_wrong = run_root_until_done(&preempt_report, &child_steps_seen, false);
    ASSERT_EQ(pthread_join(thread, NULL), 0);

    EXPECT_GE(preempt_report.create_result, 0);
    EXPECT_EQ(preempt_report.switch_result, preempt_report.create_result);
    EXPECT_EQ(preempt_report.reply.v[0], 0);
    EXPECT_EQ(preempt_report.reply.v[1], 777);
    EXPECT_GT(preempt_report.reply.v[2], 0);    /* the root ran while the child spun */
    EXPECT_GT(preempt_report.reply.v[3], 0);
    EXPECT_GT(child_steps_seen, 0);
    EXPECT_EQ(root_wrong, 0);
    EXPECT_EQ(child_only_value, 0);
    munmap((void *)progress, PAGE_SIZE);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(threads_see_own_memory),
    KTAP_CASE(fault_in_child_handled_there),
    KTAP_CASE(thread_created_later_gets_esrch),
    KTAP_CASE(thread_existing_at_create_enters),
    KTAP_CASE(thread_not_yet_run_starts_fresh),
    KTAP_CASE(four_threads_five_lwcs),
    KTAP_CASE(preempted_in_child_resumes_there),
};

int main(int argc, char **argv)
{
    return run_cases(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
