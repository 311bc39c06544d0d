/* Threads: kernel stacks, FPU state, and the stack layout of a new thread. */
#include "arch/x86_64/asm_consts.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "proc/process_internal.h"
#include "proc/sched.h"

#define FXSAVE_SIZE 512
#define MXCSR_DEFAULT 0x1f80        /* all SSE exceptions masked, round to nearest */
#define CR0_MP (1ul << 1)
#define CR0_EM (1ul << 2)
#define CR4_OSXMMEXCPT (1ul << 10)

/* The FPU state a new program starts with (after FNINIT, default MXCSR). */
static uint8_t clean_fpu_state[FXSAVE_SIZE] __attribute__((aligned(16)));

extern char thread_start_user[];

void fpu_init(void)
{
    uint64_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 & ~CR0_EM) | CR0_MP;
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);

    uint32_t mxcsr = MXCSR_DEFAULT;
    __asm__ volatile("fninit; ldmxcsr %0; fxsave64 (%1)" : : "m"(mxcsr), "r"(clean_fpu_state)
                     : "memory");
}

void fpu_reset_current(void)
{
    struct thread *self = current_thread();
    if (self->fpu_state != NULL) {
        memcpy(self->fpu_state, clean_fpu_state, FXSAVE_SIZE);
        __asm__ volatile("fxrstor64 (%0)" : : "r"(self->fpu_state) : "memory");
    }
}

struct thread *thread_create_user(struct process *p, const struct trap_frame *frame, int tid)
{
    struct thread *t = kzalloc(sizeof(*t));
    void *stack = kmalloc(KERNEL_STACK_SIZE);
    void *fpu = kmalloc(FXSAVE_SIZE);

    if (t == NULL || stack == NULL || fpu == NULL) {
        kfree(t);
        kfree(stack);
        kfree(fpu);
        return NULL;
    }

    /* The FPU state of the creating thread, saved now (as fork copies it),
     * or a clean one when the creator is a kernel thread. */
    struct thread *self = current_thread();
    if (self->fpu_state != NULL)
        __asm__ volatile("fxsave64 (%0)" : : "r"(fpu) : "memory");
    else
        memcpy(fpu, clean_fpu_state, FXSAVE_SIZE);

    t->tid = tid;
    t->proc = p;
    t->state = THREAD_RUNNABLE;
    t->kernel_stack = (uint64_t)stack;
    t->fpu_state = fpu;
    list_init(&t->run_link);
    list_init(&t->wait_link);
    list_init(&t->timer_link);
    list_push_back(&p->threads, &t->proc_link);
    p->live_threads++;

    /* Stack top: the user frame; below it, what sched_switch pops: six
     * callee-saved registers, then the address it returns to. */
    uint64_t top = t->kernel_stack + KERNEL_STACK_SIZE;
    struct trap_frame *user = (struct trap_frame *)(top - sizeof(struct trap_frame));
    *user = *frame;
    t->user_frame = user;

    uint64_t *switch_frame = (uint64_t *)user - 7;
    for (unsigned i = 0; i < 6; i++)
        switch_frame[i] = 0;
    switch_frame[6] = (uint64_t)thread_start_user;
    t->saved_rsp = (uint64_t)switch_frame;
    return t;
}

void thread_free(struct thread *t)
{
    kfree((void *)t->kernel_stack);
    kfree(t->fpu_state);
    kfree(t);
}
