/*
 * Light-weight contexts (lwCs): the user API.
 *
 * An lwC is a unit of isolation inside a process: its own address space,
 * descriptor table and credentials. A thread moves between the lwCs of its
 * process with lwSwitch, with no scheduler involved. Names follow the paper
 * that introduced them: J. Litton et al., "Light-Weight Contexts: An OS
 * Abstraction for Safety and Performance", OSDI 2016.
 *
 * The kernel includes this header too, so it uses no C library types.
 * Every call returns -1 with errno set on failure (lwSyscall returns the
 * system call's own result).
 */
#ifndef LWCOS_LWC_H
#define LWCOS_LWC_H

#define LWC_MAX_ARGS 7

/* What a switch carries. kind is LWC_MSG_SWITCH for lwSwitch, LWC_MSG_TRAP
 * when a trapped system call arrives at the monitor. */
struct lwc_args {
    long kind;
    long v[LWC_MAX_ARGS];
};

#define LWC_MSG_SWITCH 0
#define LWC_MSG_TRAP 1

/* A resource specification: one type, one mode, optionally LWC_MAY_OVERLAY. */
struct lwc_rspec {
    unsigned flags;
    union {
        struct {
            unsigned long start, end;   /* page-aligned [start, end) */
        } mem;
        struct {
            int from, to;               /* inclusive; -1, -1 means every descriptor */
        } fds;
        struct {
            int from, to;               /* inclusive system-call numbers */
        } sys;
    } sub;
};

/* Types (flags & LWC_TYPE_MASK). */
#define LWC_MEM 0x1
#define LWC_FILES 0x2
#define LWC_CREDS 0x3
#define LWC_SYSCALLS 0x4
#define LWC_TYPE_MASK 0xf

/* Modes (flags & LWC_MODE_MASK). LWC_COPY is the default: copy-on-write
 * memory, duplicated descriptors, copied credentials. */
#define LWC_COPY 0x00
#define LWC_SHARE 0x10
#define LWC_UNMAP 0x20
#define LWC_MODE_MASK 0x30

/* The new lwC may overlay this range of its creator (lwOverlay). */
#define LWC_MAY_OVERLAY 0x100

/* lwCreate flags: system calls outside the allow-list switch to the creator. */
#define LWC_SYSTRAP 0x1

/* lwSyscall mask: which of the target's resources the call uses. */
#define LWC_SC_MEM 0x1
#define LWC_SC_FILES 0x2
#define LWC_SC_CREDS 0x4

/* Descriptor rights. Overlay rights are kept per range and shown by
 * neither bit. */
#define LWC_R_SWITCH 0x1
#define LWC_R_SYSCALL 0x2

/* The root lwC's well-known descriptor: the highest descriptor number, so
 * open() still returns the lowest free one. */
#define LWC_ROOT_FD 1023

/* System-call numbers (Linux leaves 500 and up unused). */
#define SYS_lwCreate 500
#define SYS_lwSwitch 501
#define SYS_lwRestrict 502
#define SYS_lwOverlay 503
#define SYS_lwSyscall 504

#ifndef LWCOS_KERNEL
int lwCreate(const struct lwc_rspec *specs, int nspecs, int flags, int *caller,
             struct lwc_args *args);
int lwSwitch(int target, const struct lwc_args *args, struct lwc_args *received);
int lwRestrict(int lwc, const struct lwc_rspec *specs, int nspecs);
int lwOverlay(int lwc, const struct lwc_rspec *specs, int nspecs);
long lwSyscall(int target, unsigned mask, long sysno, const long sysargs[6]);
#endif

#endif
