/* System-call wrappers for the lwC API (lwc.h), through musl's syscall(). */
#include "lwc.h"

#include <unistd.h>

int lwCreate(const struct lwc_rspec *specs, int nspecs, int flags, int *caller,
             struct lwc_args *args)
{
    return (int)syscall(SYS_lwCreate, specs, nspecs, flags, caller, args);
}

int lwSwitch(int target, const struct lwc_args *args, struct lwc_args *received)
{
    return (int)syscall(SYS_lwSwitch, target, args, received);
}

int lwRestrict(int lwc, const struct lwc_rspec *specs, int nspecs)
{
    return (int)syscall(SYS_lwRestrict, lwc, specs, nspecs);
}

int lwOverlay(int lwc, const struct lwc_rspec *specs, int nspecs)
{
    return (int)syscall(SYS_lwOverlay, lwc, specs, nspecs);
}

long lwSyscall(int target, unsigned mask, long sysno, const long sysargs[6])
{
    return syscall(SYS_lwSyscall, target, mask, sysno, sysargs);
}
