/* Pseudo-random bytes for AT_RANDOM and getrandom: xorshift64* seeded from
 * the TSC at boot. NOTE: not cryptographically strong; nothing in a
 * teaching kernel under an emulator can be. */
#ifndef LWCOS_LIB_RANDOM_H
#define LWCOS_LIB_RANDOM_H

#include <stddef.h>

void random_bytes(void *buf, size_t n);

#endif
