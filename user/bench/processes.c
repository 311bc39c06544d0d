/*
 * Process rows: a null system call, round trips between two processes over
 * pipes and through sched_yield, fork + exit + wait, and fork + execve + wait.
 *
 * Run with the single argument --exit-at-once, the program exits 0 before doing
 * anything else; the execve row runs it that way as its tiny program.
 */
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

#include "bench.h"

#define ITERATIONS 2000
#define WARMUP 100
/* Rows that create a process per iteration. */
#define PROCESS_ITERATIONS 1000
#define PROCESS_WARMUP 20

#define EXIT_AT_ONCE_ARG "--exit-at-once"

static uint64_t samples[BENCH_MAX_SAMPLES];

/* This program's path, for the execve row. */
static const char *self_path;

static void bench_getppid(void)
{
    for (int i = 0; i < WARMUP; i++)
        getppid();
    for (int i = 0; i < ITERATIONS; i++) {
        uint64_t start = bench_now();
        getppid();
        samples[i] = bench_now() - start;
    }
    bench_print_row("getppid", samples, ITERATIONS);
}

/*
 * Run this process and the children it forks on one CPU, so that a round trip
 * between two processes needs a process switch on a multi-CPU host too, as it
 * does on lwcos's one CPU. SAVED receives the previous affinity. Returns false
 * when the kernel has no affinity calls (lwcos); there is one CPU there anyway.
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

static void unpin(bool pinned, const cpu_set_t *saved)
{
    if (pinned)
        sched_setaffinity(0, sizeof *saved, saved);
}

/* Wait for PID and return whether it exited with status 0. */
static bool reaped_cleanly(pid_t pid)
{
    int status;

    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return false;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The child's half of pipe_pingpong: echo each byte until end of file. */
static void echo_bytes(int in, int out)
{
    char byte;

    while (read(in, &byte, 1) == 1) {
        if (write(out, &byte, 1) != 1)
            _exit(1);
    }
    _exit(0);
}

/* One byte from the parent to the child over one pipe and back over another. */
static void bench_pipe_pingpong(void)
{
    const char *name = "pipe_pingpong";
    int to_child[2], to_parent[2];
    cpu_set_t saved;
    bool pinned, ok = true;
    pid_t pid;

    if (pipe(to_child) != 0) {
        bench_print_failed(name, "pipe");
        return;
    }
    if (pipe(to_parent) != 0) {
        bench_print_failed(name, "pipe");
        close(to_child[0]);
        close(to_child[1]);
        return;
    }
    pinned = pin_to_one_cpu(&saved);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        close(to_child[1]);
        close(to_parent[0]);
        echo_bytes(to_child[0], to_parent[1]);
    }
    close(to_child[0]);
    close(to_parent[1]);
    if (pid < 0) {
        bench_print_failed(name, "fork");
        close(to_child[1]);
        close(to_parent[0]);
        unpin(pinned, &saved);
        return;
    }

    for (int i = 0; i < WARMUP + ITERATIONS && ok; i++) {
        char byte = (char)i;
        uint64_t start = bench_now();

        ok = write(to_child[1], &byte, 1) == 1 && read(to_parent[0], &byte, 1) == 1;
        if (i >= WARMUP)
            samples[i - WARMUP] = bench_now() - start;
    }

    /* End of file on its pipe ends the child. */
    close(to_child[1]);
    if (!ok)
        bench_print_failed(name, "a round trip over the pipes");
    else if (!reaped_cleanly(pid))
        bench_print_failed(name, "the echoing child did not exit with status 0");
    else
        bench_print_row(name, samples, ITERATIONS);
    close(to_parent[0]);
    unpin(pinned, &saved);
}

/* The child's half of yield_pingpong: call sched_yield forever, counting the calls
 * in COUNT, a page shared with the parent. */
static void yield_forever(volatile long *count)
{
    for (;;) {
        sched_yield();
        (*count)++;
    }
}

/*
 * The parent and a child both call sched_yield in a loop on one CPU, so each
 * parent call switches to the child, whose call switches back. A sample is half
 * that round trip: one sched_yield plus one process switch.
 *
 * The child counts its calls in a shared page. When the two alternate, the count
 * grows by exactly one during each parent call. The row fails when that is not
 * so for more than a tenth of the calls, because sched_yield then did not switch
 * (no growth) or the two ran side by side on two CPUs (irregular growth).
 */
