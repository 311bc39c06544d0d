/*
 * Threads as POSIX programs see them: pthread create, join and detach, mutexes and
 * condition variables, the futex system call underneath, thread ids, exit_group and
 * fatal signals from a thread, and signals aimed at one thread. Every case prints
 * the same results on Linux.
 *
 * A case that ends its process on purpose forks first, so the exit or the signal
 * ends only the forked copy.
 */
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ktap.h"

/* ---- Helpers ---- */

/* Linux's futex operations (<linux/futex.h>, which musl-gcc does not provide). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_REQUEUE_PRIVATE (FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)

static long futex(volatile int *word, int op, int value, const struct timespec *timeout)
{
    return syscall(SYS_futex, word, op, value, timeout, NULL, 0);
}

static long gettid_raw(void)
{
    return syscall(SYS_gettid);
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wait up to 5 s for *FLAG to become nonzero; returns whether it did. */
static bool wait_for_flag(volatile int *flag)
{
    for (int i = 0; i < 5000 && !*flag; i++)
        ktap_sleep_ms(1);
    return *flag != 0;
}

/* ---- Create, join, detach ---- */

static void *return_arg_plus_one(void *arg)
{
    return (void *)((intptr_t)arg + 1);
}

static void *exit_with_arg(void *arg)
{
    pthread_exit(arg);
}

static void join_returns_thread_result(void)
{
    pthread_t threads[8];
    void *result;

    for (intptr_t i = 0; i < 8; i++)
        ASSERT_EQ(pthread_create(&threads[i], NULL, return_arg_plus_one, (void *)(i * 10)), 0);
    for (intptr_t i = 0; i < 8; i++) {
        result = NULL;
        EXPECT_EQ(pthread_join(threads[i], &result), 0);
        EXPECT_EQ((intptr_t)result, i * 10 + 1);
    }

    /* pthread_exit's value arrives the same way. */
    ASSERT_EQ(pthread_create(&threads[0], NULL, exit_with_arg, (void *)77), 0);
    EXPECT_EQ(pthread_join(threads[0], &result), 0);
    EXPECT_EQ((intptr_t)result, 77);
}

static volatile int detached_ran;
static sem_t detached_done;

static void *mark_detached_ran(void *arg)
{
    (void)arg;
    detached_ran = 1;
    sem_post(&detached_done);
    return NULL;
}

static void detached_thread_runs(void)
{
    pthread_attr_t attr;
    pthread_t thread;
    struct timespec deadline;

    detached_ran = 0;
    ASSERT_EQ(sem_init(&detached_done, 0, 0), 0);

    /* Detached at creation. */
    ASSERT_EQ(pthread_attr_init(&attr), 0);
    ASSERT_EQ(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED), 0);
    ASSERT_EQ(pthread_create(&thread, &attr, mark_detached_ran, NULL), 0);
    pthread_attr_destroy(&attr);
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    EXPECT_EQ(sem_timedwait(&detached_done, &deadline), 0);
    EXPECT_EQ(detached_ran, 1);

    /* Detached after creation. */
    detached_ran = 0;
    ASSERT_EQ(pthread_create(&thread, NULL, mark_detached_ran, NULL), 0);
    EXPECT_EQ(pthread_detach(thread), 0);
    EXPECT_EQ(sem_timedwait(&detached_done, &deadline), 0);
    EXPECT_EQ(detached_ran, 1);
    sem_destroy(&detached_done);
}

/* ---- Mutexes and condition variables ---- */

#define COUNTER_THREADS 4
#define COUNTER_INCREMENTS 10000

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *add_to_counter(void *arg)
{
    (void)arg;
    for (int i = 0; i < COUNTER_INCREMENTS; i++) {
        pthread_mutex_lock(&counter_lock);
        long seen = counter;
        /* Give the scheduler a chance to preempt inside the critical section. */
        if (i % 1000 == 0)
            sched_yield();
        counter = seen + 1;
        pthread_mutex_unlock(&counter_lock);
    }
    return NULL;
}

