; Raw user-memory copies. Each instruction that touches user memory has an
; entry in the exception table (section ex_table: pairs of faulting address
; and fixup address). On a page fault there that the vm layer cannot resolve,
; the trap handler resumes at the fixup, which returns an error instead of
; panicking. The C wrappers in mm/uaccess.c check ranges and handle SMAP.

section .text

; uint64_t uaccess_copy(void *dst, const void *src, uint64_t n)
; rdi = dst, rsi = src, rdx = n. Returns the number of bytes NOT copied
; (0 on success). Whole 8-byte words first, then the last n % 8 bytes;
; rep movs keeps rcx = units left when it faults.
global uaccess_copy:function (uaccess_copy.end - uaccess_copy)
uaccess_copy:
    mov rcx, rdx
    shr rcx, 3
.copy8:
    rep movsq
    mov rcx, rdx
    and rcx, 7
.copy1:
    rep movsb
    xor eax, eax
    ret
.fault8:
    shl rcx, 3                      ; words left -> bytes, plus the tail not started
    and rdx, 7
    lea rax, [rcx + rdx]
    ret
.fault1:
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
    dq uaccess_copy.copy8, uaccess_copy.fault8
    dq uaccess_copy.copy1, uaccess_copy.fault1
    dq uaccess_strncpy.load, uaccess_strncpy.fault
