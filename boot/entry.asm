; lwcos boot path: GRUB (multiboot2) hands control to _start in 32-bit
; protected mode with paging off. This file checks that we were loaded by a
; multiboot2 loader on a 64-bit CPU, builds the early page tables, enters long
; mode and jumps to kmain in the higher half.
;
; Early mappings (2 MiB pages, all from the same four page directories):
;   0 .. 1 GiB                      identity, only until kmain removes it
;   DIRECT_MAP_BASE + 0 .. 4 GiB    direct map of physical memory
;   KERNEL_VMA + 0 .. 1 GiB         the kernel image (linked at KERNEL_VMA + 1 MiB)

%include "asm_consts.inc"

extern higher_half_entry

; ---------------------------------------------------------------------------
; Multiboot2 header: must sit in the first 32 KiB of the image, 8-byte aligned.
section .multiboot
align 8
mb2_header:
    dd MB2_HEADER_MAGIC
    dd MB2_ARCH_I386
    dd mb2_header_end - mb2_header
    dd 0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
    ; End tag: type 0, flags 0, size 8.
    dw 0
    dw 0
    dd 8
mb2_header_end:

; ---------------------------------------------------------------------------
; Early page tables and the 32-bit stack live at low addresses, inside the
; loaded image, so the 32-bit code can use their link addresses directly.
section .boot.data write
align 4096
global boot_pml4
boot_pml4:          times 4096 db 0
boot_pdpt_low:      times 4096 db 0
boot_pdpt_direct:   times 4096 db 0
boot_pdpt_kernel:   times 4096 db 0
boot_pd:            times 4096 * BOOT_DIRECT_MAP_GIB db 0
boot_stack32:       times 1024 db 0
boot_stack32_top:

; Temporary GDT: null, 64-bit kernel code, kernel data. gdt_init replaces it.
align 8
boot_gdt:
    dq 0
    dq 0x00af9a000000ffff           ; GDT_KERNEL_CODE: present, ring 0, code, L=1
    dq 0x00cf92000000ffff           ; GDT_KERNEL_DATA: present, ring 0, data, writable
boot_gdt_end:
boot_gdt_ptr:
    dw boot_gdt_end - boot_gdt - 1
    dd boot_gdt

msg_no_multiboot: db "lwcos: not started by a multiboot2 boot loader (bad magic in eax); halting", 13, 10, 0
msg_no_long_mode: db "lwcos: this CPU has no 64-bit long mode; halting", 13, 10, 0

; ---------------------------------------------------------------------------
section .boot.text exec
bits 32

; Entry from GRUB. eax = multiboot2 magic, ebx = physical address of the
; multiboot2 information structure. Interrupts are off, paging is off.
global _start:function (_start.end - _start)
_start:
    cli
    cld
    mov esp, boot_stack32_top
    mov edi, eax                    ; edi = magic (first argument of kmain)
    mov esi, ebx                    ; esi = information address (second argument)

    cmp edi, MB2_BOOTLOADER_MAGIC
    jne .no_multiboot

    ; Long mode needs CPUID leaf 0x80000001, EDX bit 29.
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_long_mode
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29
    jz .no_long_mode

    ; Fill the page directories: entry i maps physical i * 2 MiB.
    xor ecx, ecx
.fill_pd:
    mov eax, ecx
    shl eax, 21
    or eax, PTE_PRESENT | PTE_WRITE | PTE_HUGE
    mov [boot_pd + ecx * 8], eax
    mov dword [boot_pd + ecx * 8 + 4], 0
    inc ecx
    cmp ecx, 512 * BOOT_DIRECT_MAP_GIB
    jb .fill_pd

    ; Direct map: one PDPT entry per GiB.
    xor ecx, ecx
.fill_direct:
    mov eax, ecx
    shl eax, 12
    add eax, boot_pd
    or eax, PTE_PRESENT | PTE_WRITE
    mov [boot_pdpt_direct + ecx * 8], eax
    inc ecx
    cmp ecx, BOOT_DIRECT_MAP_GIB
    jb .fill_direct

    ; The first GiB also appears at 0 (identity) and at KERNEL_VMA (PDPT index 510).
    mov eax, boot_pd
    or eax, PTE_PRESENT | PTE_WRITE
    mov [boot_pdpt_low], eax
    mov [boot_pdpt_kernel + 510 * 8], eax

    mov eax, boot_pdpt_low
    or eax, PTE_PRESENT | PTE_WRITE
    mov [boot_pml4], eax
    mov eax, boot_pdpt_direct
    or eax, PTE_PRESENT | PTE_WRITE
    mov [boot_pml4 + ((DIRECT_MAP_BASE >> 39) & 511) * 8], eax
    mov eax, boot_pdpt_kernel
    or eax, PTE_PRESENT | PTE_WRITE
    mov [boot_pml4 + 511 * 8], eax

    ; PAE on, CR3 = PML4, EFER.LME on, then paging on: the CPU is in long mode
    ; (compatibility submode) until the far jump loads a 64-bit code segment.
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, boot_pml4
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME
    wrmsr
    mov eax, cr0
    or eax, CR0_PG | CR0_PE | CR0_WP
    mov cr0, eax

    lgdt [boot_gdt_ptr]
    jmp GDT_KERNEL_CODE:long_mode_entry

.no_multiboot:
    mov esi, msg_no_multiboot
    jmp .fail
.no_long_mode:
    mov esi, msg_no_long_mode
.fail:
    ; Print the NUL-terminated string at esi on COM1, then halt for good.
    mov dx, COM1_PORT
.fail_loop:
    lodsb
    test al, al
    jz .halt
    out dx, al
    jmp .fail_loop
.halt:
    hlt
    jmp .halt
.end:

bits 64
; First 64-bit instructions, still running at the identity-mapped address.
long_mode_entry:
    mov ax, GDT_KERNEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov rax, higher_half_entry
    jmp rax
