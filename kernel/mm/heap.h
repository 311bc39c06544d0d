/*
 * Kernel heap. Requests up to HEAP_SLAB_MAX bytes come from slabs: frames cut
 * into equal power-of-two objects, so every object is aligned to its size
 * class. Larger requests get whole contiguous frames (page-aligned). Freed
 * objects are filled with POISON_BYTE, and kmalloc checks the poison when it
 * reuses an object, so a write after free panics with the object's address.
 */
#ifndef LWCOS_MM_HEAP_H
#define LWCOS_MM_HEAP_H

#include <stddef.h>

#define HEAP_SLAB_MIN 16
#define HEAP_SLAB_MAX 2048

/* Returns NULL for size 0 and when memory is exhausted. */
void *kmalloc(size_t size);
/* kmalloc, then zero the object. */
void *kzalloc(size_t size);
/* Free an object from kmalloc; NULL is ignored. Panics on a double free or a
 * pointer kmalloc did not return. */
void kfree(void *ptr);

/* Usable size of the object at ptr (its size class, or whole frames). */
size_t kmalloc_usable_size(const void *ptr);

#endif
