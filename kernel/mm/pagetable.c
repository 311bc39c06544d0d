#include "mm/pagetable.h"

#include "arch/x86_64/cpu.h"
#include "lib/klog.h"
#include "lib/panic.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/layout.h"

/* Intermediate entries carry the most permissive bits; leaves restrict. */
#define PT_TABLE_FLAGS (PTE_PRESENT | PTE_WRITE | PTE_USER)
#define HUGE_2M (1ul << 21)

static uint64_t kernel_root;

uint64_t pt_kernel_root(void)
{
    return kernel_root;
}

static pte_t *table_at(uint64_t phys)
{
    return phys_to_virt(phys);
}

static uint64_t alloc_table(void)
{
    uint64_t phys = frame_alloc();
    if (phys != 0)
        memset(table_at(phys), 0, PAGE_SIZE);
    return phys;
}

static uint64_t alloc_table_or_panic(const char *what)
{
    uint64_t phys = alloc_table();
    if (phys == 0)
        panic("pt_init_kernel: out of memory for %s", what);
    return phys;
}

/* Map [virt, virt + size) to phys with 4 KiB pages in the kernel table. */
static void map_kernel_4k(uint64_t virt, uint64_t phys, uint64_t size, uint64_t flags)
{
    for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
        uint64_t va = virt + off;
        pte_t *table = table_at(kernel_root);
        for (unsigned level = 4; level > 1; level--) {
            pte_t *entry = &table[pt_index(va, level)];
            if (!pte_present(*entry))
                *entry = alloc_table_or_panic("kernel image tables") | PTE_PRESENT | PTE_WRITE;
            table = table_at(pte_phys(*entry));
        }
        table[pt_index(va, 1)] = (phys + off) | flags;
    }
}

/* Map physical [0, ram_top) at DIRECT_MAP_BASE with 2 MiB pages, no execute. */
static void map_direct(uint64_t ram_top)
{
    for (uint64_t phys = 0; phys < ram_top; phys += HUGE_2M) {
        uint64_t va = DIRECT_MAP_BASE + phys;
        pte_t *pdpt = table_at(pte_phys(table_at(kernel_root)[pt_index(va, 4)]));
        pte_t *pde = &pdpt[pt_index(va, 3)];
        if (!pte_present(*pde))
            *pde = alloc_table_or_panic("direct map") | PTE_PRESENT | PTE_WRITE;
        table_at(pte_phys(*pde))[pt_index(va, 2)] =
            phys | PTE_PRESENT | PTE_WRITE | PTE_HUGE | PTE_GLOBAL | PTE_NX;
    }
}

extern char __text_start[], __text_end[], __kernel_end[];
extern char __rodata_start[], __data_start[];

uint64_t pt_init_kernel(uint64_t ram_top)
{
    kernel_root = alloc_table_or_panic("the kernel PML4");

    /* Preallocate every kernel-half PDPT: the PML4 slots 256..511 are then
     * fixed, and copying them into a new root shares all later kernel
     * mappings with every address space. */
    for (unsigned slot = KERNEL_HALF_FIRST_SLOT; slot < PT_ENTRIES; slot++)
        table_at(kernel_root)[slot] =
            alloc_table_or_panic("kernel-half PDPTs") | PTE_PRESENT | PTE_WRITE;

    map_direct(PAGE_ALIGN_UP(ram_top));

    /* The image: boot code and data (run once, then only read), text,
     * read-only data, then data and bss. */
    const uint64_t ro = PTE_PRESENT | PTE_GLOBAL | PTE_NX;
    const uint64_t rx = PTE_PRESENT | PTE_GLOBAL;
    const uint64_t rw = PTE_PRESENT | PTE_WRITE | PTE_GLOBAL | PTE_NX;
    uint64_t text = (uint64_t)__text_start, rodata = (uint64_t)__rodata_start;
    uint64_t data = (uint64_t)__data_start, end = (uint64_t)__kernel_end;
    uint64_t boot_phys = (uint64_t)__kernel_phys_start;

    map_kernel_4k(KERNEL_VMA + boot_phys, boot_phys, text - KERNEL_VMA - boot_phys, ro);
    map_kernel_4k(text, text - KERNEL_VMA, rodata - text, rx);
    map_kernel_4k(rodata, rodata - KERNEL_VMA, data - rodata, ro);
    map_kernel_4k(data, data - KERNEL_VMA, end - data, rw);

    write_cr4(read_cr4() | CR4_PGE);
    write_cr3(kernel_root);
    return kernel_root;
}

