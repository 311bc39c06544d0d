/*
 * lwC descriptors and their rights: the root lwC's descriptor, file calls and dup on
 * lwC descriptors, freeing an lwC with its last descriptor, the rights of the two
 * descriptors lwCreate makes (and LWC_MAY_OVERLAY), and lwRestrict.
 *
 * A child lwC reports what it saw through the reply of its lwSwitch back to the creator,
 * never through the KTAP helpers: under COPY, a failure recorded in the child's memory
 * would never reach the creator's.
 */
#include <fcntl.h>
#include <stdlib.h>
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

#define PAGE 4096UL

static char *map_pages(size_t pages, char fill)
{
    char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED)
        return NULL;
    if (fill != 0)
        memset(p, fill, pages * PAGE);
    return p;
}

static struct lwc_rspec mem_spec(unsigned flags, const void *start, size_t pages)
{
    struct lwc_rspec s = { .flags = LWC_MEM | flags };

    s.sub.mem.start = (unsigned long)start;
    s.sub.mem.end = (unsigned long)start + pages * PAGE;
    return s;
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

static long mem_free_kb(void)
{
    char text[512];
    int fd = open("/proc/meminfo", O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof text - 1);
    const char *field;

    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return -1;
    text[n] = '\0';
    field = strstr(text, "MemFree:");
    return field != NULL ? strtol(field + strlen("MemFree:"), NULL, 10) : -1;
}

/* ---- The root lwC's descriptor ---- */

static void root_descriptor_exists_at_start(void)
{
    int fd;

    /* Nothing has run before this case: open() still gets 3. */
    fd = open("/dev/null", O_RDONLY);
    EXPECT_EQ(fd, 3);
    close(fd);
    EXPECT_EQ(fcntl(LWC_ROOT_FD, F_GETFD), 0);
    /* It names an lwC, the current one. */
    EXPECT_ERRNO(lwSwitch(LWC_ROOT_FD, NULL, NULL), EINVAL);
    EXPECT_EQ(lwSyscall(LWC_ROOT_FD, 0, SYS_getpid, NULL), getpid());
}

/* ---- lwC descriptors are ordinary slots ---- */

static void nothing(const struct lwc_args *in, struct lwc_args *out)
{
    (void)in;
    out->v[0] = 42;
}

static void file_calls_on_lwc_ebadf(void)
{
    int child = spawn(NULL, 0, 0, nothing);
    int fds[] = { child, LWC_ROOT_FD };
    char byte = 0;

    ASSERT_GE(child, 0);
    for (int i = 0; i < 2; i++) {
        EXPECT_ERRNO(read(fds[i], &byte, 1), EBADF);
        EXPECT_ERRNO(write(fds[i], &byte, 1), EBADF);
        EXPECT_ERRNO(lseek(fds[i], 0, SEEK_SET), EBADF);
        EXPECT_TRUE(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fds[i], 0) == MAP_FAILED);
        EXPECT_EQ(errno, EBADF);
    }
    close(child);
}

static void dup_of_lwc_descriptor_switches(void)
{
    int child = spawn(NULL, 0, 0, nothing);
    int copy, high;
    struct lwc_args reply;

    ASSERT_GE(child, 0);
    copy = dup(child);
    ASSERT_GE(copy, 0);
    high = dup2(child, 900);
    ASSERT_EQ(high, 900);
    EXPECT_EQ(close(child), 0);
    reply.v[0] = 0;
    EXPECT_EQ(lwSwitch(copy, NULL, &reply), copy);
    EXPECT_EQ(reply.v[0], 42);
    EXPECT_EQ(close(copy), 0);
    EXPECT_EQ(lwSwitch(high, NULL, &reply), high);
    EXPECT_EQ(close(high), 0);
}

static void touch_megabyte(const struct lwc_args *in, struct lwc_args *out)
{
    char *block = mmap(NULL, 256 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);

    (void)in;
    out->v[0] = block == MAP_FAILED ? -errno : 0;
    if (block != MAP_FAILED)
        memset(block, 'm', 256 * PAGE);
    out->v[1] = mem_free_kb();
}

static void close_last_descriptor_frees_lwc(void)
{
    struct lwc_args reply;
    long before, during;
    int child;

    /* Warm up: the kernel heap may keep frames it took for the first lwC. */
    child = spawn(NULL, 0, 0, touch_megabyte);
    ASSERT_GE(child, 0);
    ASSERT_OK(lwSwitch(child, NULL, &reply));
    close(child);

    before = mem_free_kb();
    ASSERT_GT(before, 0);
    child = spawn(NULL, 0, 0, touch_megabyte);
    ASSERT_GE(child, 0);
    ASSERT_OK(lwSwitch(child, NULL, &reply));
    EXPECT_EQ(reply.v[0], 0);
    during = reply.v[1];
    EXPECT_LE(during, before - 1024);   /* the child really holds a mebibyte */
    EXPECT_EQ(close(child), 0);
    EXPECT_EQ(mem_free_kb(), before);
}

