/* System calls about identity, process groups, time and the machine. */
#include "arch/x86_64/asm_consts.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/machine.h"
#include "arch/x86_64/timer.h"
#include "lib/errno.h"
#include "lib/klog.h"
#include "lib/random.h"
#include "lib/string.h"
#include "mm/tlbcheck.h"
#include "mm/uaccess.h"
#include "proc/init.h"
#include "proc/process_internal.h"
#include "proc/sched.h"
#include "sys/syscall.h"

SYSCALL0(getpid) { return current_process()->pid; }
SYSCALL0(gettid) { return current_thread()->tid; }
SYSCALL0(getppid)
{
    struct process *parent = current_process()->parent;
    return parent != NULL ? parent->pid : 0;
}
SYSCALL0(getuid) { return current_process()->cred.uid; }
SYSCALL0(geteuid) { return current_process()->cred.euid; }
SYSCALL0(getgid) { return current_process()->cred.gid; }
SYSCALL0(getegid) { return current_process()->cred.egid; }

/* setuid as POSIX specifies it with _POSIX_SAVED_IDS: root sets all three
 * IDs; others may set the effective ID to the real or saved one. */
SYSCALL1(setuid, uint32_t, uid)
{
    struct cred *c = &current_process()->cred;
    if (uid == (uint32_t)-1)
        return -EINVAL;
    if (c->euid == 0) {
        c->uid = c->euid = c->suid = uid;
        return 0;
    }
    if (uid != c->uid && uid != c->suid)
        return -EPERM;
    c->euid = uid;
    return 0;
}

SYSCALL1(setgid, uint32_t, gid)
{
    struct cred *c = &current_process()->cred;
    if (gid == (uint32_t)-1)
        return -EINVAL;
    if (c->euid == 0) {
        c->gid = c->egid = c->sgid = gid;
        return 0;
    }
    if (gid != c->gid && gid != c->sgid)
        return -EPERM;
    c->egid = gid;
    return 0;
}

SYSCALL2(setpgid, int, pid, int, pgid)
{
    struct process *self = current_process();
    struct process *p = pid == 0 ? self : process_find(pid);

    if (pgid < 0 || pid < 0)
        return -EINVAL;
    if (p == NULL || (p != self && p->parent != self))
        return -ESRCH;
    if (p->sid != self->sid)
        return -EPERM;
    if (p->pid == p->sid)
        return -EPERM;      /* a session leader cannot move */
    p->pgid = pgid == 0 ? p->pid : pgid;
    return 0;
}

SYSCALL1(getpgid, int, pid)
{
    struct process *p = pid == 0 ? current_process() : process_find(pid);
    return p != NULL ? p->pgid : -ESRCH;
}

SYSCALL0(getpgrp) { return current_process()->pgid; }

SYSCALL1(getsid, int, pid)
{
    struct process *p = pid == 0 ? current_process() : process_find(pid);
    return p != NULL ? p->sid : -ESRCH;
}

SYSCALL0(setsid)
{
    struct process *self = current_process();
    /* Fails for a process group leader, as in Linux. */
    for (struct process *p = process_next(NULL); p != NULL; p = process_next(p)) {
        if (p->pgid == self->pid)
            return -EPERM;
    }
    self->sid = self->pid;
    self->pgid = self->pid;
    return self->sid;
}

/* struct utsname: six fields of 65 bytes. */
#define UTS_FIELD 65

SYSCALL1(uname, uint64_t, user_buf)
{
    char uts[6][UTS_FIELD];
    static const char *const values[6] = {
        "lwcos", "lwcos", "0.1", "lwcos teaching kernel", "x86_64", "(none)",
    };

    memset(uts, 0, sizeof(uts));
    for (unsigned i = 0; i < 6; i++)
        strlcpy(uts[i], values[i], UTS_FIELD);
    return copy_to_user(user_buf, uts, sizeof(uts));
}

/* The in-memory file system has nothing to write back. */
SYSCALL0(sync)
{
    return 0;
}

