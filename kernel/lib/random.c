#include "lib/random.h"

#include <stdint.h>

#include "arch/x86_64/cpu.h"

static uint64_t state;

static uint64_t next(void)
{
    if (state == 0)
        state = rdtsc() | 1;
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dull;
}

void random_bytes(void *buf, size_t n)
{
    uint8_t *bytes = buf;
    for (size_t i = 0; i < n; i++) {
        if (i % 8 == 0)
            state ^= rdtsc();
        bytes[i] = (uint8_t)(next() >> 56);
    }
}
