/* System-call numbers that no call uses return ENOSYS, and the caller goes on. */
#include <sys/syscall.h>
#include <unistd.h>

#include "ktap.h"

static void number_499_enosys(void)
{
    EXPECT_ERRNO(syscall(499), ENOSYS);
}

static void number_100000_enosys(void)
{
    EXPECT_ERRNO(syscall(100000, 1, 2, 3, 4, 5, 6), ENOSYS);
}

static void negative_number_enosys(void)
{
    EXPECT_ERRNO(syscall(-1), ENOSYS);
}

static void upper_bits_ignored(void)
{
    /* Linux (since 5.x) reads the number as a 32-bit int, so 0x1_0000_0027 is getpid (39). */
    EXPECT_EQ(syscall(0x100000000L + SYS_getpid), getpid());
    EXPECT_ERRNO(syscall(0x100000000L + 499), ENOSYS);
}

static void known_call_after_unknown(void)
{
    EXPECT_ERRNO(syscall(499), ENOSYS);
    EXPECT_EQ(syscall(SYS_getpid), getpid());
}

static const struct ktap_case cases[] = {
    KTAP_CASE(number_499_enosys),
    KTAP_CASE(number_100000_enosys),
    KTAP_CASE(negative_number_enosys),
    KTAP_CASE(upper_bits_ignored),
    KTAP_CASE(known_call_after_unknown),
};

int main(int argc, char **argv)
{
    return KTAP_MAIN(argc, argv, cases);
}
