/*
 * Stress for lwCs: many create/close cycles must give back every frame, and
 * a chain of more lwCs than there are PCIDs (4095) must switch correctly
 * down to the last one and back up. In test mode the kernel's TLB model
 * checker watches every switch; a failure there fails the whole run.
 * On Linux, which has no lwC calls, every case is skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ktap.h"
#include "lwc.h"

#define PAGE 4096
#define CYCLES 10000
#define CHAIN_LENGTH 4200     /* more lwCs than PCIDs, so PCIDs are reused */

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

static void create_close_cycles_free_everything(void)
{
    if (lwc_missing())
        return;
    long before = free_kib();
    int failures = 0;

    for (int i = 0; i < CYCLES; i++) {
        struct lwc_args args;
        int caller;
        int child = lwCreate(NULL, 0, 0, &caller, &args);
        if (child < 0) {
            failures++;
            continue;
        }
        if (caller != -1)
            _exit(99);      /* nothing ever switches into these children */
        failures += close(child) != 0;
    }
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(free_kib(), before);
}

/* Results written by every lwC of the chain into one page they all share. */
struct chain_results {
    long deepest;           /* highest level that ran */
    long returned;          /* lwCs that switched back to their creator */
    long wrong_level;       /* an lwC that found another level than it was given */
    long create_errno;
};

static struct chain_results *results;
static struct lwc_rspec chain_specs[2];

/* Create the next lwC, switch into it, and come back once it returns. In
 * the child (second return of lwCreate), go one level deeper first. */
static void descend(long level)
{
    struct lwc_args args = { 0 };
    int caller;
    int fd = lwCreate(chain_specs, 2, 0, &caller, &args);

    if (fd < 0) {
        results->create_errno = errno;
        return;
    }
    if (caller == -1) {
        /* Creator: hand the child its level and wait for it to come back. */
        struct lwc_args out = { .v = { level + 1 } }, in;
        if (lwSwitch(fd, &out, &in) < 0)
            results->create_errno = errno;
        close(fd);
        return;
    }

    /* Child: fd names the creator; only it and the shared page are here. */
    long mine = args.v[0];
    if (mine != level + 1)
        results->wrong_level++;
    results->deepest = mine;
    if (mine < CHAIN_LENGTH)
        descend(mine);
    results->returned++;
    struct lwc_args back = { 0 };
    lwSwitch(fd, &back, NULL);
    _exit(98);      /* never resumed: nobody switches into this lwC again */
}

static void chain_longer_than_pcids(void)
{
    if (lwc_missing())
        return;
    results = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ASSERT_TRUE(results != MAP_FAILED);
    memset(results, 0, PAGE);
    /* Measured after the page exists: munmap keeps the page tables that
     * mapped it, as Linux may, so they would look like a leak. */
    long before = free_kib();

    /* Each lwC shares the results page and has no descriptor but the one
     * naming its creator, so its table stays small. */
    chain_specs[0] = (struct lwc_rspec){ .flags = LWC_MEM | LWC_SHARE,
                                         .sub.mem = { (unsigned long)results,
                                                      (unsigned long)results + PAGE } };
    chain_specs[1] = (struct lwc_rspec){ .flags = LWC_FILES | LWC_UNMAP, .sub.fds = { -1, -1 } };

    descend(0);

    EXPECT_EQ(results->create_errno, 0);
    EXPECT_EQ(results->deepest, CHAIN_LENGTH);
    EXPECT_EQ(results->returned, CHAIN_LENGTH);
    EXPECT_EQ(results->wrong_level, 0);
    EXPECT_EQ(free_kib(), before);
    munmap(results, PAGE);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(create_close_cycles_free_everything),
    KTAP_CASE(chain_longer_than_pcids),
};

int main(int argc, char **argv)
{
    return KTAP_MAIN(argc, argv, cases);
}
