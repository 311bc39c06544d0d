/*
 * lwCreate: its two returns, what the child gets of the creator's memory under COPY,
 * SHARE and UNMAP.
 *
 * A child lwC reports what it saw through the reply of its lwSwitch back to the creator,
 * never through the KTAP helpers: under COPY, a failure recorded in the child's memory
 * would never reach the creator's.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ktap.h"
#include "lwc.h"

#define PAGE 4096UL

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

/* Switch to FD sending V0 and return the reply's v[0], or -999 after failing the case. */
static long ask(int fd, long v0, struct lwc_args *reply)
{
    struct lwc_args send = { .v = { v0 } };
    struct lwc_args scratch;

    if (reply == NULL)
        reply = &scratch;
    if (!EXPECT_OK(lwSwitch(fd, &send, reply)))
        return -999;
    return reply->v[0];
}

/* The descriptor number open() would return next. */
static int lowest_free_fd(void)
{
    int fd = dup(0);

    close(fd);
    return fd;
}

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

/* ---- lwCreate returns twice: in the creator, then in the child ---- */

static void report_first_entry(const struct lwc_args *in, struct lwc_args *out)
{
    out->v[0] = child_creator_fd;
    out->v[1] = child_first_caller;
    out->v[2] = in->kind;
    out->v[3] = in->v[0];
    out->v[4] = in->v[6];
}

static void create_returns_twice(void)
{
    int expected_fd = lowest_free_fd();
    int caller = -2;
    struct lwc_args untouched = { .kind = 55, .v = { 56 } };
    int child = lwCreate(NULL, 0, 0, &caller, &untouched);
    struct lwc_args send = { .v = { 31, 0, 0, 0, 0, 0, 37 } };
    struct lwc_args reply;

    ASSERT_GE(child, 0);
    if (caller != -1) {
        /* The child: report lwCreate's result, *caller and *args, and stop here. */
        struct lwc_args out = { .v = { child, caller, untouched.kind, untouched.v[0],
                                       untouched.v[6] } };
        lwSwitch(caller, &out, NULL);
        _exit(121);
    }
    EXPECT_EQ(child, expected_fd);
    EXPECT_EQ(caller, -1);
    EXPECT_EQ(untouched.kind, 55);
    EXPECT_EQ(untouched.v[0], 56);

    /* The creator's switch returns its own descriptor for the child. */
    EXPECT_EQ(lwSwitch(child, &send, &reply), child);
    EXPECT_EQ(reply.kind, LWC_MSG_SWITCH);
    EXPECT_EQ(reply.v[0], expected_fd);     /* lowest free slot in the child's table */
    EXPECT_EQ(reply.v[1], expected_fd);     /* the creator switched in: same descriptor */
    EXPECT_EQ(reply.v[2], LWC_MSG_SWITCH);
    EXPECT_EQ(reply.v[3], 31);
    EXPECT_EQ(reply.v[4], 37);
    close(child);
}

static void create_with_null_pointers(void)
{
    int child = spawn(NULL, 0, 0, report_first_entry);
    int child2;

    ASSERT_GE(child, 0);
    EXPECT_EQ(ask(child, 3, NULL), child);
    /* Neither *caller nor *args is required. */
    child2 = lwCreate(NULL, 0, 0, NULL, NULL);
    EXPECT_GE(child2, 0);
    EXPECT_EQ(child2, child + 1);
    close(child2);
    close(child);
}

/* ---- Memory under COPY, SHARE and UNMAP ---- */

static int copied_global = 7;
static char *shared_pages;

static void write_and_report_memory(const struct lwc_args *in, struct lwc_args *out)
{
    volatile char *page = (volatile char *)in->v[1];

    out->v[0] = copied_global;
    out->v[1] = page[0];
    out->v[2] = page[PAGE];
    copied_global = (int)in->v[2];
    page[0] = (char)in->v[3];
}

