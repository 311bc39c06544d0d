/*
 * Hostile use of the lwC calls: descriptors closed or overlaid under the kernel's
 * feet, a monitor that loses every descriptor naming it, long chains of lwC
 * references, lwSyscall of calls it must reject, and memory that must come back.
 *
 * Each scenario runs in a forked process, because it may replace the descriptor
 * table, close LWC_ROOT_FD or end the process from a child lwC. A scenario returns
 * 0, or the number of the step that went wrong; the forked process exits with it.
 *
 * Every case here once panicked or hung the kernel. On Linux, which has no lwC
 * calls, every case is skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ktap.h"
#include "lwc.h"

#define PAGE 4096UL
#define SIBLINGS 300
/* Linux looks at the low 32 bits of rax only, so this bit does not change the call. */
#define SYSCALL_HIGH_BIT (1L << 32)

static bool lwc_missing(void)
{
    struct lwc_args args;
    int caller;

    /* nspecs -1 is rejected before anything is created. */
    if (lwCreate(NULL, -1, 0, &caller, &args) < 0 && errno == ENOSYS) {
        ktap_skip("lwC system calls are not available (ENOSYS)");
        return true;
    }
    return false;
}

static long free_kib(void)
{
    char text[512];
    int fd = open("/proc/meminfo", O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n <= 0)
        return -1;
    text[n] = '\0';
    char *field = strstr(text, "MemFree:");
    return field != NULL ? strtol(field + strlen("MemFree:"), NULL, 10) : -1;
}

/* Run SCENARIO in a forked process and return its wait status (-1 if fork failed). */
static int run_isolated(int (*scenario)(void))
{
    pid_t pid = ktap_fork();

    if (pid < 0)
        return -1;
    if (pid == 0)
        _exit(scenario());
    return ktap_wait(pid);
}

/* Create an lwC that nothing ever switches into. Returns its descriptor or -1. */
static int create_idle_child(const struct lwc_rspec *specs, int nspecs)
{
    int caller = -2;
    struct lwc_args args;
    int fd = lwCreate(specs, nspecs, 0, &caller, &args);

    if (fd >= 0 && caller != -1)
        _exit(99);
    return fd;
}

/* ---- lwOverlay of a descriptor range that contains the target's own descriptor ---- */

static int overlay_over_own_descriptor_scenario(void)
{
    struct lwc_rspec every_fd = { .flags = LWC_FILES | LWC_COPY, .sub.fds = { -1, -1 } };
    int child = create_idle_child(NULL, 0);

    if (child < 0)
        return 1;
    /* Slot `child` is closed mid-call: that drops the last reference to the target. */
    if (lwOverlay(child, &every_fd, 1) != 0)
        return 2;
    int fd = open("/", O_RDONLY);
    if (fd < 0)
        return 3;
    close(fd);
    return 0;
}

static void overlay_over_own_descriptor(void)
{
    if (lwc_missing())
        return;
    EXPECT_EXITED(run_isolated(overlay_over_own_descriptor_scenario), 0);
}

/* ---- A trapping child whose monitor has lost every descriptor naming it ---- */

static int trap_after_monitor_closed_scenario(void)
{
    int caller = -2;
    struct lwc_args args;
    int fd = lwCreate(NULL, 0, LWC_SYSTRAP, &caller, &args);

    if (fd < 0)
        return 1;
    if (caller != -1) {
        /* Child: drop both descriptors naming the monitor (the root lwC). */
        close(fd);
        close(LWC_ROOT_FD);
        /* Fill fresh pages with this thread's id: if the monitor's memory were
         * freed and reused, a stale pointer would find this id in its slots. */
        int tid = (int)syscall(SYS_gettid);
        size_t bytes = 512 * PAGE;
        int *spray = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                          -1, 0);
        if (spray == MAP_FAILED)
            _exit(10);
        for (size_t i = 0; i < bytes / sizeof(int); i++)
            spray[i] = tid;
        /* open traps, and the monitor replies with -ENOENT. */
        long result = syscall(SYS_open, "/", O_RDONLY);
        _exit(result == -1 && errno == ENOENT ? 0 : 11);
    }

    if (close(LWC_ROOT_FD) != 0)
        return 2;
    struct lwc_args trap = { 0 };
    int trapped = lwSwitch(fd, NULL, &trap);
    if (trapped < 0)
        return 3;
    if (trap.kind != LWC_MSG_TRAP || trap.v[0] != SYS_open)
        return 4;
    struct lwc_args answer = { .v = { -ENOENT } };
    lwSwitch(trapped, &answer, NULL);
    return 5;   /* not reached: the child ends the process */
}

