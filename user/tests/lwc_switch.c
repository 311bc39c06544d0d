/*
 * lwSwitch: the arguments it carries and the descriptor it returns, where the target
 * resumes, the reply descriptor the kernel installs for a third lwC, and the
 * descriptor table and credentials it installs. Its errors are in lwc_errors.
 *
 * A child lwC reports what it saw through the reply of its lwSwitch back to the creator,
 * never through the KTAP helpers: under COPY, a failure recorded in the child's memory
 * would never reach the creator's.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ktap.h"
#include "lwc.h"

/* ---- Helpers (each lwc_*.c program carries its own copy) ---- */

/* In the child: lwCreate's result (its descriptor for the creator), the *caller of its
 * first entry, and the descriptor naming whoever switched in last. */
static int child_creator_fd = -100;
static int child_first_caller = -100;
static int child_switcher_fd = -100;

typedef void (*lwc_body)(const struct lwc_args *in, struct lwc_args *out);

/*
 * Create an lwC with SPECS and FLAGS. Each time a thread switches into it, the child
 * runs BODY on what the switcher sent and switches back with BODY's reply. Returns
 * the child's descriptor in the creator, or -1 with errno set.
 */
static int spawn(const struct lwc_rspec *specs, int nspecs, int flags, lwc_body body)
{
    int caller = -2;
    struct lwc_args in = { 0 };
    int fd = lwCreate(specs, nspecs, flags, &caller, &in);

    if (fd < 0 || caller == -1)
        return fd;

    /* From here on, this runs in the child. */
    child_creator_fd = fd;
    child_first_caller = caller;
    for (;;) {
        struct lwc_args out = { 0 };

        child_switcher_fd = caller;
        body(&in, &out);
        caller = lwSwitch(caller, &out, &in);
        if (caller < 0)
            _exit(120);
    }
}

/* The descriptor number open() would return next. */
static int lowest_free_fd(void)
{
    int fd = dup(0);

    close(fd);
    return fd;
}

