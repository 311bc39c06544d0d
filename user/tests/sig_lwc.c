/*
 * Signals across lwCs. Dispositions belong to an lwC, the mask to the thread, and
 * the routing rule decides where a signal is delivered:
 *   - attributable signals (a CPU exception, a thread signalling itself with
 *     tkill/raise) are delivered in the lwC that is running, with its handlers;
 *   - non-attributable ones (kill, including kill() of one's own process, SIGALRM,
 *     SIGCHLD) wait in the process until a thread runs in the root lwC;
 *   - SIGKILL ends the process wherever its thread is.
 *
 * Handlers count what they see in a page that every lwC of the case shares
 * (LWC_SHARE), so the root can tell which lwC's handler ran. Under Linux, which has
 * no lwC calls, every case is skipped.
 */
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ktap.h"
#include "lwc.h"

#define PAGE 4096

/* ---- Helpers (adapted from the copy each lwc_*.c program carries) ---- */

typedef void (*lwc_body)(const struct lwc_args *in, struct lwc_args *out);

/*
 * Create an lwC with SPECS. Each time a thread switches into it, the child runs BODY
 * on what the switcher sent and switches back with BODY's reply. Returns the child's
 * descriptor in the creator, or -1 with errno set.
 */
static int spawn(const struct lwc_rspec *specs, int nspecs, lwc_body body)
{
    int caller = -2;
    struct lwc_args in = { 0 };
    int fd = lwCreate(specs, nspecs, 0, &caller, &in);

    if (fd < 0 || caller == -1)
        return fd;

    /* From here on, this runs in the child. */
    for (;;) {
        struct lwc_args out = { 0 };

        body(&in, &out);
        caller = lwSwitch(caller, &out, &in);
        if (caller < 0)
            _exit(120);
    }
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

/* What the handlers saw, in a page every lwC of a case shares. */
struct shared_counts {
    volatile int root_hits;         /* runs of the handler installed in the root */
    volatile int child_hits;        /* runs of the handler installed in the child */
    volatile int in_child;          /* 1 while the thread runs the child's body */
    volatile int hit_while_in_child; /* in_child as the last handler saw it */
    volatile unsigned long fault_address;
};

static struct shared_counts *shared;

/* Map the shared page and return the spec that shares it with a new lwC. */
static struct lwc_rspec share_counts(void)
{
    struct lwc_rspec spec = { .flags = LWC_MEM | LWC_SHARE };
    void *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (page == MAP_FAILED) {
        KTAP_FAIL("mmap of the shared page failed");
        page = NULL;
    }
    shared = page;
    if (shared != NULL)
        memset(page, 0, PAGE);
    spec.sub.mem.start = (unsigned long)page;
    spec.sub.mem.end = (unsigned long)page + PAGE;
    return spec;
}

static void unshare_counts(void)
{
    if (shared != NULL)
        munmap((void *)shared, PAGE);
    shared = NULL;
}

static sigjmp_buf fault_return;

static void root_handler(int sig, siginfo_t *info, void *context)
{
    (void)context;
    shared->root_hits++;
    shared->hit_while_in_child = shared->in_child;
    if (sig == SIGSEGV) {
        shared->fault_address = (unsigned long)info->si_addr;
        siglongjmp(fault_return, 1);
    }
}

static void child_handler(int sig, siginfo_t *info, void *context)
{
    (void)context;
    shared->child_hits++;
    shared->hit_while_in_child = shared->in_child;
    if (sig == SIGSEGV) {
        shared->fault_address = (unsigned long)info->si_addr;
        siglongjmp(fault_return, 1);
    }
}

/* Install ACTION for SIG in the lwC that runs this call. */
static void install(int sig, void (*action)(int, siginfo_t *, void *))
{
    struct sigaction act;

    memset(&act, 0, sizeof act);
    act.sa_sigaction = action;
    act.sa_flags = SA_SIGINFO;
    sigaction(sig, &act, NULL);
}

/* Store to ADDRESS through a pointer the compiler cannot see through. */
static void store_to(unsigned long address)
{
    int *volatile target = (int *)address;

    *target = 1;
}

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- Attributable signals: delivered in the running lwC ---- */

/* Write to address 8 and report whether a handler brought the thread back. */
static void fault_once(const struct lwc_args *in, struct lwc_args *out)
{
    (void)in;
    shared->in_child = 1;
    if (sigsetjmp(fault_return, 1) == 0) {
        store_to(8);
        out->v[0] = -1;
    } else {
        out->v[0] = 1;
    }
    shared->in_child = 0;
}

static void segv_runs_child_handler(void)
{
    struct lwc_rspec spec = share_counts();
    struct lwc_args reply;
    int child;

    ASSERT_TRUE(shared != NULL);
    /* The child copies the dispositions at creation: it keeps child_handler. */
    install(SIGSEGV, child_handler);
    child = spawn(&spec, 1, fault_once);
    ASSERT_GE(child, 0);
    install(SIGSEGV, root_handler);

    ASSERT_EQ(lwSwitch(child, NULL, &reply), child);
    EXPECT_EQ(reply.v[0], 1);
    EXPECT_EQ(shared->child_hits, 1);
    EXPECT_EQ(shared->root_hits, 0);
    EXPECT_EQ(shared->fault_address, 8ul);

    /* The same fault in the root runs the root's handler. */
    shared->fault_address = 0;
    if (sigsetjmp(fault_return, 1) == 0)
        store_to(16);
    EXPECT_EQ(shared->root_hits, 1);
    EXPECT_EQ(shared->child_hits, 1);
    EXPECT_EQ(shared->fault_address, 16ul);

    signal(SIGSEGV, SIG_DFL);
    close(child);
    unshare_counts();
}

/* Install child_handler for SIGUSR1 in the child (on the first entry), then raise it
 * there; report both counts right after raise() returns. */
static void install_and_raise(const struct lwc_args *in, struct lwc_args *out)
{
    (void)in;
    install(SIGUSR1, child_handler);
    shared->in_child = 1;
    raise(SIGUSR1);
    out->v[0] = shared->child_hits;
    out->v[1] = shared->root_hits;
    shared->in_child = 0;
}

static void raise_runs_child_handler(void)
{
    struct lwc_rspec spec = share_counts();
    struct lwc_args reply;
    int child;

    ASSERT_TRUE(shared != NULL);
    install(SIGUSR1, root_handler);
    child = spawn(&spec, 1, install_and_raise);
    ASSERT_GE(child, 0);

    ASSERT_EQ(lwSwitch(child, NULL, &reply), child);
    EXPECT_EQ(reply.v[0], 1);
    EXPECT_EQ(reply.v[1], 0);
    EXPECT_EQ(shared->root_hits, 0);
    EXPECT_EQ(shared->hit_while_in_child, 1);

    signal(SIGUSR1, SIG_DFL);
    close(child);
    unshare_counts();
}

/* ---- Dispositions belong to an lwC ---- */

static void install_usr1_in_child(const struct lwc_args *in, struct lwc_args *out)
{
    (void)in;
    install(SIGUSR1, child_handler);
    out->v[0] = 1;
}

/* A handler installed in the child after creation does not exist in the root: a raise
 * in the root takes the root's default action. */
static void child_handler_absent_in_root(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0) {
        struct lwc_rspec spec = share_counts();
        struct lwc_args reply;
        int child = spawn(&spec, 1, install_usr1_in_child);

        if (child < 0 || lwSwitch(child, NULL, &reply) != child || reply.v[0] != 1)
            _exit(100);
        raise(SIGUSR1);
        _exit(42);
    }
    EXPECT_STATUS(ktap_wait(pid), 0x000a);
}

