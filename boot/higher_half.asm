; The first code in the higher half: entered from long_mode_entry in
; boot/entry.asm with rdi = multiboot2 magic, rsi = boot information address.
; Kept apart from the low-address boot code because nasm's DWARF describes
; one code section per file.

%include "asm_consts.inc"

extern kmain

section .text
; Running at KERNEL_VMA now. rdi = magic, rsi = information address (physical;
; the upper halves are zero because 32-bit moves clear them).
global higher_half_entry:function (higher_half_entry.end - higher_half_entry)
higher_half_entry:
    mov rsp, boot_stack_top
    xor ebp, ebp                    ; a zero frame pointer ends every backtrace
    call kmain
.hang:
    cli
    hlt
    jmp .hang
.end:

; ---------------------------------------------------------------------------
section .bss
align 16
global boot_stack
boot_stack:
    resb BOOT_STACK_SIZE
boot_stack_top:
