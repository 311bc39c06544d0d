#include "lib/panic.h"

#include <stdarg.h>
#include <stdbool.h>

#include "arch/x86_64/asm_consts.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/machine.h"
#include "arch/x86_64/trap.h"
#include "lib/ksym.h"
#include "lib/printf.h"

#define BACKTRACE_MAX_FRAMES 24

static bool panicking;

/* A fault while printing a panic must not recurse forever: the second panic
 * prints its message and exits at once. */
static void panic_enter(void)
{
    irq_disable();
    if (panicking) {
        kprintf("PANIC: nested panic while reporting a panic; exiting\n");
        machine_exit(DEBUG_EXIT_PANIC);
    }
    panicking = true;
}

void panic(const char *fmt, ...)
{
    va_list ap;

    panic_enter();
    kprintf("PANIC: ");
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");

    uint64_t rbp = (uint64_t)__builtin_frame_address(0);
    kprintf("CR0 %p  CR2 %p  CR3 %p  CR4 %p\n", (void *)read_cr0(), (void *)read_cr2(),
            (void *)read_cr3(), (void *)read_cr4());
    backtrace_print(0, rbp, BACKTRACE_MAX_FRAMES);
    machine_exit(DEBUG_EXIT_PANIC);
}

void panic_trap(const struct trap_frame *frame, const char *fmt, ...)
{
    va_list ap;

    panic_enter();
    kprintf("PANIC: ");
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");

    trap_dump_frame(frame);
    backtrace_print(frame->rip, frame->rbp, BACKTRACE_MAX_FRAMES);
    machine_exit(DEBUG_EXIT_PANIC);
}
