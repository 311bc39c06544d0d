/*
 * System-call trapping and lwSyscall: a LWC_SYSTRAP child's calls off its allow-list
 * arrive at the monitor as LWC_MSG_TRAP with the number and arguments, the monitor's
 * answer is the call's result, LWC_SYSCALLS specs edit the list, and lwSyscall runs a
 * call with a child's memory, descriptors or credentials.
 *
 * A child lwC reports what it saw through the reply of its lwSwitch back to the creator,
 * never through the KTAP helpers: under COPY, a failure recorded in the child's memory
 * would never reach the creator's.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
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

/* ---- Trapped system calls reach the monitor ---- */

/* Make system call in->v[0] with in->v[1..6]; report its result or -errno. */
static void make_call(const struct lwc_args *in, struct lwc_args *out)
{
    out->v[0] = result_or_errno(syscall(in->v[0], in->v[1], in->v[2], in->v[3], in->v[4],
                                        in->v[5], in->v[6]));
}

static void trapped_call_reaches_monitor(void)
{
    int child = spawn(NULL, 0, LWC_SYSTRAP, make_call);
    struct lwc_args send = { .v = { 333, 11, 12, 13, 14, 15, 16 } };
    struct lwc_args msg;

    ASSERT_GE(child, 0);
    memset(&msg, 0x55, sizeof msg);
    /* The trap arrives as the return of this switch, from the trapping lwC. */
    EXPECT_EQ(lwSwitch(child, &send, &msg), child);
    EXPECT_EQ(msg.kind, LWC_MSG_TRAP);
    EXPECT_EQ(msg.v[0], 333);
    for (int i = 1; i <= 6; i++)
        EXPECT_EQ(msg.v[i], 10 + i);

    /* The answer's v[0] is what the child's call returns. */
    struct lwc_args answer = { .v = { 77 } };
    EXPECT_EQ(lwSwitch(child, &answer, &msg), child);
    EXPECT_EQ(msg.kind, LWC_MSG_SWITCH);
    EXPECT_EQ(msg.v[0], 77);
    close(child);
}

static void monitor_answer_sets_errno(void)
{
    int child = spawn(NULL, 0, LWC_SYSTRAP, make_call);
    struct lwc_args send = { .v = { SYS_open, (long)"/tests/lwc_systrap", O_RDONLY } };
    struct lwc_args msg;

    ASSERT_GE(child, 0);
    ASSERT_EQ(lwSwitch(child, &send, &msg), child);
    EXPECT_EQ(msg.kind, LWC_MSG_TRAP);
    EXPECT_EQ(msg.v[0], SYS_open);
    EXPECT_EQ(msg.v[2], O_RDONLY);
    struct lwc_args answer = { .v = { -ENOENT } };
    ASSERT_EQ(lwSwitch(child, &answer, &msg), child);
    EXPECT_EQ(msg.kind, LWC_MSG_SWITCH);
    EXPECT_EQ(msg.v[0], -ENOENT);
    close(child);
}

/* Report getpid(), then switch back with kind LWC_MSG_TRAP written by the child. */
static void direct_call_then_switch(const struct lwc_args *in, struct lwc_args *out)
{
    (void)in;
    out->kind = LWC_MSG_TRAP;
    out->v[0] = getpid();
    out->v[1] = result_or_errno(write(1, "", 0));
}

static void allowed_call_runs_directly(void)
{
    int child = spawn(NULL, 0, LWC_SYSTRAP, direct_call_then_switch);
    struct lwc_args msg;

    ASSERT_GE(child, 0);
    ASSERT_EQ(lwSwitch(child, NULL, &msg), child);
    /* An explicit switch arrives as LWC_MSG_SWITCH, whatever kind the child wrote. */
    EXPECT_EQ(msg.kind, LWC_MSG_SWITCH);
    EXPECT_EQ(msg.v[0], getpid());
    EXPECT_EQ(msg.v[1], 0);
    close(child);
}

