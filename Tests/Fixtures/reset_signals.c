/*
 * Run a program with every signal at its default disposition and none
 * blocked. The test runner's own mask and ignored signals would otherwise
 * pass through fork and exec to the program the oracle runs on the host.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    sigset_t none;

    if (argc < 2) {
        fprintf(stderr, "usage: reset_signals PROGRAM [ARGS...]\n");
        return 2;
    }
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    }
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(argv[1], argv + 1);
    perror("reset_signals: execv");
    return 127;
}
