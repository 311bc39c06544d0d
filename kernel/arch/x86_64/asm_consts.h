/*
 * Constants shared by the C kernel and the nasm sources.
 *
 * The Makefile turns every "#define NAME VALUE" line of this file into a nasm
 * "%define NAME VALUE" line (build/gen/asm_consts.inc), so values here must be
 * plain integer expressions that both languages parse: no casts, no U/L suffixes.
 */
#ifndef LWCOS_ARCH_ASM_CONSTS_H
#define LWCOS_ARCH_ASM_CONSTS_H

/* Virtual layout. The kernel image runs at KERNEL_VMA + physical address; all
 * physical memory the boot code maps is also visible at DIRECT_MAP_BASE + phys. */
#define KERNEL_VMA 0xffffffff80000000
#define DIRECT_MAP_BASE 0xffff800000000000
#define KERNEL_PHYS_BASE 0x100000
#define BOOT_DIRECT_MAP_GIB 4

/* Multiboot2 magic numbers (multiboot2 specification, section 3.1). */
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_BOOTLOADER_MAGIC 0x36d76289
#define MB2_ARCH_I386 0

/* GDT selectors. The order kernel code, kernel data, user code32, user data,
 * user code64 is the one SYSCALL/SYSRET require through the STAR MSR. */
#define GDT_KERNEL_CODE 0x08
#define GDT_KERNEL_DATA 0x10
#define GDT_USER_CODE32 0x18
#define GDT_USER_DATA 0x20
#define GDT_USER_CODE64 0x28
#define GDT_TSS 0x30

/* Control-register and MSR bits used during boot. */
#define CR0_PE 0x1
#define CR0_WP 0x10000
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define EFER_NXE 0x800

/* Page-table entry bits (Intel SDM vol. 3A, section 4.5). */
#define PTE_PRESENT 0x1
#define PTE_WRITE 0x2
#define PTE_USER 0x4
#define PTE_HUGE 0x80
#define PTE_GLOBAL 0x100

/* Sizes of the boot stack and of each interrupt stack (IST) in the TSS. */
#define BOOT_STACK_SIZE 0x4000
#define IST_STACK_SIZE 0x4000

/* isa-debug-exit: QEMU exits with status (value << 1) | 1. */
#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_PASS 0x10
#define DEBUG_EXIT_FAIL 0x11
#define DEBUG_EXIT_PANIC 0x12

/* COM1 base I/O port. */
#define COM1_PORT 0x3f8

/* MSRs for SYSCALL/SYSRET and the segment bases (Intel SDM vol. 4). */
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#define EFER_SCE 0x1

/* Byte offsets in struct cpu (arch/x86_64/percpu.h), read through GS. */
#define CPU_KERNEL_RSP 0
#define CPU_USER_RSP 8
#define CPU_RETURN_VIA_IRET 16

/* Kernel stack of each thread. */
#define KERNEL_STACK_SIZE 0x4000

/* trap_frame.vector value for a frame built by the syscall entry. */
#define TRAP_VECTOR_SYSCALL 0x100

#endif