static void copy_memory_private_both_ways(void)
{
    char *pages = map_pages(2, 'p');
    struct lwc_args reply;
    int child;

    ASSERT_TRUE(pages != NULL);
    copied_global = 7;
    child = spawn(NULL, 0, 0, write_and_report_memory);
    ASSERT_GE(child, 0);

    /* The child reads the values of creation time and writes its own. */
    struct lwc_args send = { .v = { 0, (long)pages, 8, 'c' } };
    ASSERT_OK(lwSwitch(child, &send, &reply));
    EXPECT_EQ(reply.v[0], 7);
    EXPECT_EQ(reply.v[1], 'p');
    EXPECT_EQ(copied_global, 7);
    EXPECT_EQ(pages[0], 'p');

    /* The creator's writes after creation do not reach the child either. */
    copied_global = 9;
    pages[0] = 'q';
    pages[PAGE] = 'r';
    send.v[2] = 10;
    ASSERT_OK(lwSwitch(child, &send, &reply));
    EXPECT_EQ(reply.v[0], 8);
    EXPECT_EQ(reply.v[1], 'c');
    EXPECT_EQ(reply.v[2], 'p');
    EXPECT_EQ(copied_global, 9);
    close(child);
    munmap(pages, 2 * PAGE);
    copied_global = 7;
}

static void share_memory_both_ways(void)
{
    struct lwc_rspec spec;
    struct lwc_args reply;
    int child;

    shared_pages = map_pages(2, 'p');
    ASSERT_TRUE(shared_pages != NULL);
    spec = mem_spec(LWC_SHARE, shared_pages, 2);
    child = spawn(&spec, 1, 0, write_and_report_memory);
    ASSERT_GE(child, 0);

    struct lwc_args send = { .v = { 0, (long)shared_pages, 8, 'c' } };
    ASSERT_OK(lwSwitch(child, &send, &reply));
    EXPECT_EQ(reply.v[1], 'p');
    EXPECT_EQ(shared_pages[0], 'c');

    shared_pages[PAGE] = 'r';
    ASSERT_OK(lwSwitch(child, &send, &reply));
    EXPECT_EQ(reply.v[2], 'r');
    close(child);
    munmap(shared_pages, 2 * PAGE);
}

static void share_untouched_memory(void)
{
    char *pages = map_pages(2, 0);      /* no page touched before creation */
    struct lwc_rspec spec = mem_spec(LWC_SHARE, pages, 2);
    struct lwc_args reply;
    int child;

    ASSERT_TRUE(pages != NULL);
    child = spawn(&spec, 1, 0, write_and_report_memory);
    ASSERT_GE(child, 0);
    struct lwc_args send = { .v = { 0, (long)pages, 8, 'c' } };
    ASSERT_OK(lwSwitch(child, &send, &reply));
    EXPECT_EQ(reply.v[1], 0);
    EXPECT_EQ(pages[0], 'c');
    pages[PAGE] = 'r';
    ASSERT_OK(lwSwitch(child, &send, &reply));
    EXPECT_EQ(reply.v[2], 'r');
    close(child);
    munmap(pages, 2 * PAGE);
}

static void copy_after_share_is_private(void)
{
    char *pages = map_pages(2, 'p');     /* the child reads both pages */
    struct lwc_rspec spec = mem_spec(LWC_SHARE, pages, 1);
    struct lwc_args reply;
    int sharer, copier;

    ASSERT_TRUE(pages != NULL);
    sharer = spawn(&spec, 1, 0, write_and_report_memory);
    ASSERT_GE(sharer, 0);
    /* A later child made with the default COPY gets a copy-on-write page. */
    copier = spawn(NULL, 0, 0, write_and_report_memory);
    ASSERT_GE(copier, 0);
    struct lwc_args send = { .v = { 0, (long)pages, 8, 'c' } };
    ASSERT_OK(lwSwitch(copier, &send, &reply));
    EXPECT_EQ(reply.v[1], 'p');
    EXPECT_EQ(pages[0], 'p');
    pages[0] = 'r';
    ASSERT_OK(lwSwitch(copier, &send, &reply));
    EXPECT_EQ(reply.v[1], 'c');
    /* The first child still shares it. */
    send.v[3] = 's';
    ASSERT_OK(lwSwitch(sharer, &send, &reply));
    EXPECT_EQ(reply.v[1], 'r');
    EXPECT_EQ(pages[0], 's');
    close(copier);
    close(sharer);
    munmap(pages, 2 * PAGE);
}

