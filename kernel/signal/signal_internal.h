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

/* A CPU exception in user mode: send the matching signal to the thread
 * (attributable), with addr as si_addr for page faults. */
void signal_from_trap(struct trap_frame *frame, int sig, uint64_t addr);

/* Dispositions (SIG_DFL, SIG_IGN) and default actions. */
#define SIG_DFL 0
#define SIG_IGN 1
enum default_action { ACTION_TERMINATE, ACTION_IGNORE, ACTION_STOP, ACTION_CONTINUE };
enum default_action signal_default_action(int sig);

/* siginfo si_code values (Linux). */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_TKILL (-6)
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define FPE_INTDIV 1
#define ILL_ILLOPN 2
#define TRAP_BRKPT 1
#define BUS_ADRALN 1
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_STOPPED 5
#define CLD_CONTINUED 6
#define SA_NOCLDSTOP 1

/* Stop the current thread's process until SIGCONT or SIGKILL. */
void signal_stop(int sig);

struct ksiginfo;
struct process;
int signal_send_process_info(struct process *p, int sig, const struct ksiginfo *info);

/* Build the handler's frame on the user stack and point frame at the
 * handler (signal/frame.c). On a bad stack the process dies by SIGSEGV. */
void signal_setup_frame(struct trap_frame *frame, int sig, const struct ksiginfo *info);

#endif