static void mutex_counts_every_increment(void)
{
    pthread_t threads[COUNTER_THREADS];

    counter = 0;
    for (int i = 0; i < COUNTER_THREADS; i++)
        ASSERT_EQ(pthread_create(&threads[i], NULL, add_to_counter, NULL), 0);
    for (int i = 0; i < COUNTER_THREADS; i++)
        EXPECT_EQ(pthread_join(threads[i], NULL), 0);
    EXPECT_EQ(counter, COUNTER_THREADS * COUNTER_INCREMENTS);
}

static void mutex_trylock_sees_owner(void)
{
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

    ASSERT_EQ(pthread_mutex_lock(&lock), 0);
    EXPECT_EQ(pthread_mutex_trylock(&lock), EBUSY);
    EXPECT_EQ(pthread_mutex_unlock(&lock), 0);
    EXPECT_EQ(pthread_mutex_trylock(&lock), 0);
    EXPECT_EQ(pthread_mutex_unlock(&lock), 0);
}

/* Waiters take one ticket each; pthread_cond_signal hands out one ticket. */
static pthread_mutex_t ticket_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ticket_cond = PTHREAD_COND_INITIALIZER;
static int tickets, waiting, served;
static bool open_for_all;

static void *take_ticket(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&ticket_lock);
    waiting++;
    while (tickets == 0 && !open_for_all)
        pthread_cond_wait(&ticket_cond, &ticket_lock);
    if (!open_for_all)
        tickets--;
    waiting--;
    served++;
    pthread_mutex_unlock(&ticket_lock);
    return NULL;
}

static void reset_tickets(void)
{
    tickets = 0;
    waiting = 0;
    served = 0;
    open_for_all = false;
}

/* Wait until N threads are in take_ticket's wait, and a little longer so they sleep. */
static bool wait_for_waiters(int n)
{
    for (int i = 0; i < 5000; i++) {
        pthread_mutex_lock(&ticket_lock);
        int now = waiting;
        pthread_mutex_unlock(&ticket_lock);
        if (now == n) {
            ktap_sleep_ms(20);
            return true;
        }
        ktap_sleep_ms(1);
    }
    return false;
}

static int served_after_ms(long ms)
{
    ktap_sleep_ms(ms);
    pthread_mutex_lock(&ticket_lock);
    int n = served;
    pthread_mutex_unlock(&ticket_lock);
    return n;
}

static void cond_signal_wakes_one_waiter(void)
{
    pthread_t threads[2];

    reset_tickets();
    for (int i = 0; i < 2; i++)
        ASSERT_EQ(pthread_create(&threads[i], NULL, take_ticket, NULL), 0);
    ASSERT_TRUE(wait_for_waiters(2));

    pthread_mutex_lock(&ticket_lock);
    tickets = 1;
    EXPECT_EQ(pthread_cond_signal(&ticket_cond), 0);
    pthread_mutex_unlock(&ticket_lock);
    EXPECT_EQ(served_after_ms(50), 1);

    pthread_mutex_lock(&ticket_lock);
    tickets = 1;
    EXPECT_EQ(pthread_cond_signal(&ticket_cond), 0);
    pthread_mutex_unlock(&ticket_lock);
    for (int i = 0; i < 2; i++)
        EXPECT_EQ(pthread_join(threads[i], NULL), 0);
    EXPECT_EQ(served, 2);
    EXPECT_EQ(tickets, 0);
}

static void cond_broadcast_wakes_all_waiters(void)
{
    pthread_t threads[3];

    reset_tickets();
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(pthread_create(&threads[i], NULL, take_ticket, NULL), 0);
    ASSERT_TRUE(wait_for_waiters(3));

    pthread_mutex_lock(&ticket_lock);
    open_for_all = true;
    EXPECT_EQ(pthread_cond_broadcast(&ticket_cond), 0);
    pthread_mutex_unlock(&ticket_lock);
    for (int i = 0; i < 3; i++)
        EXPECT_EQ(pthread_join(threads[i], NULL), 0);
    EXPECT_EQ(served, 3);
}

