/*
 * Forking until fork fails ends with EAGAIN or ENOMEM, and the system recovers once
 * every child is reaped.
 *
 * On Linux the bomb must not reach the host's limits: it runs in a child that sets
 * RLIMIT_NPROC to BOMB_NPROC_LIMIT and, when root (which that limit does not bind),
 * first switches to BOMB_UID, a uid with no other processes. On lwcos, which has no
 * such limit, the kernel's own limits stop it; the bomb also stops by itself after
 * BOMB_MAX_CHILDREN.
 */
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ktap.h"

#define BOMB_NPROC_LIMIT 64
#define BOMB_UID 54321
#define BOMB_MAX_CHILDREN 100000

/* Exit codes of the bomb process. */
#define BOMB_FAILED_AS_EXPECTED 0
#define BOMB_NEVER_FAILED 100
#define BOMB_WRONG_ERRNO 101
#define BOMB_SETUP_FAILED 102
#define BOMB_REAP_FAILED 103

static int children_before_failure = -1;

/* Fork children that block on a pipe until fork fails; then release and reap them all. */
static int run_bomb(int report_fd)
{
    int gate[2];
    int count = 0, fork_errno = 0;
    static pid_t children[BOMB_MAX_CHILDREN];

    if (pipe(gate) != 0)
        return BOMB_SETUP_FAILED;
    while (count < BOMB_MAX_CHILDREN) {
        pid_t pid = fork();

        if (pid < 0) {
            fork_errno = errno;
            break;
        }
        if (pid == 0) {
            char byte;

            /* Hold no write end, so that closing the parent's releases every child. */
            close(gate[1]);
            read(gate[0], &byte, 1);
            _exit(0);
        }
        children[count++] = pid;
    }
    close(gate[1]);
    write(report_fd, &count, sizeof count);

    for (int i = 0; i < count; i++) {
        int status;

        if (waitpid(children[i], &status, 0) != children[i] || status != 0)
            return BOMB_REAP_FAILED;
    }
    if (count == BOMB_MAX_CHILDREN)
        return BOMB_NEVER_FAILED;
    return fork_errno == EAGAIN || fork_errno == ENOMEM ? BOMB_FAILED_AS_EXPECTED : BOMB_WRONG_ERRNO;
}

static void fork_until_failure(void)
{
    int fds[2];
    pid_t pid;
    int status;

    ASSERT_OK(pipe(fds));
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        struct rlimit limit = { BOMB_NPROC_LIMIT, BOMB_NPROC_LIMIT };

        close(fds[0]);
        if (ktap_on_linux()) {
            if (geteuid() == 0 && setuid(BOMB_UID) != 0)
                _exit(BOMB_SETUP_FAILED);
            if (setrlimit(RLIMIT_NPROC, &limit) != 0)
                _exit(BOMB_SETUP_FAILED);
        }
        _exit(run_bomb(fds[1]));
    }
    close(fds[1]);
    if (read(fds[0], &children_before_failure, sizeof children_before_failure) !=
        (ssize_t)sizeof children_before_failure)
        children_before_failure = -1;
    close(fds[0]);
    status = ktap_wait(pid);
    ktap_diag("%d children before fork failed", children_before_failure);
    if (!EXPECT_EXITED(status, BOMB_FAILED_AS_EXPECTED)) {
        ktap_diag("    exit codes: %d never failed, %d wrong errno, %d setup failed, %d reap failed",
                  BOMB_NEVER_FAILED, BOMB_WRONG_ERRNO, BOMB_SETUP_FAILED, BOMB_REAP_FAILED);
    }
}

static void fork_works_after_bomb(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0)
        _exit(7);
    EXPECT_EXITED(ktap_wait(pid), 7);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(fork_until_failure),
    KTAP_CASE(fork_works_after_bomb),
};

int main(int argc, char **argv)
{
    return KTAP_MAIN(argc, argv, cases);
}
