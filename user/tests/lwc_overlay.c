/*
 * lwOverlay: memory (SHARE and COPY), descriptors and credentials of another lwC mapped
 * into the caller, and what the caller had there going first. Also rights that do not
 * cover a range, and a creator's lack of access to memory its child allocated later.
 *
 * A child lwC reports what it saw through the reply of its lwSwitch back to the creator,
 * never through the KTAP helpers: under COPY, a failure recorded in the child's memory
 * would never reach the creator's.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
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

/* Whether BUF is readable here: 1, or -EFAULT when write() cannot read it into a pipe. */
static long readable(const void *buf)
{
    int fds[2];
    char byte;
    long result;

    if (pipe(fds) != 0)
        return -errno;
    result = write(fds[1], buf, 1) == 1 ? 1 : -errno;
    if (result == 1 && read(fds[0], &byte, 1) != 1)
        result = -EIO;
    close(fds[0]);
    close(fds[1]);
    return result;
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

/* ---- Memory ---- */

/* Write the byte in->v[2] (if not 0) at in->v[1]; munmap the page if in->v[3]; report it. */
static void write_page(const struct lwc_args *in, struct lwc_args *out)
{
    volatile char *page = (volatile char *)in->v[1];

    if (in->v[3] != 0) {
        out->v[0] = result_or_errno(munmap((void *)page, PAGE));
        return;
    }
    if (in->v[2] != 0)
        *page = (char)in->v[2];
    out->v[0] = *page;
}

static long child_page(int child, char *page, char value)
{
    struct lwc_args send = { .v = { 0, (long)page, value } };
    struct lwc_args reply = { .v = { -999 } };

    if (!EXPECT_EQ(lwSwitch(child, &send, &reply), child))
        return -999;
    return reply.v[0];
}

static void overlay_memory_share(void)
{
    char *page = map_pages(1, 'p');
    struct lwc_rspec spec = mem_spec(LWC_SHARE, page, 1);
    int child;

    ASSERT_TRUE(page != NULL);
    child = spawn(NULL, 0, 0, write_page);
    ASSERT_GE(child, 0);
    EXPECT_EQ(child_page(child, page, 'c'), 'c');
    EXPECT_EQ(page[0], 'p');
    EXPECT_EQ(lwOverlay(child, &spec, 1), 0);
    EXPECT_EQ(page[0], 'c');
    page[0] = 'r';
    EXPECT_EQ(child_page(child, page, 0), 'r');
    EXPECT_EQ(child_page(child, page, 'd'), 'd');
    EXPECT_EQ(page[0], 'd');
    close(child);
    munmap(page, PAGE);
}

static void overlay_memory_copy(void)
{
    char *page = map_pages(1, 'p');
    struct lwc_rspec spec = mem_spec(LWC_COPY, page, 1);
    int child;

    ASSERT_TRUE(page != NULL);
    child = spawn(NULL, 0, 0, write_page);
    ASSERT_GE(child, 0);
    EXPECT_EQ(child_page(child, page, 'c'), 'c');
    EXPECT_EQ(lwOverlay(child, &spec, 1), 0);
    EXPECT_EQ(page[0], 'c');
    page[0] = 'r';
    EXPECT_EQ(child_page(child, page, 0), 'c');
    EXPECT_EQ(child_page(child, page, 'd'), 'd');
    EXPECT_EQ(page[0], 'r');
    close(child);
    munmap(page, PAGE);
}

static void overlay_unmaps_caller_first(void)
{
    char *page = map_pages(1, 'p');
    struct lwc_rspec spec = mem_spec(LWC_COPY, page, 1);
    struct lwc_args send = { .v = { 0, (long)page, 0, 1 } };
    struct lwc_args reply;
    int child;

    ASSERT_TRUE(page != NULL);
    child = spawn(NULL, 0, 0, write_page);
    ASSERT_GE(child, 0);
    ASSERT_EQ(lwSwitch(child, &send, &reply), child);
    EXPECT_EQ(reply.v[0], 0);       /* the child unmapped its copy */
    EXPECT_EQ(lwOverlay(child, &spec, 1), 0);
    /* The caller's page is gone, not kept: the child had nothing there. */
    EXPECT_EQ(readable(page), -EFAULT);
    close(child);
}

/* ---- Descriptors and credentials ---- */

/* Open this program's file at the lowest free descriptor and move its offset to 1. */
static void open_program_file(const struct lwc_args *in, struct lwc_args *out)
{
    (void)in;
    out->v[0] = open("/tests/lwc_overlay", O_RDONLY);
    out->v[1] = lseek((int)out->v[0], 1, SEEK_SET);
}

static void overlay_descriptors(void)
{
    struct lwc_args reply;
    char text[4] = "";
    int child, mine;

    child = spawn(NULL, 0, 0, open_program_file);
    ASSERT_GE(child, 0);
    mine = open("/dev/null", O_RDONLY);
    ASSERT_EQ(lwSwitch(child, NULL, &reply), child);
    ASSERT_GE(reply.v[0], 0);
    EXPECT_EQ(reply.v[1], 1);
    /* Both tables had the same lowest free slot. */
    ASSERT_EQ(reply.v[0], mine);

    struct lwc_rspec spec = fds_spec(LWC_COPY, mine, mine);
    EXPECT_EQ(lwOverlay(child, &spec, 1), 0);
    /* /dev/null was closed; the child's file is there, at its offset. */
    EXPECT_EQ(read(mine, text, 3), 3);
    EXPECT_EQ(memcmp(text, "ELF", 3), 0);
    close(mine);
    close(child);
}

static void set_uid(const struct lwc_args *in, struct lwc_args *out)
{
    out->v[0] = result_or_errno(setuid((uid_t)in->v[1]));
}

static void overlay_credentials(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0) {
        struct lwc_rspec spec = { .flags = LWC_CREDS };
        struct lwc_args send = { .v = { 0, 4321 } };
        struct lwc_args reply;
        int child;

        if (getuid() != 0)
            _exit(99);
        child = spawn(NULL, 0, 0, set_uid);
        if (child < 0 || lwSwitch(child, &send, &reply) < 0 || reply.v[0] != 0)
            _exit(10);
        if (getuid() != 0)
            _exit(11);
        if (lwOverlay(child, &spec, 1) != 0)
            _exit(12);
        _exit(getuid() == 4321 && geteuid() == 4321 ? 0 : 13);
    }
    int status = ktap_wait(pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 99)
        ktap_skip("the test does not run as root");
    else
        EXPECT_EXITED(status, 0);
}