static void cond_timedwait_times_out(void)
{
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
    pthread_condattr_t attr;
    pthread_cond_t monotonic_cond;
    struct timespec deadline;
    uint64_t start;

    /* The default clock, CLOCK_REALTIME: a deadline 100 ms ahead. */
    pthread_mutex_lock(&lock);
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 100000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    start = now_ns();
    EXPECT_EQ(pthread_cond_timedwait(&cond, &lock, &deadline), ETIMEDOUT);
    EXPECT_GE(now_ns() - start, 90000000u);
    EXPECT_LT(now_ns() - start, 2000000000u);

    /* CLOCK_MONOTONIC, and a deadline already past. */
    ASSERT_EQ(pthread_condattr_init(&attr), 0);
    ASSERT_EQ(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC), 0);
    ASSERT_EQ(pthread_cond_init(&monotonic_cond, &attr), 0);
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += 100000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    start = now_ns();
    EXPECT_EQ(pthread_cond_timedwait(&monotonic_cond, &lock, &deadline), ETIMEDOUT);
    EXPECT_GE(now_ns() - start, 90000000u);
    EXPECT_LT(now_ns() - start, 2000000000u);
    deadline.tv_sec -= 10;
    EXPECT_EQ(pthread_cond_timedwait(&monotonic_cond, &lock, &deadline), ETIMEDOUT);
    pthread_mutex_unlock(&lock);
    pthread_cond_destroy(&monotonic_cond);
    pthread_condattr_destroy(&attr);
}

/* ---- The futex system call ---- */

static void futex_wait_wrong_value_is_eagain(void)
{
    static volatile int word = 5;

    EXPECT_ERRNO(futex(&word, FUTEX_WAIT, 4, NULL), EAGAIN);
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 6, NULL), EAGAIN);
    EXPECT_EQ(word, 5);
}

static void futex_wait_timeout_is_etimedout(void)
{
    static volatile int word;
    struct timespec timeout = { 0, 50000000 };
    uint64_t start = now_ns();

    EXPECT_ERRNO(futex(&word, FUTEX_WAIT, 0, &timeout), ETIMEDOUT);
    EXPECT_GE(now_ns() - start, 45000000u);
    EXPECT_LT(now_ns() - start, 2000000000u);

    /* A zero timeout times out at once. */
    timeout.tv_nsec = 0;
    EXPECT_ERRNO(futex(&word, FUTEX_WAIT_PRIVATE, 0, &timeout), ETIMEDOUT);
}

static void futex_bad_arguments(void)
{
    static volatile int words[2];
    struct timespec negative = { -1, 0 };
    struct timespec too_many_ns = { 0, 1000000000 };

    EXPECT_ERRNO(futex((volatile int *)((char *)words + 1), FUTEX_WAIT, 0, NULL), EINVAL);
    EXPECT_ERRNO(futex(&words[0], FUTEX_WAIT, 0, &negative), EINVAL);
    EXPECT_ERRNO(futex(&words[0], FUTEX_WAIT, 0, &too_many_ns), EINVAL);
    EXPECT_ERRNO(futex(NULL, FUTEX_WAIT, 0, NULL), EFAULT);
    EXPECT_ERRNO(syscall(SYS_futex, &words[0], FUTEX_WAIT_BITSET, 0, NULL, NULL, 0), EINVAL);
}

static volatile int wake_word;
static volatile int wake_arrived;
static long wake_results[3];

static void *futex_waiter(void *arg)
{
    intptr_t i = (intptr_t)arg;

    __atomic_add_fetch(&wake_arrived, 1, __ATOMIC_SEQ_CST);
    wake_results[i] = futex(&wake_word, FUTEX_WAIT_PRIVATE, 0, NULL) == 0 ? 0 : -errno;
    return NULL;
}

