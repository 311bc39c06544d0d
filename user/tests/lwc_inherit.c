/*
 * lwCreate: what the child gets of the creator's descriptors and credentials under
 * COPY, SHARE and UNMAP.
 *
 * A child lwC reports what it saw through the reply of its lwSwitch back to the creator,
 * never through the KTAP helpers: under COPY, a failure recorded in the child's memory
 * would never reach the creator's.
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "ktap.h"
#include "lwc.h"

/* ---- Helpers (each lwc_*.c program carries its own copy) ---- */

/* What the child saw on its first entry: lwCreate's result and *caller. */
static int child_creator_fd = -100;
static int child_first_caller = -100;

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

        body(&in, &out);
        caller = lwSwitch(caller, &out, &in);
        if (caller < 0)
            _exit(120);
    }
}

static struct lwc_rspec fds_spec(unsigned flags, int from, int to)
{
    struct lwc_rspec s = { .flags = LWC_FILES | flags };

    s.sub.fds.from = from;
    s.sub.fds.to = to;
    return s;
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

/* ---- Descriptors ---- */

/* Check descriptors v[1] and v[2]; open /dev/null (v[0] = its number); close v[3] if > 0. */
static void probe_descriptors(const struct lwc_args *in, struct lwc_args *out)
{
    out->v[1] = fcntl((int)in->v[1], F_GETFD) == -1 ? -errno : 1;
    out->v[2] = fcntl((int)in->v[2], F_GETFD) == -1 ? -errno : 1;
    out->v[3] = lseek((int)in->v[1], 0, SEEK_CUR);
    out->v[0] = open("/dev/null", O_RDONLY);
    if (in->v[3] > 0)
        close((int)in->v[3]);
}

static void files_copy_is_separate_table(void)
{
    int before = open("/tests/lwc_create", O_RDONLY);
    struct lwc_args reply;
    int child, after;

    ASSERT_GE(before, 0);
    ASSERT_EQ(lseek(before, 100, SEEK_SET), 100);
    child = spawn(NULL, 0, 0, probe_descriptors);
    ASSERT_GE(child, 0);
    after = open("/dev/null", O_RDONLY);
    ASSERT_GE(after, 0);

    struct lwc_args send = { .v = { 0, before, after } };
    ASSERT_OK(lwSwitch(child, &send, &reply));
    EXPECT_EQ(reply.v[1], 1);           /* open before creation: copied */
    EXPECT_EQ(reply.v[2], -EBADF);      /* opened later by the creator: absent */
    EXPECT_EQ(reply.v[3], 100);         /* a copy is a dup: one file offset */
    /* The child's new descriptor takes the same number, free in its own table. */
    EXPECT_EQ(reply.v[0], after);
    EXPECT_EQ(lseek(after, 0, SEEK_CUR), 0);
    close(child);
    close(after);
    close(before);
}

static void files_share_all_is_one_table(void)
{
    struct lwc_rspec spec = fds_spec(LWC_SHARE, -1, -1);
    struct lwc_args reply;
    int child, after;

    child = spawn(&spec, 1, 0, probe_descriptors);
    ASSERT_GE(child, 0);
    after = open("/dev/null", O_RDONLY);
    ASSERT_GE(after, 0);

    struct lwc_args send = { .v = { 0, after, 0, after } };
    ASSERT_OK(lwSwitch(child, &send, &reply));
    EXPECT_EQ(reply.v[1], 1);           /* the creator's later open is visible */
    ASSERT_GE(reply.v[0], 0);
    EXPECT_NE(reply.v[0], after);
    EXPECT_EQ(fcntl((int)reply.v[0], F_GETFD), 0);  /* and the child's here */
    EXPECT_ERRNO(fcntl(after, F_GETFD), EBADF);     /* closed by the child */
    close((int)reply.v[0]);
    close(child);
}

static void files_unmap_range(void)
{
    int hole = open("/dev/null", O_RDONLY);
    int kept = open("/dev/null", O_RDONLY);
    int dropped = open("/dev/null", O_RDONLY);
    struct lwc_rspec spec = fds_spec(LWC_UNMAP, dropped, dropped);
    struct lwc_args reply;
    int child;

    ASSERT_GE(hole, 0);
    ASSERT_GE(kept, 0);
    ASSERT_GE(dropped, 0);
    /* A free slot below the unmapped one takes the child's descriptor for its creator. */
    close(hole);
    child = spawn(&spec, 1, 0, probe_descriptors);
    ASSERT_GE(child, 0);
    EXPECT_EQ(child, hole);
    struct lwc_args send = { .v = { 0, kept, dropped } };
    ASSERT_OK(lwSwitch(child, &send, &reply));
    EXPECT_EQ(reply.v[1], 1);
    EXPECT_EQ(reply.v[2], -EBADF);
    EXPECT_EQ(reply.v[0], dropped);     /* the child's next open() fills the gap */
    EXPECT_EQ(fcntl(dropped, F_GETFD), 0);
    close(child);
    close(dropped);
    close(kept);
}

static void report_empty_table(const struct lwc_args *in, struct lwc_args *out)
{
    (void)in;
    out->v[0] = child_creator_fd;
    out->v[1] = child_first_caller;
    out->v[2] = fcntl(1, F_GETFD) == -1 ? -errno : 1;
    out->v[3] = fcntl(LWC_ROOT_FD, F_GETFD) == -1 ? -errno : 1;
}

static void files_unmap_all(void)
{
    struct lwc_rspec spec = fds_spec(LWC_UNMAP, -1, -1);
    struct lwc_args reply;
    int child = spawn(&spec, 1, 0, report_empty_table);

    ASSERT_GE(child, 0);
    ASSERT_OK(lwSwitch(child, NULL, &reply));
    /* An empty table: the descriptor for the creator is the lowest, 0. */
    EXPECT_EQ(reply.v[0], 0);
    EXPECT_EQ(reply.v[1], 0);
    EXPECT_EQ(reply.v[2], -EBADF);
    EXPECT_EQ(reply.v[3], -EBADF);
    EXPECT_EQ(fcntl(1, F_GETFD), 0);
    close(child);
}

/* ---- Credentials (in a forked process, which may end as any user) ---- */

static void set_uid_and_report(const struct lwc_args *in, struct lwc_args *out)
{
    out->v[0] = getuid();
    out->v[1] = geteuid();
    out->v[2] = in->v[1] > 0 && setuid((uid_t)in->v[1]) == -1 ? -errno : 0;
    out->v[3] = getuid();
}

/* Create a child with SPECS, ask it to setuid(1000), and exit with a code for what went wrong. */
static void creds_case_in_process(const struct lwc_rspec *specs, int nspecs, bool unmapped)
{
    struct lwc_args reply;
    struct lwc_args send = { .v = { 0, 1000 } };
    int child;

    if (getuid() != 0)
        _exit(99);
    child = spawn(specs, nspecs, 0, set_uid_and_report);
    if (child < 0 || lwSwitch(child, &send, &reply) < 0)
        _exit(10);
    if (unmapped && (reply.v[0] == 0 || reply.v[1] == 0 || reply.v[2] != -EPERM))
        _exit(11);
    if (!unmapped && (reply.v[0] != 0 || reply.v[2] != 0 || reply.v[3] != 1000))
        _exit(12);
    if (getuid() != 0 || geteuid() != 0)
        _exit(13);
    /* The child keeps its own credentials across switches. */
    send.v[1] = 0;
    if (lwSwitch(child, &send, &reply) < 0 || reply.v[0] != (unmapped ? reply.v[3] : 1000))
        _exit(14);
    _exit(0);
}

static void creds_copy_is_private(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0)
        creds_case_in_process(NULL, 0, false);
    int status = ktap_wait(pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 99) {
        ktap_skip("the test does not run as root");
        return;
    }
    EXPECT_EXITED(status, 0);
}

static void creds_unmap_drops_root(void)
{
    struct lwc_rspec spec = { .flags = LWC_CREDS | LWC_UNMAP };
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0)
        creds_case_in_process(&spec, 1, true);
    int status = ktap_wait(pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 99) {
        ktap_skip("the test does not run as root");
        return;
    }
    EXPECT_EXITED(status, 0);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(files_copy_is_separate_table),
    KTAP_CASE(files_share_all_is_one_table),
    KTAP_CASE(files_unmap_range),
    KTAP_CASE(files_unmap_all),
    KTAP_CASE(creds_copy_is_private),
    KTAP_CASE(creds_unmap_drops_root),
};

int main(int argc, char **argv)
{
    return run_cases(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
