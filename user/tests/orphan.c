/*
 * A process whose parent exits is re-parented to init (pid 1), which reaps it.
 * On Linux a child subreaper (prctl PR_SET_CHILD_SUBREAPER) or the init of a pid
 * namespace may adopt it instead; the case is then skipped with the pid it got.
 */
#include <time.h>
#include <unistd.h>

#include "ktap.h"

/* How long the orphan polls getppid() for the change of parent: 500 times 10 ms. */
#define POLL_TRIES 500
#define POLL_NS 10000000L

static void orphan_reparented_to_init(void)
{
    int fds[2];
    pid_t middle, orphan_ppid = -1;
    long reported[2] = { -1, -1 };

    ASSERT_OK(pipe(fds));
    middle = ktap_fork();
    ASSERT_GE(middle, 0);
    if (middle == 0) {
        /* Taken before the fork: the middle process may be gone when the orphan first runs. */
        pid_t parent = getpid();
        pid_t orphan = fork();

        if (orphan < 0)
            _exit(100);
        if (orphan == 0) {
            long message[2];

            /* Wait until the middle process has exited and this one was adopted. */
            for (int i = 0; i < POLL_TRIES && getppid() == parent; i++) {
                struct timespec pause_time = { 0, POLL_NS };

                nanosleep(&pause_time, NULL);
            }
            message[0] = parent;
            message[1] = getppid();
            _exit(write(fds[1], message, sizeof message) == (ssize_t)sizeof message ? 0 : 101);
        }
        _exit(0);
    }
    close(fds[1]);
    EXPECT_EXITED(ktap_wait(middle), 0);

    /* The orphan closes its copy of the write end when it exits: read until then. */
    EXPECT_EQ(read(fds[0], reported, sizeof reported), (ssize_t)sizeof reported);
    close(fds[0]);
    EXPECT_EQ(reported[0], middle);
    orphan_ppid = (pid_t)reported[1];
    if (orphan_ppid == 1)
        return;
    if (ktap_on_linux() && orphan_ppid > 1 && orphan_ppid != middle) {
        ktap_skip("re-parented to pid %d, a subreaper or pid-namespace init, not to 1",
                  (int)orphan_ppid);
        return;
    }
    EXPECT_EQ(orphan_ppid, 1);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(orphan_reparented_to_init),
};

int main(int argc, char **argv)
{
    return KTAP_MAIN(argc, argv, cases);
}