static void bench_yield_pingpong(void)
{
    const char *name = "yield_pingpong";
    volatile long *count = mmap(NULL, BENCH_PAGE, PROT_READ | PROT_WRITE,
                                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int ready[2], irregular = 0;
    long last;
    cpu_set_t saved;
    bool pinned;
    char byte = 0;
    pid_t pid;

    if (count == MAP_FAILED) {
        bench_print_failed(name, "mmap of a shared page");
        return;
    }
    if (pipe(ready) != 0) {
        bench_print_failed(name, "pipe");
        munmap((void *)count, BENCH_PAGE);
        return;
    }
    pinned = pin_to_one_cpu(&saved);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        close(ready[0]);
        if (write(ready[1], &byte, 1) != 1)
            _exit(1);
        yield_forever(count);
    }
    close(ready[1]);
    if (pid < 0) {
        bench_print_failed(name, "fork");
        close(ready[0]);
        munmap((void *)count, BENCH_PAGE);
        unpin(pinned, &saved);
        return;
    }

    /* Time only once the child is in its loop. */
    if (read(ready[0], &byte, 1) != 1) {
        bench_print_failed(name, "the child did not start");
    } else {
        for (int i = 0; i < WARMUP; i++)
            sched_yield();
        last = *count;
        for (int i = 0; i < ITERATIONS; i++) {
            uint64_t start = bench_now();
            sched_yield();
            samples[i] = (bench_now() - start) / 2;
            if (*count != last + 1)
                irregular++;
            last = *count;
        }
        errno = 0;
        if (irregular > ITERATIONS / 10) {
            /* POSIX does not promise that sched_yield runs the other process
             * (Linux's CFS often keeps the caller), so this is not a failure:
             * the row just does not measure a switch on that kernel. */
            fprintf(stderr, "yield_pingpong: the child's count did not grow by one during "
                            "%d of %d sched_yield calls\n", irregular, ITERATIONS);
            bench_print_na(name, "sched_yield did not alternate between the two processes");
        } else {
            bench_print_row(name, samples, ITERATIONS);
        }
    }

    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(ready[0]);
    munmap((void *)count, BENCH_PAGE);
    unpin(pinned, &saved);
}

/*
 * fork, _exit(0) in the child and waitpid in the parent, with BYTES of touched
 * memory in the parent (0 for none).
 */
static void bench_fork_exit_wait(const char *name, size_t bytes)
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

    fflush(stdout);
    for (int i = 0; i < PROCESS_WARMUP + PROCESS_ITERATIONS; i++) {
        uint64_t start = bench_now();
        pid_t pid = fork();

        if (pid == 0)
            _exit(0);
        if (pid < 0) {
            bench_print_failed(name, "fork");
            ok = false;
            break;
        }
        if (!reaped_cleanly(pid)) {
            errno = 0;
            bench_print_failed(name, "the child did not exit with status 0");
            ok = false;
            break;
        }
        if (i >= PROCESS_WARMUP)
            samples[i - PROCESS_WARMUP] = bench_now() - start;
    }
    if (ok)
        bench_print_row(name, samples, PROCESS_ITERATIONS);
    if (memory != NULL)
        munmap(memory, bytes);
}

/* fork, execve of this program with --exit-at-once in the child, waitpid. */
static void bench_execve(void)
{
    const char *name = "execve";
    char *const argv[] = { (char *)self_path, EXIT_AT_ONCE_ARG, NULL };
    char *const envp[] = { NULL };

    fflush(stdout);
    for (int i = 0; i < PROCESS_WARMUP + PROCESS_ITERATIONS; i++) {
        uint64_t start = bench_now();
        pid_t pid = fork();

        if (pid == 0) {
            execve(self_path, argv, envp);
            _exit(127);
        }
        if (pid < 0) {
            bench_print_failed(name, "fork");
            return;
        }
        if (!reaped_cleanly(pid)) {
            errno = 0;
            bench_print_failed(name, "the executed program did not exit with status 0");
            return;
        }
        if (i >= PROCESS_WARMUP)
            samples[i - PROCESS_WARMUP] = bench_now() - start;
    }
    bench_print_row(name, samples, PROCESS_ITERATIONS);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], EXIT_AT_ONCE_ARG) == 0)
        _exit(0);
    self_path = argv[0];

    if (bench_selected("getppid"))
        bench_getppid();
    if (bench_selected("pipe_pingpong"))
        bench_pipe_pingpong();
    if (bench_selected("yield_pingpong"))
        bench_yield_pingpong();
    if (bench_selected("fork_exit_wait"))
        bench_fork_exit_wait("fork_exit_wait", 0);
    if (bench_selected("fork_exit_wait_16mib"))
        bench_fork_exit_wait("fork_exit_wait_16mib", 16 * BENCH_MIB);
    if (bench_selected("execve"))
        bench_execve();
    return bench_failed_rows == 0 ? 0 : 1;
}
