/* Freestanding string and memory helpers. */
#ifndef LWCOS_LIB_STRING_H
#define LWCOS_LIB_STRING_H

#include <stdbool.h>
#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* Copy at most size - 1 bytes and always NUL-terminate (when size > 0).
 * Returns strlen(src), so a result >= size means the copy was truncated. */
size_t strlcpy(char *dst, const char *src, size_t size);

/* Match s against a shell-style pattern: '*' matches any run of characters
 * (possibly empty), '?' any one character, everything else itself. */
bool glob_match(const char *pattern, const char *s);

/* Parse an unsigned integer in base 10, or base 16 with a 0x prefix, from the
 * first len bytes of s. Returns false on an empty string, a bad digit or overflow. */
bool parse_ulong(const char *s, size_t len, unsigned long *out);

#endif
