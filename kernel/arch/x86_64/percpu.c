#include "arch/x86_64/percpu.h"

#include "arch/x86_64/cpu.h"

static struct cpu boot_cpu;

struct cpu *this_cpu(void)
{
    return &boot_cpu;
}

/* SYSCALL clears these RFLAGS bits on entry: interrupts (until the stack is
 * switched), trap, direction and alignment check (so SMAP applies). */
#define SYSCALL_RFLAGS_MASK 0x40700ul

extern char syscall_entry[];

void percpu_init(void)
{
    wrmsr(MSR_GS_BASE, (uint64_t)&boot_cpu);
    wrmsr(MSR_KERNEL_GS_BASE, 0);

    /* STAR[47:32]: kernel CS (SS = CS + 8). STAR[63:48]: base for SYSRET,
     * which loads CS = base + 16 and SS = base + 8, both with RPL 3. */
    uint64_t star = ((uint64_t)GDT_KERNEL_CODE << 32) | ((uint64_t)GDT_USER_CODE32 << 48);
    wrmsr(MSR_STAR, star);
    wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
    wrmsr(MSR_FMASK, SYSCALL_RFLAGS_MASK);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}
