#include "lib/ksym.h"

#include "arch/x86_64/asm_consts.h"
#include "boot/multiboot2.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/layout.h"

/* ELF64 structures and constants (System V gABI). */
struct elf64_shdr {
    uint32_t sh_name;
    uint32_t sh_type;
    uint64_t sh_flags;
    uint64_t sh_addr;
    uint64_t sh_offset;
    uint64_t sh_size;
    uint32_t sh_link;
    uint32_t sh_info;
    uint64_t sh_addralign;
    uint64_t sh_entsize;
};

struct elf64_sym {
    uint32_t st_name;
    uint8_t st_info;
    uint8_t st_other;
    uint16_t st_shndx;
    uint64_t st_value;
    uint64_t st_size;
};

#define SHT_SYMTAB 2
#define STT_NOTYPE 0
#define STT_FUNC 2
#define ELF_ST_TYPE(info) ((info) & 0xf)

static const struct elf64_sym *symbols;
static size_t symbol_count;
static const char *strings;
static size_t strings_size;

/* GRUB stores physical addresses for sections it loaded outside the image. */
static const void *section_data(const struct elf64_shdr *sh)
{
    if (sh->sh_addr >= KERNEL_VMA)
        return (const void *)sh->sh_addr;
    if (sh->sh_addr + sh->sh_size > direct_map_end)
        return NULL;
    return phys_to_virt(sh->sh_addr);
}

bool ksym_init(const struct boot_info *info)
{
    const uint8_t *base = info->elf_sections;

    symbols = NULL;
    symbol_count = 0;
    if (base == NULL || info->elf_section_entsize < sizeof(struct elf64_shdr))
        return false;

    for (uint32_t i = 0; i < info->elf_section_count; i++) {
        const struct elf64_shdr *sh =
            (const struct elf64_shdr *)(base + (size_t)i * info->elf_section_entsize);
        if (sh->sh_type != SHT_SYMTAB || sh->sh_link >= info->elf_section_count)
            continue;
        const struct elf64_shdr *str =
            (const struct elf64_shdr *)(base + (size_t)sh->sh_link * info->elf_section_entsize);
        const void *sym_data = section_data(sh);
        const void *str_data = section_data(str);
        if (sym_data == NULL || str_data == NULL || sh->sh_addr == 0 || str->sh_addr == 0)
            return false;
        symbols = sym_data;
        symbol_count = sh->sh_size / sizeof(struct elf64_sym);
        strings = str_data;
        strings_size = str->sh_size;
        return true;
    }
    return false;
}

static const char *symbol_name(const struct elf64_sym *sym)
{
    if (sym->st_name >= strings_size)
        return "?";
    return strings + sym->st_name;
}

bool ksym_lookup(uint64_t addr, const char **name, uint64_t *offset)
{
    const struct elf64_sym *best = NULL;

    /* Linear scan: the table has a few thousand entries and this runs only
     * for backtraces. Prefer the closest symbol at or below addr; a sized
     * symbol must also contain addr. */
    for (size_t i = 0; i < symbol_count; i++) {
        const struct elf64_sym *sym = &symbols[i];
        unsigned type = ELF_ST_TYPE(sym->st_info);
        if ((type != STT_FUNC && type != STT_NOTYPE) || sym->st_value == 0 ||
            sym->st_name == 0 || sym->st_value > addr)
            continue;
        if (sym->st_size != 0 && addr >= sym->st_value + sym->st_size)
            continue;
        if (best == NULL || sym->st_value > best->st_value ||
            (sym->st_value == best->st_value && type == STT_FUNC))
            best = sym;
    }
    if (best == NULL || best->st_value < KERNEL_VMA)
        return false;
    *name = symbol_name(best);
    *offset = addr - best->st_value;
    return true;
}

uint64_t ksym_address(const char *name)
{
    for (size_t i = 0; i < symbol_count; i++) {
        if (symbols[i].st_name != 0 && strcmp(symbol_name(&symbols[i]), name) == 0)
            return symbols[i].st_value;
    }
    return 0;
}

void ksym_print(uint64_t addr)
{
    const char *name;
    uint64_t offset;

    if (ksym_lookup(addr, &name, &offset))
        kprintf("%p %s+%#lx\n", (void *)addr, name, offset);
    else
        kprintf("%p ?\n", (void *)addr);
}

/* A frame record is two words: the caller's rbp, then the return address. */
extern char __kernel_end[];

/* Only follow frame pointers into memory that is certainly mapped (the image
 * or the direct map), so a corrupt chain cannot fault inside a panic. */
static bool frame_pointer_plausible(uint64_t rbp)
{
    if (rbp % 8 != 0)
        return false;
    if (rbp >= KERNEL_VMA && rbp + 16 <= (uint64_t)__kernel_end)
        return true;
    return rbp >= DIRECT_MAP_BASE && rbp + 16 <= DIRECT_MAP_BASE + direct_map_end;
}

size_t backtrace_collect(uint64_t rbp, uint64_t *out, size_t max)
{
    size_t n = 0;

    while (n < max && frame_pointer_plausible(rbp)) {
        const uint64_t *record = (const uint64_t *)rbp;
        uint64_t ret = record[1];
        if (ret < KERNEL_VMA)
            break;
        out[n++] = ret;
        /* Frames grow downward, so each caller's record is higher up. */
        if (record[0] <= rbp)
            break;
        rbp = record[0];
    }
    return n;
}

void backtrace_print(uint64_t first_rip, uint64_t rbp, unsigned max_frames)
{
    uint64_t addrs[32];
    unsigned index = 0;

    if (max_frames > 32)
        max_frames = 32;
    kprintf("Backtrace:\n");
    if (first_rip != 0) {
        kprintf("  #%u ", index++);
        ksym_print(first_rip);
    }
    size_t n = backtrace_collect(rbp, addrs, max_frames - index);
    for (size_t i = 0; i < n; i++) {
        /* A return address points after the call; name the call itself. */
        const char *name;
        uint64_t offset;
        kprintf("  #%u ", index++);
        if (ksym_lookup(addrs[i] - 1, &name, &offset))
            kprintf("%p %s+%#lx\n", (void *)addrs[i], name, offset + 1);
        else
            kprintf("%p ?\n", (void *)addrs[i]);
    }
}
