/*
 * Per-CPU data, reached through the GS base in kernel mode. The syscall
 * entry runs before any C and finds the kernel stack here, so the first
 * fields have fixed offsets (CPU_* in asm_consts.h).
 */
#ifndef LWCOS_ARCH_PERCPU_H
#define LWCOS_ARCH_PERCPU_H

#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/asm_consts.h"

struct thread;

struct cpu {
    uint64_t kernel_rsp;            /* top of the running thread's kernel stack */
    uint64_t user_rsp;              /* scratch: user rsp during syscall entry */
    uint64_t return_via_iret;       /* nonzero: the frame changed, leave with IRETQ */
    struct thread *current;
    struct thread *idle;
    int need_resched;               /* set by the timer: switch at the next return to user */
};

_Static_assert(offsetof(struct cpu, kernel_rsp) == CPU_KERNEL_RSP, "CPU_KERNEL_RSP");
_Static_assert(offsetof(struct cpu, user_rsp) == CPU_USER_RSP, "CPU_USER_RSP");
_Static_assert(offsetof(struct cpu, return_via_iret) == CPU_RETURN_VIA_IRET, "CPU_RETURN_VIA_IRET");

/* NOTE: one CPU for now; every access goes through this_cpu() so SMP only
 * has to change it. */
struct cpu *this_cpu(void);

/* Point GS at this CPU's struct cpu and set up SYSCALL/SYSRET. */
void percpu_init(void);

#endif
