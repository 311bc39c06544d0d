/*
 * Thread rows: two threads of one process alternating through futexes, the thread
 * counterpart of yield_pingpong (two processes) and lwswitch_roundtrip (one thread,
 * two lwCs).
 */
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>

#include "bench.h"

#define ITERATIONS 2000
#define WARMUP 100

/* Linux's futex operations (<linux/futex.h>, which musl-gcc does not provide). */
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

static uint64_t samples[BENCH_MAX_SAMPLES];

/*
 * Run this process and its threads on one CPU, so that a round trip between two
 * threads needs a thread switch on a multi-CPU host too, as it does on lwcos's one
 * CPU. SAVED receives the previous affinity. Returns false when the kernel has no
 * affinity calls (lwcos); there is one CPU there anyway.
 */
static bool pin_to_one_cpu(cpu_set_t *saved)
{
    cpu_set_t single_cpu;
    int saved_errno = errno;

    if (sched_getaffinity(0, sizeof *saved, saved) != 0) {
        errno = saved_errno;
        return false;
    }
    CPU_ZERO(&single_cpu);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (CPU_ISSET(cpu, saved)) {
            CPU_SET(cpu, &single_cpu);
            break;
        }
    }
    if (sched_setaffinity(0, sizeof single_cpu, &single_cpu) != 0) {
        errno = saved_errno;
        return false;
    }
    return true;
}

/* Whose turn it is: 0 for the main thread, 1 for the partner; -1 ends the partner. */
static volatile int turn;

static long futex(volatile int *word, int op, int value)
{
    return syscall(SYS_futex, word, op, value, NULL, NULL, 0);
}

/* Sleep until turn is no longer NOT_MINE. */
static void wait_while_turn_is(int not_mine)
{
    while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) == not_mine)
        futex(&turn, FUTEX_WAIT_PRIVATE, not_mine);
}

static void pass_turn(int next)
{
    __atomic_store_n(&turn, next, __ATOMIC_RELEASE);
    futex(&turn, FUTEX_WAKE_PRIVATE, 1);
}

/* The partner: wait for its turn, hand the turn back, until turn is -1. */
static void *partner(void *arg)
{
    (void)arg;
    for (;;) {
        wait_while_turn_is(0);
        if (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) == -1)
            return NULL;
        pass_turn(0);
    }
}

/*
 * The main thread hands the turn to the partner thread and sleeps on the futex
 * until it comes back. On one CPU that is two futex calls and one thread switch
 * each way. A sample is half the round trip.
 */
static void bench_thread_futex_pingpong(void)
{
    const char *name = "thread_futex_pingpong";
    cpu_set_t saved;
    bool pinned = pin_to_one_cpu(&saved);
    pthread_t thread;
    int rc;

    turn = 0;
    rc = pthread_create(&thread, NULL, partner, NULL);
    if (rc != 0) {
        errno = rc;
        bench_print_failed(name, "pthread_create");
    } else {
        for (int i = 0; i < WARMUP + ITERATIONS; i++) {
            uint64_t start = bench_now();

            pass_turn(1);
            wait_while_turn_is(1);
            if (i >= WARMUP)
                samples[i - WARMUP] = (bench_now() - start) / 2;
        }
        pass_turn(-1);
        pthread_join(thread, NULL);
        bench_print_row(name, samples, ITERATIONS);
    }
    if (pinned)
        sched_setaffinity(0, sizeof saved, &saved);
}

int main(void)
{
    if (bench_selected("thread_futex_pingpong"))
        bench_thread_futex_pingpong();
    return bench_failed_rows == 0 ? 0 : 1;
}