/* ---- Rights: ranges not covered fail and change nothing ---- */

static char *marked_pages;

/* Overlay in->v[1] specs from the creator. The first names the marked page when in->v[2]
 * is set, else the unmarked one. The second names the unmarked page. */
static void overlay_from_creator(const struct lwc_args *in, struct lwc_args *out)
{
    struct lwc_rspec specs[2] = {
        mem_spec(LWC_COPY, marked_pages + (in->v[2] ? 0 : PAGE), 1),
        mem_spec(LWC_COPY, marked_pages + PAGE, 1),
    };

    out->v[0] = result_or_errno(lwOverlay(child_creator_fd, specs, (int)in->v[1]));
    out->v[1] = marked_pages[0];
    out->v[2] = marked_pages[PAGE];
}

static void overlay_uncovered_range_eperm(void)
{
    struct lwc_args reply;
    int child;

    marked_pages = map_pages(2, 'p');
    ASSERT_TRUE(marked_pages != NULL);
    struct lwc_rspec spec = mem_spec(LWC_COPY | LWC_MAY_OVERLAY, marked_pages, 1);
    child = spawn(&spec, 1, 0, overlay_from_creator);
    ASSERT_GE(child, 0);
    marked_pages[0] = 'a';
    marked_pages[PAGE] = 'b';

    /* The unmarked page alone, then both pages: EPERM, and the child has its own. */
    struct lwc_args unmarked = { .v = { 0, 1, 0 } };
    ASSERT_EQ(lwSwitch(child, &unmarked, &reply), child);
    EXPECT_EQ(reply.v[0], -EPERM);
    EXPECT_EQ(reply.v[2], 'p');
    struct lwc_args both = { .v = { 0, 2, 1 } };
    ASSERT_EQ(lwSwitch(child, &both, &reply), child);
    EXPECT_EQ(reply.v[0], -EPERM);
    EXPECT_EQ(reply.v[1], 'p');
    EXPECT_EQ(reply.v[2], 'p');

    /* The marked page alone works. */
    struct lwc_args marked = { .v = { 0, 1, 1 } };
    ASSERT_EQ(lwSwitch(child, &marked, &reply), child);
    EXPECT_EQ(reply.v[0], 0);
    EXPECT_EQ(reply.v[1], 'a');
    EXPECT_EQ(reply.v[2], 'p');
    close(child);
    munmap(marked_pages, 2 * PAGE);
}