static void futex_wake_returns_count(void)
{
    pthread_t threads[3];

    wake_word = 0;
    wake_arrived = 0;
    EXPECT_EQ(futex(&wake_word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL), 0);
    for (intptr_t i = 0; i < 3; i++) {
        wake_results[i] = 1;
        ASSERT_EQ(pthread_create(&threads[i], NULL, futex_waiter, (void *)i), 0);
    }
    for (int i = 0; i < 5000 && wake_arrived < 3; i++)
        ktap_sleep_ms(1);
    ASSERT_EQ(wake_arrived, 3);
    ktap_sleep_ms(50);     /* time to reach FUTEX_WAIT after counting themselves */

    EXPECT_EQ(futex(&wake_word, FUTEX_WAKE_PRIVATE, 2, NULL), 2);
    EXPECT_EQ(futex(&wake_word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL), 1);
    EXPECT_EQ(futex(&wake_word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL), 0);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(pthread_join(threads[i], NULL), 0);
        EXPECT_EQ(wake_results[i], 0);
    }
}

static volatile int requeue_from, requeue_to;
static volatile int requeue_arrived;
static long requeue_results[3];

static void *wait_on_requeue_from(void *arg)
{
    intptr_t i = (intptr_t)arg;

    __atomic_add_fetch(&requeue_arrived, 1, __ATOMIC_SEQ_CST);
    requeue_results[i] = futex(&requeue_from, FUTEX_WAIT_PRIVATE, 0, NULL) == 0 ? 0 : -errno;
    return NULL;
}

/* FUTEX_REQUEUE and FUTEX_CMP_REQUEUE wake some waiters and move the rest to a
 * second word; musl's condition variables use them to hand waiters to the mutex. */
static void futex_requeue_moves_waiters(void)
{
    pthread_t threads[3];

    requeue_from = 0;
    requeue_to = 0;
    requeue_arrived = 0;
    for (intptr_t i = 0; i < 3; i++) {
        requeue_results[i] = 1;
        ASSERT_EQ(pthread_create(&threads[i], NULL, wait_on_requeue_from, (void *)i), 0);
    }
    for (int i = 0; i < 5000 && requeue_arrived < 3; i++)
        ktap_sleep_ms(1);
    ASSERT_EQ(requeue_arrived, 3);
    ktap_sleep_ms(50);     /* time to reach FUTEX_WAIT after counting themselves */

    /* The word differs from val3: nothing moves. */
    EXPECT_ERRNO(syscall(SYS_futex, &requeue_from, FUTEX_CMP_REQUEUE_PRIVATE, 0, 1,
                         &requeue_to, 1), EAGAIN);
    /* Wake one, move one; the result counts both. */
    EXPECT_EQ(syscall(SYS_futex, &requeue_from, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1,
                      &requeue_to, 0), 2);
    /* Wake none, move the rest. */
    EXPECT_EQ(syscall(SYS_futex, &requeue_from, FUTEX_REQUEUE_PRIVATE, 0, INT_MAX,
                      &requeue_to, 0), 1);
    EXPECT_EQ(futex(&requeue_from, FUTEX_WAKE_PRIVATE, INT_MAX, NULL), 0);
    EXPECT_EQ(futex(&requeue_to, FUTEX_WAKE_PRIVATE, INT_MAX, NULL), 2);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(pthread_join(threads[i], NULL), 0);
        EXPECT_EQ(requeue_results[i], 0);
    }
}

/* ---- Thread ids and the tid word of CLONE_CHILD_CLEARTID ---- */

static long thread_tid, thread_pid;

static void *report_ids(void *arg)
{
    (void)arg;
    thread_tid = gettid_raw();
    thread_pid = getpid();
    return NULL;
}

static void gettid_differs_getpid_shared(void)
{
    pthread_t threads[2];
    long tids[2];

    EXPECT_EQ(gettid_raw(), getpid());
    for (int i = 0; i < 2; i++) {
        ASSERT_EQ(pthread_create(&threads[i], NULL, report_ids, NULL), 0);
        ASSERT_EQ(pthread_join(threads[i], NULL), 0);
        tids[i] = thread_tid;
        EXPECT_EQ(thread_pid, getpid());
        EXPECT_NE(thread_tid, getpid());
        EXPECT_GT(thread_tid, 0);
    }
    EXPECT_NE(tids[0], tids[1]);
}

