#include "proc/sched.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/timer.h"
#include "arch/x86_64/trap.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "lib/string.h"
#include "mm/pcid.h"
#include "mm/vm.h"
#include "proc/process_internal.h"
#include "signal/signal.h"
#include "signal/signal_internal.h"

/* Runnable threads other than the running one, oldest first. */
static struct list_node run_queue = LIST_HEAD_INIT(run_queue);
/* Sleeping threads with a deadline, by timer_link. */
static struct list_node timed_sleepers = LIST_HEAD_INIT(timed_sleepers);
/* A thread that exited and whose stack is freed once another thread runs. */
static struct thread *dead_thread;

static struct thread boot_thread;
extern char boot_stack[];

void sched_switch(uint64_t *save_rsp, uint64_t next_rsp);

struct thread *current_thread(void)
{
    return this_cpu()->current;
}

struct process *current_process(void)
{
    return this_cpu()->current->proc;
}

int sched_current_pid(void)
{
    return current_process()->pid;
}

void sched_init(void)
{
    struct process *kernel = process_kernel();

    boot_thread.tid = 0;
    boot_thread.proc = kernel;
    boot_thread.state = THREAD_RUNNABLE;
    boot_thread.kernel_stack = (uint64_t)boot_stack;
    list_init(&boot_thread.run_link);
    list_init(&boot_thread.wait_link);
    list_init(&boot_thread.timer_link);
    list_push_back(&kernel->threads, &boot_thread.proc_link);

    struct cpu *cpu = this_cpu();
    cpu->current = &boot_thread;
    cpu->idle = &boot_thread;
    cpu->kernel_rsp = (uint64_t)boot_stack + BOOT_STACK_SIZE;
}

void sched_enqueue(struct thread *t)
{
    bool irq = irq_save_disable();
    list_push_back(&run_queue, &t->run_link);
    irq_restore(irq);
}

static void free_dead_thread(void)
{
    if (dead_thread != NULL && dead_thread != current_thread()) {
        thread_free(dead_thread);
        dead_thread = NULL;
    }
}

/* Everything that follows a thread from CPU to CPU except its registers:
 * FPU state, FS base, address space, kernel stack for the next entry. */
/* The process fields that mirror a thread's running lwC belong to the
 * thread that runs: save them with it, and restore the next one's. */
static void save_view(struct thread *t)
{
    struct process *p = t->proc;
    t->view_saved = true;
    t->view_vm = p->vm;
    t->view_fds = p->fds;
    t->view_cred = p->cred;
    t->view_sigactions = p->sigactions;
}

static void restore_view(struct thread *t)
{
    struct process *p = t->proc;
    if (!t->view_saved || p->state == PROCESS_ZOMBIE || p->exiting)
        return;
    p->vm = t->view_vm;
    p->fds = t->view_fds;
    p->cred = t->view_cred;
    p->sigactions = t->view_sigactions;
}

static void switch_to(struct thread *prev, struct thread *next)
{
    struct cpu *cpu = this_cpu();

    if (prev->lwc != NULL && prev->state != THREAD_DEAD)
        save_view(prev);
    if (next->lwc != NULL)
        restore_view(next);

    if (prev->fpu_state != NULL)
        __asm__ volatile("fxsave64 (%0)" : : "r"(prev->fpu_state) : "memory");
    if (next->fpu_state != NULL)
        __asm__ volatile("fxrstor64 (%0)" : : "r"(next->fpu_state) : "memory");
    wrmsr(MSR_FS_BASE, next->fs_base);

    struct vm_space *vm = next->proc->vm;
    if (vm != NULL && vm != tlb_current())
        tlb_switch_to(vm);
    else if (vm == NULL && tlb_current() != NULL)
        tlb_switch_to_kernel();

    uint64_t stack_top = next->kernel_stack + KERNEL_STACK_SIZE;
    if (next == cpu->idle)
        stack_top = (uint64_t)boot_stack + BOOT_STACK_SIZE;
    cpu->kernel_rsp = stack_top;
    tss_set_kernel_stack(stack_top);
    cpu->current = next;
    next->has_run = true;

    sched_switch(&prev->saved_rsp, next->saved_rsp);
    /* Back in prev, possibly much later. */
    free_dead_thread();
}

void sched_yield_cpu(void)
{
    struct cpu *cpu = this_cpu();
    struct thread *prev = cpu->current;
    struct thread *next = cpu->idle;

    cpu->need_resched = 0;
    if (!list_empty(&run_queue)) {
        next = container_of(run_queue.next, struct thread, run_link);
        list_remove(&next->run_link);
    }
    if (prev->state == THREAD_RUNNABLE && prev != cpu->idle) {
        if (next == cpu->idle)
            return;     /* nothing else to run: keep going */
        list_push_back(&run_queue, &prev->run_link);
    }
    if (next == prev)
        return;
    switch_to(prev, next);
}

