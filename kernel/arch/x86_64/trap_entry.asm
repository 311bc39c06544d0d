; Interrupt and exception entry stubs. Each of the 256 vectors has a stub that
; makes the stack look the same (error code, then vector number) and jumps to
; trap_common, which saves the general registers as a struct trap_frame
; (arch/x86_64/trap.h) and calls trap_dispatch(frame).
;
; GS: in user mode the GS base is the user's; the kernel's (struct cpu) sits
; in MSR_KERNEL_GS_BASE. Entries from ring 3 swap them first, and trap_exit
; swaps back when it returns to ring 3.

%include "asm_consts.inc"

extern trap_dispatch

; Vectors for which the CPU pushes an error code.
%define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

section .text

%assign vec 0
%rep 256
trap_stub_%[vec]:
%if HAS_ERROR_CODE(vec) == 0
    push 0                          ; no error code from the CPU: push a zero
%endif
    push vec                        ; vector number
    jmp trap_common
%assign vec vec + 1
%endrep

; Stack on entry: vector, error code, rip, cs, rflags, rsp, ss.
global trap_common:function (trap_common.end - trap_common)
trap_common:
    test qword [rsp + 3 * 8], 3     ; the interrupted CS: ring 3?
    jz .saved_gs
    swapgs
.saved_gs:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    cld
    mov rdi, rsp                    ; rdi = struct trap_frame *
    ; Make a frame-pointer record (saved rbp, interrupted rip) so backtraces
    ; from inside trap_dispatch continue into the interrupted code.
    push qword [rsp + 17 * 8]       ; frame->rip
    push rbp
    mov rbp, rsp
    call trap_dispatch
    add rsp, 16
    jmp trap_exit
.end:

; Restore a struct trap_frame at rsp and return with IRETQ. Also the way out
; of a syscall whose frame changed, and of a new thread's first run.
global trap_exit:function (trap_exit.end - trap_exit)
trap_exit:
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16                     ; drop vector and error code
    test qword [rsp + 8], 3         ; returning to ring 3?
    jz .iret
    swapgs
.iret:
    iretq
.end:

section .rodata
; Address of each stub, for idt_init.
global trap_stub_table
trap_stub_table:
%assign vec 0
%rep 256
    dq trap_stub_%[vec]
%assign vec vec + 1
%endrep