static void raise_usr1(const struct lwc_args *in, struct lwc_args *out)
{
    (void)in;
    raise(SIGUSR1);
    out->v[0] = 1;
}

/* A handler installed in the root after creation does not exist in the child. */
static void root_handler_absent_in_child(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0) {
        struct lwc_rspec spec = share_counts();
        struct lwc_args reply;
        int child = spawn(&spec, 1, raise_usr1);

        install(SIGUSR1, root_handler);
        if (child < 0)
            _exit(100);
        lwSwitch(child, NULL, &reply);
        _exit(42);
    }
    EXPECT_STATUS(ktap_wait(pid), 0x000a);
}

/* ---- Masks belong to the thread ---- */

static void report_mask_block_usr2(const struct lwc_args *in, struct lwc_args *out)
{
    sigset_t now, usr2;

    (void)in;
    sigprocmask(SIG_BLOCK, NULL, &now);
    out->v[0] = sigismember(&now, SIGUSR1);
    out->v[1] = sigismember(&now, SIGUSR2);
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    sigprocmask(SIG_BLOCK, &usr2, NULL);
}

static void mask_follows_thread(void)
{
    sigset_t usr1, now, none;
    struct lwc_args reply;
    int child = spawn(NULL, 0, report_mask_block_usr2);

    ASSERT_GE(child, 0);
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);

    ASSERT_EQ(lwSwitch(child, NULL, &reply), child);
    EXPECT_EQ(reply.v[0], 1);
    EXPECT_EQ(reply.v[1], 0);

    /* What the child blocked stays blocked in the root. */
    sigprocmask(SIG_BLOCK, NULL, &now);
    EXPECT_EQ(sigismember(&now, SIGUSR1), 1);
    EXPECT_EQ(sigismember(&now, SIGUSR2), 1);

    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    close(child);
}

