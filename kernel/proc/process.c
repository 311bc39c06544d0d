#include "proc/process_internal.h"

#include "arch/x86_64/asm_consts.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/machine.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/klog.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/pcid.h"
#include "mm/uaccess.h"
#include "lwc/lwc.h"
#include "mm/vm.h"
#include "proc/sched.h"
#include "signal/signal.h"
#include "signal/signal_internal.h"
#include "sys/syscall.h"
#include "proc/futex.h"

static struct process kernel_process;
static bool kernel_process_ready;
static struct list_node all_processes = LIST_HEAD_INIT(all_processes);
static int next_id = 1;

static void process_init_lists(struct process *p)
{
    list_init(&p->children);
    list_init(&p->sibling_link);
    list_init(&p->all_link);
    list_init(&p->threads);
    wait_queue_init(&p->child_exit);
    wait_queue_init(&p->stop_wq);
}

struct process *process_kernel(void)
{
    if (!kernel_process_ready) {
        process_init_lists(&kernel_process);
        list_init(&kernel_process.lwcs);
        kernel_process.pid = 0;
        strlcpy(kernel_process.name, "kernel", sizeof(kernel_process.name));
        kernel_process.umask = 022;
        kernel_process_ready = true;
    }
    return &kernel_process;
}

int process_next_id(void)
{
    return next_id++;
}

struct process *process_alloc(struct process *parent)
{
    struct process *p = kzalloc(sizeof(*p));
    if (p == NULL)
        return NULL;
    process_init_lists(p);
    list_init(&p->lwcs);
    p->pid = process_next_id();
    p->parent = parent;
    p->state = PROCESS_ALIVE;
    if (parent != NULL) {
        p->pgid = parent->pgid;
        p->sid = parent->sid;
        p->cred = parent->cred;
        p->umask = parent->umask;
        memcpy(p->rlimits, parent->rlimits, sizeof(p->rlimits));
        list_push_back(&parent->children, &p->sibling_link);
    }
    list_push_back(&all_processes, &p->all_link);
    return p;
}

void process_free(struct process *p)
{
    list_remove(&p->sibling_link);
    list_remove(&p->all_link);
    kfree(p);
}

struct process *process_find(int pid)
{
    list_for_each(node, &all_processes) {
        struct process *p = container_of(node, struct process, all_link);
        if (p->pid == pid)
            return p;
    }
    return NULL;
}

struct process *process_next(struct process *p)
{
    struct list_node *node = p == NULL ? all_processes.next : p->all_link.next;
    if (node == &all_processes)
        return NULL;
    return container_of(node, struct process, all_link);
}

int fd_limit(void)
{
    struct process *p = current_process();
    uint64_t limit = p->rlimits[RLIMIT_NOFILE].cur;
    if (p->pid == 0 || limit > FD_TABLE_SIZE - 1)
        return FD_TABLE_SIZE - 1;
    return (int)limit;
}

struct thread *thread_find(int tid)
{
    list_for_each(node, &all_processes) {
        struct process *p = container_of(node, struct process, all_link);
        list_for_each(tnode, &p->threads) {
            struct thread *t = container_of(tnode, struct thread, proc_link);
            if (t->tid == tid)
                return t;
        }
    }
    return NULL;
}

size_t process_count(void)
{
    size_t n = 0;
    list_for_each(node, &all_processes)
        n++;
    return n;
}

/* Release what a process holds; its struct stays until the parent reaps it. */
static void process_release_resources(struct process *p)
{
    if (p->root_lwc != NULL) {
        lwc_destroy_all(p, NULL, false);
        p->vm = NULL;
        p->fds = NULL;
    }
    if (p->fds != NULL) {
        fd_table_put(p->fds);
        p->fds = NULL;
    }
    if (p->cwd != NULL) {
        inode_put(p->cwd);
        p->cwd = NULL;
    }
    if (p->vm != NULL) {
        if (tlb_current() == p->vm)
            tlb_switch_to_kernel();
        vm_space_destroy(p->vm);
        p->vm = NULL;
    }
}

