/* Process and thread helpers shared inside kernel/proc and kernel/signal. */
#ifndef LWCOS_PROC_PROCESS_INTERNAL_H
#define LWCOS_PROC_PROCESS_INTERNAL_H

#include "proc/proc.h"

/* The kernel's own process (pid 0): the boot thread and in-kernel tests run in it. */
struct process *process_kernel(void);

/* A new process: next pid, no resources, linked under parent. NULL if no memory. */
struct process *process_alloc(struct process *parent);
/* Free a reaped zombie's memory. */
void process_free(struct process *p);

/* End the current process with a wait status (Linux encoding), as
 * exit_group does: every thread stops; the last one closes the files,
 * frees the memory, re-parents the children to init, and wakes the
 * parent. Never returns. */
__attribute__((noreturn)) void process_exit(int wait_status);
/* End only the calling thread (exit); the process ends with its last thread. */
__attribute__((noreturn)) void thread_exit(void);
/* The last thread's part of process_exit. */
__attribute__((noreturn)) void process_exit_last(int wait_status);

/* Processes alive or zombie, for fork's limit. */
size_t process_count(void);
/* Iterate every process (for kill(-1) and alarm timers). */
struct process *process_next(struct process *p);

/* NOTE: limits of this kernel, chosen so a fork bomb ends in EAGAIN or
 * ENOMEM while the kernel keeps enough memory to clean up. */
#define PROCESS_MAX 512
#define FORK_MIN_FREE_FRAMES 256

/* Linux's default resource limits, for init. */
void rlimit_init_defaults(struct process *p);

/* The thread with this tid, in any process (NULL if none). */
struct thread *thread_find(int tid);

/* The next free thread or process ID. */
int process_next_id(void);

void thread_free(struct thread *t);
/* Make a sleeping thread runnable (no effect on other states). */
void sched_wake(struct thread *t);

/* Linux wait-status encoding. */
#define WAIT_STATUS_EXITED(code) (((code) & 0xff) << 8)
#define WAIT_STATUS_SIGNALED(sig) ((sig) & 0x7f)

#endif