static void overlay_bad_requests(void)
{
    char *page = map_pages(1, 'p');
    int child = spawn(NULL, 0, 0, write_page);

    ASSERT_TRUE(page != NULL);
    ASSERT_GE(child, 0);
    struct lwc_rspec unmap = mem_spec(LWC_UNMAP, page, 1);
    struct lwc_rspec copy = mem_spec(LWC_COPY, page, 1);
    struct lwc_rspec syscalls = { .flags = LWC_SYSCALLS | LWC_SHARE, .sub.sys = { 0, 1 } };
    EXPECT_ERRNO(lwOverlay(child, &unmap, 1), EINVAL);
    EXPECT_ERRNO(lwOverlay(child, &syscalls, 1), EINVAL);
    EXPECT_ERRNO(lwOverlay(LWC_ROOT_FD, &copy, 1), EINVAL);
    EXPECT_ERRNO(lwOverlay(1, &copy, 1), EBADF);
    EXPECT_ERRNO(lwOverlay(-1, &copy, 1), EBADF);
    EXPECT_ERRNO(lwOverlay(child, NULL, 1), EFAULT);
    EXPECT_ERRNO(lwOverlay(child, &copy, -1), EINVAL);
    EXPECT_EQ(page[0], 'p');
    close(child);
    munmap(page, PAGE);
}

/* ---- A creator cannot reach memory its child allocated later ---- */

/* Map a fresh page, write 'x' there and report its address; or report the byte at v[1]. */
static void allocate_private_page(const struct lwc_args *in, struct lwc_args *out)
{
    if (in->v[1] != 0) {
        out->v[0] = *(volatile char *)in->v[1];
        return;
    }
    char *page = map_pages(1, 'x');
    out->v[0] = page != NULL ? (long)page : -errno;
}

static void creator_cannot_reach_child_memory(void)
{
    struct lwc_args reply;
    int child = spawn(NULL, 0, 0, allocate_private_page);
    char *page;

    ASSERT_GE(child, 0);
    ASSERT_EQ(lwSwitch(child, NULL, &reply), child);
    ASSERT_GT(reply.v[0], 0);
    page = (char *)reply.v[0];
    EXPECT_EQ(readable(page), -EFAULT);

    /* Mapping, writing and freeing the same address here leaves the child's page alone. */
    EXPECT_EQ(munmap(page, PAGE), 0);
    char *mine = mmap(page, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                      -1, 0);
    ASSERT_TRUE(mine == page);
    mine[0] = 'r';
    EXPECT_EQ(munmap(mine, PAGE), 0);
    struct lwc_args send = { .v = { 0, (long)page } };
    ASSERT_EQ(lwSwitch(child, &send, &reply), child);
    EXPECT_EQ(reply.v[0], 'x');
    close(child);
}

/* Runs last: it overlays the creator's own descriptor for the child. */
static void overlay_replaces_child_descriptor(void)
{
    int child = spawn(NULL, 0, 0, write_page);
    struct lwc_rspec spec;

    ASSERT_GE(child, 0);
    /* The child's table has its descriptor for the creator at the same number. */
    spec = fds_spec(LWC_COPY, child, child);
    EXPECT_EQ(lwOverlay(child, &spec, 1), 0);
    /* That descriptor names this lwC now: switching to it is switching to itself. */
    EXPECT_ERRNO(lwSwitch(child, NULL, NULL), EINVAL);
    close(child);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(overlay_memory_share),
    KTAP_CASE(overlay_memory_copy),
    KTAP_CASE(overlay_unmaps_caller_first),
    KTAP_CASE(overlay_descriptors),
    KTAP_CASE(overlay_credentials),
    KTAP_CASE(overlay_uncovered_range_eperm),
    KTAP_CASE(overlay_bad_requests),
    KTAP_CASE(creator_cannot_reach_child_memory),
    KTAP_CASE(overlay_replaces_child_descriptor),
};

int main(int argc, char **argv)
{
    return run_cases(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