static void trap_after_monitor_closed(void)
{
    if (lwc_missing())
        return;
    EXPECT_EXITED(run_isolated(trap_after_monitor_closed_scenario), 0);
}

/* ---- Siblings: each one's table contains descriptors for every older sibling ---- */

static int siblings[SIBLINGS];

static int create_siblings(void)
{
    for (int i = 0; i < SIBLINGS; i++) {
        siblings[i] = create_idle_child(NULL, 0);
        if (siblings[i] < 0)
            return -1;
    }
    return 0;
}

static void siblings_closed_newest_first(void)
{
    if (lwc_missing())
        return;
    long before = free_kib();

    ASSERT_OK(create_siblings());
    int failures = 0;
    for (int i = SIBLINGS - 1; i >= 0; i--)
        failures += close(siblings[i]) != 0;
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(free_kib(), before);
}

/* Closing the oldest first leaves the newest as the last holder of every other
 * one, so its release frees the whole chain at once. */
static void siblings_closed_oldest_first(void)
{
    if (lwc_missing())
        return;
    long before = free_kib();

    ASSERT_OK(create_siblings());
    int failures = 0;
    for (int i = 0; i < SIBLINGS; i++)
        failures += close(siblings[i]) != 0;
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(free_kib(), before);
}

/* ---- A child lwC that closes every descriptor, LWC_ROOT_FD included ---- */

static int close_everything_in_child_scenario(void)
{
    int caller = -2;
    struct lwc_args args;
    int fd = lwCreate(NULL, 0, 0, &caller, &args);

    if (fd < 0)
        return 1;
    if (caller != -1) {
        for (int n = 0; n <= LWC_ROOT_FD; n++)
            close(n);
        if (lwSwitch(fd, NULL, NULL) != -1 || errno != EBADF)
            _exit(10);
        if (lwSwitch(LWC_ROOT_FD, NULL, NULL) != -1 || errno != EBADF)
            _exit(11);
        if (lwSwitch(caller, NULL, NULL) != -1 || errno != EBADF)
            _exit(12);
        _exit(0);
    }
    lwSwitch(fd, NULL, NULL);
    return 2;   /* not reached: the child ends the process */
}

static void close_everything_in_child(void)
{
    if (lwc_missing())
        return;
    long before = free_kib();

    EXPECT_EXITED(run_isolated(close_everything_in_child_scenario), 0);
    EXPECT_EQ(free_kib(), before);
}

/* ---- lwSyscall with a pointer that only the caller has mapped ---- */

static int lwsyscall_pointer_unmapped_in_target_scenario(void)
{
    char *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int pipe_fds[2];

    if (page == MAP_FAILED || pipe(pipe_fds) != 0)
        return 1;
    memset(page, 'x', PAGE);
    struct lwc_rspec unmap_page = { .flags = LWC_MEM | LWC_UNMAP,
                                    .sub.mem = { (unsigned long)page,
                                                 (unsigned long)page + PAGE } };
    int child = create_idle_child(&unmap_page, 1);
    if (child < 0)
        return 2;

    long write_args[6] = { pipe_fds[1], (long)page, 16 };
    if (lwSyscall(child, LWC_SC_MEM, SYS_write, write_args) != -1 || errno != EFAULT)
        return 3;
    /* Data to read, so the read below fails on the buffer instead of blocking. */
    if (write(pipe_fds[1], "0123456789abcdef", 16) != 16)
        return 4;
    long read_args[6] = { pipe_fds[0], (long)page, 16 };
    if (lwSyscall(child, LWC_SC_MEM, SYS_read, read_args) != -1 || errno != EFAULT)
        return 5;
    /* With the caller's own memory, the same buffer works. */
    if (lwSyscall(child, 0, SYS_read, read_args) != 16)
        return 6;
    return 0;
}

static void lwsyscall_pointer_unmapped_in_target(void)
{
    if (lwc_missing())
        return;
    EXPECT_EXITED(run_isolated(lwsyscall_pointer_unmapped_in_target_scenario), 0);
}

/* ---- lwSyscall of close on the descriptor that names the target ---- */

static int lwsyscall_close_target_scenario(void)
{
    int child = create_idle_child(NULL, 0);

    if (child < 0)
        return 1;
    /* The target's address space is loaded while its last reference goes. */
    long close_args[6] = { child };
    if (lwSyscall(child, LWC_SC_MEM, SYS_close, close_args) != 0)
        return 2;
    if (lwSwitch(child, NULL, NULL) != -1 || errno != EBADF)
        return 3;
    return 0;
}