/* A system call's result, or -errno: what a child reports back in a reply. */
static long result_or_errno(long result)
{
    return result == -1 ? -errno : result;
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

/* ---- What a switch carries and where it resumes ---- */

static void echo_args(const struct lwc_args *in, struct lwc_args *out)
{
    out->kind = 99;     /* the kernel sets the kind, whatever the sender wrote */
    out->v[0] = in->kind;
    for (int i = 1; i < LWC_MAX_ARGS; i++)
        out->v[i] = in->v[i] * 10;
}

static void switch_carries_args_both_ways(void)
{
    int child = spawn(NULL, 0, 0, echo_args);
    struct lwc_args send = { .kind = LWC_MSG_TRAP, .v = { 0, 1, 2, 3, 4, 5, 6 } };
    struct lwc_args reply;

    ASSERT_GE(child, 0);
    memset(&reply, 0x55, sizeof reply);
    EXPECT_EQ(lwSwitch(child, &send, &reply), child);
    EXPECT_EQ(reply.kind, LWC_MSG_SWITCH);
    EXPECT_EQ(reply.v[0], LWC_MSG_SWITCH);
    for (int i = 1; i < LWC_MAX_ARGS; i++)
        EXPECT_EQ(reply.v[i], i * 10);

    /* No args sends zeros; no received buffer is allowed. */
    EXPECT_EQ(lwSwitch(child, NULL, &reply), child);
    EXPECT_EQ(reply.v[1], 0);
    EXPECT_EQ(reply.v[6], 0);
    EXPECT_EQ(lwSwitch(child, &send, NULL), child);
    close(child);
}

static long entries;

static void count_entries(const struct lwc_args *in, struct lwc_args *out)
{
    entries++;
    out->v[0] = entries;
    out->v[1] = in->v[0];
}

static void switch_resumes_where_left(void)
{
    struct lwc_args reply;
    int child;

    entries = 0;
    child = spawn(NULL, 0, 0, count_entries);
    ASSERT_GE(child, 0);
    for (long i = 1; i <= 100; i++) {
        struct lwc_args send = { .v = { i * 3 } };

        ASSERT_EQ(lwSwitch(child, &send, &reply), child);
        ASSERT_EQ(reply.v[0], i);
        ASSERT_EQ(reply.v[1], i * 3);
    }
    /* The count lives in the child's copy of the memory. */
    EXPECT_EQ(entries, 0);
    close(child);
}

/* ---- The reply descriptor a third lwC gets ---- */

static void report_switcher(const struct lwc_args *in, struct lwc_args *out)
{
    (void)in;
    out->v[0] = child_switcher_fd;
    out->v[1] = result_or_errno(lwSyscall(child_switcher_fd, 0, SYS_getpid, NULL));
    out->v[2] = child_creator_fd;
    out->v[3] = lowest_free_fd();
}

/* Switch to the lwC named by in->v[1] and pass back its reply, with this switch's result. */
static void forward_to(const struct lwc_args *in, struct lwc_args *out)
{
    struct lwc_args reply = { 0 };

    out->v[0] = result_or_errno(lwSwitch((int)in->v[1], NULL, &reply));
    for (int i = 0; i < 4; i++)
        out->v[i + 1] = reply.v[i];
}

static void third_lwc_gets_reply_descriptor(void)
{
    int first = lowest_free_fd();
    int target = spawn(NULL, 0, 0, report_switcher);
    int middle = spawn(NULL, 0, 0, forward_to);
    struct lwc_args send = { .v = { 0, target } };
    struct lwc_args reply;

    ASSERT_EQ(target, first);
    ASSERT_EQ(middle, first + 1);

    /* middle enters target, which has no descriptor for middle: it gets one. */
    for (int round = 0; round < 2; round++) {
        ASSERT_EQ(lwSwitch(middle, &send, &reply), middle);
        EXPECT_EQ(reply.v[0], target);      /* middle's descriptor for target */
        EXPECT_EQ(reply.v[1], first + 1);   /* target's new descriptor for middle */
        EXPECT_EQ(reply.v[2], -EPERM);      /* a reply right only */
        EXPECT_EQ(reply.v[3], first);       /* target's creator is still the root */
        EXPECT_EQ(reply.v[4], first + 2);   /* installed once: the table did not grow */
    }

    /* The creator switching in is named by target's original descriptor. */
    ASSERT_EQ(lwSwitch(target, NULL, &reply), target);
    EXPECT_EQ(reply.v[0], first);
    EXPECT_EQ(reply.v[1], -EPERM);      /* a child's descriptor for its creator */
    close(middle);
    close(target);
}

/* ---- Switching installs the target's descriptor table and credentials ---- */

static void report_identity(const struct lwc_args *in, struct lwc_args *out)
{
    out->v[0] = fcntl((int)in->v[0], F_GETFD) == -1 ? -errno : 1;
    out->v[1] = getuid();
    out->v[2] = getpid();
    if (in->v[1] != 0)
        out->v[3] = result_or_errno(setuid((uid_t)in->v[1]));
}

static void switch_installs_table_and_creds(void)
{
    int child = spawn(NULL, 0, 0, report_identity);
    int later;
    pid_t pid;

    ASSERT_GE(child, 0);
    later = open("/dev/null", O_RDONLY);
    ASSERT_GE(later, 0);
    struct lwc_args send = { .v = { later } };
    struct lwc_args reply;
    ASSERT_OK(lwSwitch(child, &send, &reply));
    EXPECT_EQ(reply.v[0], -EBADF);
    EXPECT_EQ(reply.v[2], getpid());    /* one process */
    close(later);

    /* In a forked process, the child takes uid 1000 and the root stays 0. */
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        struct lwc_args set = { .v = { 0, 1000 } };

        if (getuid() != 0)
            _exit(99);
        if (lwSwitch(child, &set, &reply) < 0 || reply.v[3] != 0)
            _exit(10);
        if (getuid() != 0)
            _exit(11);
        set.v[1] = 0;
        if (lwSwitch(child, &set, &reply) < 0 || reply.v[1] != 1000)
            _exit(12);
        _exit(getuid() == 0 ? 0 : 13);
    }
    int status = ktap_wait(pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 99)
        ktap_skip("the test does not run as root");
    else
        EXPECT_EXITED(status, 0);
    close(child);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(switch_carries_args_both_ways),
    KTAP_CASE(switch_resumes_where_left),
    KTAP_CASE(third_lwc_gets_reply_descriptor),
    KTAP_CASE(switch_installs_table_and_creds),
};

int main(int argc, char **argv)
{
    return run_cases(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
