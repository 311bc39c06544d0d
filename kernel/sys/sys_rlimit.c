/* Resource limits: getrlimit, setrlimit, prlimit64. Values start at
 * Linux's defaults for a login shell; RLIMIT_NPROC is enforced by fork. */
#include "lib/errno.h"
#include "mm/uaccess.h"
#include "proc/process_internal.h"
#include "sys/syscall.h"

#define RLIM_INFINITY (~0ull)

static const struct rlimit_k default_limits[RLIMIT_COUNT] = {
    [RLIMIT_CPU] = { RLIM_INFINITY, RLIM_INFINITY },
    [RLIMIT_FSIZE] = { RLIM_INFINITY, RLIM_INFINITY },
    [RLIMIT_DATA] = { RLIM_INFINITY, RLIM_INFINITY },
    [RLIMIT_STACK] = { 8ull << 20, RLIM_INFINITY },
    [RLIMIT_CORE] = { 0, RLIM_INFINITY },
    [RLIMIT_RSS] = { RLIM_INFINITY, RLIM_INFINITY },
    [RLIMIT_NPROC] = { PROCESS_MAX, PROCESS_MAX },
    [RLIMIT_NOFILE] = { 1024, 1024 },
    [RLIMIT_MEMLOCK] = { 8ull << 20, 8ull << 20 },
    [RLIMIT_AS] = { RLIM_INFINITY, RLIM_INFINITY },
    [RLIMIT_LOCKS] = { RLIM_INFINITY, RLIM_INFINITY },
    [RLIMIT_SIGPENDING] = { 64, 64 },
    [RLIMIT_MSGQUEUE] = { 819200, 819200 },
    [RLIMIT_NICE] = { 0, 0 },
    [RLIMIT_RTPRIO] = { 0, 0 },
    [RLIMIT_RTTIME] = { RLIM_INFINITY, RLIM_INFINITY },
};

void rlimit_init_defaults(struct process *p)
{
    for (unsigned i = 0; i < RLIMIT_COUNT; i++)
        p->rlimits[i] = default_limits[i];
}

static long do_prlimit(int pid, unsigned resource, uint64_t user_new, uint64_t user_old)
{
    struct process *p = pid == 0 ? current_process() : process_find(pid);
    struct rlimit_k new_limit;

    if (resource >= RLIMIT_COUNT)
        return -EINVAL;
    if (p == NULL || p->state == PROCESS_ZOMBIE)
        return -ESRCH;
    if (user_new != 0) {
        if (copy_from_user(&new_limit, user_new, sizeof(new_limit)) != 0)
            return -EFAULT;
        if (new_limit.cur > new_limit.max)
            return -EINVAL;
        /* Raising the hard limit needs root (CAP_SYS_RESOURCE in Linux). */
        if (new_limit.max > p->rlimits[resource].max && current_process()->cred.euid != 0)
            return -EPERM;
    }
    if (user_old != 0 && copy_to_user(user_old, &p->rlimits[resource], sizeof(struct rlimit_k)) != 0)
        return -EFAULT;
    if (user_new != 0)
        p->rlimits[resource] = new_limit;
    return 0;
}

SYSCALL4(prlimit64, int, pid, unsigned, resource, uint64_t, user_new, uint64_t, user_old)
{
    return do_prlimit(pid, resource, user_new, user_old);
}

SYSCALL2(getrlimit, unsigned, resource, uint64_t, user_old)
{
    return do_prlimit(0, resource, 0, user_old);
}

SYSCALL2(setrlimit, unsigned, resource, uint64_t, user_new)
{
    return do_prlimit(0, resource, user_new, 0);
}