/* End the calling thread only. The last thread of a process to go ends
 * the process with the status the group exit left (see process_exit). */
void thread_exit(void)
{
    struct process *p = current_process();
    struct thread *self = current_thread();

    if (p->live_threads > 1) {
        irq_disable();
        p->live_threads--;
        list_remove(&self->proc_link);
        if (self->lwc != NULL) {
            /* Unload first: the put may free the lwC's address space. */
            if (tlb_current() == self->lwc->vm)
                tlb_switch_to_kernel();
            struct lwc *l = self->lwc;
            self->lwc = NULL;
            if (!p->exiting)
                lwc_put(l);
        }
        thread_exit_current();
    }
    process_exit_last(p->exit_status_pending);
}

void process_exit(int wait_status)
{
    struct process *p = current_process();

    /* exit_group, or a fatal signal: every other thread stops at its next
     * return to user mode (or wakes from an interruptible sleep to do so),
     * and the last one out reports wait_status. */
    if (!p->exiting) {
        p->exiting = true;
        p->exit_status_pending = wait_status;
        wait_queue_wake_all(&p->stop_wq);
        list_for_each(node, &p->threads) {
            struct thread *t = container_of(node, struct thread, proc_link);
            if (t != current_thread() && t->state == THREAD_SLEEPING && t->sleep_interruptible)
                sched_wake(t);
        }
    }
    thread_exit();
}

void process_exit_last(int wait_status)
{
    struct process *p = current_process();
    struct thread *self = current_thread();

    if (p->pid == 1) {
        klog(KLOG_ERROR, "proc", "init exited with wait status %#x; stopping the machine",
             wait_status);
        machine_exit(DEBUG_EXIT_FAIL);
    }

    process_release_resources(p);

    /* Orphans go to init, which reaps them. */
    struct process *init = process_find(1);
    bool zombie_moved = false;
    while (!list_empty(&p->children)) {
        struct process *child = container_of(p->children.next, struct process, sibling_link);
        list_remove(&child->sibling_link);
        child->parent = init;
        list_push_back(&init->children, &child->sibling_link);
        zombie_moved |= child->state == PROCESS_ZOMBIE;
    }
    if (zombie_moved)
        wait_queue_wake_all(&init->child_exit);

    irq_disable();
    p->exit_status = wait_status;
    p->state = PROCESS_ZOMBIE;
    p->live_threads = 0;
    list_remove(&self->proc_link);
    if (p->parent != NULL) {
        struct ksiginfo info = {
            .code = (wait_status & 0x7f) == 0 ? CLD_EXITED : CLD_KILLED, .pid = p->pid,
            .uid = p->cred.uid,
            .status = (wait_status & 0x7f) == 0 ? (wait_status >> 8) & 0xff : wait_status & 0x7f,
        };
        signal_send_process_info(p->parent, SIGCHLD, &info);
        wait_queue_wake_all(&p->parent->child_exit);
    }
    thread_exit_current();
}

/* Does child match wait4's pid argument (pid > 0, -1, 0, < -1)? */
static bool wait_matches(const struct process *waiter, const struct process *child, int pid)
{
    if (pid > 0)
        return child->pid == pid;
    if (pid == -1)
        return true;
    if (pid == 0)
        return child->pgid == waiter->pgid;
    return child->pgid == -pid;
}

#define WNOHANG 1
#define WUNTRACED 2
#define WCONTINUED 8

/* A matching child wait4 can report now, or NULL: a zombie, or with
 * WUNTRACED a stop not yet reported, or with WCONTINUED a resumption not
 * yet reported. Sets *any if at least one child matches. */
