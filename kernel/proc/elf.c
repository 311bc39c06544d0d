#include "proc/elf.h"

#include <stdbool.h>

#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/klog.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/vm.h"

struct elf64_ehdr {
    uint8_t e_ident[16];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};

struct elf64_phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
};

#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define PHNUM_MAX 64

/* Where a position-independent static executable (ET_DYN) is placed. */
#define PIE_LOAD_BIAS 0x0000555555554000ul

static int read_exact(struct file *f, uint64_t offset, void *buf, size_t n)
{
    long got = vfs_kernel_read(f, offset, buf, n);
    if (got < 0)
        return (int)got;
    return (size_t)got == n ? 0 : -ENOEXEC;
}

static bool header_valid(const struct elf64_ehdr *eh)
{
    return memcmp(eh->e_ident, "\x7f" "ELF", 4) == 0 && eh->e_ident[4] == ELFCLASS64 &&
           eh->e_ident[5] == ELFDATA2LSB && eh->e_machine == EM_X86_64 &&
           (eh->e_type == ET_EXEC || eh->e_type == ET_DYN) &&
           eh->e_phentsize == sizeof(struct elf64_phdr) && eh->e_phnum > 0 &&
           eh->e_phnum <= PHNUM_MAX;
}

static unsigned segment_prot(uint32_t flags)
{
    return ((flags & PF_R) ? VM_READ : 0) | ((flags & PF_W) ? VM_WRITE : 0) |
           ((flags & PF_X) ? VM_EXEC : 0);
}

/* Map one PT_LOAD segment: a writable region first, so the file bytes can
 * be copied in, then the segment's own protection. */
static int load_segment(struct file *f, struct vm_space *vm, const struct elf64_phdr *ph,
                        uint64_t bias)
{
    uint64_t vaddr = ph->p_vaddr + bias;
    uint64_t end = vaddr + ph->p_memsz;

    if (ph->p_filesz > ph->p_memsz || end < vaddr || end > USER_SPACE_END ||
        vaddr < PAGE_SIZE || ph->p_offset + ph->p_filesz < ph->p_offset ||
        (ph->p_vaddr % PAGE_SIZE) != (ph->p_offset % PAGE_SIZE))
        return -ENOEXEC;
    if (ph->p_memsz == 0)
        return 0;

    uint64_t start = PAGE_ALIGN_DOWN(vaddr);
    uint64_t region_end = PAGE_ALIGN_UP(end);
    unsigned prot = segment_prot(ph->p_flags);

    /* Segments may share their boundary page: that page then gets the
     * union of both protections. */
    uint64_t first_new = start;
    unsigned shared_prot = 0;
    while (first_new < region_end && vm_region_find(vm, first_new) != NULL) {
        shared_prot |= vm_region_find(vm, first_new)->prot;
        first_new += PAGE_SIZE;
    }
    if (first_new < region_end) {
        int rc = vm_region_add(vm, first_new, region_end, VM_READ | VM_WRITE, VM_FILE_COPY, 0);
        if (rc != 0)
            return rc == -EINVAL ? -ENOEXEC : rc;
    }
    if (first_new > start)
        vm_protect(vm, start, first_new, shared_prot | prot | VM_WRITE);

    /* Copy the file part in chunks; the rest of memsz stays zero. */
    uint8_t *chunk = kmalloc(PAGE_SIZE);
    if (chunk == NULL)
        return -ENOMEM;
    int rc = 0;
    for (uint64_t done = 0; done < ph->p_filesz && rc == 0;) {
        size_t n = ph->p_filesz - done < PAGE_SIZE ? ph->p_filesz - done : PAGE_SIZE;
        rc = read_exact(f, ph->p_offset + done, chunk, n);
        if (rc == 0)
            rc = vm_copy_to(vm, vaddr + done, chunk, n);
        done += n;
    }
    kfree(chunk);
    if (rc != 0)
        return rc == -EFAULT ? -ENOEXEC : rc;

    if (first_new > start)
        vm_protect(vm, start, first_new, shared_prot | prot);
    if (first_new < region_end)
        vm_protect(vm, first_new, region_end, prot);
    return 0;
}

int elf_load(struct file *f, struct vm_space *vm, struct elf_image *out)
{
    struct elf64_ehdr eh;
    struct elf64_phdr ph[PHNUM_MAX];

    int rc = read_exact(f, 0, &eh, sizeof(eh));
    if (rc != 0)
        return rc == -EIO ? -EIO : -ENOEXEC;
    if (!header_valid(&eh))
        return -ENOEXEC;
    rc = read_exact(f, eh.e_phoff, ph, eh.e_phnum * sizeof(struct elf64_phdr));
    if (rc != 0)
        return -ENOEXEC;

    for (unsigned i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type == PT_INTERP) {
            klog(KLOG_WARN, "exec", "dynamically linked executables are not supported; "
                 "build with musl-gcc -static");
            return -ENOENT;
        }
    }

    uint64_t bias = eh.e_type == ET_DYN ? PIE_LOAD_BIAS : 0;
    uint64_t top = 0;
    uint64_t phdr = 0;
    bool loaded = false;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type == PT_PHDR)
            phdr = ph[i].p_vaddr + bias;
        if (ph[i].p_type != PT_LOAD)
            continue;
        rc = load_segment(f, vm, &ph[i], bias);
        if (rc != 0)
            return rc;
        loaded = true;
        if (phdr == 0 && ph[i].p_offset == 0 && eh.e_phoff < ph[i].p_filesz)
            phdr = ph[i].p_vaddr + bias + eh.e_phoff;
        uint64_t end = ph[i].p_vaddr + bias + ph[i].p_memsz;
        if (end > top)
            top = end;
    }
    if (!loaded || eh.e_entry + bias >= USER_SPACE_END)
        return -ENOEXEC;

    out->entry = eh.e_entry + bias;
    out->phdr = phdr;
    out->phnum = eh.e_phnum;
    out->brk_start = PAGE_ALIGN_UP(top);
    return 0;
}