/* ---- Rights of the two descriptors lwCreate makes ---- */

static char *overlay_page;
static int overlay_fd;

/* Try every right on the descriptor for the creator; report each result. */
static void try_rights_on_creator(const struct lwc_args *in, struct lwc_args *out)
{
    struct lwc_rspec mem = mem_spec(LWC_COPY, overlay_page, 1);
    struct lwc_rspec other = mem_spec(LWC_COPY, overlay_page + PAGE, 1);
    struct lwc_rspec files = fds_spec(LWC_COPY, overlay_fd, overlay_fd);
    struct lwc_rspec creds = { .flags = LWC_CREDS };
    int creator = (int)in->v[0] > 0 ? (int)in->v[0] : child_creator_fd;

    out->v[0] = result_or_errno(lwSyscall(creator, 0, SYS_getpid, NULL));
    out->v[1] = result_or_errno(lwOverlay(creator, &mem, 1));
    out->v[2] = result_or_errno(lwOverlay(creator, &other, 1));
    out->v[3] = result_or_errno(lwOverlay(creator, &files, 1));
    out->v[4] = result_or_errno(lwOverlay(creator, &creds, 1));
    out->v[5] = overlay_page[0];
}

static void child_descriptor_switch_only(void)
{
    struct lwc_args reply;
    int child;

    overlay_page = map_pages(2, 'c');
    ASSERT_TRUE(overlay_page != NULL);
    overlay_fd = open("/dev/null", O_RDONLY);
    ASSERT_GE(overlay_fd, 0);
    child = spawn(NULL, 0, 0, try_rights_on_creator);
    ASSERT_GE(child, 0);
    overlay_page[0] = 'p';
    ASSERT_EQ(lwSwitch(child, NULL, &reply), child);
    EXPECT_EQ(reply.v[0], -EPERM);
    EXPECT_EQ(reply.v[1], -EPERM);
    EXPECT_EQ(reply.v[2], -EPERM);
    EXPECT_EQ(reply.v[3], -EPERM);
    EXPECT_EQ(reply.v[4], -EPERM);
    EXPECT_EQ(reply.v[5], 'c');     /* nothing was overlaid */
    close(child);
    close(overlay_fd);
    munmap(overlay_page, 2 * PAGE);
}

static void may_overlay_grants_marked_ranges(void)
{
    struct lwc_args reply;
    int child;

    overlay_page = map_pages(2, 'c');
    ASSERT_TRUE(overlay_page != NULL);
    overlay_fd = open("/dev/null", O_RDONLY);
    ASSERT_GE(overlay_fd, 0);
    struct lwc_rspec specs[] = {
        mem_spec(LWC_COPY | LWC_MAY_OVERLAY, overlay_page, 1),
        fds_spec(LWC_COPY | LWC_MAY_OVERLAY, overlay_fd, overlay_fd),
        { .flags = LWC_CREDS | LWC_MAY_OVERLAY },
    };
    child = spawn(specs, 3, 0, try_rights_on_creator);
    ASSERT_GE(child, 0);
    overlay_page[0] = 'p';
    ASSERT_EQ(lwSwitch(child, NULL, &reply), child);
    EXPECT_EQ(reply.v[0], -EPERM);  /* no lwSyscall right */
    EXPECT_EQ(reply.v[1], 0);
    EXPECT_EQ(reply.v[2], -EPERM);  /* the page after the marked one */
    EXPECT_EQ(reply.v[3], 0);
    EXPECT_EQ(reply.v[4], 0);
    EXPECT_EQ(reply.v[5], 'p');     /* the creator's page, overlaid after creation */
    close(child);
    close(overlay_fd);
    munmap(overlay_page, 2 * PAGE);
}

static void creator_descriptor_every_right(void)
{
    int child;
    struct lwc_args reply;

    overlay_page = map_pages(2, 'r');
    ASSERT_TRUE(overlay_page != NULL);
    overlay_fd = open("/dev/null", O_RDONLY);
    ASSERT_GE(overlay_fd, 0);
    child = spawn(NULL, 0, 0, nothing);
    ASSERT_GE(child, 0);

    /* try_rights_on_creator run here, on the descriptor for the child. */
    struct lwc_args send = { .v = { child } };
    try_rights_on_creator(&send, &reply);
    EXPECT_EQ(reply.v[0], getpid());
    EXPECT_EQ(reply.v[1], 0);
    EXPECT_EQ(reply.v[2], 0);
    EXPECT_EQ(reply.v[3], 0);
    EXPECT_EQ(reply.v[4], 0);
    close(child);
    close(overlay_fd);
    munmap(overlay_page, 2 * PAGE);
}

/* ---- lwRestrict ---- */

