#include "proc/exec.h"

#include "arch/x86_64/asm_consts.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/klog.h"
#include "lib/random.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/layout.h"
#include "mm/pcid.h"
#include "mm/uaccess.h"
#include "lwc/lwc.h"
#include "mm/vm.h"
#include "proc/elf.h"
#include "proc/process_internal.h"
#include "proc/sched.h"
#include "sys/syscall.h"

/* NOTE: limits of this kernel. Linux allows a quarter of the stack limit
 * (2 MiB by default) for arguments and environment together. */
#define EXEC_STRINGS_MAX (128ul << 10)
#define EXEC_POINTERS_MAX 4096
#define PATH_MAX 4096

#define USER_STACK_TOP USER_SPACE_END
#define USER_STACK_INITIAL (128ul << 10)
#define MMAP_BASE 0x00007f0000000000ul
#define RFLAGS_USER_INITIAL 0x202ul     /* IF, and the reserved bit 1 */

/* Auxiliary vector types (System V x86-64 psABI; Linux's elf.h). */
enum {
    AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7,
    AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14,
    AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_EXECFN = 31,
};
#define ELF64_PHDR_SIZE 56
#define AUXV_PAIRS_MAX 20

static int args_init(struct exec_args *args)
{
    args->buffer = kmalloc(EXEC_STRINGS_MAX);
    args->argv = kmalloc(EXEC_POINTERS_MAX * sizeof(char *));
    args->envp = kmalloc(EXEC_POINTERS_MAX * sizeof(char *));
    args->used = 0;
    args->argc = 0;
    args->envc = 0;
    if (args->buffer == NULL || args->argv == NULL || args->envp == NULL) {
        exec_args_free(args);
        return -ENOMEM;
    }
    return 0;
}

void exec_args_free(struct exec_args *args)
{
    kfree(args->buffer);
    kfree(args->argv);
    kfree(args->envp);
    args->buffer = NULL;
    args->argv = NULL;
    args->envp = NULL;
}

static int args_add(struct exec_args *args, char **list, size_t *count, const char *s)
{
    size_t len = strlen(s) + 1;
    if (*count + 1 >= EXEC_POINTERS_MAX || len > EXEC_STRINGS_MAX - args->used)
        return -E2BIG;
    list[(*count)++] = memcpy(args->buffer + args->used, s, len);
    list[*count] = NULL;
    args->used += len;
    return 0;
}

int exec_args_from_kernel(struct exec_args *args, const char *const *argv,
                          const char *const *envp)
{
    int rc = args_init(args);
    for (size_t i = 0; rc == 0 && argv[i] != NULL; i++)
        rc = args_add(args, args->argv, &args->argc, argv[i]);
    for (size_t i = 0; rc == 0 && envp[i] != NULL; i++)
        rc = args_add(args, args->envp, &args->envc, envp[i]);
    if (rc != 0)
        exec_args_free(args);
    return rc;
}

/* Copy a NULL-terminated array of user strings into args. */
static int copy_user_strings(struct exec_args *args, char **list, size_t *count,
                             uint64_t user_array)
{
    list[0] = NULL;
    if (user_array == 0)
        return 0;   /* Linux accepts NULL argv or envp as empty */
    for (size_t i = 0;; i++) {
        uint64_t user_string;
        if (i + 1 >= EXEC_POINTERS_MAX)
            return -E2BIG;
        if (copy_from_user(&user_string, user_array + i * sizeof(uint64_t), sizeof(user_string)) != 0)
            return -EFAULT;
        if (user_string == 0)
            return 0;
        size_t room = EXEC_STRINGS_MAX - args->used;
        long len = strncpy_from_user(args->buffer + args->used, user_string, room);
        if (len == -ENAMETOOLONG)
            return -E2BIG;
        if (len < 0)
            return (int)len;
        list[(*count)++] = args->buffer + args->used;
        list[*count] = NULL;
        args->used += (size_t)len + 1;
    }
}

