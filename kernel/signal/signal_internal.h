/* Signal delivery, called on every return to user mode. */
#ifndef LWCOS_SIGNAL_SIGNAL_INTERNAL_H
#define LWCOS_SIGNAL_SIGNAL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

struct trap_frame;

/* Act on one pending, unblocked signal of the current thread: run its
 * default action or set up its handler in frame. Returns true if it handled
 * one (the caller checks again), false if none was pending. The default
 * action "terminate" does not return. */
bool signal_deliver_pending(struct trap_frame *frame);

/* Send SIGALRM to every process whose alarm() deadline has passed. */
void signal_check_alarms(uint64_t now_ns);

/* A CPU exception in user mode: send the matching signal to the thread. */
void signal_from_trap(struct trap_frame *frame, int sig);

#endif
