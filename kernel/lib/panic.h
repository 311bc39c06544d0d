/* Fatal kernel errors: for broken kernel invariants only, never for user input. */
#ifndef LWCOS_LIB_PANIC_H
#define LWCOS_LIB_PANIC_H

struct trap_frame;

/* Print "PANIC: message", the registers, a symbolized backtrace, then exit
 * QEMU with DEBUG_EXIT_PANIC (QEMU status 37). Convention: "function: what". */
__attribute__((noreturn)) void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Same, for a CPU exception: the registers and backtrace come from the frame. */
__attribute__((noreturn)) void panic_trap(const struct trap_frame *frame, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define KASSERT(expr)                                                              \
    do {                                                                           \
        if (!(expr))                                                               \
            panic("assertion failed: %s at %s:%d in %s", #expr, __FILE__, __LINE__, \
                  __func__);                                                       \
    } while (0)

#endif
