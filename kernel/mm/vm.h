/*
 * Address spaces. A vm_space owns a page table (its root never changes), a
 * PCID, and a sorted list of regions that say which user addresses may be
 * mapped and how. Pages appear lazily: a fault inside a region maps a zeroed
 * frame (demand-zero), copies a shared one (copy-on-write) or grows the stack.
 *
 * Every present user PTE holds one reference on its frame (struct page
 * refcount); a copy-on-write clone adds one per shared frame.
 */
#ifndef LWCOS_MM_VM_H
#define LWCOS_MM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/list.h"
#include "mm/pagetable.h"

enum vm_prot {
    VM_READ = 1 << 0,
    VM_WRITE = 1 << 1,
    VM_EXEC = 1 << 2,
};

enum vm_region_kind {
    VM_ANON,            /* private anonymous memory, demand-zero */
    VM_STACK,           /* like VM_ANON, and grows down on faults below it */
    VM_FILE_COPY,       /* private copy of file contents, filled at map time */
    VM_OVERLAY_SOURCE,  /* mapped from another lwC by lwOverlay */
};

enum vm_region_flags {
    VM_SHARED = 1 << 0,     /* mmap MAP_SHARED: fork shares the frames writable */
    VM_LWC_SHARED = 1 << 1, /* frames shared writable with another lwC (lwC SHARE) */
};

/* A VM_STACK region grows down to at most VM_STACK_MAX_SIZE below its end,
 * and never closer than VM_STACK_GUARD_GAP to the region below it. */
#define VM_STACK_MAX_SIZE (8ul << 20)
#define VM_STACK_GUARD_GAP (1ul << 20)

struct vm_region {
    struct list_node link;      /* in vm_space.regions, sorted by start */
    uint64_t start, end;        /* page-aligned [start, end) */
    unsigned prot;              /* enum vm_prot bits */
    enum vm_region_kind kind;
    unsigned flags;             /* enum vm_region_flags bits */
};

struct vm_space {
    uint64_t root;              /* physical address of the PML4 */
    uint16_t pcid;              /* 1..4095, or 0 (PCID_KERNEL) when it has none */
    bool tlb_stale;             /* next CR3 load must flush (see mm/pcid.c) */
    struct list_node regions;
    unsigned long region_count;
};

/* Access kinds for vm_fault, from the page-fault error code. */
enum vm_access {
    VM_ACCESS_READ,
    VM_ACCESS_WRITE,
    VM_ACCESS_EXEC,
};

struct vm_space *vm_space_create(void);
/* Free every page, table and region. The space must not be loaded. */
void vm_space_destroy(struct vm_space *space);
/* Copy-on-write copy, as fork makes: private writable pages become
 * read-only in both and share frames; VM_SHARED regions share frames
 * writable; pages shared with another lwC are copied at once (so that
 * sharing stays intact). NULL if no memory. */
struct vm_space *vm_space_clone(struct vm_space *parent);
/* The same for lwCreate: every page is private to the copy, so shared
 * pages (VM_SHARED or VM_LWC_SHARED) are copied at once. */
struct vm_space *vm_space_clone_private(struct vm_space *parent);

/* Give dst a private copy of src's frame at va, now (not copy-on-write). */
int vm_copy_page_now(struct vm_space *dst, uint64_t va, pte_t src_pte, unsigned prot);

/* Make [start, end) of dst a copy of the same range of src: copy-on-write
 * (share false) or the same frames, writable where the region is (share
 * true). Whatever dst had mapped there is removed first. */
int vm_clone_range(struct vm_space *dst, struct vm_space *src, uint64_t start, uint64_t end,
                   bool share);

/* Add a region. -EINVAL if unaligned, empty, outside user space or
 * overlapping another region; -ENOMEM if no memory. */
int vm_region_add(struct vm_space *space, uint64_t start, uint64_t end, unsigned prot,
                  enum vm_region_kind kind, unsigned flags);
/* Find the region containing va, or NULL. */
struct vm_region *vm_region_find(struct vm_space *space, uint64_t va);

/* Remove [start, end) from regions and page table (like munmap). */
int vm_unmap(struct vm_space *space, uint64_t start, uint64_t end);
/* Drop the pages mapped in [start, end) but keep the regions: the next
 * touch maps a zeroed page (madvise MADV_DONTNEED). Returns 0. */
int vm_discard_pages(struct vm_space *space, uint64_t start, uint64_t end);
/* Change the protection of [start, end), which must be fully covered by
 * regions (like mprotect: -ENOMEM otherwise). */
int vm_protect(struct vm_space *space, uint64_t start, uint64_t end, unsigned prot);

/* Map frame phys at va inside a region, taking a new reference on it. */
int vm_map_frame(struct vm_space *space, uint64_t va, uint64_t phys, unsigned prot);
/* Write n bytes into space at va, which must lie in writable regions,
 * through the direct map (space need not be loaded). Returns 0, -EFAULT or
 * -ENOMEM. */
int vm_copy_to(struct vm_space *space, uint64_t va, const void *src, size_t n);

/* The leaf PTE for va (0 if none). */
pte_t vm_lookup(struct vm_space *space, uint64_t va);

/* Resolve a fault at va. Returns 0 when the access can be retried, or
 * -EFAULT when it is a real fault (SIGSEGV for a user, EFAULT for a copy). */
int vm_fault(struct vm_space *space, uint64_t va, enum vm_access access);

/* The one place a user PTE changes: tells the TLB checker and invalidates
 * when the change removes or reduces a translation. */
void vm_set_pte(struct vm_space *space, uint64_t va, pte_t *ptep, pte_t new_pte);

/* PTE bits for a region's protection (NX only when the CPU has NX). */
pte_t vm_prot_to_pte(unsigned prot);

/* Set by kmain when EFER.NXE is on. */
extern bool vm_nx_enabled;

#endif