static struct lwc_rspec syscalls_spec(unsigned mode, int from, int to)
{
    struct lwc_rspec s = { .flags = LWC_SYSCALLS | mode };

    s.sub.sys.from = from;
    s.sub.sys.to = to;
    return s;
}

static void syscalls_share_runs_directly(void)
{
    struct lwc_rspec spec = syscalls_spec(LWC_SHARE, SYS_open, SYS_open);
    int child = spawn(&spec, 1, LWC_SYSTRAP, make_call);
    struct lwc_args send = { .v = { SYS_open, (long)"/dev/null", O_RDONLY } };
    struct lwc_args msg;

    ASSERT_GE(child, 0);
    ASSERT_EQ(lwSwitch(child, &send, &msg), child);
    EXPECT_EQ(msg.kind, LWC_MSG_SWITCH);
    EXPECT_GE(msg.v[0], 0);
    close(child);
}

static void syscalls_unmap_makes_call_trap(void)
{
    struct lwc_rspec spec = syscalls_spec(LWC_UNMAP, SYS_getpid, SYS_getpid);
    int child = spawn(&spec, 1, LWC_SYSTRAP, make_call);
    struct lwc_args send = { .v = { SYS_getpid } };
    struct lwc_args msg;

    ASSERT_GE(child, 0);
    ASSERT_EQ(lwSwitch(child, &send, &msg), child);
    EXPECT_EQ(msg.kind, LWC_MSG_TRAP);
    EXPECT_EQ(msg.v[0], SYS_getpid);
    struct lwc_args answer = { .v = { 4242 } };
    ASSERT_EQ(lwSwitch(child, &answer, &msg), child);
    EXPECT_EQ(msg.v[0], 4242);
    close(child);
}

static void no_systrap_runs_every_call(void)
{
    int child = spawn(NULL, 0, 0, make_call);
    struct lwc_args send = { .v = { SYS_open, (long)"/dev/null", O_RDONLY } };
    struct lwc_args msg;

    ASSERT_GE(child, 0);
    ASSERT_EQ(lwSwitch(child, &send, &msg), child);
    EXPECT_EQ(msg.kind, LWC_MSG_SWITCH);
    EXPECT_GE(msg.v[0], 0);
    close(child);
}

/* ---- A monitor serves a trapped open with lwSyscall ---- */

/* Open in->v[1] and report the first four bytes read from it. */
static void open_and_read(const struct lwc_args *in, struct lwc_args *out)
{
    int fd = open((const char *)in->v[1], O_RDONLY);
    char text[4] = "";

    out->v[0] = fd < 0 ? -errno : fd;
    out->v[1] = fd < 0 ? -1 : read(fd, text, 4);
    memcpy(&out->v[2], text, 4);
}

static void monitor_serves_open_with_lwsyscall(void)
{
    int child = spawn(NULL, 0, LWC_SYSTRAP, open_and_read);
    struct lwc_args send = { .v = { 0, (long)"/tests/lwc_systrap" } };
    struct lwc_args msg;
    long fd;

    ASSERT_GE(child, 0);
    ASSERT_EQ(lwSwitch(child, &send, &msg), child);
    ASSERT_EQ(msg.kind, LWC_MSG_TRAP);
    /* musl's open() uses SYS_open on x86-64. */
    ASSERT_EQ(msg.v[0], SYS_open);

    /* Open the path from the child's memory into the child's table. */
    long args[6] = { msg.v[1], msg.v[2], msg.v[3] };
    fd = lwSyscall(child, LWC_SC_MEM | LWC_SC_FILES, SYS_open, args);
    ASSERT_GE(fd, 0);
    EXPECT_ERRNO(fcntl((int)fd, F_GETFD), EBADF);   /* not in the monitor's table */

    struct lwc_args answer = { .v = { fd } };
    ASSERT_EQ(lwSwitch(child, &answer, &msg), child);
    EXPECT_EQ(msg.kind, LWC_MSG_SWITCH);
    EXPECT_EQ(msg.v[0], fd);
    EXPECT_EQ(msg.v[1], 4);
    EXPECT_EQ(memcmp(&msg.v[2], "\177ELF", 4), 0);
    close(child);
}

