/* Interrupt and exception entry: the saved register frame and the IDT. */
#ifndef LWCOS_ARCH_TRAP_H
#define LWCOS_ARCH_TRAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Registers saved on entry, lowest address first. trap_entry.asm pushes the general
 * registers; the stub pushes vector and error code (0 when the CPU pushes
 * none); the CPU pushes rip..ss.
 */
struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};

/* trap.asm depends on this layout. */
_Static_assert(offsetof(struct trap_frame, vector) == 15 * 8, "trap_frame.vector offset");
_Static_assert(offsetof(struct trap_frame, rip) == 17 * 8, "trap_frame.rip offset");
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap_frame size");

/* CPU exception vectors (Intel SDM vol. 3A, table 6-1). */
enum {
    VEC_DIVIDE_ERROR = 0,
    VEC_DEBUG = 1,
    VEC_NMI = 2,
    VEC_BREAKPOINT = 3,
    VEC_OVERFLOW = 4,
    VEC_BOUND = 5,
    VEC_INVALID_OPCODE = 6,
    VEC_DEVICE_NOT_AVAILABLE = 7,
    VEC_DOUBLE_FAULT = 8,
    VEC_INVALID_TSS = 10,
    VEC_SEGMENT_NOT_PRESENT = 11,
    VEC_STACK_FAULT = 12,
    VEC_GENERAL_PROTECTION = 13,
    VEC_PAGE_FAULT = 14,
    VEC_X87_FPU = 16,
    VEC_ALIGNMENT_CHECK = 17,
    VEC_MACHINE_CHECK = 18,
    VEC_SIMD = 19,
    VEC_VIRTUALIZATION = 20,
    VEC_CONTROL_PROTECTION = 21,
    VEC_EXCEPTION_COUNT = 32,
    VEC_COUNT = 256,
};

void idt_init(void);
void trap_dispatch(struct trap_frame *frame);
const char *trap_vector_name(uint64_t vector);
/* Print every register of the frame, and CR2 for page faults. */
void trap_dump_frame(const struct trap_frame *frame);

#endif
