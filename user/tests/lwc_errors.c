/*
 * The errors of the lwC calls: bad pointers (EFAULT), bad counts, flags and
 * specifications (EINVAL), and descriptors that name no lwC (EBADF). A rejected call
 * must change nothing, so most cases also check that no descriptor appeared and that
 * no lwC was entered. The EPERM cases are in lwc_rights and lwc_overlay.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ktap.h"
#include "lwc.h"

#define PAGE 4096UL
#define KERNEL_ADDRESS 0xffffffff80000000UL
/* The exclusive end of user space in this kernel: 2^47 minus one guard page. */
#define USER_SPACE_LIMIT 0x00007ffffffff000UL

/* ---- Helpers (each lwc_*.c program carries its own copy) ---- */

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

/* ---- Bad arguments: nothing is created ---- */

static void create_bad_spec_pointer_efault(void)
{
    int expected = lowest_free_fd();
    char *unmapped = map_pages(1, 0);

    ASSERT_TRUE(unmapped != NULL);
    munmap(unmapped, PAGE);
    EXPECT_ERRNO(lwCreate(NULL, 1, 0, NULL, NULL), EFAULT);
    EXPECT_ERRNO(lwCreate((const struct lwc_rspec *)KERNEL_ADDRESS, 1, 0, NULL, NULL), EFAULT);
    EXPECT_ERRNO(lwCreate((const struct lwc_rspec *)unmapped, 1, 0, NULL, NULL), EFAULT);
    EXPECT_EQ(lowest_free_fd(), expected);
}

static void create_bad_count_einval(void)
{
    static struct lwc_rspec specs[1000];
    int expected = lowest_free_fd();

    for (int i = 0; i < 1000; i++)
        specs[i] = (struct lwc_rspec){ .flags = LWC_CREDS };
    EXPECT_ERRNO(lwCreate(specs, -1, 0, NULL, NULL), EINVAL);
    EXPECT_ERRNO(lwCreate(specs, 1000, 0, NULL, NULL), EINVAL);
    EXPECT_EQ(lowest_free_fd(), expected);
}

static void create_bad_spec_einval(void)
{
    char *pages = map_pages(2, 'p');
    int expected = lowest_free_fd();

    ASSERT_TRUE(pages != NULL);
    struct lwc_rspec bad[] = {
        { .flags = LWC_CREDS | 0x1000 },                        /* unknown flag */
        { .flags = 0 },                                         /* type 0 */
        { .flags = 0xf },                                       /* unknown type */
        { .flags = LWC_CREDS | LWC_SHARE | LWC_UNMAP },         /* two modes */
        mem_spec(0, pages + 8, 1),                              /* unaligned start */
        { .flags = LWC_MEM, .sub.mem = { (unsigned long)pages, (unsigned long)pages + 100 } },
        { .flags = LWC_MEM, .sub.mem = { (unsigned long)pages, (unsigned long)pages } },
        { .flags = LWC_MEM, .sub.mem = { PAGE, USER_SPACE_LIMIT + PAGE } },
        { .flags = LWC_MEM, .sub.mem = { USER_SPACE_LIMIT, KERNEL_ADDRESS } },
        fds_spec(0, -1, 3),                                     /* only one of -1, -1 */
        fds_spec(0, 5, 4),                                      /* from > to */
        fds_spec(0, 0, 1 << 20),                                /* beyond any table */
        { .flags = LWC_SYSCALLS | LWC_SHARE, .sub.sys = { 10, 5 } },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct lwc_rspec pair[2] = { { .flags = LWC_CREDS }, bad[i] };

        if (!EXPECT_ERRNO(lwCreate(pair, 2, 0, NULL, NULL), EINVAL))
            ktap_diag("    spec %zu: flags 0x%x", i, bad[i].flags);
    }
    EXPECT_EQ(lowest_free_fd(), expected);
    munmap(pages, 2 * PAGE);
}

static void create_unknown_flags_einval(void)
{
    int expected = lowest_free_fd();

    EXPECT_ERRNO(lwCreate(NULL, 0, 0x2, NULL, NULL), EINVAL);
    EXPECT_ERRNO(lwCreate(NULL, 0, LWC_SYSTRAP | 0x100, NULL, NULL), EINVAL);
    EXPECT_ERRNO(lwCreate(NULL, 0, -1, NULL, NULL), EINVAL);
    EXPECT_EQ(lowest_free_fd(), expected);
}

static void create_bad_result_pointers_efault(void)
{
    int expected = lowest_free_fd();
    char *unmapped = map_pages(1, 0);
    const char *text = "read-only";

    ASSERT_TRUE(unmapped != NULL);
    munmap(unmapped, PAGE);
    EXPECT_ERRNO(lwCreate(NULL, 0, 0, (int *)unmapped, NULL), EFAULT);
    EXPECT_ERRNO(lwCreate(NULL, 0, 0, (int *)KERNEL_ADDRESS, NULL), EFAULT);
    EXPECT_ERRNO(lwCreate(NULL, 0, 0, (int *)text, NULL), EFAULT);
    EXPECT_ERRNO(lwCreate(NULL, 0, 0, NULL, (struct lwc_args *)unmapped), EFAULT);
    EXPECT_ERRNO(lwCreate(NULL, 0, 0, NULL, (struct lwc_args *)KERNEL_ADDRESS), EFAULT);
    EXPECT_ERRNO(lwCreate(NULL, 0, 0, NULL, (struct lwc_args *)text), EFAULT);
    EXPECT_EQ(lowest_free_fd(), expected);
}