static struct lwc_rspec syscalls_spec(void)
{
    struct lwc_rspec s = { .flags = LWC_SYSCALLS };

    s.sub.sys.from = 0;
    s.sub.sys.to = 0;
    return s;
}

static void restrict_removes_rights(void)
{
    struct lwc_args reply;
    int child, copy;

    overlay_page = map_pages(2, 'r');
    ASSERT_TRUE(overlay_page != NULL);
    overlay_fd = open("/dev/null", O_RDONLY);
    ASSERT_GE(overlay_fd, 0);
    child = spawn(NULL, 0, 0, nothing);
    ASSERT_GE(child, 0);
    struct lwc_rspec specs[] = {
        syscalls_spec(),
        mem_spec(LWC_COPY, overlay_page, 1),
        fds_spec(LWC_COPY, overlay_fd, overlay_fd),
        { .flags = LWC_CREDS },
    };
    int next_fd = lowest_free_fd();
    EXPECT_EQ(lwRestrict(child, specs, 4), 0);
    EXPECT_EQ(lowest_free_fd(), next_fd);  /* the descriptor keeps its number */

    struct lwc_args send = { .v = { child } };
    try_rights_on_creator(&send, &reply);
    EXPECT_EQ(reply.v[0], -EPERM);
    EXPECT_EQ(reply.v[1], -EPERM);
    EXPECT_EQ(reply.v[2], 0);       /* the next page was not restricted */
    EXPECT_EQ(reply.v[3], -EPERM);
    EXPECT_EQ(reply.v[4], -EPERM);
    /* Switching stays allowed, and a dup carries the restricted rights. */
    EXPECT_EQ(lwSwitch(child, NULL, &reply), child);
    copy = dup(child);
    EXPECT_ERRNO(lwSyscall(copy, 0, SYS_getpid, NULL), EPERM);
    /* Rights never grow back: restricting something else leaves these off. */
    EXPECT_EQ(lwRestrict(child, &specs[2], 1), 0);
    EXPECT_ERRNO(lwSyscall(child, 0, SYS_getpid, NULL), EPERM);
    close(copy);
    close(child);
    close(overlay_fd);
    munmap(overlay_page, 2 * PAGE);
}

/* Report the lwSyscall right of descriptor in->v[1] in this lwC's table. */
static void try_syscall_right(const struct lwc_args *in, struct lwc_args *out)
{
    out->v[0] = result_or_errno(lwSyscall((int)in->v[1], 0, SYS_getpid, NULL));
}

static void restrict_spares_older_copies(void)
{
    struct lwc_rspec spec = syscalls_spec();
    struct lwc_args reply;
    int target = spawn(NULL, 0, 0, nothing);
    int older = spawn(NULL, 0, 0, try_syscall_right);

    ASSERT_GE(target, 0);
    ASSERT_GE(older, 0);
    ASSERT_EQ(lwRestrict(target, &spec, 1), 0);
    EXPECT_ERRNO(lwSyscall(target, 0, SYS_getpid, NULL), EPERM);

    /* older copied the table before the restriction. */
    struct lwc_args send = { .v = { 0, target } };
    ASSERT_EQ(lwSwitch(older, &send, &reply), older);
    EXPECT_EQ(reply.v[0], getpid());
    close(older);
    close(target);
}

static void restrict_seen_through_shared_table(void)
{
    struct lwc_rspec share = fds_spec(LWC_SHARE, -1, -1);
    struct lwc_rspec spec = syscalls_spec();
    struct lwc_args reply;
    int sharer = spawn(&share, 1, 0, try_syscall_right);
    int target = spawn(NULL, 0, 0, nothing);

    ASSERT_GE(sharer, 0);
    ASSERT_GE(target, 0);
    struct lwc_args send = { .v = { 0, target } };
    ASSERT_EQ(lwSwitch(sharer, &send, &reply), sharer);
    EXPECT_EQ(reply.v[0], getpid());
    ASSERT_EQ(lwRestrict(target, &spec, 1), 0);
    ASSERT_EQ(lwSwitch(sharer, &send, &reply), sharer);
    EXPECT_EQ(reply.v[0], -EPERM);
    close(target);
    close(sharer);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(root_descriptor_exists_at_start),
    KTAP_CASE(file_calls_on_lwc_ebadf),
    KTAP_CASE(dup_of_lwc_descriptor_switches),
    KTAP_CASE(close_last_descriptor_frees_lwc),
    KTAP_CASE(child_descriptor_switch_only),
    KTAP_CASE(may_overlay_grants_marked_ranges),
    KTAP_CASE(creator_descriptor_every_right),
    KTAP_CASE(restrict_removes_rights),
    KTAP_CASE(restrict_spares_older_copies),
    KTAP_CASE(restrict_seen_through_shared_table),
};

int main(int argc, char **argv)
{
    return run_cases(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
