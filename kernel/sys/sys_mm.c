/* Memory system calls: brk, mmap, munmap, mprotect. */
#include "fs/file.h"
#include "lib/errno.h"
#include "mm/layout.h"
#include "mm/vm.h"
#include "proc/process_internal.h"
#include "sys/syscall.h"

/* Linux mmap flags and protections (asm-generic/mman*.h). */
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define PROT_SEM 0x8                /* accepted and ignored, as on x86 Linux */
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x100
#define MAP_DENYWRITE 0x800
#define MAP_EXECUTABLE 0x1000
#define MAP_LOCKED 0x2000
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_NONBLOCK 0x10000
#define MAP_STACK 0x20000
#define MAP_FIXED_NOREPLACE 0x100000
#define MAP_FLAGS_KNOWN (MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_DENYWRITE | \
                         MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE |          \
                         MAP_NONBLOCK | MAP_STACK | MAP_FIXED_NOREPLACE)

#define MMAP_LOWEST 0x10000ul      /* like Linux's default vm.mmap_min_addr */
#define MMAP_TOP 0x00007f0000000000ul   /* where execve starts the mmap hint */

static unsigned prot_from_user(unsigned long prot)
{
    return ((prot & PROT_READ) ? VM_READ : 0) | ((prot & PROT_WRITE) ? VM_WRITE : 0) |
           ((prot & PROT_EXEC) ? VM_EXEC : 0);
}

/* Find a free, page-aligned range of length bytes, searching down from the
 * mmap hint. Returns 0 if there is none. */
static uint64_t find_free_range(struct vm_space *vm, uint64_t hint, uint64_t length)
{
    uint64_t candidate = hint;

    while (candidate >= MMAP_LOWEST + length) {
        uint64_t start = candidate - length;
        struct vm_region *clash = NULL;
        list_for_each(node, &vm->regions) {
            struct vm_region *r = container_of(node, struct vm_region, link);
            if (r->start < candidate && start < r->end)
                clash = r;      /* the highest region in the way */
        }
        if (clash == NULL)
            return start;
        candidate = clash->start;   /* try just below it */
    }
    return 0;
}

SYSCALL1(brk, uint64_t, requested)
{
    struct process *p = current_process();
    uint64_t old_end = PAGE_ALIGN_UP(p->brk);

    /* Linux answers every failure with the unchanged break. */
    if (requested < p->brk_start || requested >= USER_SPACE_END)
        return (long)p->brk;
    uint64_t new_end = PAGE_ALIGN_UP(requested);

    if (new_end > old_end) {
        /* Grow: the new pages must be free of other mappings. */
        if (find_free_range(p->vm, new_end, new_end - old_end) != old_end)
            return (long)p->brk;
        if (vm_region_add(p->vm, old_end, new_end, VM_READ | VM_WRITE, VM_ANON, 0) != 0)
            return (long)p->brk;
    } else if (new_end < old_end) {
        vm_unmap(p->vm, new_end, old_end);
    }
    p->brk = requested;
    return (long)p->brk;
}

SYSCALL6(mmap, uint64_t, addr, uint64_t, length, unsigned long, prot, unsigned long, flags,
         int, fd, uint64_t, offset)
{
    struct process *p = current_process();
    unsigned long type = flags & MAP_TYPE;

    /* Linux checks the descriptor of a file mapping before the flags. */
    if (!(flags & MAP_ANONYMOUS) && (p->fds == NULL || fd_lookup(p->fds, fd) == NULL))
        return -EBADF;
    if (length == 0 || (flags & ~(unsigned long)MAP_FLAGS_KNOWN) ||
        (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE) ||
        offset % PAGE_SIZE != 0 || (prot & ~(unsigned long)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)))
        return -EINVAL;
    if (length > USER_SPACE_END)
        return -ENOMEM;
    if (!(flags & MAP_ANONYMOUS)) {
        /* NOTE: file mappings are not supported yet. */
        struct file *f = p->fds != NULL ? fd_lookup(p->fds, fd) : NULL;
        if (f == NULL || f->kind == FILE_LWC)
            return -EBADF;      /* lwC descriptors too (rule 9) */
        return -ENODEV;
    }

    uint64_t len = PAGE_ALIGN_UP(length);
    bool fixed = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0;
    uint64_t start;

    if (fixed) {
        if (addr % PAGE_SIZE != 0 || addr < MMAP_LOWEST)
            return -EINVAL;
        if (addr + len > USER_SPACE_END || addr + len < addr)
            return -ENOMEM;
        start = addr;
        if (flags & MAP_FIXED_NOREPLACE) {
            if (find_free_range(p->vm, start + len, len) != start)
                return -EEXIST;
        } else {
            vm_unmap(p->vm, start, start + len);
        }
    } else {
        /* A hint is used when the range there is free. */
        start = 0;
        if (addr != 0 && addr % PAGE_SIZE == 0 && addr >= MMAP_LOWEST &&
            addr + len <= USER_SPACE_END && addr + len > addr &&
            find_free_range(p->vm, addr + len, len) == addr)
            start = addr;
        if (start == 0) {
            start = find_free_range(p->vm, p->mmap_hint, len);
            /* Next time, search from here down: mappings are made top-down. */
            if (start != 0)
                p->mmap_hint = start;
        }
        if (start == 0)
            start = find_free_range(p->vm, MMAP_TOP, len);  /* holes freed above */
        if (start == 0)
            return -ENOMEM;
    }

    unsigned vm_flags = type == MAP_PRIVATE ? 0 : VM_SHARED;
    int rc = vm_region_add(p->vm, start, start + len, prot_from_user(prot), VM_ANON, vm_flags);
    if (rc != 0)
        return rc == -EINVAL ? -ENOMEM : rc;
    return (long)start;
}

SYSCALL2(munmap, uint64_t, addr, uint64_t, length)
{
    if (addr % PAGE_SIZE != 0 || length == 0 || addr >= USER_SPACE_END ||
        length > USER_SPACE_END - addr)
        return -EINVAL;
    return vm_unmap(current_process()->vm, addr, addr + length);
}

SYSCALL3(mprotect, uint64_t, addr, uint64_t, length, unsigned long, prot)
{
    if (addr % PAGE_SIZE != 0 || (prot & ~(unsigned long)(PROT_READ | PROT_WRITE | PROT_EXEC)))
        return -EINVAL;
    if (length == 0)
        return 0;
    if (addr >= USER_SPACE_END || length > USER_SPACE_END - addr)
        return -ENOMEM;
    return vm_protect(current_process()->vm, addr, addr + PAGE_ALIGN_UP(length), prot_from_user(prot));
}

#define MADV_DONTNEED 4

/* Advice is accepted and ignored, except MADV_DONTNEED, which Linux
 * defines for private anonymous memory as "read back zeros": drop the
 * pages (the region stays). */
SYSCALL3(madvise, uint64_t, addr, uint64_t, length, int, advice)
{
    if (addr % PAGE_SIZE != 0 || advice < 0)
        return -EINVAL;
    if (length == 0)
        return 0;
    if (addr >= USER_SPACE_END || length > USER_SPACE_END - addr)
        return -ENOMEM;
    if (advice != MADV_DONTNEED)
        return 0;
    struct vm_space *vm = current_process()->vm;
    uint64_t end = PAGE_ALIGN_UP(addr + length);
    for (uint64_t va = addr; va < end;) {
        struct vm_region *r = vm_region_find(vm, va);
        if (r == NULL)
            return -ENOMEM;
        va = r->end;
    }
    return vm_discard_pages(vm, addr, end);
}
