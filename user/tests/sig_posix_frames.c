/*
 * Where handlers run and what sigreturn accepts: sigaltstack (the handler's stack,
 * SS_ONSTACK, EPERM, ENOMEM, SS_DISABLE), a fault with a broken stack pointer, and
 * forged signal frames (a handler that edits its ucontext before returning). The
 * output is the same on Linux and lwcos byte for byte.
 *
 * A forged frame must never fault the kernel: a non-canonical rip or rsp kills the
 * process with SIGSEGV, and privileged RFLAGS bits (IOPL, NT) are dropped.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "ktap.h"

/* The first address past the lower canonical half: invalid as rip or rsp. */
#define NON_CANONICAL 0x0000800000000000ul

#define RFLAGS_CF 0x1ul
#define RFLAGS_IF 0x200ul
#define RFLAGS_IOPL 0x3000ul
#define RFLAGS_NT 0x4000ul

static void install_info(int sig, void (*action)(int, siginfo_t *, void *), int flags)
{
    struct sigaction act;

    memset(&act, 0, sizeof act);
    act.sa_sigaction = action;
    act.sa_flags = flags | SA_SIGINFO;
    if (sigaction(sig, &act, NULL) != 0)
        KTAP_FAIL("sigaction(%d) failed", sig);
}

static void disable_altstack(void)
{
    stack_t off = { .ss_flags = SS_DISABLE };

    sigaltstack(&off, NULL);
}

/* ---- sigaltstack ---- */

static char alt_stack[64 * 1024] __attribute__((aligned(16)));
static uintptr_t handler_local_address;
static int handler_ss_flags;
static int handler_change_errno;

static void inspect_stack(int sig, siginfo_t *info, void *context)
{
    volatile char local = 0;
    stack_t now, other = { .ss_sp = alt_stack, .ss_size = sizeof alt_stack };

    (void)sig;
    (void)info;
    (void)context;
    handler_local_address = (uintptr_t)&local;
    handler_ss_flags = sigaltstack(NULL, &now) == 0 ? now.ss_flags : -1;
    /* Changing the alternate stack while running on it fails with EPERM. */
    handler_change_errno = sigaltstack(&other, NULL) == -1 ? errno : 0;
}

static bool on_alt_stack(uintptr_t address)
{
    return address >= (uintptr_t)alt_stack && address < (uintptr_t)alt_stack + sizeof alt_stack;
}

static void altstack_starts_disabled(void)
{
    stack_t now;

    ASSERT_OK(sigaltstack(NULL, &now));
    EXPECT_EQ(now.ss_flags, SS_DISABLE);
}

static void handler_runs_on_altstack(void)
{
    stack_t alt = { .ss_sp = alt_stack, .ss_size = sizeof alt_stack }, now;

    ASSERT_OK(sigaltstack(&alt, NULL));
    install_info(SIGUSR1, inspect_stack, SA_ONSTACK);
    handler_ss_flags = -1;
    raise(SIGUSR1);
    EXPECT_TRUE(on_alt_stack(handler_local_address));
    EXPECT_EQ(handler_ss_flags, SS_ONSTACK);
    EXPECT_EQ(handler_change_errno, EPERM);

    /* Outside the handler the same stack is reported, not in use. */
    ASSERT_OK(sigaltstack(NULL, &now));
    EXPECT_EQ(now.ss_flags, 0);
    EXPECT_TRUE(now.ss_sp == alt_stack);
    EXPECT_EQ(now.ss_size, sizeof alt_stack);
    signal(SIGUSR1, SIG_DFL);
    disable_altstack();
}

static void without_sa_onstack_uses_stack(void)
{
    stack_t alt = { .ss_sp = alt_stack, .ss_size = sizeof alt_stack };

    ASSERT_OK(sigaltstack(&alt, NULL));
    install_info(SIGUSR1, inspect_stack, 0);
    raise(SIGUSR1);
    EXPECT_TRUE(!on_alt_stack(handler_local_address));
    EXPECT_EQ(handler_ss_flags, 0);
    /* Not on it, so the handler may change it. */
    EXPECT_EQ(handler_change_errno, 0);
    signal(SIGUSR1, SIG_DFL);
    disable_altstack();
}

