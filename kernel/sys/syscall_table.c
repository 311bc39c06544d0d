#include "sys/syscall.h"

#include "arch/x86_64/trap.h"
#include "lib/errno.h"
#include "lib/klog.h"
#include "lwc/lwc.h"
#include "proc/sched.h"

/* Number -> handler. Handlers nobody defined are weak null symbols. */
static const syscall_fn syscall_table[] = {
#define SYSCALL(number, name) [number] = sys_##name,
#include "sys/syscall_list.h"
#undef SYSCALL
};

#define SYSCALL_TABLE_SIZE (sizeof(syscall_table) / sizeof(syscall_table[0]))

/* Unknown numbers are logged once each (up to this many distinct numbers). */
#define ENOSYS_LOGGED_MAX 32
static uint64_t enosys_logged[ENOSYS_LOGGED_MAX];
static unsigned enosys_logged_count;

static void log_unknown_once(uint64_t number)
{
    for (unsigned i = 0; i < enosys_logged_count; i++) {
        if (enosys_logged[i] == number)
            return;
    }
    if (enosys_logged_count == ENOSYS_LOGGED_MAX)
        return;
    enosys_logged[enosys_logged_count++] = number;
    klog(KLOG_WARN, "sys", "pid %d called unimplemented system call %lu: returning -ENOSYS",
         sched_current_pid(), number);
}

long syscall_dispatch(uint64_t number, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                      uint64_t a5, uint64_t a6)
{
    /* Linux x86-64 looks only at the low 32 bits of rax. */
    number &= 0xffffffffu;
    if (number >= SYSCALL_TABLE_SIZE || syscall_table[number] == NULL) {
        log_unknown_once(number);
        return -ENOSYS;
    }
    return syscall_table[number](a1, a2, a3, a4, a5, a6);
}

/* Called by syscall_entry with the user's registers saved in frame. */
void syscall_handler(struct trap_frame *frame)
{
    struct thread *self = current_thread();

    self->user_frame = frame;
    self->syscall_nr = frame->rax;
    if (lwc_trap_syscall(frame, frame->rax)) {
        sched_exit_to_user(frame);
        return;
    }
    frame->rax = (uint64_t)syscall_dispatch(frame->rax, frame->rdi, frame->rsi, frame->rdx,
                                            frame->r10, frame->r8, frame->r9);
    sched_exit_to_user(frame);
}