void sched_tick(void)
{
    uint64_t now = timer_monotonic_ns();

    timer_tick();
    signal_check_alarms(now);
    for (struct list_node *node = timed_sleepers.next; node != &timed_sleepers;) {
        struct thread *t = container_of(node, struct thread, timer_link);
        node = node->next;
        if (now >= t->sleep_until_ns)
            sched_wake(t);
    }
    this_cpu()->need_resched = 1;
}

void sched_wake(struct thread *t)
{
    bool irq = irq_save_disable();
    if (t->state == THREAD_SLEEPING) {
        list_remove(&t->wait_link);
        list_remove(&t->timer_link);
        t->state = THREAD_RUNNABLE;
        list_push_back(&run_queue, &t->run_link);
    }
    irq_restore(irq);
}

void sched_frame_changed(void)
{
    this_cpu()->return_via_iret = 1;
}

void sched_exit_to_user(struct trap_frame *frame)
{
    irq_disable();
    if (current_process()->exiting)
        thread_exit();      /* another thread ended the process */
    if (current_process()->stopped)
        signal_stop(current_process()->stop_signal);    /* another thread stopped it */
    for (;;) {
        if (this_cpu()->need_resched) {
            sched_yield_cpu();
            continue;
        }
        if (signal_deliver_pending(frame))
            continue;
        break;
    }
}

int sched_sleep_until(uint64_t deadline_ns)
{
    struct thread *self = current_thread();
    bool irq = irq_save_disable();
    int rc = 0;

    while (timer_monotonic_ns() < deadline_ns) {
        if (signal_pending_current()) {
            rc = -EINTR;
            break;
        }
        self->sleep_until_ns = deadline_ns;
        self->sleep_interruptible = true;
        self->state = THREAD_SLEEPING;
        list_push_back(&timed_sleepers, &self->timer_link);
        sched_yield_cpu();
    }
    self->sleep_until_ns = 0;
    irq_restore(irq);
    return rc;
}

void sched_run_idle(void)
{
    for (;;) {
        irq_disable();
        free_dead_thread();
        if (!list_empty(&run_queue)) {
            sched_yield_cpu();
            continue;
        }
        /* sti takes effect after the next instruction, so no interrupt can
         * slip in between the check above and the hlt. */
        __asm__ volatile("sti; hlt" ::: "memory");
    }
}

void thread_exit_current(void)
{
    struct thread *self = current_thread();

    irq_disable();
    self->state = THREAD_DEAD;
    dead_thread = self;
    sched_yield_cpu();
    panic("thread_exit_current: dead thread %d was scheduled again", self->tid);
}

/* First C code of a new thread, before it returns to user mode. */
void thread_start_c(struct trap_frame *frame)
{
    free_dead_thread();
    sched_exit_to_user(frame);
}

/* Wait queues. */

void wait_queue_init(struct wait_queue *wq)
{
    list_init(&wq->sleepers);
}

bool irq_save_disable(void)
{
    bool enabled = (read_rflags() & RFLAGS_IF) != 0;
    irq_disable();
    return enabled;
}

void irq_restore(bool enabled)
{
    if (enabled)
        irq_enable();
}

int wait_queue_sleep(struct wait_queue *wq, bool interruptible)
{
    struct thread *self = current_thread();

    if (interruptible && signal_pending_current())
        return -EINTR;
    if (self == this_cpu()->idle)
        panic("wait_queue_sleep: the boot thread cannot sleep (nothing would run)");

    self->sleep_interruptible = interruptible;
    self->state = THREAD_SLEEPING;
    list_push_back(&wq->sleepers, &self->wait_link);
    sched_yield_cpu();

    if (interruptible && signal_pending_current())
        return -EINTR;
    return 0;
}

int wait_queue_sleep_until(struct wait_queue *wq, uint64_t deadline_ns)
{
    struct thread *self = current_thread();

    if (deadline_ns != 0 && timer_monotonic_ns() >= deadline_ns)
        return -ETIMEDOUT;
    if (deadline_ns != 0) {
        self->sleep_until_ns = deadline_ns;
        list_push_back(&timed_sleepers, &self->timer_link);
    }
    int rc = wait_queue_sleep(wq, true);
    list_remove(&self->timer_link);
    self->sleep_until_ns = 0;
    if (rc == 0 && deadline_ns != 0 && timer_monotonic_ns() >= deadline_ns)
        return -ETIMEDOUT;
    return rc;
}

void wait_queue_wake_all(struct wait_queue *wq)
{
    bool irq = irq_save_disable();
    while (!list_empty(&wq->sleepers))
        sched_wake(container_of(wq->sleepers.next, struct thread, wait_link));
    irq_restore(irq);
}