/* ---- lwSyscall: which lwC's memory, descriptors and credentials ---- */

/* Put "child-text" in a fresh page and "hello" in a fresh pipe; report both. */
static void prepare_resources(const struct lwc_args *in, struct lwc_args *out)
{
    char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int fds[2];

    (void)in;
    memcpy(page, "child-text", 10);
    out->v[0] = (long)page;
    out->v[1] = pipe(fds) == 0 && write(fds[1], "hello", 5) == 5 ? fds[0] : -errno;
}

static void lwsyscall_uses_child_resources(void)
{
    int pipe_fds[2];
    char text[16] = "";
    struct lwc_args reply;
    int child;

    ASSERT_OK(pipe(pipe_fds));
    child = spawn(NULL, 0, 0, prepare_resources);
    ASSERT_GE(child, 0);
    ASSERT_EQ(lwSwitch(child, NULL, &reply), child);
    ASSERT_GE(reply.v[1], 0);
    long page = reply.v[0];
    long child_read_end = reply.v[1];

    /* LWC_SC_FILES: the child's descriptor, this lwC's buffer. */
    long read_args[6] = { child_read_end, (long)text, 5 };
    EXPECT_EQ(lwSyscall(child, LWC_SC_FILES, SYS_read, read_args), 5);
    EXPECT_EQ(memcmp(text, "hello", 5), 0);
    EXPECT_ERRNO(lwSyscall(child, 0, SYS_read, read_args), EBADF);

    /* LWC_SC_MEM: the child's pointer, this lwC's pipe. */
    long write_args[6] = { pipe_fds[1], page, 10 };
    EXPECT_EQ(lwSyscall(child, LWC_SC_MEM, SYS_write, write_args), 10);
    EXPECT_EQ(read(pipe_fds[0], text, 10), 10);
    EXPECT_EQ(memcmp(text, "child-text", 10), 0);
    EXPECT_ERRNO(lwSyscall(child, 0, SYS_write, write_args), EFAULT);
    close(child);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

static void set_uid(const struct lwc_args *in, struct lwc_args *out)
{
    out->v[0] = result_or_errno(setuid((uid_t)in->v[1]));
}

static void lwsyscall_uses_child_credentials(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0) {
        struct lwc_args send = { .v = { 0, 77 } };
        struct lwc_args reply;
        int child;

        if (getuid() != 0)
            _exit(99);
        child = spawn(NULL, 0, 0, set_uid);
        if (child < 0 || lwSwitch(child, &send, &reply) < 0 || reply.v[0] != 0)
            _exit(10);
        if (lwSyscall(child, LWC_SC_CREDS, SYS_getuid, NULL) != 77)
            _exit(11);
        if (lwSyscall(child, 0, SYS_getuid, NULL) != 0 || getuid() != 0)
            _exit(12);
        _exit(0);
    }
    int status = ktap_wait(pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 99)
        ktap_skip("the test does not run as root");
    else
        EXPECT_EXITED(status, 0);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(trapped_call_reaches_monitor),
    KTAP_CASE(monitor_answer_sets_errno),
    KTAP_CASE(allowed_call_runs_directly),
    KTAP_CASE(syscalls_share_runs_directly),
    KTAP_CASE(syscalls_unmap_makes_call_trap),
    KTAP_CASE(no_systrap_runs_every_call),
    KTAP_CASE(monitor_serves_open_with_lwsyscall),
    KTAP_CASE(lwsyscall_uses_child_resources),
    KTAP_CASE(lwsyscall_uses_child_credentials),
};

int main(int argc, char **argv)
{
    return run_cases(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
