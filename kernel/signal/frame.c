/*
 * Signal frames in Linux's x86-64 layout, so musl's signal(), sigaction()
 * with SA_SIGINFO, raise() and sigsetjmp work unchanged; and rt_sigreturn,
 * which checks the frame it restores so a forged one cannot fault the
 * kernel.
 *
 * User stack when the handler starts (rsp + 8 is 16-byte aligned):
 *
 *   rsp ->  pretcode          the SA_RESTORER function (musl's __restore_rt)
 *           struct ucontext   flags, link, stack, sigcontext, signal mask
 *           struct siginfo    128 bytes
 *           (padding)
 *           FXSAVE area       512 bytes, 16-byte aligned
 *           (128-byte red zone of the interrupted code)
 */
#include "arch/x86_64/asm_consts.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/pagetable.h"
#include "mm/uaccess.h"
#include "proc/process_internal.h"
#include "proc/sched.h"
#include "signal/signal.h"
#include "signal/signal_internal.h"
#include "sys/syscall.h"

#define SA_SIGINFO 0x00000004
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000u
#define SA_RESTORER 0x04000000

#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1u << 31)
#define MINSIGSTKSZ 2048
#define RED_ZONE 128
#define FXSAVE_SIZE 512

/* struct sigcontext (Linux asm/sigcontext.h, x86-64). */
struct sigcontext_k {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip;
    uint64_t eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate;           /* user address of the FXSAVE area */
    uint64_t reserved1[8];
};

struct stack_k {
    uint64_t ss_sp;
    int32_t ss_flags;
    int32_t pad;
    uint64_t ss_size;
};

struct ucontext_k {
    uint64_t uc_flags;
    uint64_t uc_link;
    struct stack_k uc_stack;
    struct sigcontext_k uc_mcontext;
    uint64_t uc_sigmask;
};

struct siginfo_k {
    int32_t si_signo;
    int32_t si_errno;
    int32_t si_code;
    int32_t pad;
    union {
        struct { int32_t pid; uint32_t uid; } kill;
        struct { int32_t pid; uint32_t uid; int32_t status; } child;
        struct { uint64_t addr; } fault;
        uint8_t bytes[112];
    } fields;
};

struct rt_sigframe {
    uint64_t pretcode;
    struct ucontext_k uc;
    struct siginfo_k info;
};

_Static_assert(sizeof(struct siginfo_k) == 128, "siginfo_t is 128 bytes");
_Static_assert(sizeof(struct sigcontext_k) == 256, "struct sigcontext is 256 bytes");
_Static_assert(offsetof(struct ucontext_k, uc_mcontext) == 40, "uc_mcontext offset");

/* RFLAGS bits sigreturn may take from the frame (Linux FIX_EFLAGS): CF PF
 * AF ZF SF TF DF OF, RF and AC. Everything else keeps the kernel's value. */
#define RFLAGS_USER_CHANGEABLE 0x50dd5ul
#define RFLAGS_FIXED 0x202ul        /* IF and the reserved bit 1 */

/* System calls that restart after a handler with SA_RESTART (they block
 * on pipes, the console or children). nanosleep and pause never restart. */
static bool restartable(uint64_t nr)
{
    switch (nr) {
    case 0: case 1: case 2: case 16: case 17: case 18: case 19: case 20: case 61: case 257:
        return true;
    default:
        return false;
    }
}

static bool on_altstack(const struct thread *t, uint64_t sp)
{
    return t->altstack_sp != 0 && sp > t->altstack_sp && sp <= t->altstack_sp + t->altstack_size;
}

static void force_sigsegv(void)
{
    struct process *p = current_process();
    if (p->sigactions != NULL)
        p->sigactions[SIGSEGV - 1].handler = SIG_DFL;
    process_exit(WAIT_STATUS_SIGNALED(SIGSEGV));
}