static void report_readable(const struct lwc_args *in, struct lwc_args *out)
{
    out->v[0] = readable((const void *)in->v[1]);
    out->v[1] = readable((const void *)in->v[2]);
}

static void unmap_memory_absent_in_child(void)
{
    char *pages = map_pages(2, 'p');
    struct lwc_rspec spec = mem_spec(LWC_UNMAP, pages, 1);
    struct lwc_args reply;
    int child;

    ASSERT_TRUE(pages != NULL);
    child = spawn(&spec, 1, 0, report_readable);
    ASSERT_GE(child, 0);
    struct lwc_args send = { .v = { 0, (long)pages, (long)pages + PAGE } };
    ASSERT_OK(lwSwitch(child, &send, &reply));
    EXPECT_EQ(reply.v[0], -EFAULT);
    EXPECT_EQ(reply.v[1], 1);
    EXPECT_EQ(readable(pages), 1);
    EXPECT_EQ(pages[0], 'p');
    close(child);
    munmap(pages, 2 * PAGE);
}

static void touch_first_page(const struct lwc_args *in, struct lwc_args *out)
{
    out->v[0] = *(volatile char *)in->v[1];
}

static void unmap_memory_touch_is_sigsegv(void)
{
    char *pages = map_pages(1, 'p');
    pid_t pid;

    ASSERT_TRUE(pages != NULL);
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        struct lwc_rspec spec = mem_spec(LWC_UNMAP, pages, 1);
        int child = spawn(&spec, 1, 0, touch_first_page);
        struct lwc_args send = { .v = { 0, (long)pages } };

        if (child < 0)
            _exit(10);
        lwSwitch(child, &send, NULL);
        _exit(11);
    }
    EXPECT_SIGNALED(ktap_wait(pid), SIGSEGV);
    munmap(pages, PAGE);
}

static void later_spec_overrides_earlier(void)
{
    char *pages = map_pages(3, 'p');
    struct lwc_args reply;
    int child;

    ASSERT_TRUE(pages != NULL);
    /* Pages 0-1 shared, then page 1 copied again; page 2 unmapped, then shared. */
    struct lwc_rspec specs[] = {
        mem_spec(LWC_SHARE, pages, 2),
        mem_spec(LWC_COPY, pages + PAGE, 1),
        mem_spec(LWC_UNMAP, pages + 2 * PAGE, 1),
        mem_spec(LWC_SHARE, pages + 2 * PAGE, 1),
    };
    child = spawn(specs, 4, 0, write_and_report_memory);
    ASSERT_GE(child, 0);
    struct lwc_args send = { .v = { 0, (long)pages, 8, 'c' } };
    ASSERT_OK(lwSwitch(child, &send, &reply));
    EXPECT_EQ(pages[0], 'c');
    send.v[1] = (long)pages + PAGE;
    ASSERT_OK(lwSwitch(child, &send, &reply));
    EXPECT_EQ(pages[PAGE], 'p');
    EXPECT_EQ(reply.v[2], 'p');     /* page 2, still present in the child */
    pages[2 * PAGE] = 'r';
    ASSERT_OK(lwSwitch(child, &send, &reply));
    EXPECT_EQ(reply.v[2], 'r');
    close(child);
    munmap(pages, 3 * PAGE);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(create_returns_twice),
    KTAP_CASE(create_with_null_pointers),
    KTAP_CASE(copy_memory_private_both_ways),
    KTAP_CASE(share_memory_both_ways),
    KTAP_CASE(share_untouched_memory),
    KTAP_CASE(copy_after_share_is_private),
    KTAP_CASE(unmap_memory_absent_in_child),
    KTAP_CASE(unmap_memory_touch_is_sigsegv),
    KTAP_CASE(later_spec_overrides_earlier),
};

int main(int argc, char **argv)
{
    return run_cases(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
