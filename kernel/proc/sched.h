/*
 * The scheduler: one run queue, round robin, preemption at the return to user
 * mode after a timer tick. Kernel code is never preempted; it gives up the
 * CPU only by sleeping (wait queues, nanosleep) or exiting.
 *
 * Interrupt state: schedule() runs with interrupts disabled; the thread that
 * resumes finds them as it left them.
 */
#ifndef LWCOS_PROC_SCHED_H
#define LWCOS_PROC_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "proc/proc.h"

struct trap_frame;

/* Create the boot thread (which becomes the idle thread) and the kernel
 * process, so current_thread() and current_process() work from here on. */
void sched_init(void);

/* Make a runnable thread eligible to run. */
void sched_enqueue(struct thread *t);
/* Switch to the next runnable thread (the idle thread if none). Call with
 * interrupts disabled. */
void sched_yield_cpu(void);
/* Timer tick: account time, wake sleepers whose deadline passed, and ask
 * for a switch at the next return to user mode. */
void sched_tick(void);
/* Last steps before returning to user mode: switch if asked to, deliver
 * pending signals. May not return (the process may die). */
void sched_exit_to_user(struct trap_frame *frame);
/* Mark frame as changed, so the syscall exit uses IRETQ instead of SYSRET. */
void sched_frame_changed(void);

/* Sleep until the monotonic clock reaches deadline_ns. Returns 0, or
 * -EINTR if a signal arrived first. */
int sched_sleep_until(uint64_t deadline_ns);
/* wait_queue_sleep with a deadline (0: none). Returns 0 when woken,
 * -ETIMEDOUT at the deadline, -EINTR for a signal. Interrupts disabled. */
int wait_queue_sleep_until(struct wait_queue *wq, uint64_t deadline_ns);

/* Run the idle loop on the boot thread forever. */
__attribute__((noreturn)) void sched_run_idle(void);

/* The pid of the running thread's process, 0 for the kernel process. */
int sched_current_pid(void);

/* New thread for process p with a kernel stack whose first run returns to
 * user mode with a copy of frame. NULL if out of memory. */
struct thread *thread_create_user(struct process *p, const struct trap_frame *frame, int tid);
/* End the current thread: it never runs again. */
__attribute__((noreturn)) void thread_exit_current(void);

/* Save and load the user FPU/SSE state around a switch; reset it at execve. */
void fpu_init(void);
void fpu_reset_current(void);

#endif
