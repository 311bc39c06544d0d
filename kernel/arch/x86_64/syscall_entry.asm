; System-call entry and exit, the kernel context switch, and a new thread's
; first return to user mode.

%include "asm_consts.inc"

extern syscall_handler
extern thread_start_c
extern trap_exit

section .text

; SYSCALL arrives here (MSR_LSTAR) in ring 0 with: rcx = user rip, r11 = user
; rflags, rsp = user rsp, interrupts off (MSR_FMASK clears IF). Build the same
; struct trap_frame an interrupt from user mode would, at the top of this
; thread's kernel stack, and call syscall_handler(frame).
global syscall_entry:function (syscall_entry.end - syscall_entry)
syscall_entry:
    swapgs                                  ; gs = struct cpu
    mov [gs:CPU_USER_RSP], rsp
    mov rsp, [gs:CPU_KERNEL_RSP]
    push GDT_USER_DATA | 3                  ; ss
    push qword [gs:CPU_USER_RSP]            ; rsp
    push r11                                ; rflags
    push GDT_USER_CODE64 | 3                ; cs
    push rcx                                ; rip
    push 0                                  ; error code
    push TRAP_VECTOR_SYSCALL                ; vector
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
    mov rdi, rsp                            ; rdi = struct trap_frame *
    push qword [rsp + 17 * 8]               ; frame record: user rip, user rbp
    push rbp
    mov rbp, rsp
    sti
    call syscall_handler
    cli
    add rsp, 16

    ; SYSRET only when nothing changed the frame and the return address is a
    ; canonical user address: SYSRET with a non-canonical rcx faults in ring 0.
    cmp qword [gs:CPU_RETURN_VIA_IRET], 0
    jne .via_iret
    mov rcx, [rsp + 17 * 8]                 ; frame->rip
    shr rcx, 47
    jnz .via_iret

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
    mov rcx, [rsp + 2 * 8]                  ; rip
    mov r11, [rsp + 4 * 8]                  ; rflags
    mov rsp, [rsp + 5 * 8]                  ; user rsp
    swapgs
    o64 sysret

.via_iret:
    mov qword [gs:CPU_RETURN_VIA_IRET], 0
    jmp trap_exit
.end:

; void sched_switch(uint64_t *save_rsp, uint64_t next_rsp)
; Save the callee-saved registers on this stack, store rsp in *save_rsp,
; load next_rsp and pop the next thread's registers: its sched_switch call
; (or thread_start_user, for a new thread) returns.
global sched_switch:function (sched_switch.end - sched_switch)
sched_switch:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov [rdi], rsp
    mov rsp, rsi
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret
.end:

; A new thread's first instructions, reached by sched_switch's ret with rsp
; pointing at the struct trap_frame to return to user mode with.
global thread_start_user:function (thread_start_user.end - thread_start_user)
thread_start_user:
    mov rdi, rsp
    xor ebp, ebp
    call thread_start_c
    jmp trap_exit
.end:
