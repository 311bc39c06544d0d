/* In-place heap sort of 64-bit unsigned values: O(n log n), no recursion,
 * no extra memory. */
#ifndef LWCOS_LIB_HEAP_SORT_H
#define LWCOS_LIB_HEAP_SORT_H

#include <stddef.h>
#include <stdint.h>

void heap_sort_u64(uint64_t *values, size_t count);

#endif
