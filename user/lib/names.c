#include "names.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

struct name { int value; const char *name; };

#define NAME(x) { x, #x }

static const struct name errno_names[] = {
    NAME(EPERM), NAME(ENOENT), NAME(ESRCH), NAME(EINTR), NAME(EIO), NAME(ENXIO),
    NAME(E2BIG), NAME(ENOEXEC), NAME(EBADF), NAME(ECHILD), NAME(EAGAIN), NAME(ENOMEM),
    NAME(EACCES), NAME(EFAULT), NAME(EBUSY), NAME(EEXIST), NAME(EXDEV), NAME(ENODEV),
    NAME(ENOTDIR), NAME(EISDIR), NAME(EINVAL), NAME(ENFILE), NAME(EMFILE), NAME(ENOTTY),
    NAME(ETXTBSY), NAME(EFBIG), NAME(ENOSPC), NAME(ESPIPE), NAME(EROFS), NAME(EMLINK),
    NAME(EPIPE), NAME(ERANGE), NAME(ENAMETOOLONG), NAME(ENOSYS), NAME(ENOTEMPTY),
    NAME(ELOOP), NAME(EOVERFLOW), NAME(EOPNOTSUPP),
};

static const struct name signal_names[] = {
    NAME(SIGHUP), NAME(SIGINT), NAME(SIGQUIT), NAME(SIGILL), NAME(SIGTRAP), NAME(SIGABRT),
    NAME(SIGBUS), NAME(SIGFPE), NAME(SIGKILL), NAME(SIGUSR1), NAME(SIGSEGV), NAME(SIGUSR2),
    NAME(SIGPIPE), NAME(SIGALRM), NAME(SIGTERM), NAME(SIGSTKFLT), NAME(SIGCHLD),
    NAME(SIGCONT), NAME(SIGSTOP), NAME(SIGTSTP), NAME(SIGTTIN), NAME(SIGTTOU), NAME(SIGURG),
    NAME(SIGXCPU), NAME(SIGXFSZ), NAME(SIGVTALRM), NAME(SIGPROF), NAME(SIGWINCH),
    NAME(SIGIO), NAME(SIGPWR), NAME(SIGSYS),
};

static const char *lookup(const struct name *table, size_t count, int value, const char *unknown)
{
    for (size_t i = 0; i < count; i++) {
        if (table[i].value == value)
            return table[i].name;
    }
    return unknown;
}

const char *errno_name(int err)
{
    return lookup(errno_names, sizeof errno_names / sizeof errno_names[0], err, "E?");
}

const char *signal_name(int sig)
{
    return lookup(signal_names, sizeof signal_names / sizeof signal_names[0], sig, "SIG?");
}

char *describe_wait_status(int status, char *buf, size_t size)
{
    if (WIFEXITED(status)) {
        snprintf(buf, size, "exited with status %d", WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        snprintf(buf, size, "killed by signal %d (%s)%s", WTERMSIG(status),
                 signal_name(WTERMSIG(status)), WCOREDUMP(status) ? " with a core dump" : "");
    } else if (WIFSTOPPED(status)) {
        snprintf(buf, size, "stopped by signal %d (%s)", WSTOPSIG(status),
                 signal_name(WSTOPSIG(status)));
    } else {
        snprintf(buf, size, "unknown wait status 0x%x", (unsigned)status);
    }
    return buf;
}