/* Lay out the System V start stack in a buffer that maps to [top - size, top):
 * argc, argv pointers, NULL, envp pointers, NULL, auxv pairs, then the
 * strings and the AT_RANDOM bytes. Returns the user rsp, or 0 if too big. */
static uint64_t build_stack(uint8_t *image, size_t size, uint64_t top, const struct exec_args *args,
                            const char *execfn, const struct elf_image *elf,
                            const struct cred *cred)
{
    size_t off = size;      /* grows down from the end of the image */
    /* The user addresses of the strings go to the bottom of the image at
     * first (the stack is far larger than the pointers need) and move to
     * their final place at the end. */
    uint64_t *user_argv = (uint64_t *)image;
    uint64_t *user_envp = user_argv + args->argc;
    size_t reserved = (args->argc + args->envc) * sizeof(uint64_t);
    if (reserved > size / 2)
        return 0;

#define PUSH_BYTES(src, n)                               \
    do {                                                 \
        if ((n) + reserved > off)                        \
            return 0;                                    \
        off -= (n);                                      \
        memcpy(image + off, (src), (n));                 \
    } while (0)
#define USER_ADDR(offset) (top - size + (offset))

    PUSH_BYTES(execfn, strlen(execfn) + 1);
    uint64_t user_execfn = USER_ADDR(off);
    for (size_t i = args->envc; i-- > 0;) {
        PUSH_BYTES(args->envp[i], strlen(args->envp[i]) + 1);
        user_envp[i] = USER_ADDR(off);
    }
    for (size_t i = args->argc; i-- > 0;) {
        PUSH_BYTES(args->argv[i], strlen(args->argv[i]) + 1);
        user_argv[i] = USER_ADDR(off);
    }
    uint8_t random[16];
    random_bytes(random, sizeof(random));
    PUSH_BYTES(random, sizeof(random));
    uint64_t user_random = USER_ADDR(off);

    uint64_t auxv[AUXV_PAIRS_MAX * 2];
    size_t n = 0;
#define AUX(type, value) (auxv[n++] = (type), auxv[n++] = (value))
    AUX(AT_PHDR, elf->phdr);
    AUX(AT_PHENT, ELF64_PHDR_SIZE);
    AUX(AT_PHNUM, elf->phnum);
    AUX(AT_PAGESZ, PAGE_SIZE);
    AUX(AT_BASE, 0);
    AUX(AT_FLAGS, 0);
    AUX(AT_ENTRY, elf->entry);
    AUX(AT_UID, cred->uid);
    AUX(AT_EUID, cred->euid);
    AUX(AT_GID, cred->gid);
    AUX(AT_EGID, cred->egid);
    AUX(AT_HWCAP, cpuid(1, 0).edx);
    AUX(AT_CLKTCK, 100);
    AUX(AT_SECURE, 0);
    AUX(AT_RANDOM, user_random);
    AUX(AT_EXECFN, user_execfn);
    AUX(AT_NULL, 0);
#undef AUX

    /* rsp must be 16-byte aligned and point at argc. */
    size_t words = 1 + args->argc + 1 + args->envc + 1 + n;
    off &= ~(size_t)15;
    if (words % 2 != 0)
        off -= 8;
    if (words * 8 > off)
        return 0;
    off -= words * 8;
    if (off < reserved)
        return 0;   /* the table would overwrite the saved addresses */
    uint64_t *w = (uint64_t *)(image + off);
    *w++ = args->argc;
    memmove(w, user_argv, args->argc * sizeof(uint64_t));
    w += args->argc;
    *w++ = 0;
    memmove(w, user_envp, args->envc * sizeof(uint64_t));
    w += args->envc;
    *w++ = 0;
    memcpy(w, auxv, n * sizeof(uint64_t));
    return USER_ADDR(off);
#undef PUSH_BYTES
#undef USER_ADDR
}

