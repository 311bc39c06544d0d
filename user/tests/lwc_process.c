/*
 * lwCs and processes: fork copies every lwC (and runs on in the lwC it forked from),
 * execve destroys them all and leaves only a fresh root, and exit from any lwC ends
 * the whole process.
 *
 * A child lwC reports what it saw through the reply of its lwSwitch back to the creator,
 * never through the KTAP helpers: under COPY, a failure recorded in the child's memory
 * would never reach the creator's.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

static const char *program_path = "/tests/lwc_process";

/* ---- fork ---- */

static long counter;

static void count_up(const struct lwc_args *in, struct lwc_args *out)
{
    (void)in;
    counter++;
    out->v[0] = counter;
}

static void fork_copies_every_lwc(void)
{
    struct lwc_args reply;
    int child;
    pid_t pid;

    counter = 0;
    child = spawn(NULL, 0, 0, count_up);
    ASSERT_GE(child, 0);
    ASSERT_EQ(lwSwitch(child, NULL, &reply), child);
    ASSERT_EQ(reply.v[0], 1);

    /* The forked process enters its own copy, at its state as of the fork. */
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (lwSwitch(child, NULL, &reply) != child || reply.v[0] != 2)
            _exit(10);
        if (lwSwitch(child, NULL, &reply) != child || reply.v[0] != 3)
            _exit(11);
        _exit(0);
    }
    EXPECT_EXITED(ktap_wait(pid), 0);
    ASSERT_EQ(lwSwitch(child, NULL, &reply), child);
    EXPECT_EQ(reply.v[0], 2);
    close(child);
}

static char *shared_page;

/* Report the shared byte, then write in->v[1] there if it is not 0. */
static void share_byte(const struct lwc_args *in, struct lwc_args *out)
{
    out->v[0] = shared_page[0];
    if (in->v[1] != 0)
        shared_page[0] = (char)in->v[1];
}

static void fork_copies_shared_memory(void)
{
    struct lwc_rspec spec = { .flags = LWC_MEM | LWC_SHARE };
    struct lwc_args reply;
    int child;
    pid_t pid;

    shared_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_TRUE(shared_page != MAP_FAILED);
    shared_page[0] = 'p';
    spec.sub.mem.start = (unsigned long)shared_page;
    spec.sub.mem.end = (unsigned long)shared_page + 4096;
    child = spawn(&spec, 1, 0, share_byte);
    ASSERT_GE(child, 0);

    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        /* Both copies write the page in the forked process. */
        struct lwc_args send = { .v = { 0, 'f' } };

        shared_page[0] = 'x';
        _exit(lwSwitch(child, &send, &reply) == child ? 0 : 10);
    }
    EXPECT_EXITED(ktap_wait(pid), 0);
    /* The parent process's lwCs still share their page, which fork copied. */
    EXPECT_EQ(shared_page[0], 'p');
    struct lwc_args send = { .v = { 0, 's' } };
    ASSERT_EQ(lwSwitch(child, &send, &reply), child);
    EXPECT_EQ(reply.v[0], 'p');
    EXPECT_EQ(shared_page[0], 's');
    close(child);
    munmap(shared_page, 4096);
}

/* Fork here; the new process checks it runs in this lwC and exits; report its status. */
static void fork_in_child(const struct lwc_args *in, struct lwc_args *out)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    int status = -1;

    if (pid == 0) {
        /* The only thread is here, in the copy of this lwC, with its descriptors. */
        if (getppid() != parent || lwRestrict(child_creator_fd, NULL, 0) != 0)
            _exit(20);
        if (fcntl((int)in->v[1], F_GETFD) != -1 || errno != EBADF)
            _exit(21);
        _exit(7);
    }
    out->v[0] = pid;
    out->v[1] = pid > 0 && waitpid(pid, &status, 0) == pid ? status : -errno;
}

static void fork_from_child_lwc(void)
{
    int child = spawn(NULL, 0, 0, fork_in_child);
    int later = open("/dev/null", O_RDONLY);
    struct lwc_args send = { .v = { 0, later } };
    struct lwc_args reply;

    ASSERT_GE(child, 0);
    ASSERT_GE(later, 0);
    ASSERT_EQ(lwSwitch(child, &send, &reply), child);
    EXPECT_GT(reply.v[0], 0);
    EXPECT_EXITED((int)reply.v[1], 7);
    close(later);
    close(child);
}

/* ---- execve ---- */

/* After execve: only LWC_ROOT_FD names an lwC, and KEPT is still open. Exit 0 if so. */
static int check_after_exec(int kept)
{
    if (lwRestrict(LWC_ROOT_FD, NULL, 0) != 0)
        return 10;
    errno = 0;
    if (lwSwitch(LWC_ROOT_FD, NULL, NULL) != -1 || errno != EINVAL)
        return 11;
    for (int fd = 0; fd < LWC_ROOT_FD; fd++) {
        errno = 0;
        if (lwRestrict(fd, NULL, 0) != -1 || errno != EBADF)
            return 12;
    }
    return fcntl(kept, F_GETFD) == 0 ? 0 : 13;
}

static void execve_destroys_every_lwc(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0) {
        int first = spawn(NULL, 0, 0, count_up);
        int second = spawn(NULL, 0, 0, count_up);
        int kept = open("/dev/null", O_RDONLY);
        char kept_text[16];

        if (first < 0 || second < 0 || kept < 0 || lwSwitch(first, NULL, NULL) < 0)
            _exit(30);
        snprintf(kept_text, sizeof kept_text, "%d", kept);
        char *args[] = { (char *)program_path, "--after-exec", kept_text, NULL };
        execv(program_path, args);
        _exit(31);
    }
    EXPECT_EXITED(ktap_wait(pid), 0);
}

/* ---- exit ---- */

static void exit_here(const struct lwc_args *in, struct lwc_args *out)
{
    (void)out;
    if (in->v[1] == 1)
        syscall(SYS_exit_group, (int)in->v[2]);
    _exit((int)in->v[2]);
}

static void exit_in_child_lwc_ends_process(void)
{
    for (long how = 0; how < 2; how++) {
        pid_t pid = ktap_fork();

        ASSERT_GE(pid, 0);
        if (pid == 0) {
            int child = spawn(NULL, 0, 0, exit_here);
            struct lwc_args send = { .v = { 0, how, 42 + how } };

            lwSwitch(child, &send, NULL);
            _exit(10);
        }
        EXPECT_EXITED(ktap_wait(pid), 42 + how);
    }
}

static const struct ktap_case cases[] = {
    KTAP_CASE(fork_copies_every_lwc),
    KTAP_CASE(fork_copies_shared_memory),
    KTAP_CASE(fork_from_child_lwc),
    KTAP_CASE(execve_destroys_every_lwc),
    KTAP_CASE(exit_in_child_lwc_ends_process),
};

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--after-exec") == 0)
        return check_after_exec(atoi(argv[2]));
    if (argc > 0 && strchr(argv[0], '/') != NULL)
        program_path = argv[0];
    return run_cases(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