void signal_setup_frame(struct trap_frame *frame, int sig, const struct ksiginfo *kinfo)
{
    struct thread *self = current_thread();
    struct process *p = self->proc;
    struct k_sigaction *act = &p->sigactions[sig - 1];

    /* An interrupted system call: restart it, or let it return -EINTR. */
    if (frame->vector == TRAP_VECTOR_SYSCALL && (int64_t)frame->rax == -EINTR &&
        (act->flags & SA_RESTART) && restartable(self->syscall_nr)) {
        frame->rax = self->syscall_nr;
        frame->rip -= 2;    /* back to the syscall instruction */
    }

    /* 1. Where the frame goes: the alternate stack, or below the red zone. */
    uint64_t sp = frame->rsp;
    if ((act->flags & SA_ONSTACK) && self->altstack_sp != 0 &&
        !(self->altstack_flags & SS_DISABLE) && !on_altstack(self, sp))
        sp = self->altstack_sp + self->altstack_size;
    else
        sp -= RED_ZONE;

    uint64_t fpstate = (sp - FXSAVE_SIZE) & ~15ul;
    uint64_t frame_addr = ((fpstate - sizeof(struct rt_sigframe)) & ~15ul) - 8;

    /* 2. The frame: registers, mask, siginfo, FPU state. */
    struct rt_sigframe sf;
    memset(&sf, 0, sizeof(sf));
    sf.pretcode = act->restorer;
    sf.uc.uc_stack.ss_sp = self->altstack_sp;
    sf.uc.uc_stack.ss_size = self->altstack_size;
    sf.uc.uc_stack.ss_flags = self->altstack_sp == 0 ? SS_DISABLE
                              : on_altstack(self, frame->rsp) ? SS_ONSTACK : 0;
    struct sigcontext_k *sc = &sf.uc.uc_mcontext;
    sc->r8 = frame->r8, sc->r9 = frame->r9, sc->r10 = frame->r10, sc->r11 = frame->r11;
    sc->r12 = frame->r12, sc->r13 = frame->r13, sc->r14 = frame->r14, sc->r15 = frame->r15;
    sc->rdi = frame->rdi, sc->rsi = frame->rsi, sc->rbp = frame->rbp, sc->rbx = frame->rbx;
    sc->rdx = frame->rdx, sc->rax = frame->rax, sc->rcx = frame->rcx, sc->rsp = frame->rsp;
    sc->rip = frame->rip;
    sc->eflags = frame->rflags;
    sc->cs = (uint16_t)frame->cs;
    sc->ss = (uint16_t)frame->ss;
    sc->err = frame->vector < 32 ? frame->error_code : 0;
    sc->trapno = frame->vector < 32 ? frame->vector : 0;
    sc->oldmask = self->blocked_signals;
    sc->cr2 = kinfo->addr;
    sc->fpstate = fpstate;
    sf.uc.uc_sigmask = self->saved_mask_valid ? self->saved_mask : self->blocked_signals;
    sf.info.si_signo = sig;
    sf.info.si_code = kinfo->code;
    if (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP)
        sf.info.fields.fault.addr = kinfo->addr;
    else {
        sf.info.fields.child.pid = kinfo->pid;
        sf.info.fields.child.uid = kinfo->uid;
        if (sig == SIGCHLD)
            sf.info.fields.child.status = kinfo->status;
    }

    uint8_t fx[FXSAVE_SIZE] __attribute__((aligned(16)));
    __asm__ volatile("fxsave64 (%0)" : : "r"(fx) : "memory");

    if (!(act->flags & SA_RESTORER) || copy_to_user(fpstate, fx, sizeof(fx)) != 0 ||
        copy_to_user(frame_addr, &sf, sizeof(sf)) != 0)
        force_sigsegv();    /* no usable stack: the process dies */

    /* 3. Run the handler: handler(sig, &info, &uc). */
    frame->rip = act->handler;
    frame->rsp = frame_addr;
    frame->rdi = (uint64_t)sig;
    frame->rsi = frame_addr + offsetof(struct rt_sigframe, info);
    frame->rdx = frame_addr + offsetof(struct rt_sigframe, uc);
    frame->rax = 0;
    frame->rflags &= ~(0x100ul | 0x400ul);      /* TF, DF */
    frame->cs = GDT_USER_CODE64 | 3;
    frame->ss = GDT_USER_DATA | 3;

    self->blocked_signals |= act->mask;
    if (!(act->flags & SA_NODEFER))
        self->blocked_signals |= 1ull << (sig - 1);
    self->blocked_signals &= ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
    self->saved_mask_valid = false;
    if (act->flags & SA_RESETHAND)
        act->handler = SIG_DFL;
    if ((act->flags & SA_ONSTACK) && (self->altstack_flags & SS_AUTODISARM))
        self->altstack_sp = 0;
    sched_frame_changed();
}