/* ---- Non-attributable signals wait for the root lwC ---- */

/* kill() of one's own process, from the child: nothing runs until the root. */
static void kill_own_process(const struct lwc_args *in, struct lwc_args *out)
{
    (void)in;
    shared->in_child = 1;
    kill(getpid(), SIGUSR1);
    out->v[0] = shared->child_hits;
    out->v[1] = shared->root_hits;
    shared->in_child = 0;
}

static void self_kill_waits_for_root(void)
{
    struct lwc_rspec spec = share_counts();
    struct lwc_args reply;
    int child;

    ASSERT_TRUE(shared != NULL);
    install(SIGUSR1, child_handler);
    child = spawn(&spec, 1, kill_own_process);
    ASSERT_GE(child, 0);
    install(SIGUSR1, root_handler);

    ASSERT_EQ(lwSwitch(child, NULL, &reply), child);
    EXPECT_EQ(reply.v[0], 0);
    EXPECT_EQ(reply.v[1], 0);
    /* Delivered on the way back into the root, before lwSwitch returned. */
    EXPECT_EQ(shared->root_hits, 1);
    EXPECT_EQ(shared->child_hits, 0);
    EXPECT_EQ(shared->hit_while_in_child, 0);

    signal(SIGUSR1, SIG_DFL);
    close(child);
    unshare_counts();
}

/*
 * Spin for in->v[0] milliseconds, watching the counts. Reports v[0] = handler runs
 * seen during the spin, v[1] = getitimer's time left in microseconds at the end (0
 * when no alarm is due).
 */
static void spin_watching(const struct lwc_args *in, struct lwc_args *out)
{
    struct itimerval left;
    double start = now_seconds();

    shared->in_child = 1;
    while (now_seconds() - start < (double)in->v[0] / 1000) {
        if (shared->root_hits + shared->child_hits != 0)
            out->v[0] = shared->root_hits + shared->child_hits;
    }
    getitimer(ITIMER_REAL, &left);
    out->v[1] = left.it_value.tv_sec * 1000000 + left.it_value.tv_usec;
    shared->in_child = 0;
}

static void alarm_waits_for_root(void)
{
    unsigned timeout_left = alarm(0);
    struct lwc_args two_seconds = { .v = { 2000 } };
    struct lwc_rspec spec = share_counts();
    struct lwc_args reply;
    int child;

    ASSERT_TRUE(shared != NULL);
    install(SIGALRM, child_handler);
    child = spawn(&spec, 1, spin_watching);
    ASSERT_GE(child, 0);
    install(SIGALRM, root_handler);

    alarm(1);
    ASSERT_EQ(lwSwitch(child, &two_seconds, &reply), child);
    EXPECT_EQ(reply.v[0], 0);       /* no handler ran during the spin */
    EXPECT_EQ(reply.v[1], 0);       /* although the alarm expired during it */
    EXPECT_EQ(shared->root_hits, 1);
    EXPECT_EQ(shared->child_hits, 0);
    EXPECT_EQ(shared->hit_while_in_child, 0);

    signal(SIGALRM, SIG_DFL);
    alarm(timeout_left);
    close(child);
    unshare_counts();
}

/*
 * SIGCHLD from a child process that exits while the thread is in a child lwC whose
 * own SIGCHLD disposition is the default (ignore): the root has a handler, and the
 * signal is the root's, so it must wait and run there.
 */
static void sigchld_waits_for_root(void)
{
    struct lwc_rspec spec = share_counts();
    struct lwc_args one_second = { .v = { 1000 } }, reply;
    int child;
    pid_t pid;

    ASSERT_TRUE(shared != NULL);
    child = spawn(&spec, 1, spin_watching);
    ASSERT_GE(child, 0);
    install(SIGCHLD, root_handler);

    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        usleep(200000);
        _exit(0);
    }
    ASSERT_EQ(lwSwitch(child, &one_second, &reply), child);
    EXPECT_EQ(reply.v[0], 0);
    EXPECT_EQ(shared->root_hits, 1);
    EXPECT_EQ(shared->hit_while_in_child, 0);
    EXPECT_EXITED(ktap_wait(pid), 0);

    signal(SIGCHLD, SIG_DFL);
    close(child);
    unshare_counts();
}