static struct process *find_zombie(struct process *p, int pid, int options, bool *any)
{
    *any = false;
    list_for_each(node, &p->children) {
        struct process *child = container_of(node, struct process, sibling_link);
        if (!wait_matches(p, child, pid))
            continue;
        *any = true;
        if (child->state == PROCESS_ZOMBIE)
            return child;
        if ((options & WUNTRACED) && child->stopped && !child->stop_reported)
            return child;
        if ((options & WCONTINUED) && child->continued_unreported)
            return child;
    }
    return NULL;
}
#define WAIT_OPTIONS_KNOWN (WNOHANG | WUNTRACED | WCONTINUED | 0x20000000 | 0x40000000 | 0x80000000u)
#define RUSAGE_SIZE 144

SYSCALL4(wait4, int, pid, uint64_t, user_status, int, options, uint64_t, user_rusage)
{
    struct process *p = current_process();
    struct process *zombie;
    bool any;

    if ((unsigned)options & ~(unsigned)WAIT_OPTIONS_KNOWN)
        return -EINVAL;
    if (pid == INT32_MIN)
        return -ESRCH;

    for (;;) {
        zombie = find_zombie(p, pid, options, &any);
        if (zombie != NULL || !any)
            break;
        if (options & WNOHANG)
            return 0;
        int rc = WAIT_EVENT_INTERRUPTIBLE(&p->child_exit,
                                          find_zombie(p, pid, options, &any) != NULL || !any);
        if (rc != 0)
            return rc;
    }
    if (zombie == NULL)
        return -ECHILD;

    int child_pid = zombie->pid;
    int status;
    if (zombie->state != PROCESS_ZOMBIE && zombie->stopped && !zombie->stop_reported &&
        (options & WUNTRACED)) {
        status = (zombie->stop_signal << 8) | 0x7f;     /* WIFSTOPPED */
        zombie->stop_reported = true;
    } else if (zombie->state != PROCESS_ZOMBIE) {
        status = 0xffff;                                  /* WIFCONTINUED */
        zombie->continued_unreported = false;
    } else {
        /* Like Linux, the child is reaped even if the status cannot be stored. */
        status = zombie->exit_status;
        process_free(zombie);
    }

    if (user_status != 0 && copy_to_user(user_status, &status, sizeof(status)) != 0)
        return -EFAULT;
    if (user_rusage != 0) {
        uint8_t zeros[RUSAGE_SIZE] = { 0 };
        if (copy_to_user(user_rusage, zeros, sizeof(zeros)) != 0)
            return -EFAULT;
    }
    return child_pid;
}

SYSCALL1(exit, int, code)
{
    struct process *p = current_process();
    struct thread *self = current_thread();

    if (p->live_threads > 1) {
        /* set_tid_address: clear the tid word and wake one waiter (join). */
        if (self->clear_child_tid != 0) {
            int zero = 0;
            if (copy_to_user(self->clear_child_tid, &zero, sizeof(zero)) == 0)
                futex_wake(self->clear_child_tid, 1);
        }
        thread_exit();
    }
    process_exit(WAIT_STATUS_EXITED(code));
}

SYSCALL1(exit_group, int, code)
{
    process_exit(WAIT_STATUS_EXITED(code));
}

/* The letters of Linux's ps: Z zombie, T stopped, R when a thread can run,
 * S when every thread waits. */
static const char *process_state_name(const struct process *p)
{
    if (p->state == PROCESS_ZOMBIE)
        return "Z";
    if (p->stopped)
        return "T";
    list_for_each(node, &p->threads) {
        const struct thread *t = container_of(node, struct thread, proc_link);
        if (t->state == THREAD_RUNNABLE)
            return "R";
    }
    return "S";
}

size_t proc_format_list(char *buf, size_t size)
{
    size_t len = (size_t)ksnprintf(buf, size, "  PID  PPID STATE NAME\n");

    list_for_each(node, &all_processes) {
        struct process *p = container_of(node, struct process, all_link);
        if (len >= size)
            break;
        len += (size_t)ksnprintf(buf + len, size - len, "%5d %5d %-5s %s\n", p->pid,
                                 p->parent != NULL ? p->parent->pid : 0, process_state_name(p),
                                 p->name);
    }
    return len < size ? len : size;
}
