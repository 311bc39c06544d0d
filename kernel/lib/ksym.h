/*
 * Kernel symbol lookup for backtraces. The symbol table comes from the ELF
 * section headers GRUB passes in the boot information: GRUB loads .symtab and
 * .strtab into memory even though they are not part of any loaded segment.
 */
#ifndef LWCOS_LIB_KSYM_H
#define LWCOS_LIB_KSYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct boot_info;

/* Find .symtab and .strtab. Returns false (and lookups fail) if absent. */
bool ksym_init(const struct boot_info *info);

/* Name the function containing addr. Returns false when no symbol covers it. */
bool ksym_lookup(uint64_t addr, const char **name, uint64_t *offset);

/* Address of a symbol by name, or 0. */
uint64_t ksym_address(const char *name);

/* Print "0x... function+0xoff" (or just the address) to the console. */
void ksym_print(uint64_t addr);

/* Print the frame-pointer chain starting at rbp, after first_rip if nonzero,
 * one "  #N address function+offset" line per frame, at most max_frames. */
void backtrace_print(uint64_t first_rip, uint64_t rbp, unsigned max_frames);

/* Collect up to max return addresses from the chain at rbp. Returns the count. */
size_t backtrace_collect(uint64_t rbp, uint64_t *out, size_t max);

#endif