#define RAW_STACK_SIZE 65536
#define RAW_CLONE_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
                         CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID |          \
                         CLONE_CHILD_CLEARTID)

/*
 * clone a thread that runs FN(ARG) on STACK and then calls exit(0). The new thread
 * shares the caller's thread pointer (no CLONE_SETTLS), so FN may make only raw
 * system calls. Returns clone's result in the caller.
 */
static long clone_raw_thread(void (*fn)(void *), void *arg, char *stack, int *parent_tid,
                             int *child_tid)
{
    uintptr_t *top = (uintptr_t *)(stack + RAW_STACK_SIZE);
    register long r10 __asm__("r10") = (long)child_tid;
    register long r8 __asm__("r8") = 0;
    long rc;

    *--top = (uintptr_t)arg;
    *--top = (uintptr_t)fn;
    __asm__ volatile(
        "syscall\n\t"
        "test %%rax, %%rax\n\t"
        "jnz 1f\n\t"
        /* The new thread: take fn and arg from its stack, call fn, exit(0). */
        "pop %%rax\n\t"
        "pop %%rdi\n\t"
        "and $-16, %%rsp\n\t"
        "call *%%rax\n\t"
        "mov $60, %%eax\n\t"
        "xor %%edi, %%edi\n\t"
        "syscall\n\t"
        "ud2\n"
        "1:"
        : "=a"(rc)
        : "a"(SYS_clone), "D"(RAW_CLONE_FLAGS), "S"(top), "d"(parent_tid), "r"(r10), "r"(r8)
        : "rcx", "r11", "memory");
    return rc;
}

static volatile int raw_seen_tid;

/* Runs in the raw thread: note the tid word, then sleep 100 ms so the creator is
 * asleep in FUTEX_WAIT on it before this thread exits. */
static void note_tid_then_sleep(void *arg)
{
    struct timespec ts = { 0, 100000000 };

    raw_seen_tid = *(volatile int *)arg;
    syscall(SYS_nanosleep, &ts, NULL);
}

static void exit_clears_tid_and_wakes_joiner(void)
{
    static char stack[RAW_STACK_SIZE] __attribute__((aligned(16)));
    static volatile int parent_tid, child_tid;
    struct timespec timeout = { 5, 0 };

    parent_tid = -1;
    child_tid = -1;
    raw_seen_tid = 0;
    long tid = clone_raw_thread(note_tid_then_sleep, (void *)&child_tid, stack,
                                (int *)&parent_tid, (int *)&child_tid);
    ASSERT_GT(tid, 0);
    EXPECT_EQ(parent_tid, tid);

    /* Linux writes the CLONE_CHILD_SETTID word when the new thread first runs. */
    for (int i = 0; i < 5000 && child_tid == -1; i++)
        ktap_sleep_ms(1);

    /* The tid word holds the tid until the thread exits, then 0, and the exit wakes
     * this FUTEX_WAIT (0, not ETIMEDOUT). If the thread already exited, the word
     * is 0 and the wait fails with EAGAIN. */
    int seen = child_tid;
    EXPECT_EQ(seen, tid);
    uint64_t start = now_ns();
    EXPECT_EQ(futex(&child_tid, FUTEX_WAIT, seen, &timeout), 0);
    EXPECT_LT(now_ns() - start, 4000000000u);
    EXPECT_EQ(child_tid, 0);
    EXPECT_EQ(raw_seen_tid, tid);
}

/* ---- exit_group and fatal signals from a thread ---- */

static void *call_exit_group(void *arg)
{
    syscall(SYS_exit_group, (int)(intptr_t)arg);
    return NULL;
}

static void *sleep_forever(void *arg)
{
    (void)arg;
    for (;;)
        ktap_sleep_ms(1000);
    return NULL;
}