/* ---- lwSwitch, lwSyscall and lwRestrict: nothing switches or changes ---- */

/* A child that counts its entries: its first reply is 1 after failed switches. */
static int child_entries;

static int spawn_counter(void)
{
    int caller = -2;
    int fd = lwCreate(NULL, 0, 0, &caller, NULL);

    if (fd < 0 || caller == -1)
        return fd;
    for (;;) {
        struct lwc_args out = { .v = { ++child_entries } };

        caller = lwSwitch(caller, &out, NULL);
        if (caller < 0)
            _exit(120);
    }
}

static void switch_bad_descriptor_ebadf(void)
{
    int pipe_fds[2];
    int child = spawn_counter();
    struct lwc_args reply;

    ASSERT_GE(child, 0);
    ASSERT_OK(pipe(pipe_fds));
    EXPECT_ERRNO(lwSwitch(1, NULL, NULL), EBADF);
    EXPECT_ERRNO(lwSwitch(-1, NULL, NULL), EBADF);
    EXPECT_ERRNO(lwSwitch(5000, NULL, NULL), EBADF);
    EXPECT_ERRNO(lwSwitch(pipe_fds[0], NULL, NULL), EBADF);
    EXPECT_ERRNO(lwSwitch(lowest_free_fd(), NULL, NULL), EBADF);
    ASSERT_EQ(lwSwitch(child, NULL, &reply), child);
    EXPECT_EQ(reply.v[0], 1);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    close(child);
}

static void switch_to_current_einval(void)
{
    int copy = dup(LWC_ROOT_FD);

    ASSERT_GE(copy, 0);
    EXPECT_ERRNO(lwSwitch(LWC_ROOT_FD, NULL, NULL), EINVAL);
    EXPECT_ERRNO(lwSwitch(copy, NULL, NULL), EINVAL);
    close(copy);
}

static void switch_bad_pointers_efault(void)
{
    int child = spawn_counter();
    char *unmapped = map_pages(1, 0);
    const char *text = "read-only";
    struct lwc_args reply;

    ASSERT_GE(child, 0);
    ASSERT_TRUE(unmapped != NULL);
    munmap(unmapped, PAGE);
    EXPECT_ERRNO(lwSwitch(child, (struct lwc_args *)unmapped, NULL), EFAULT);
    EXPECT_ERRNO(lwSwitch(child, (struct lwc_args *)KERNEL_ADDRESS, NULL), EFAULT);
    EXPECT_ERRNO(lwSwitch(child, NULL, (struct lwc_args *)unmapped), EFAULT);
    EXPECT_ERRNO(lwSwitch(child, NULL, (struct lwc_args *)KERNEL_ADDRESS), EFAULT);
    EXPECT_ERRNO(lwSwitch(child, NULL, (struct lwc_args *)text), EFAULT);
    /* None of them entered the child. */
    ASSERT_EQ(lwSwitch(child, NULL, &reply), child);
    EXPECT_EQ(reply.v[0], 1);
    close(child);
}

static void lwsyscall_bad_requests(void)
{
    int child = spawn_counter();
    long args[6] = { 0 };

    ASSERT_GE(child, 0);
    EXPECT_ERRNO(lwSyscall(1, 0, 39, args), EBADF);
    EXPECT_ERRNO(lwSyscall(-1, 0, 39, args), EBADF);
    EXPECT_ERRNO(lwSyscall(child, 0x80, 39, args), EINVAL);
    EXPECT_ERRNO(lwSyscall(child, 0, 39, (const long *)KERNEL_ADDRESS), EFAULT);
    EXPECT_EQ(lwSyscall(child, 0, 39, args), getpid());
    close(child);
}

static void restrict_bad_requests(void)
{
    int child = spawn_counter();
    struct lwc_rspec bad = { .flags = 0 };

    ASSERT_GE(child, 0);
    EXPECT_ERRNO(lwRestrict(1, NULL, 0), EBADF);
    EXPECT_ERRNO(lwRestrict(-1, NULL, 0), EBADF);
    EXPECT_ERRNO(lwRestrict(child, NULL, 1), EFAULT);
    EXPECT_ERRNO(lwRestrict(child, &bad, 1), EINVAL);
    EXPECT_ERRNO(lwRestrict(child, &bad, -1), EINVAL);
    /* The rejected calls left every right in place. */
    EXPECT_EQ(lwSyscall(child, 0, 39, NULL), getpid());
    close(child);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(create_bad_spec_pointer_efault),
    KTAP_CASE(create_bad_count_einval),
    KTAP_CASE(create_bad_spec_einval),
    KTAP_CASE(create_unknown_flags_einval),
    KTAP_CASE(create_bad_result_pointers_efault),
    KTAP_CASE(switch_bad_descriptor_ebadf),
    KTAP_CASE(switch_to_current_einval),
    KTAP_CASE(switch_bad_pointers_efault),
    KTAP_CASE(lwsyscall_bad_requests),
    KTAP_CASE(restrict_bad_requests),
};

int main(int argc, char **argv)
{
    return run_cases(argc, argv, cases, sizeof cases / sizeof cases[0]);
}