uint64_t pt_create_root(void)
{
    uint64_t root = alloc_table();
    if (root == 0)
        return 0;
    memcpy(&table_at(root)[KERNEL_HALF_FIRST_SLOT],
           &table_at(kernel_root)[KERNEL_HALF_FIRST_SLOT],
           (PT_ENTRIES - KERNEL_HALF_FIRST_SLOT) * sizeof(pte_t));
    return root;
}

pte_t *pt_walk(uint64_t root, uint64_t va, bool create)
{
    pte_t *table = table_at(root);

    if (va >= USER_SPACE_END)
        return NULL;
    for (unsigned level = 4; level > 1; level--) {
        pte_t *entry = &table[pt_index(va, level)];
        if (!pte_present(*entry)) {
            if (!create)
                return NULL;
            uint64_t phys = alloc_table();
            if (phys == 0)
                return NULL;
            *entry = phys | PT_TABLE_FLAGS;
        }
        table = table_at(pte_phys(*entry));
    }
    return &table[pt_index(va, 1)];
}

pte_t *pt_next_present(uint64_t root, uint64_t *va, uint64_t end)
{
    uint64_t addr = *va & ~(PAGE_SIZE - 1);

    if (end > USER_SPACE_END)
        end = USER_SPACE_END;
    while (addr < end) {
        pte_t *table = table_at(root);
        unsigned level;

        /* Descend; on an absent entry, skip the whole range it would map. */
        for (level = 4; level > 1; level--) {
            pte_t entry = table[pt_index(addr, level)];
            if (!pte_present(entry))
                break;
            table = table_at(pte_phys(entry));
        }
        if (level > 1) {
            uint64_t span = 1ul << (12 + 9 * (level - 1));
            uint64_t next = (addr & ~(span - 1)) + span;
            if (next <= addr)
                return NULL;
            addr = next;
            continue;
        }
        pte_t *leaf = &table[pt_index(addr, 1)];
        if (pte_present(*leaf)) {
            *va = addr;
            return leaf;
        }
        addr += PAGE_SIZE;
    }
    return NULL;
}

/* Free the tables below entry (a table of the given level), then the table.
 * At level 1 (a page table), drop_leaf, if given, gets each present frame. */
static void free_subtree(uint64_t table_phys, unsigned level, void (*drop_leaf)(uint64_t))
{
    pte_t *table = table_at(table_phys);
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        if (!pte_present(table[i]))
            continue;
        if (level > 1)
            free_subtree(pte_phys(table[i]), level - 1, drop_leaf);
        else if (drop_leaf != NULL)
            drop_leaf(pte_phys(table[i]));
    }
    frame_free(table_phys);
}

void pt_destroy_with_leaves(uint64_t root, void (*drop_leaf)(uint64_t phys))
{
    pte_t *pml4 = table_at(root);

    /* Walking the tables visits only what exists; a walk over the address
     * range would step through every empty slot of a sparse space. */
    for (unsigned i = 0; i < KERNEL_HALF_FIRST_SLOT; i++) {
        if (pte_present(pml4[i]))
            free_subtree(pte_phys(pml4[i]), 3, drop_leaf);
    }
    frame_free(root);
}

void pt_destroy(uint64_t root)
{
    pt_destroy_with_leaves(root, NULL);
}

static unsigned long count_subtree(uint64_t table_phys, unsigned level)
{
    unsigned long n = 1;
    if (level > 1) {
        pte_t *table = table_at(table_phys);
        for (unsigned i = 0; i < PT_ENTRIES; i++) {
            if (pte_present(table[i]))
                n += count_subtree(pte_phys(table[i]), level - 1);
        }
    }
    return n;
}

unsigned long pt_count_tables(uint64_t root)
{
    pte_t *pml4 = table_at(root);
    unsigned long n = 0;

    for (unsigned i = 0; i < KERNEL_HALF_FIRST_SLOT; i++) {
        if (pte_present(pml4[i]))
            n += count_subtree(pte_phys(pml4[i]), 3);
    }
    return n;
}