static void small_altstack_enomem(void)
{
    stack_t small = { .ss_sp = alt_stack, .ss_size = MINSIGSTKSZ - 1 }, now;

    EXPECT_ERRNO(sigaltstack(&small, NULL), ENOMEM);
    ASSERT_OK(sigaltstack(NULL, &now));
    EXPECT_EQ(now.ss_flags, SS_DISABLE);
    small.ss_size = MINSIGSTKSZ;
    EXPECT_OK(sigaltstack(&small, NULL));
    disable_altstack();
}

static void bad_altstack_flags_einval(void)
{
    stack_t alt = { .ss_sp = alt_stack, .ss_size = sizeof alt_stack, .ss_flags = 0x40 };

    EXPECT_ERRNO(sigaltstack(&alt, NULL), EINVAL);
}

static void disabled_altstack_reports_disable(void)
{
    stack_t alt = { .ss_sp = alt_stack, .ss_size = sizeof alt_stack }, now;

    ASSERT_OK(sigaltstack(&alt, NULL));
    disable_altstack();
    ASSERT_OK(sigaltstack(NULL, &now));
    EXPECT_EQ(now.ss_flags, SS_DISABLE);

    /* A disabled alternate stack is not used even with SA_ONSTACK. */
    install_info(SIGUSR1, inspect_stack, SA_ONSTACK);
    raise(SIGUSR1);
    EXPECT_TRUE(!on_alt_stack(handler_local_address));
    signal(SIGUSR1, SIG_DFL);
}

/* ---- A fault with no usable stack ---- */

static sigjmp_buf fault_return;

static void jump_back(int sig, siginfo_t *info, void *context)
{
    (void)info;
    (void)context;
    siglongjmp(fault_return, sig);
}

/* Point rsp at an unmapped page and push: the fault cannot use the normal stack. */
static void fault_with_bad_stack(void)
{
    __asm__ volatile("mov %0, %%rsp\n\tpushq $0" : : "r"(16ul) : "memory");
}

static void altstack_catches_stack_fault(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0) {
        stack_t alt = { .ss_sp = alt_stack, .ss_size = sizeof alt_stack };

        sigaltstack(&alt, NULL);
        install_info(SIGSEGV, jump_back, SA_ONSTACK);
        if (sigsetjmp(fault_return, 1) == 0) {
            fault_with_bad_stack();
            _exit(100);
        }
        _exit(42);
    }
    EXPECT_EXITED(ktap_wait(pid), 42);
}

static void stack_fault_without_altstack_kills(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0) {
        install_info(SIGSEGV, jump_back, 0);
        if (sigsetjmp(fault_return, 1) == 0) {
            fault_with_bad_stack();
            _exit(100);
        }
        _exit(42);
    }
    EXPECT_SIGNALED(ktap_wait(pid), SIGSEGV);
}

/* ---- Forged frames ---- */

/* What the next handler writes into its ucontext before it returns. */
static greg_t forged_rip, forged_rsp, flags_to_set, flags_to_clear;

static void forge_frame(int sig, siginfo_t *info, void *context)
{
    ucontext_t *uc = context;

    (void)sig;
    (void)info;
    if (forged_rip != 0)
        uc->uc_mcontext.gregs[REG_RIP] = forged_rip;
    if (forged_rsp != 0)
        uc->uc_mcontext.gregs[REG_RSP] = forged_rsp;
    uc->uc_mcontext.gregs[REG_EFL] |= flags_to_set;
    uc->uc_mcontext.gregs[REG_EFL] &= ~flags_to_clear;
}

/* Raise SIGUSR1 with a raw tkill and read RFLAGS at the very next instruction, where
 * sigreturn resumes. Returns those RFLAGS. */
