/* Loading static ELF64 executables (System V gABI, x86-64 psABI). */
#ifndef LWCOS_PROC_ELF_H
#define LWCOS_PROC_ELF_H

#include <stdint.h>

struct file;
struct vm_space;

struct elf_image {
    uint64_t entry;         /* where execution starts */
    uint64_t phdr;          /* user address of the program headers (AT_PHDR) */
    uint64_t phnum;
    uint64_t brk_start;     /* first page after the highest segment */
};

/* Map every PT_LOAD segment of f into vm. Returns 0, -ENOEXEC for a file
 * that is not a valid static x86-64 executable, -ENOENT for a dynamically
 * linked one (its interpreter does not exist here), or -ENOMEM. */
int elf_load(struct file *f, struct vm_space *vm, struct elf_image *out);

#endif
