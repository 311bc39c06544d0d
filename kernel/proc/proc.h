/*
 * Processes and threads.
 *
 * Vocabulary
 *   pid    process ID, 1 for init, never reused while the process or its
 *          zombie exists.
 *   tid    thread ID, from the same number space as pids; a process's first
 *          thread has tid == pid.
 *   pgid   process group ID, for the console's ^C (sent to the foreground
 *          group) and kill(-pgid).
 *   zombie a process that has exited and waits for its parent's wait4.
 */
#ifndef LWCOS_PROC_PROC_H
#define LWCOS_PROC_PROC_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/list.h"
#include "proc/cred.h"
#include "proc/wait.h"

struct fd_table;
struct lwc;

/* Resource limits (Linux's struct rlimit and RLIMIT_* numbers). */
struct rlimit_k {
    uint64_t cur, max;
};
enum {
    RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE, RLIMIT_RSS,
    RLIMIT_NPROC, RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_AS, RLIMIT_LOCKS,
    RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_RTPRIO, RLIMIT_RTTIME,
    RLIMIT_COUNT
};

/* What the kernel keeps about a pending signal, for its siginfo_t. */
struct ksiginfo {
    int32_t code;               /* si_code: SI_USER, SI_TKILL, SEGV_MAPERR, ... */
    int32_t pid;                /* sender (kill), or child (SIGCHLD) */
    uint32_t uid;
    int32_t status;             /* SIGCHLD: exit code or signal */
    uint64_t addr;              /* faults: the address */
};

/* A signal disposition as the kernel's rt_sigaction sees it (Linux x86-64
 * struct kernel_sigaction). */
struct k_sigaction {
    uint64_t handler;           /* SIG_DFL (0), SIG_IGN (1) or a user address */
    uint64_t flags;             /* SA_* */
    uint64_t restorer;          /* SA_RESTORER: where the handler returns to */
    uint64_t mask;              /* blocked while the handler runs */
};
struct inode;
struct vm_space;
struct trap_frame;

enum thread_state {
    THREAD_RUNNABLE,    /* on the run queue or running */
    THREAD_SLEEPING,    /* on a wait queue */
    THREAD_DEAD,        /* exited; its stack is freed by the next thread to run */
};

struct thread {
    int tid;
    struct process *proc;
    enum thread_state state;
    uint64_t kernel_stack;          /* lowest address of the kernel stack */
    uint64_t saved_rsp;             /* kernel rsp while switched out (sched_switch) */
    struct trap_frame *user_frame;  /* user registers saved on kernel entry */
    uint64_t fs_base;               /* arch_prctl(ARCH_SET_FS): musl's thread pointer */
    uint64_t clear_child_tid;       /* set_tid_address */
    struct list_node run_link;      /* run queue */
    struct list_node wait_link;     /* wait queue while sleeping */
    struct list_node proc_link;     /* process's thread list */
    uint64_t sleep_until_ns;        /* wake-up deadline, 0 when the sleep has none */
    struct list_node timer_link;    /* on the scheduler's deadline list while sleep_until_ns is set */
    bool sleep_interruptible;       /* a signal may end the current sleep */
    bool has_run;                   /* switched to at least once: user_frame is no longer clone's */
    void *fpu_state;                /* FXSAVE image of the user's x87/SSE registers */
    struct lwc *lwc;                /* the lwC this thread runs in (NULL: kernel thread) */
    /* The process's resource mirrors (vm, fds, cred, sigactions) as this
     * thread last left them: threads of one process may run in different
     * lwCs, or borrow another lwC's resources in lwSyscall. */
    bool view_saved;
    struct vm_space *view_vm;
    struct fd_table *view_fds;
    struct cred view_cred;
    struct k_sigaction *view_sigactions;
    uint64_t pending_signals;       /* attributable signals (bit sig - 1) */
    struct ksiginfo pending_info[64];   /* details of each pending signal */
    uint64_t blocked_signals;       /* the signal mask */
    uint64_t saved_mask;            /* rt_sigsuspend: the mask to restore after a handler */
    bool saved_mask_valid;
    uint64_t altstack_sp;           /* sigaltstack, 0 when none */
    uint64_t altstack_size;
    uint32_t altstack_flags;
    uint64_t syscall_nr;            /* the system call in progress, for SA_RESTART */
};

enum process_state {
    PROCESS_ALIVE,
    PROCESS_ZOMBIE,
};

#define PROCESS_NAME_MAX 16

struct process {
    int pid;
    int pgid;
    int sid;
    enum process_state state;
    char name[PROCESS_NAME_MAX];    /* file name of the program, for ps */

    struct process *parent;
    struct list_node children;      /* struct process.sibling_link */
    struct list_node sibling_link;
    struct list_node all_link;      /* every process, for ps and kill */
    struct list_node threads;       /* struct thread.proc_link */
    int live_threads;               /* threads not yet exited */
    bool exiting;                   /* exit_group or a fatal signal: every thread stops */
    bool stopped;                   /* a stop signal (SIGSTOP, SIGTSTP, ...) took effect */
    int stop_signal;
    bool stop_reported;             /* wait4 WUNTRACED has seen this stop */
    bool continued_unreported;      /* SIGCONT resumed it; wait4 WCONTINUED has not seen it */
    struct wait_queue stop_wq;      /* threads of a stopped process wait here */
    int exit_status_pending;        /* the status the last thread out reports */
    struct wait_queue child_exit;   /* wait4 sleeps here */

    /* lwCs: the root one, and all of them (struct lwc.proc_link). */
    struct lwc *root_lwc;
    struct list_node lwcs;
    int next_lwc_id;

    /* The running lwC's resources, mirrored here (see kernel/lwc/lwc.h) so
     * the rest of the kernel reaches them without knowing about lwCs. */
    struct vm_space *vm;
    struct fd_table *fds;
    struct cred cred;
    struct inode *cwd;
    uint32_t umask;
    uint64_t brk_start, brk;        /* program break: [brk_start, brk) */
    uint64_t mmap_hint;             /* next address to try for mmap(NULL, ...) */

    uint64_t pending_signals;       /* non-attributable signals, for the root lwC */
    struct ksiginfo pending_info[64];   /* details of each pending signal, by signal - 1 */
    struct k_sigaction *sigactions; /* the running lwC's dispositions, by signal - 1 */
    uint64_t itimer_interval_ns;    /* setitimer(ITIMER_REAL) reload value, 0 for one shot */
    uint64_t alarm_deadline_ns;     /* alarm(): SIGALRM at this monotonic time, 0 if none */
    struct rlimit_k rlimits[RLIMIT_COUNT];
    int exit_status;                /* as wait4 reports it (Linux encoding) */
};

struct thread *current_thread(void);
struct process *current_process(void);

/* Look up a live or zombie process by pid (NULL if none). */
struct process *process_find(int pid);

#endif