static void lwsyscall_close_target(void)
{
    if (lwc_missing())
        return;
    EXPECT_EXITED(run_isolated(lwsyscall_close_target_scenario), 0);
}

/* ---- lwSyscall must reject fork, execve and the lwC calls, whatever rax's high bits ---- */

static int lwsyscall_high_bits_scenario(void)
{
    int child = create_idle_child(NULL, 0);
    long no_args[6] = { 0 };

    if (child < 0)
        return 1;
    long forked = lwSyscall(child, 0, SYSCALL_HIGH_BIT | SYS_fork, no_args);
    if (forked == 0)
        _exit(0);   /* the forbidden fork ran: the new process must not go on */
    if (forked != -1 || errno != EINVAL)
        return 2;
    if (lwSyscall(child, 0, SYSCALL_HIGH_BIT | SYS_lwCreate, no_args) != -1 || errno != EINVAL)
        return 3;
    long status_args[6] = { 7 };
    if (lwSyscall(child, 0, SYSCALL_HIGH_BIT | SYS_exit_group, status_args) != -1 ||
        errno != EINVAL)
        return 4;
    return 0;
}

static void lwsyscall_high_bits_rejected(void)
{
    if (lwc_missing())
        return;
    EXPECT_EXITED(run_isolated(lwsyscall_high_bits_scenario), 0);
}

static int lwsyscall_execve_high_bits_scenario(void)
{
    int child = create_idle_child(NULL, 0);

    if (child < 0)
        return 1;
    static char *argv[] = { "/init", NULL };
    long exec_args[6] = { (long)"/init", (long)argv, 0 };
    if (lwSyscall(child, LWC_SC_MEM, SYSCALL_HIGH_BIT | SYS_execve, exec_args) != -1 ||
        errno != EINVAL)
        return 2;
    return 0;
}

static void lwsyscall_execve_high_bits_rejected(void)
{
    if (lwc_missing())
        return;
    EXPECT_EXITED(run_isolated(lwsyscall_execve_high_bits_scenario), 0);
}

/* ---- A trapping child must not get an untrapped lwC by creating one ---- */

static int systrap_grandchild_scenario(void)
{
    int caller = -2;
    struct lwc_args args;
    int child = lwCreate(NULL, 0, LWC_SYSTRAP, &caller, &args);

    if (child < 0)
        return 1;
    if (caller != -1) {
        /* Trapping child: create a grandchild without LWC_SYSTRAP and let it open. */
        int grand_caller = -2;
        int grandchild = lwCreate(NULL, 0, 0, &grand_caller, NULL);
        if (grandchild >= 0 && grand_caller != -1) {
            struct lwc_args opened = { .v = { syscall(SYS_open, "/", O_RDONLY) } };
            lwSwitch(grand_caller, &opened, NULL);
            _exit(20);
        }
        struct lwc_args report = { .v = { -1000 } };
        if (grandchild >= 0)
            lwSwitch(grandchild, NULL, &report);
        lwSwitch(caller, &report, NULL);
        _exit(21);
    }

    /* The monitor must see a trap (of lwCreate or of open), never a plain
     * switch carrying a descriptor the grandchild opened by itself. */
    struct lwc_args first = { 0 };
    if (lwSwitch(child, NULL, &first) < 0)
        return 2;
    if (first.kind != LWC_MSG_TRAP)
        return 3;
    return 0;
}

static void systrap_grandchild_still_traps(void)
{
    if (lwc_missing())
        return;
    EXPECT_EXITED(run_isolated(systrap_grandchild_scenario), 0);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(overlay_over_own_descriptor),
    KTAP_CASE(trap_after_monitor_closed),
    KTAP_CASE(siblings_closed_newest_first),
    KTAP_CASE(siblings_closed_oldest_first),
    KTAP_CASE(close_everything_in_child),
    KTAP_CASE(lwsyscall_pointer_unmapped_in_target),
    KTAP_CASE(lwsyscall_close_target),
    KTAP_CASE(lwsyscall_high_bits_rejected),
    KTAP_CASE(lwsyscall_execve_high_bits_rejected),
    KTAP_CASE(systrap_grandchild_still_traps),
};

int main(int argc, char **argv)
{
    return KTAP_MAIN(argc, argv, cases);
}
