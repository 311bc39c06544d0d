#include "arch/x86_64/trap.h"

#include "arch/x86_64/cpu.h"
#include "lib/klog.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "mm/pagetable.h"
#include "mm/pcid.h"
#include "mm/uaccess.h"
#include "mm/vm.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/serial.h"
#include "fs/vfs.h"
#include "proc/sched.h"
#include "signal/signal.h"
#include "signal/signal_internal.h"

static const char *const exception_names[VEC_EXCEPTION_COUNT] = {
    [VEC_DIVIDE_ERROR] = "divide error (#DE)",
    [VEC_DEBUG] = "debug (#DB)",
    [VEC_NMI] = "non-maskable interrupt",
    [VEC_BREAKPOINT] = "breakpoint (#BP)",
    [VEC_OVERFLOW] = "overflow (#OF)",
    [VEC_BOUND] = "bound range exceeded (#BR)",
    [VEC_INVALID_OPCODE] = "invalid opcode (#UD)",
    [VEC_DEVICE_NOT_AVAILABLE] = "device not available (#NM)",
    [VEC_DOUBLE_FAULT] = "double fault (#DF)",
    [VEC_INVALID_TSS] = "invalid TSS (#TS)",
    [VEC_SEGMENT_NOT_PRESENT] = "segment not present (#NP)",
    [VEC_STACK_FAULT] = "stack-segment fault (#SS)",
    [VEC_GENERAL_PROTECTION] = "general protection fault (#GP)",
    [VEC_PAGE_FAULT] = "page fault (#PF)",
    [VEC_X87_FPU] = "x87 floating-point error (#MF)",
    [VEC_ALIGNMENT_CHECK] = "alignment check (#AC)",
    [VEC_MACHINE_CHECK] = "machine check (#MC)",
    [VEC_SIMD] = "SIMD floating-point exception (#XM)",
    [VEC_VIRTUALIZATION] = "virtualization exception (#VE)",
    [VEC_CONTROL_PROTECTION] = "control protection exception (#CP)",
};

const char *trap_vector_name(uint64_t vector)
{
    if (vector < VEC_EXCEPTION_COUNT && exception_names[vector] != NULL)
        return exception_names[vector];
    if (vector < VEC_EXCEPTION_COUNT)
        return "reserved exception";
    return "interrupt";
}

void trap_dump_frame(const struct trap_frame *f)
{
    kprintf("vector %lu (%s), error code %#lx\n", f->vector, trap_vector_name(f->vector),
            f->error_code);
    if (f->vector == VEC_PAGE_FAULT)
        kprintf("CR2 %p (the faulting address)\n", (void *)read_cr2());
    kprintf("RIP %p  CS %#06lx  RFLAGS %#010lx\n", (void *)f->rip, f->cs, f->rflags);
    kprintf("RSP %p  SS %#06lx\n", (void *)f->rsp, f->ss);
    kprintf("RAX %p  RBX %p  RCX %p\n", (void *)f->rax, (void *)f->rbx, (void *)f->rcx);
    kprintf("RDX %p  RSI %p  RDI %p\n", (void *)f->rdx, (void *)f->rsi, (void *)f->rdi);
    kprintf("RBP %p  R8  %p  R9  %p\n", (void *)f->rbp, (void *)f->r8, (void *)f->r9);
    kprintf("R10 %p  R11 %p  R12 %p\n", (void *)f->r10, (void *)f->r11, (void *)f->r12);
    kprintf("R13 %p  R14 %p  R15 %p\n", (void *)f->r13, (void *)f->r14, (void *)f->r15);
    kprintf("CR0 %p  CR3 %p  CR4 %p\n", (void *)read_cr0(), (void *)read_cr3(),
            (void *)read_cr4());
}

/* Page-fault error code bits (Intel SDM vol. 3A, section 4.7). */
#define PF_PRESENT  (1u << 0)       /* protection violation, not a missing page */
#define PF_WRITE    (1u << 1)
#define PF_USER     (1u << 2)
#define PF_RESERVED (1u << 3)
#define PF_FETCH    (1u << 4)

