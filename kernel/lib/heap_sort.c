#include "lib/heap_sort.h"

/* Move values[root] down until both children are smaller (max-heap). */
static void sift_down(uint64_t *values, size_t root, size_t count)
{
    for (;;) {
        size_t largest = root;
        size_t left = 2 * root + 1;
        size_t right = left + 1;

        if (left < count && values[left] > values[largest])
            largest = left;
        if (right < count && values[right] > values[largest])
            largest = right;
        if (largest == root)
            return;
        uint64_t tmp = values[root];
        values[root] = values[largest];
        values[largest] = tmp;
        root = largest;
    }
}

void heap_sort_u64(uint64_t *values, size_t count)
{
    if (count < 2)
        return;
    for (size_t i = count / 2; i-- > 0;)
        sift_down(values, i, count);
    for (size_t end = count - 1; end > 0; end--) {
        uint64_t tmp = values[0];
        values[0] = values[end];
        values[end] = tmp;
        sift_down(values, 0, end);
    }
}