static void exit_group_from_thread_ends_process(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0) {
        pthread_t sleeper, exiter;

        if (pthread_create(&sleeper, NULL, sleep_forever, NULL) != 0)
            _exit(90);
        if (pthread_create(&exiter, NULL, call_exit_group, (void *)23) != 0)
            _exit(91);
        pthread_join(exiter, NULL);
        _exit(92);
    }
    EXPECT_EXITED(ktap_wait(pid), 23);
}

static volatile int spin_forever_flag;

static void *spin_then_exit_group(void *arg)
{
    ktap_sleep_ms(20);
    syscall(SYS_exit_group, (int)(intptr_t)arg);
    return NULL;
}

static void exit_group_stops_spinning_main(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0) {
        pthread_t exiter;

        if (pthread_create(&exiter, NULL, spin_then_exit_group, (void *)4) != 0)
            _exit(91);
        while (!spin_forever_flag) {
        }
        _exit(92);
    }
    EXPECT_EXITED(ktap_wait(pid), 4);
}

static void *write_to_null(void *arg)
{
    (void)arg;
    ktap_sleep_ms(20);
    *(volatile int *)0 = 1;
    return NULL;
}

static void thread_segv_kills_process(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0) {
        pthread_t faulter, sleeper;

        if (pthread_create(&sleeper, NULL, sleep_forever, NULL) != 0)
            _exit(90);
        if (pthread_create(&faulter, NULL, write_to_null, NULL) != 0)
            _exit(91);
        pthread_join(faulter, NULL);
        _exit(92);
    }
    EXPECT_SIGNALED(ktap_wait(pid), SIGSEGV);
}

/* ---- Signals aimed at one thread ---- */

static volatile long handler_tid;
static volatile int handler_runs;

static void record_handler_tid(int sig)
{
    (void)sig;
    handler_tid = gettid_raw();
    handler_runs++;
}

static volatile long target_tid;
static volatile int target_ready, target_release;

/* Publish this thread's tid, then wait (in short sleeps) until released. */
static void *wait_for_release(void *arg)
{
    (void)arg;
    target_tid = gettid_raw();
    target_ready = 1;
    for (int i = 0; i < 5000 && !target_release; i++)
        ktap_sleep_ms(1);
    return NULL;
}

static void tgkill_runs_handler_in_target(void)
{
    struct sigaction sa = { .sa_handler = record_handler_tid };
    struct sigaction old;
    pthread_t thread;

    handler_tid = 0;
    handler_runs = 0;
    target_ready = 0;
    target_release = 0;
    ASSERT_OK(sigaction(SIGUSR1, &sa, &old));
    ASSERT_EQ(pthread_create(&thread, NULL, wait_for_release, NULL), 0);
    if (EXPECT_TRUE(wait_for_flag(&target_ready))) {
        EXPECT_OK(syscall(SYS_tgkill, getpid(), target_tid, SIGUSR1));
        for (int i = 0; i < 5000 && handler_runs == 0; i++)
            ktap_sleep_ms(1);
        EXPECT_EQ(handler_runs, 1);
        EXPECT_EQ(handler_tid, target_tid);
        EXPECT_NE(handler_tid, gettid_raw());

        /* tgkill with the wrong process id does not reach the thread. */
        EXPECT_ERRNO(syscall(SYS_tgkill, getpid() + 100000, target_tid, SIGUSR1), ESRCH);
        /* Signal 0 checks that the thread exists. */
        EXPECT_OK(syscall(SYS_tgkill, getpid(), target_tid, 0));
    }
    target_release = 1;
    EXPECT_EQ(pthread_join(thread, NULL), 0);
    EXPECT_EQ(handler_runs, 1);
    sigaction(SIGUSR1, &old, NULL);
}

static volatile int mask_step;
static volatile int thread_blocks_usr2, thread_blocks_usr1, thread_sees_pending;

/* Block SIGUSR2 in this thread only; wait for a tgkill of it, check it is pending
 * here, then unblock it and let the handler run. */