static const char *base_name(const char *path)
{
    const char *slash = NULL;
    for (const char *p = path; *p; p++) {
        if (*p == '/')
            slash = p;
    }
    return slash != NULL ? slash + 1 : path;
}

int exec_program(struct process *p, const char *path, const struct exec_args *args,
                 struct trap_frame *frame)
{
    struct file *f;
    struct elf_image elf;

    /* 1. Everything that can fail, on a new address space. */
    int rc = vfs_open_exec(path, p->cwd, &p->cred, &f);
    if (rc != 0)
        return rc;
    struct vm_space *vm = vm_space_create();
    if (vm == NULL) {
        file_put(f);
        return -ENOMEM;
    }
    rc = elf_load(f, vm, &elf);
    file_put(f);

    size_t stack_size = USER_STACK_INITIAL;
    uint8_t *image = NULL;
    uint64_t rsp = 0;
    if (rc == 0) {
        rc = vm_region_add(vm, USER_STACK_TOP - stack_size, USER_STACK_TOP, VM_READ | VM_WRITE,
                           VM_STACK, 0);
    }
    if (rc == 0) {
        image = kmalloc(stack_size);
        rc = image == NULL ? -ENOMEM : 0;
    }
    if (rc == 0) {
        rsp = build_stack(image, stack_size, USER_STACK_TOP, args, path, &elf, &p->cred);
        rc = rsp == 0 ? -E2BIG : 0;
    }
    if (rc == 0) {
        uint64_t used = USER_STACK_TOP - rsp;
        rc = vm_copy_to(vm, rsp, image + stack_size - used, used);
    }
    kfree(image);
    if (rc != 0) {
        vm_space_destroy(vm);
        return rc;
    }

    /* 2. The point of no return: the old program is gone. */
    struct vm_space *old = p->vm;
    p->vm = vm;
    if (p == current_process())
        tlb_switch_to(vm);
    /* Every lwC goes; a fresh root holds the new program (rule 17). */
    if (p->root_lwc != NULL && lwc_exec_reset(p, old) != 0)
        klog(KLOG_ERROR, "exec", "pid %d: no memory for the new root lwC", p->pid);
    if (old != NULL)
        vm_space_destroy(old);
    if (p->fds != NULL)
        fd_close_on_exec(p->fds);
    strlcpy(p->name, base_name(path), sizeof(p->name));
    p->brk_start = elf.brk_start;
    p->brk = elf.brk_start;
    p->mmap_hint = MMAP_BASE;

    memset(frame, 0, sizeof(*frame));
    frame->rip = elf.entry;
    frame->rsp = rsp;
    frame->rflags = RFLAGS_USER_INITIAL;
    frame->cs = GDT_USER_CODE64 | 3;
    frame->ss = GDT_USER_DATA | 3;
    return 0;
}

SYSCALL3(execve, uint64_t, user_path, uint64_t, user_argv, uint64_t, user_envp)
{
    struct process *p = current_process();
    struct thread *self = current_thread();
    struct exec_args args;
    char *path = kmalloc(PATH_MAX);

    if (path == NULL)
        return -ENOMEM;
    long len = strncpy_from_user(path, user_path, PATH_MAX);
    if (len < 0) {
        kfree(path);
        return len;
    }
    int rc = args_init(&args);
    if (rc == 0)
        rc = copy_user_strings(&args, args.argv, &args.argc, user_argv);
    if (rc == 0)
        rc = copy_user_strings(&args, args.envp, &args.envc, user_envp);
    if (rc == 0)
        rc = exec_program(p, path, &args, self->user_frame);
    if (args.buffer != NULL)
        exec_args_free(&args);
    kfree(path);
    if (rc != 0)
        return rc;

    self->fs_base = 0;
    wrmsr(MSR_FS_BASE, 0);
    fpu_reset_current();
    sched_frame_changed();
    return 0;
}