static unsigned long rflags_after_handler(void)
{
    long nr = SYS_tkill;
    unsigned long flags;

    __asm__ volatile("syscall\n\t"
                     "pushfq\n\t"
                     "popq %1\n\t"
                     : "+a"(nr), "=r"(flags)
                     : "D"((long)gettid()), "S"((long)SIGUSR1)
                     : "rcx", "r11", "memory", "cc");
    return flags;
}

/* Fork a child whose SIGUSR1 handler forges its frame as set above, then raise it. */
static int status_after_forged_return(void)
{
    pid_t pid = ktap_fork();

    if (pid < 0) {
        KTAP_FAIL("fork failed");
        return -1;
    }
    if (pid == 0) {
        install_info(SIGUSR1, forge_frame, 0);
        rflags_after_handler();
        _exit(42);
    }
    return ktap_wait(pid);
}

static void forged_noncanonical_rip_segv(void)
{
    forged_rip = (greg_t)NON_CANONICAL;
    forged_rsp = 0;
    flags_to_set = flags_to_clear = 0;
    EXPECT_SIGNALED(status_after_forged_return(), SIGSEGV);
    forged_rip = 0;
}

static void forged_kernel_rip_segv(void)
{
    forged_rip = (greg_t)0xffffffff80000000ul;
    forged_rsp = 0;
    flags_to_set = flags_to_clear = 0;
    EXPECT_SIGNALED(status_after_forged_return(), SIGSEGV);
    forged_rip = 0;
}

static void forged_noncanonical_rsp_segv(void)
{
    forged_rip = 0;
    forged_rsp = (greg_t)NON_CANONICAL;
    flags_to_set = flags_to_clear = 0;
    EXPECT_SIGNALED(status_after_forged_return(), SIGSEGV);
    forged_rsp = 0;
}

static void forged_iopl_is_dropped(void)
{
    unsigned long flags;

    forged_rip = forged_rsp = 0;
    flags_to_set = (greg_t)(RFLAGS_IOPL | RFLAGS_NT | RFLAGS_CF);
    flags_to_clear = (greg_t)RFLAGS_IF;
    install_info(SIGUSR1, forge_frame, 0);
    flags = rflags_after_handler();
    signal(SIGUSR1, SIG_DFL);
    flags_to_set = flags_to_clear = 0;

    EXPECT_EQ(flags & RFLAGS_IOPL, 0);
    EXPECT_EQ(flags & RFLAGS_NT, 0);
    /* The arithmetic flags are the program's own and are restored. */
    EXPECT_EQ(flags & RFLAGS_CF, RFLAGS_CF);
    /* Interrupts stay enabled whatever the frame contains. */
    EXPECT_EQ(flags & RFLAGS_IF, RFLAGS_IF);
}

/* rt_sigreturn with no frame at all (rsp on an unmapped page) kills with SIGSEGV. */
static void sigreturn_without_frame_segv(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0) {
        __asm__ volatile("mov %0, %%rsp\n\tsyscall" : : "r"(4096ul), "a"((long)SYS_rt_sigreturn)
                         : "rcx", "r11", "memory");
        _exit(100);
    }
    EXPECT_SIGNALED(ktap_wait(pid), SIGSEGV);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(altstack_starts_disabled),
    KTAP_CASE(handler_runs_on_altstack),
    KTAP_CASE(without_sa_onstack_uses_stack),
    KTAP_CASE(small_altstack_enomem),
    KTAP_CASE(bad_altstack_flags_einval),
    KTAP_CASE(disabled_altstack_reports_disable),
    KTAP_CASE(altstack_catches_stack_fault),
    KTAP_CASE(stack_fault_without_altstack_kills),
    KTAP_CASE(forged_noncanonical_rip_segv),
    KTAP_CASE(forged_kernel_rip_segv),
    KTAP_CASE(forged_noncanonical_rsp_segv),
    KTAP_CASE(forged_iopl_is_dropped),
    KTAP_CASE(sigreturn_without_frame_segv),
};

int main(int argc, char **argv)
{
    return KTAP_MAIN(argc, argv, cases);
}