static void *block_usr2_then_unblock(void *arg)
{
    sigset_t set, current, pending;

    (void)arg;
    target_tid = gettid_raw();
    pthread_sigmask(SIG_BLOCK, NULL, &current);
    thread_blocks_usr1 = sigismember(&current, SIGUSR1);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_sigmask(SIG_BLOCK, NULL, &current);
    thread_blocks_usr2 = sigismember(&current, SIGUSR2);
    mask_step = 1;

    for (int i = 0; i < 5000 && mask_step != 2; i++)
        ktap_sleep_ms(1);
    sigpending(&pending);
    thread_sees_pending = sigismember(&pending, SIGUSR2);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);   /* the handler runs here */
    mask_step = 3;
    return NULL;
}

static void signal_masks_are_per_thread(void)
{
    struct sigaction sa = { .sa_handler = record_handler_tid };
    struct sigaction old;
    sigset_t usr1, mine, pending;
    pthread_t thread;

    handler_tid = 0;
    handler_runs = 0;
    mask_step = 0;
    thread_blocks_usr1 = -1;
    thread_blocks_usr2 = -1;
    thread_sees_pending = -1;
    ASSERT_OK(sigaction(SIGUSR2, &sa, &old));

    /* A new thread starts with its creator's mask. */
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &usr1, NULL), 0);
    ASSERT_EQ(pthread_create(&thread, NULL, block_usr2_then_unblock, NULL), 0);
    pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
    ASSERT_TRUE(wait_for_flag(&mask_step));
    EXPECT_EQ(thread_blocks_usr1, 1);
    EXPECT_EQ(thread_blocks_usr2, 1);

    /* The thread's block is not this thread's. */
    pthread_sigmask(SIG_BLOCK, NULL, &mine);
    EXPECT_EQ(sigismember(&mine, SIGUSR2), 0);
    EXPECT_EQ(sigismember(&mine, SIGUSR1), 0);

    /* A signal sent to the blocking thread waits there, not here. */
    EXPECT_OK(syscall(SYS_tgkill, getpid(), target_tid, SIGUSR2));
    ktap_sleep_ms(20);
    EXPECT_EQ(handler_runs, 0);
    sigemptyset(&pending);
    sigpending(&pending);
    EXPECT_EQ(sigismember(&pending, SIGUSR2), 0);
    mask_step = 2;
    EXPECT_EQ(pthread_join(thread, NULL), 0);
    EXPECT_EQ(mask_step, 3);
    EXPECT_EQ(thread_sees_pending, 1);
    EXPECT_EQ(handler_runs, 1);
    EXPECT_EQ(handler_tid, target_tid);
    sigaction(SIGUSR2, &old, NULL);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(join_returns_thread_result),
    KTAP_CASE(detached_thread_runs),
    KTAP_CASE(mutex_counts_every_increment),
    KTAP_CASE(mutex_trylock_sees_owner),
    KTAP_CASE(cond_signal_wakes_one_waiter),
    KTAP_CASE(cond_broadcast_wakes_all_waiters),
    KTAP_CASE(cond_timedwait_times_out),
    KTAP_CASE(futex_wait_wrong_value_is_eagain),
    KTAP_CASE(futex_wait_timeout_is_etimedout),
    KTAP_CASE(futex_bad_arguments),
    KTAP_CASE(futex_wake_returns_count),
    KTAP_CASE(futex_requeue_moves_waiters),
    KTAP_CASE(gettid_differs_getpid_shared),
    KTAP_CASE(exit_clears_tid_and_wakes_joiner),
    KTAP_CASE(exit_group_from_thread_ends_process),
    KTAP_CASE(exit_group_stops_spinning_main),
    KTAP_CASE(thread_segv_kills_process),
    KTAP_CASE(tgkill_runs_handler_in_target),
    KTAP_CASE(signal_masks_are_per_thread),
};

int main(int argc, char **argv)
{
    return KTAP_MAIN(argc, argv, cases);
}
