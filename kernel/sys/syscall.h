/*
 * System-call handlers. The ABI is Linux x86-64: number in rax, arguments in
 * rdi, rsi, rdx, r10, r8, r9, result or -errno in rax.
 *
 * Handlers are defined with SYSCALLn, which declares typed parameters and
 * generates the uniform entry the table calls:
 *
 *   SYSCALL3(read, int, fd, uint64_t, user_buf, size_t, count)
 *   {
 *       ...
 *   }
 *
 * User pointers are uint64_t addresses, never C pointers: read them with
 * copy_from_user. syscall_list.h maps numbers to names.
 */
#ifndef LWCOS_SYS_SYSCALL_H
#define LWCOS_SYS_SYSCALL_H

#include <stddef.h>
#include <stdint.h>

typedef long (*syscall_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

#define SYSCALL_ENTRY_(name) \
    long sys_##name(uint64_t r1_, uint64_t r2_, uint64_t r3_, uint64_t r4_, uint64_t r5_, uint64_t r6_)

#define SYSCALL0(name)                                                             \
    static long do_sys_##name(void);                                               \
    SYSCALL_ENTRY_(name)                                                           \
    {                                                                              \
        (void)r1_, (void)r2_, (void)r3_, (void)r4_, (void)r5_, (void)r6_;          \
        return do_sys_##name();                                                    \
    }                                                                              \
    static long do_sys_##name(void)

#define SYSCALL1(name, t1, a1)                                                     \
    static long do_sys_##name(t1 a1);                                              \
    SYSCALL_ENTRY_(name)                                                           \
    {                                                                              \
        (void)r2_, (void)r3_, (void)r4_, (void)r5_, (void)r6_;                     \
        return do_sys_##name((t1)r1_);                                             \
    }                                                                              \
    static long do_sys_##name(t1 a1)

#define SYSCALL2(name, t1, a1, t2, a2)                                             \
    static long do_sys_##name(t1 a1, t2 a2);                                       \
    SYSCALL_ENTRY_(name)                                                           \
    {                                                                              \
        (void)r3_, (void)r4_, (void)r5_, (void)r6_;                                \
        return do_sys_##name((t1)r1_, (t2)r2_);                                    \
    }                                                                              \
    static long do_sys_##name(t1 a1, t2 a2)

#define SYSCALL3(name, t1, a1, t2, a2, t3, a3)                                     \
    static long do_sys_##name(t1 a1, t2 a2, t3 a3);                                \
    SYSCALL_ENTRY_(name)                                                           \
    {                                                                              \
        (void)r4_, (void)r5_, (void)r6_;                                           \
        return do_sys_##name((t1)r1_, (t2)r2_, (t3)r3_);                           \
    }                                                                              \
    static long do_sys_##name(t1 a1, t2 a2, t3 a3)

#define SYSCALL4(name, t1, a1, t2, a2, t3, a3, t4, a4)                             \
    static long do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4);                         \
    SYSCALL_ENTRY_(name)                                                           \
    {                                                                              \
        (void)r5_, (void)r6_;                                                      \
        return do_sys_##name((t1)r1_, (t2)r2_, (t3)r3_, (t4)r4_);                  \
    }                                                                              \
    static long do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4)

#define SYSCALL5(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5)                     \
    static long do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5);                  \
    SYSCALL_ENTRY_(name)                                                           \
    {                                                                              \
        (void)r6_;                                                                 \
        return do_sys_##name((t1)r1_, (t2)r2_, (t3)r3_, (t4)r4_, (t5)r5_);         \
    }                                                                              \
    static long do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5)

#define SYSCALL6(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6)             \
    static long do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6);           \
    SYSCALL_ENTRY_(name)                                                           \
    {                                                                              \
        return do_sys_##name((t1)r1_, (t2)r2_, (t3)r3_, (t4)r4_, (t5)r5_, (t6)r6_); \
    }                                                                              \
    static long do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6)

/* Every handler the table knows. A handler not (yet) defined anywhere is a
 * weak null symbol, and its number returns -ENOSYS. */
#define SYSCALL(number, name) SYSCALL_ENTRY_(name) __attribute__((weak));
#include "sys/syscall_list.h"
#undef SYSCALL

/* Dispatch number with arguments; -ENOSYS for unknown numbers. */
long syscall_dispatch(uint64_t number, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                      uint64_t a5, uint64_t a6);

#endif
