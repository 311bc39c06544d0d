/*
 * Copies between kernel memory and the user half of the loaded address space.
 * Each checks that the whole user range lies below USER_SPACE_END (which also
 * rejects kernel and non-canonical addresses), resolves demand-zero and
 * copy-on-write faults on the way, and returns -EFAULT, never a panic, when a
 * page cannot be mapped.
 */
#ifndef LWCOS_MM_UACCESS_H
#define LWCOS_MM_UACCESS_H

#include <stddef.h>
#include <stdint.h>

/* 0, or -EFAULT if any byte could not be copied. */
int copy_from_user(void *dst, uint64_t user_src, size_t n);
int copy_to_user(uint64_t user_dst, const void *src, size_t n);

/* Copy a NUL-terminated string of at most size - 1 characters. Returns its
 * length, -EFAULT on a bad address, or -ENAMETOOLONG if no NUL was found
 * in size bytes. dst is always NUL-terminated when size > 0. */
long strncpy_from_user(char *dst, uint64_t user_src, size_t size);

/* Turn on SMAP-aware copies (STAC/CLAC around each); set when CR4.SMAP is on. */
void uaccess_set_smap(int enabled);

/* Exception-table lookup for the trap handler: the fixup address for a fault
 * at rip, or 0 if rip is not a user-access instruction. */
uint64_t uaccess_fixup(uint64_t rip);

#endif