/* One CPU: the affinity mask is CPU 0 alone. */
SYSCALL3(sched_getaffinity, int, pid, size_t, size, uint64_t, user_mask)
{
    uint64_t mask = 1;
    if (pid < 0 || (pid != 0 && process_find(pid) == NULL))
        return pid < 0 ? -EINVAL : -ESRCH;
    if (size < sizeof(mask) || size % sizeof(mask) != 0)
        return -EINVAL;
    if (copy_to_user(user_mask, &mask, sizeof(mask)) != 0)
        return -EFAULT;
    return sizeof(mask);
}

SYSCALL3(sched_setaffinity, int, pid, size_t, size, uint64_t, user_mask)
{
    uint64_t mask = 0;
    if (pid < 0 || (pid != 0 && process_find(pid) == NULL))
        return pid < 0 ? -EINVAL : -ESRCH;
    if (copy_from_user(&mask, user_mask, size < sizeof(mask) ? size : sizeof(mask)) != 0)
        return -EFAULT;
    return (mask & 1) ? 0 : -EINVAL;
}

SYSCALL0(sched_yield)
{
    bool irq = irq_save_disable();
    sched_yield_cpu();
    irq_restore(irq);
    return 0;
}

/* Linux reboot(2) magic numbers and commands. */
#define REBOOT_MAGIC1 0xfee1dead
#define REBOOT_MAGIC2 672274793
#define REBOOT_MAGIC2A 85072278
#define REBOOT_MAGIC2B 369367448
#define REBOOT_MAGIC2C 537993216
#define REBOOT_CMD_RESTART 0x01234567
#define REBOOT_CMD_HALT 0xcdef0123
#define REBOOT_CMD_POWER_OFF 0x4321fedc

/* In lwcos, power off means "success" to the harness and halt "failure":
 * they leave QEMU with DEBUG_EXIT_PASS and DEBUG_EXIT_FAIL. */
SYSCALL4(reboot, uint32_t, magic1, uint32_t, magic2, uint32_t, cmd, uint64_t, arg)
{
    (void)arg;
    if (magic1 != REBOOT_MAGIC1 || (magic2 != REBOOT_MAGIC2 && magic2 != REBOOT_MAGIC2A &&
                                    magic2 != REBOOT_MAGIC2B && magic2 != REBOOT_MAGIC2C))
        return -EINVAL;
    if (current_process()->cred.euid != 0)
        return -EPERM;
    switch (cmd) {
    case REBOOT_CMD_POWER_OFF:
        klog(KLOG_INFO, "proc", "pid %d powered the machine off", current_process()->pid);
        if (init_kernel_tests_failed || tlbcheck_failures() != 0)
            machine_exit(DEBUG_EXIT_FAIL);
        machine_exit(DEBUG_EXIT_PASS);
    case REBOOT_CMD_HALT:
    case REBOOT_CMD_RESTART:
        klog(KLOG_INFO, "proc", "pid %d halted the machine", current_process()->pid);
        machine_exit(DEBUG_EXIT_FAIL);
    default:
        return -EINVAL;
    }
}

struct timespec_k {
    int64_t tv_sec;
    int64_t tv_nsec;
};

#define NSEC_PER_SEC 1000000000ull
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7

static int clock_read(int clock, uint64_t *ns)
{
    uint64_t mono = timer_monotonic_ns();
    switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
        *ns = timer_boot_epoch_seconds() * NSEC_PER_SEC + mono;
        return 0;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    /* NOTE: CPU-time clocks report time since boot, not CPU time used. */
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
        *ns = mono;
        return 0;
    default:
        return -EINVAL;
    }
}

SYSCALL2(clock_gettime, int, clock, uint64_t, user_ts)
{
    uint64_t ns;
    int rc = clock_read(clock, &ns);
    if (rc != 0)
        return rc;
    struct timespec_k ts = { (int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC) };
    return copy_to_user(user_ts, &ts, sizeof(ts));
}

SYSCALL2(gettimeofday, uint64_t, user_tv, uint64_t, user_tz)
{
    uint64_t ns;
    clock_read(CLOCK_REALTIME, &ns);
    struct timespec_k tv = { (int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC / 1000) };
    if (user_tv != 0 && copy_to_user(user_tv, &tv, sizeof(tv)) != 0)
        return -EFAULT;
    if (user_tz != 0) {
        int32_t tz[2] = { 0, 0 };
        if (copy_to_user(user_tz, tz, sizeof(tz)) != 0)
            return -EFAULT;
    }
    return 0;
}