/* The same for SIGUSR1 from another process while the child lwC ignores SIGUSR1. */
static void kill_ignored_in_child_reaches_root(void)
{
    struct lwc_rspec spec = share_counts();
    struct lwc_args one_second = { .v = { 1000 } }, reply;
    int child;
    pid_t pid;

    ASSERT_TRUE(shared != NULL);
    signal(SIGUSR1, SIG_IGN);
    child = spawn(&spec, 1, spin_watching);
    ASSERT_GE(child, 0);
    install(SIGUSR1, root_handler);

    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        usleep(200000);
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    ASSERT_EQ(lwSwitch(child, &one_second, &reply), child);
    EXPECT_EQ(reply.v[0], 0);
    EXPECT_EQ(shared->root_hits, 1);
    EXPECT_EQ(shared->hit_while_in_child, 0);
    EXPECT_EXITED(ktap_wait(pid), 0);

    signal(SIGUSR1, SIG_DFL);
    close(child);
    unshare_counts();
}

static void ignore_usr1(const struct lwc_args *in, struct lwc_args *out)
{
    (void)in;
    out->v[0] = signal(SIGUSR1, SIG_IGN) != SIG_ERR;
}

/* Setting SIG_IGN in a child lwC changes only the child's disposition, so it must not
 * discard a signal that is pending for the root. */
static void child_sig_ign_keeps_root_pending(void)
{
    struct lwc_rspec spec = share_counts();
    struct lwc_args reply;
    sigset_t usr1, pending;
    int child;

    ASSERT_TRUE(shared != NULL);
    child = spawn(&spec, 1, ignore_usr1);
    ASSERT_GE(child, 0);
    install(SIGUSR1, root_handler);
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    kill(getpid(), SIGUSR1);

    ASSERT_EQ(lwSwitch(child, NULL, &reply), child);
    EXPECT_EQ(reply.v[0], 1);
    ASSERT_OK(sigpending(&pending));
    EXPECT_EQ(sigismember(&pending, SIGUSR1), 1);
    sigprocmask(SIG_UNBLOCK, &usr1, NULL);
    EXPECT_EQ(shared->root_hits, 1);

    signal(SIGUSR1, SIG_DFL);
    close(child);
    unshare_counts();
}

/* Tell the parent process the thread is in the child lwC, then never leave it. */
static void spin_forever(const struct lwc_args *in, struct lwc_args *out)
{
    (void)out;
    if (write((int)in->v[0], "c", 1) != 1)
        _exit(100);
    for (;;)
        ;
}

/*
 * The denial-of-service limit of the routing rule: a thread that never returns to the
 * root lwC never takes SIGALRM, SIGTERM or any other non-attributable signal, so a
 * child lwC that spins forever keeps them out for good. Only SIGKILL, which acts
 * wherever the thread is, still ends the process.
 */
static void spinning_child_needs_sigkill(void)
{
    int ready[2];
    char byte;
    pid_t pid;
    int status = 0;

    ASSERT_OK(pipe(ready));
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        struct lwc_args send = { .v = { ready[1] } };
        int child = spawn(NULL, 0, spin_forever);

        if (child < 0)
            _exit(101);
        alarm(1);       /* SIGALRM's default action would end the process */
        lwSwitch(child, &send, NULL);
        _exit(102);
    }
    EXPECT_EQ(read(ready[0], &byte, 1), 1);
    EXPECT_OK(kill(pid, SIGTERM));
    EXPECT_OK(kill(pid, SIGUSR1));
    usleep(1500000);
    /* Still running, 1.5 s after SIGTERM and 0.5 s after its alarm. */
    EXPECT_EQ(waitpid(pid, &status, WNOHANG), 0);

    EXPECT_OK(kill(pid, SIGKILL));
    status = ktap_wait(pid);
    EXPECT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    close(ready[0]);
    close(ready[1]);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(segv_runs_child_handler),
    KTAP_CASE(raise_runs_child_handler),
    KTAP_CASE(child_handler_absent_in_root),
    KTAP_CASE(root_handler_absent_in_child),
    KTAP_CASE(mask_follows_thread),
    KTAP_CASE(self_kill_waits_for_root),
    KTAP_CASE(alarm_waits_for_root),
    KTAP_CASE(sigchld_waits_for_root),
    KTAP_CASE(kill_ignored_in_child_reaches_root),
    KTAP_CASE(child_sig_ign_keeps_root_pending),
    KTAP_CASE(spinning_child_needs_sigkill),
};

int main(int argc, char **argv)
{
    return run_cases(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