static bool from_user_mode(const struct trap_frame *frame)
{
    return (frame->cs & 3) == 3;
}

static void page_fault(struct trap_frame *frame)
{
    uint64_t addr = read_cr2();
    uint64_t err = frame->error_code;
    struct vm_space *space = tlb_current();
    uint64_t fixup = uaccess_fixup(frame->rip);

    /* User memory touched by a user-copy routine (or, later, by user mode):
     * let the vm layer map it; if it cannot, the copy returns -EFAULT. */
    if (space != NULL && addr < USER_SPACE_END && !(err & PF_RESERVED) &&
        (fixup != 0 || from_user_mode(frame))) {
        enum vm_access access = (err & PF_WRITE)   ? VM_ACCESS_WRITE
                                : (err & PF_FETCH) ? VM_ACCESS_EXEC
                                                   : VM_ACCESS_READ;
        if (vm_fault(space, addr, access) == 0)
            return;
    }
    if (fixup != 0) {
        frame->rip = fixup;
        return;
    }
    if (from_user_mode(frame)) {
        signal_from_trap(frame, SIGSEGV, addr);
        return;
    }

    struct vm_region *r = space != NULL ? vm_region_find(space, addr) : NULL;
    if (r != NULL)
        panic_trap(frame, "kernel page fault at %p, inside user region [%p, %p) prot %#x",
                   (void *)addr, (void *)r->start, (void *)r->end, r->prot);
    panic_trap(frame, "kernel page fault at %p (%s, %s%s)", (void *)addr,
               (err & PF_PRESENT) ? "protection violation" : "page not present",
               (err & PF_WRITE) ? "write" : (err & PF_FETCH) ? "instruction fetch" : "read",
               addr < USER_SPACE_END ? ", user address outside copy_*_user" : "");
}

/* The signal a CPU exception in user mode sends (as Linux does). */
static int exception_signal(uint64_t vector)
{
    switch (vector) {
    case VEC_DIVIDE_ERROR:
    case VEC_X87_FPU:
    case VEC_SIMD:
        return SIGFPE;
    case VEC_DEBUG:
    case VEC_BREAKPOINT:
        return SIGTRAP;
    case VEC_INVALID_OPCODE:
        return SIGILL;
    case VEC_ALIGNMENT_CHECK:
        return SIGBUS;
    default:
        return SIGSEGV;
    }
}

static void interrupt(struct trap_frame *frame)
{
    unsigned irq = (unsigned)frame->vector - IRQ_BASE_VECTOR;

    switch (irq) {
    case IRQ_TIMER:
        sched_tick();
        break;
    case IRQ_COM1:
        for (int c = serial_getc_nonblock(); c >= 0; c = serial_getc_nonblock())
            tty_receive_char((char)c);
        break;
    default:
        break;
    }
    pic_end_of_interrupt(irq);
}

static unsigned long unexpected_interrupts;

void trap_dispatch(struct trap_frame *frame)
{
    bool user = from_user_mode(frame);

    if (user)
        current_thread()->user_frame = frame;

    if (frame->vector == VEC_PAGE_FAULT) {
        page_fault(frame);
    } else if (frame->vector < VEC_EXCEPTION_COUNT) {
        if (!user || frame->vector == VEC_DOUBLE_FAULT || frame->vector == VEC_MACHINE_CHECK)
            panic_trap(frame, "unhandled %s in kernel mode", trap_vector_name(frame->vector));
        signal_from_trap(frame, exception_signal(frame->vector), 0);
    } else if (frame->vector >= IRQ_BASE_VECTOR && frame->vector < IRQ_BASE_VECTOR + IRQ_COUNT) {
        interrupt(frame);
    } else if (++unexpected_interrupts <= 10) {
        klog(KLOG_WARN, "trap", "ignoring unexpected interrupt on vector %lu", frame->vector);
    }

    if (user)
        sched_exit_to_user(frame);
}
