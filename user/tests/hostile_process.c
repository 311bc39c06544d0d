/*
 * Hostile use of process calls, checked against what Linux does: signal
 * handlers at addresses no code can be at, SIGKILL sent to init, a lowered
 * RLIMIT_NOFILE, and an executable whose segment covers the top of user space.
 *
 * Cases marked with known_kernel_bug() are skipped with "TODO" on this kernel
 * unless LWCOS_HOSTILE_KNOWN_BUGS=1, because they fail or stop the machine
 * today. On Linux they always run.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ktap.h"

#define KERNEL_SIGSET_BYTES 8
#define SA_RESTORER 0x04000000

/* Skip a case that fails, crashes or hangs this kernel, unless asked to run it. */
static bool known_kernel_bug(const char *reason)
{
    const char *run = getenv("LWCOS_HOSTILE_KNOWN_BUGS");

    if (ktap_on_linux() || (run != NULL && strcmp(run, "1") == 0))
        return false;
    ktap_skip("TODO %s (LWCOS_HOSTILE_KNOWN_BUGS=1 runs it)", reason);
    return true;
}

/* struct sigaction as rt_sigaction(2) takes it on x86-64 (Linux's struct k_sigaction). */
struct kernel_sigaction {
    uintptr_t handler;
    unsigned long flags;
    uintptr_t restorer;
    uint64_t mask;
};

void hostile_restore_rt(void);
__asm__(".text\n"
        ".global hostile_restore_rt\n"
        "hostile_restore_rt:\n"
        "    mov $15, %eax\n"       /* rt_sigreturn */
        "    syscall\n");

/* Install HANDLER for SIGUSR1 in a forked child, raise it, and return the wait status. */
static int raise_with_handler_at(uintptr_t handler)
{
    pid_t pid = ktap_fork();

    if (pid < 0)
        return -1;
    if (pid == 0) {
        struct kernel_sigaction action = {
            .handler = handler, .flags = SA_RESTORER, .restorer = (uintptr_t)hostile_restore_rt,
        };
        if (syscall(SYS_rt_sigaction, SIGUSR1, &action, NULL, KERNEL_SIGSET_BYTES) != 0)
            _exit(2);
        raise(SIGUSR1);
        _exit(3);
    }
    return ktap_wait(pid);
}

/* rt_sigaction accepts any handler address, so delivery must kill only the caller. */
static void handler_noncanonical_is_sigsegv(void)
{
    EXPECT_SIGNALED(raise_with_handler_at(0x0000800000000000UL), SIGSEGV);
}

static void handler_kernel_address_is_sigsegv(void)
{
    EXPECT_SIGNALED(raise_with_handler_at(0xffffffff80000000UL), SIGSEGV);
}

/* Linux drops every signal to init that init has no handler for, SIGKILL included. */
static void sigkill_to_init_is_dropped(void)
{
    if (getuid() != 0) {
        ktap_skip("only root may signal init");
        return;
    }
    EXPECT_OK(kill(1, SIGKILL));
    /* Give init time to die if the signal was delivered. */
    usleep(100 * 1000);
    EXPECT_OK(kill(1, 0));
}

static int rlimit_nofile_child(void)
{
    struct rlimit limit = { .rlim_cur = 5, .rlim_max = 5 };

    for (int fd = 3; fd < 64; fd++)
        close(fd);
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
        return 2;
    if (dup(0) != 3 || dup(0) != 4)
        return 3;
    if (dup(0) != -1 || errno != EMFILE)
        return 4;
    if (fcntl(0, F_DUPFD, 10) != -1 || errno != EINVAL)
        return 5;
    if (dup2(0, 100) != -1 || errno != EBADF)
        return 6;
    if (open("/", O_RDONLY) != -1 || errno != EMFILE)
        return 7;
    return 0;
}

/* Descriptors at or above the soft RLIMIT_NOFILE cannot be created. */
static void rlimit_nofile_caps_descriptors(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0)
        _exit(rlimit_nofile_child());
    EXPECT_EXITED(ktap_wait(pid), 0);
}

/*
 * A static ELF whose second PT_LOAD is the page just below 0x7ffffffff000, the
 * top of user space on x86-64 with 4-level paging. Its code at 0x401000 exits
 * with status 42.
 */
static const uint8_t exit_42_code[] = {
    0xbf, 0x2a, 0x00, 0x00, 0x00,   /* mov edi, 42 */
    0xb8, 0x3c, 0x00, 0x00, 0x00,   /* mov eax, 60 (exit) */
    0x0f, 0x05,                     /* syscall */
};

struct elf_header {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version;
    uint64_t entry, phoff, shoff;
    uint32_t flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf_program_header {
    uint32_t type, flags;
    uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static int write_top_segment_elf(const char *path)
{
    static uint8_t image[0x1000 + sizeof exit_42_code];
    struct elf_header header = {
        .ident = { 0x7f, 'E', 'L', 'F', 2, 1, 1 },
        .type = 2, .machine = 62, .version = 1, .entry = 0x401000,
        .phoff = sizeof(struct elf_header), .ehsize = sizeof(struct elf_header),
        .phentsize = sizeof(struct elf_program_header), .phnum = 2,
        .shentsize = 64,
    };
    struct elf_program_header segments[2] = {
        { .type = 1, .flags = 5, .offset = 0x1000, .vaddr = 0x401000, .paddr = 0x401000,
          .filesz = sizeof exit_42_code, .memsz = sizeof exit_42_code, .align = 0x1000 },
        { .type = 1, .flags = 4, .offset = 0x1000, .vaddr = 0x7fffffffe000,
          .paddr = 0x7fffffffe000, .filesz = sizeof exit_42_code, .memsz = 0x1000,
          .align = 0x1000 },
    };

    memcpy(image, &header, sizeof header);
    memcpy(image + sizeof header, segments, sizeof segments);
    memcpy(image + 0x1000, exit_42_code, sizeof exit_42_code);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
    if (fd < 0)
        return -1;
    ssize_t written = write(fd, image, sizeof image);
    close(fd);
    return written == (ssize_t)sizeof image ? 0 : -1;
}

/* Linux 6.18 (checked on the development host) runs it: its stack goes below the segment. */
static void exec_segment_at_stack_top(void)
{
    char path[256];

    if (known_kernel_bug("execve fails with EINVAL because the stack region overlaps"))
        return;
    ASSERT_OK(write_top_segment_elf(ktap_tmp_path(path, sizeof path, "top-segment")));
    pid_t pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        char *argv[] = { path, NULL };
        execve(path, argv, NULL);
        _exit(100 + errno);
    }
    EXPECT_EXITED(ktap_wait(pid), 42);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(handler_noncanonical_is_sigsegv),
    KTAP_CASE(handler_kernel_address_is_sigsegv),
    KTAP_CASE(sigkill_to_init_is_dropped),
    KTAP_CASE(rlimit_nofile_caps_descriptors),
    KTAP_CASE(exec_segment_at_stack_top),
};

int main(int argc, char **argv)
{
    return KTAP_MAIN(argc, argv, cases);
}
