/*
 * Raw 4-level page tables (Intel SDM vol. 3A, section 4.5). This layer only
 * walks, creates and frees tables; it knows nothing of TLBs or address
 * spaces. Every PTE change that can leave a stale TLB entry goes through
 * vm_set_pte (mm/vm.h), which also tells the TLB code and the checker.
 *
 *   63  62..52  51..12            11..9  8  7   6  5  4   3   2  1  0
 *   NX  avail   physical address  avail  G  PS  D  A  PCD PWT U  W  P
 *
 * Bit 9 (software) marks a page that is read-only because it is shared
 * copy-on-write, so a write fault on it copies instead of failing.
 */
#ifndef LWCOS_MM_PAGETABLE_H
#define LWCOS_MM_PAGETABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/asm_consts.h"

typedef uint64_t pte_t;

#define PTE_ACCESSED    (1ul << 5)
#define PTE_DIRTY       (1ul << 6)
#define PTE_COW         (1ul << 9)
#define PTE_NX          (1ul << 63)
#define PTE_ADDR_MASK   0x000ffffffffff000ul
#define PTE_FLAGS_MASK  (~PTE_ADDR_MASK)

#define PT_ENTRIES 512
#define PT_LEVELS 4

/* User space is the lower half of the canonical address space, minus one
 * page, so no user mapping ends at the non-canonical boundary. */
#define USER_SPACE_END  0x00007ffffffff000ul
#define KERNEL_HALF_FIRST_SLOT 256

static inline uint64_t pte_phys(pte_t pte) { return pte & PTE_ADDR_MASK; }
static inline bool pte_present(pte_t pte) { return (pte & PTE_PRESENT) != 0; }

static inline unsigned pt_index(uint64_t va, unsigned level)
{
    /* level 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT */
    return (unsigned)(va >> (12 + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

static inline bool va_is_canonical(uint64_t va)
{
    uint64_t top = va >> 47;
    return top == 0 || top == 0x1ffff;
}

/* Build the kernel's own page table (image with per-section permissions,
 * direct map of all RAM, every kernel-half PDPT preallocated so all tables
 * share them) and switch to it. Returns its root. */
uint64_t pt_init_kernel(uint64_t ram_top);

/* Root of the kernel-only table (the one loaded with PCID 0). */
uint64_t pt_kernel_root(void);

/* New PML4 whose kernel half is the kernel's; user half empty. 0 if no memory. */
uint64_t pt_create_root(void);

/* Pointer to the leaf PTE for va, or NULL. With create, allocates missing
 * intermediate tables (NULL if out of memory). User half only. */
pte_t *pt_walk(uint64_t root, uint64_t va, bool create);

/* The next present leaf PTE at or above *va and below end, skipping absent
 * tables: sets *va to its address, or returns NULL when there is none. */
pte_t *pt_next_present(uint64_t root, uint64_t *va, uint64_t end);

/* Free every user-half intermediate table and the root. Leaf frames are the
 * caller's: the vm layer drops their references first, or passes
 * drop_leaf, which is called with each present leaf's frame. */
void pt_destroy(uint64_t root);
void pt_destroy_with_leaves(uint64_t root, void (*drop_leaf)(uint64_t phys));

/* Count user-half intermediate tables (PDPT, PD, PT), for tests. */
unsigned long pt_count_tables(uint64_t root);

#endif