/* Is addr a canonical user-mode address (below the non-canonical hole)? */
static bool user_canonical(uint64_t addr)
{
    return addr < 0x0000800000000000ul;
}

SYSCALL0(rt_sigreturn)
{
    struct thread *self = current_thread();
    struct trap_frame *frame = self->user_frame;
    struct rt_sigframe sf;

    /* The handler's ret popped pretcode, so the frame starts 8 below rsp. */
    uint64_t frame_addr = frame->rsp - 8;
    if (copy_from_user(&sf, frame_addr, sizeof(sf)) != 0)
        force_sigsegv();

    /* Check what IRETQ would load: a non-canonical rip or rsp would fault
     * in ring 0, and only some RFLAGS bits are the user's to set. */
    const struct sigcontext_k *sc = &sf.uc.uc_mcontext;
    if (!user_canonical(sc->rip) || !user_canonical(sc->rsp))
        force_sigsegv();

    uint8_t fx[FXSAVE_SIZE] __attribute__((aligned(16)));
    if (sc->fpstate != 0) {
        if (copy_from_user(fx, sc->fpstate, sizeof(fx)) != 0)
            force_sigsegv();
        /* FXRSTOR faults (#GP, in the kernel) on reserved MXCSR bits. */
        uint32_t mxcsr;
        memcpy(&mxcsr, fx + 24, sizeof(mxcsr));
        mxcsr &= 0xffbf;
        memcpy(fx + 24, &mxcsr, sizeof(mxcsr));
        __asm__ volatile("fxrstor64 (%0)" : : "r"(fx) : "memory");
    }

    frame->r8 = sc->r8, frame->r9 = sc->r9, frame->r10 = sc->r10, frame->r11 = sc->r11;
    frame->r12 = sc->r12, frame->r13 = sc->r13, frame->r14 = sc->r14, frame->r15 = sc->r15;
    frame->rdi = sc->rdi, frame->rsi = sc->rsi, frame->rbp = sc->rbp, frame->rbx = sc->rbx;
    frame->rdx = sc->rdx, frame->rcx = sc->rcx, frame->rsp = sc->rsp, frame->rip = sc->rip;
    frame->rflags = (sc->eflags & RFLAGS_USER_CHANGEABLE) | RFLAGS_FIXED;
    frame->cs = GDT_USER_CODE64 | 3;
    frame->ss = GDT_USER_DATA | 3;
    frame->vector = 0;      /* not a system call any more: no restart logic */

    self->blocked_signals = sf.uc.uc_sigmask & ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
    sched_frame_changed();
    return (long)sc->rax;
}

SYSCALL2(sigaltstack, uint64_t, user_new, uint64_t, user_old)
{
    struct thread *self = current_thread();
    struct stack_k ss;
    bool on_stack = on_altstack(self, self->user_frame->rsp);

    if (user_old != 0) {
        struct stack_k old = {
            .ss_sp = self->altstack_sp, .ss_size = self->altstack_size,
            .ss_flags = self->altstack_sp == 0 ? SS_DISABLE : on_stack ? SS_ONSTACK : 0,
        };
        if (copy_to_user(user_old, &old, sizeof(old)) != 0)
            return -EFAULT;
    }
    if (user_new == 0)
        return 0;
    if (copy_from_user(&ss, user_new, sizeof(ss)) != 0)
        return -EFAULT;
    if (on_stack)
        return -EPERM;
    uint32_t mode = (uint32_t)ss.ss_flags & ~SS_AUTODISARM;
    if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK)
        return -EINVAL;
    if (mode == SS_DISABLE) {
        self->altstack_sp = 0;
        self->altstack_size = 0;
        self->altstack_flags = SS_DISABLE;
        return 0;
    }
    if (ss.ss_size < MINSIGSTKSZ)
        return -ENOMEM;
    self->altstack_sp = ss.ss_sp;
    self->altstack_size = ss.ss_size;
    self->altstack_flags = (uint32_t)ss.ss_flags & SS_AUTODISARM;
    return 0;
}
