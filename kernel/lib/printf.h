/*
 * Formatted output. Supported conversions: %d %i %u %x %X %o %c %s %p %%,
 * with the flags '-', '0' and '#', a field width and a precision (both may be '*'),
 * and the length modifiers hh, h, l, ll, z and t. %p prints 0x and 16 hex digits.
 */
#ifndef LWCOS_LIB_PRINTF_H
#define LWCOS_LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

/* Format into buf (always NUL-terminated when size > 0). Returns the length
 * the full output would have had, like C's vsnprintf. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print to the console (COM1). Returns the number of characters written. */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

#endif
