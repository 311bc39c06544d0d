/* Sending signals: the interface other subsystems use. Delivery, handlers
 * and the lwC routing rule live in the other files of kernel/signal. */
#ifndef LWCOS_SIGNAL_SIGNAL_H
#define LWCOS_SIGNAL_SIGNAL_H

#include <stdbool.h>

struct process;
struct thread;

/* Linux x86-64 signal numbers. */
#define SIGHUP   1
#define SIGINT   2
#define SIGQUIT  3
#define SIGILL   4
#define SIGTRAP  5
#define SIGABRT  6
#define SIGBUS   7
#define SIGFPE   8
#define SIGKILL  9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define NSIG    64

/* Send sig to a whole process (kill from another process, SIGCHLD, ...). */
int signal_send_process(struct process *p, int sig);
/* Send sig to every process in group pgid (console ^C). Returns -ESRCH if none. */
int signal_send_group(int pgid, int sig);
/* Send sig to the calling thread itself (SIGPIPE from its own write, raise). */
void signal_send_self(int sig);
/* Is a signal pending that would interrupt a sleep of the current thread? */
bool signal_pending_current(void);

#endif