SYSCALL1(time, uint64_t, user_t)
{
    uint64_t ns;
    clock_read(CLOCK_REALTIME, &ns);
    int64_t seconds = (int64_t)(ns / NSEC_PER_SEC);
    if (user_t != 0 && copy_to_user(user_t, &seconds, sizeof(seconds)) != 0)
        return -EFAULT;
    return seconds;
}

static long sleep_for(uint64_t user_req, uint64_t user_rem, bool absolute, int clock)
{
    struct timespec_k req;
    uint64_t now;

    if (copy_from_user(&req, user_req, sizeof(req)) != 0)
        return -EFAULT;
    if (req.tv_sec < 0 || req.tv_nsec < 0 || (uint64_t)req.tv_nsec >= NSEC_PER_SEC)
        return -EINVAL;
    int rc = clock_read(clock, &now);
    if (rc != 0)
        return rc;

    uint64_t want = (uint64_t)req.tv_sec * NSEC_PER_SEC + (uint64_t)req.tv_nsec;
    uint64_t mono = timer_monotonic_ns();
    uint64_t deadline = absolute ? (want > now ? mono + (want - now) : mono) : mono + want;
    rc = sched_sleep_until(deadline);
    if (rc == -EINTR && user_rem != 0 && !absolute) {
        uint64_t left = deadline - timer_monotonic_ns();
        struct timespec_k rem = { (int64_t)(left / NSEC_PER_SEC), (int64_t)(left % NSEC_PER_SEC) };
        if (copy_to_user(user_rem, &rem, sizeof(rem)) != 0)
            return -EFAULT;
    }
    return rc;
}

SYSCALL2(nanosleep, uint64_t, user_req, uint64_t, user_rem)
{
    return sleep_for(user_req, user_rem, false, CLOCK_MONOTONIC);
}

#define TIMER_ABSTIME 1

SYSCALL4(clock_nanosleep, int, clock, int, flags, uint64_t, user_req, uint64_t, user_rem)
{
    if (clock == CLOCK_THREAD_CPUTIME_ID)
        return -EINVAL;
    return sleep_for(user_req, user_rem, (flags & TIMER_ABSTIME) != 0, clock);
}

SYSCALL1(alarm, unsigned, seconds)
{
    struct process *p = current_process();
    uint64_t now = timer_monotonic_ns();
    unsigned left = 0;

    if (p->alarm_deadline_ns > now)
        left = (unsigned)((p->alarm_deadline_ns - now + NSEC_PER_SEC - 1) / NSEC_PER_SEC);
    p->alarm_deadline_ns = seconds == 0 ? 0 : now + (uint64_t)seconds * NSEC_PER_SEC;
    return left;
}

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

SYSCALL2(arch_prctl, int, code, uint64_t, addr)
{
    struct thread *self = current_thread();

    switch (code) {
    case ARCH_SET_FS:
        if (addr >= 0x0000800000000000ul)
            return -EPERM;      /* Linux rejects non-canonical or kernel bases */
        self->fs_base = addr;
        wrmsr(MSR_FS_BASE, addr);
        return 0;
    case ARCH_GET_FS:
        return copy_to_user(addr, &self->fs_base, sizeof(self->fs_base));
    case ARCH_SET_GS:
    case ARCH_GET_GS:
        /* NOTE: a user GS base is not kept across switches yet. */
        return -EINVAL;
    default:
        return -EINVAL;
    }
}

SYSCALL1(set_tid_address, uint64_t, user_tidptr)
{
    current_thread()->clear_child_tid = user_tidptr;
    return current_thread()->tid;
}

#define GETRANDOM_MAX (32ul << 20)

SYSCALL3(getrandom, uint64_t, user_buf, size_t, count, unsigned, flags)
{
    uint8_t chunk[256];
    size_t done = 0;

    if (flags & ~7u)
        return -EINVAL;
    if (count > GETRANDOM_MAX)
        count = GETRANDOM_MAX;
    while (done < count) {
        size_t n = count - done < sizeof(chunk) ? count - done : sizeof(chunk);
        random_bytes(chunk, n);
        if (copy_to_user(user_buf + done, chunk, n) != 0)
            return done > 0 ? (long)done : -EFAULT;
        done += n;
    }
    return (long)done;
}
