; Raw user-memory copies. Each instruction that touches user memory has an
; entry in the exception table (section ex_table: pairs of faulting address
; and fixup address). On a page fault there that the vm layer cannot resolve,
; the trap handler resumes at the fixup, which returns an error instead of
; panicking. The C wrappers in mm/uaccess.c check ranges and handle SMAP.

section .text

; uint64_t uaccess_copy(void *dst, const void *src, uint64_t n)
; rdi = dst, rsi = src, rdx = n. Returns the number of bytes NOT copied
; (0 on success). rep movsb keeps rcx = bytes left when it faults.
global uaccess_copy:function (uaccess_copy.end - uaccess_copy)
uaccess_copy:
    mov rcx, rdx
.copy:
    rep movsb
    xor eax, eax
    ret
.fault:
    mov rax, rcx
    ret
.end:

; int64_t uaccess_strncpy(char *dst, const char *src, int64_t n)
; Copy at most n bytes, stopping after a NUL. Returns the string length when
; a NUL was copied, n when none was found in n bytes, -1 on a fault.
global uaccess_strncpy:function (uaccess_strncpy.end - uaccess_strncpy)
uaccess_strncpy:
    xor eax, eax                    ; rax = bytes copied so far
.next:
    cmp rax, rdx
    je .done
.load:
    mov cl, [rsi + rax]
    mov [rdi + rax], cl
    test cl, cl
    jz .done
    inc rax
    jmp .next
.done:
    ret
.fault:
    mov rax, -1
    ret
.end:

section ex_table progbits alloc noexec nowrite align=8
    dq uaccess_copy.copy, uaccess_copy.fault
    dq uaccess_strncpy.load, uaccess_strncpy.fault
