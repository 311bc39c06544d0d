/*
 * execve: the new program gets exactly the argv and envp it was given, keeps its pid
 * and open descriptors, loses close-on-exec ones, and finds a consistent auxiliary vector.
 *
 * The program execs itself: with LWCOS_EXEC_REPORT_FD in its environment it writes a
 * report to that descriptor instead of running the cases. The report is a sequence
 * of NUL-terminated strings: argc, each argument, the environment count, each
 * variable, its pid, and the result of fcntl(F_GETFD) on LWCOS_EXEC_PROBE_FD.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "ktap.h"

#define REPORT_FD 9
#define PROBE_FD 10
#define MANY_ARGS 300
#define LONG_ARG_BYTES 10000

extern char **environ;

static const char *self_path;
static char report[256 * 1024];

static void write_string(const char *text)
{
    size_t length = strlen(text) + 1;

    if (write(REPORT_FD, text, length) != (ssize_t)length)
        _exit(100);
}

static void write_number(long value)
{
    char text[32];

    snprintf(text, sizeof text, "%ld", value);
    write_string(text);
}

/* The exec'd side: describe what this process received. */
static int report_self(int argc, char **argv)
{
    int envc = 0;

    write_number(argc);
    for (int i = 0; i < argc; i++)
        write_string(argv[i]);
    write_string(argv[argc] == NULL ? "argv-terminated" : "argv-not-terminated");
    while (environ[envc] != NULL)
        envc++;
    write_number(envc);
    for (int i = 0; i < envc; i++)
        write_string(environ[i]);
    write_number(getpid());
    write_number(fcntl(PROBE_FD, F_GETFD) == -1 ? -errno : 0);
    return 0;
}

/*
 * Fork, exec this program with ARGV and ENVP (which must name LWCOS_EXEC_REPORT_FD),
 * and read its report into `report`. Returns the number of report strings, or -1.
 * *PID receives the child's pid.
 */
static int run_report(char *const argv[], char *const envp[], const char *strings[], int max, pid_t *pid)
{
    int fds[2], count = 0;
    size_t size = 0;
    ssize_t n;

    if (pipe(fds) != 0) {
        KTAP_FAIL("pipe failed");
        return -1;
    }
    *pid = ktap_fork();
    if (*pid < 0) {
        KTAP_FAIL("fork failed");
        return -1;
    }
    if (*pid == 0) {
        int probe = open("/", O_RDONLY | O_CLOEXEC);

        dup2(fds[1], REPORT_FD);
        if (probe >= 0)
            dup2(probe, PROBE_FD);
        fcntl(PROBE_FD, F_SETFD, FD_CLOEXEC);
        execve(self_path, argv, envp);
        _exit(101);
    }
    close(fds[1]);
    while (size < sizeof report && (n = read(fds[0], report + size, sizeof report - size)) > 0)
        size += n;
    close(fds[0]);
    EXPECT_EXITED(ktap_wait(*pid), 0);

    for (size_t at = 0; at < size && count < max; at += strlen(report + at) + 1)
        strings[count++] = report + at;
    return count;
}

static void argv_and_envp_arrive_exactly(void)
{
    char *argv[] = { "renamed", "two words", "", "last", NULL };
    char *envp[] = { "LWCOS_EXEC_REPORT_FD=9", "EMPTY=", "A=1", "NO_EQUALS_SIGN", NULL };
    const char *strings[32];
    pid_t pid;
    int count = run_report(argv, envp, strings, 32, &pid);

    ASSERT_EQ(count, 1 + 4 + 1 + 1 + 4 + 2);
    EXPECT_STREQ(strings[0], "4");
    for (int i = 0; i < 4; i++)
        EXPECT_STREQ(strings[1 + i], argv[i]);
    EXPECT_STREQ(strings[5], "argv-terminated");
    EXPECT_STREQ(strings[6], "4");
    for (int i = 0; i < 4; i++)
        EXPECT_STREQ(strings[7 + i], envp[i]);
}

static void exec_keeps_pid(void)
{
    char *argv[] = { "pid", NULL };
    char *envp[] = { "LWCOS_EXEC_REPORT_FD=9", NULL };
    const char *strings[16];
    char expected[32];
    pid_t pid;
    int count = run_report(argv, envp, strings, 16, &pid);

    ASSERT_EQ(count, 7);
    snprintf(expected, sizeof expected, "%d", (int)pid);
    EXPECT_STREQ(strings[5], expected);
}

static void exec_closes_cloexec_fds(void)
{
    char *argv[] = { "cloexec", NULL };
    char *envp[] = { "LWCOS_EXEC_REPORT_FD=9", NULL };
    const char *strings[16];
    char expected[16];
    pid_t pid;
    int count = run_report(argv, envp, strings, 16, &pid);

    /* The report itself arrived on REPORT_FD, so plain descriptors survived. */
    ASSERT_EQ(count, 7);
    snprintf(expected, sizeof expected, "%d", -EBADF);
    EXPECT_STREQ(strings[6], expected);
}

static void many_and_long_arguments(void)
{
    static char long_arg[LONG_ARG_BYTES + 1];
    static char numbers[MANY_ARGS][8];
    char *argv[MANY_ARGS + 3];
    char *envp[] = { "LWCOS_EXEC_REPORT_FD=9", long_arg, NULL };
    static const char *strings[MANY_ARGS + 16];
    pid_t pid;
    int count;

    memset(long_arg, 'L', LONG_ARG_BYTES);
    memcpy(long_arg, "LONG=", 5);
    argv[0] = "many";
    for (int i = 0; i < MANY_ARGS; i++) {
        snprintf(numbers[i], sizeof numbers[i], "%d", i);
        argv[1 + i] = numbers[i];
    }
    argv[MANY_ARGS + 1] = long_arg;
    argv[MANY_ARGS + 2] = NULL;

    count = run_report(argv, envp, strings, MANY_ARGS + 16, &pid);
    ASSERT_EQ(count, 1 + (MANY_ARGS + 2) + 1 + 1 + 2 + 2);
    for (int i = 0; i < MANY_ARGS + 2; i++) {
        if (strcmp(strings[1 + i], argv[i]) != 0) {
            KTAP_FAIL("argument %d differs: \"%.40s\"", i, strings[1 + i]);
            break;
        }
    }
    EXPECT_STREQ(strings[MANY_ARGS + 6], long_arg);
}

static void auxv_page_size_is_4096(void)
{
    EXPECT_EQ(getauxval(AT_PAGESZ), 4096);
}

static void auxv_random_is_readable(void)
{
    const unsigned char *random_bytes = (const unsigned char *)getauxval(AT_RANDOM);
    unsigned sum = 0;

    ASSERT_NE((uintptr_t)random_bytes, 0);
    /* AT_RANDOM points to 16 bytes; reading them must not fault. */
    for (int i = 0; i < 16; i++)
        sum |= random_bytes[i];
    (void)sum;
}

/* Read the ELF header and program headers of this program's file into the given buffers. */
static bool read_own_headers(Elf64_Ehdr *header, Elf64_Phdr *phdrs, int max)
{
    int fd = open(self_path, O_RDONLY);
    bool ok;

    if (fd < 0) {
        KTAP_FAIL("cannot open %s", self_path);
        return false;
    }
    ok = pread(fd, header, sizeof *header, 0) == (ssize_t)sizeof *header && header->e_phnum <= max &&
         pread(fd, phdrs, header->e_phnum * sizeof *phdrs, header->e_phoff) ==
             (ssize_t)(header->e_phnum * sizeof *phdrs);
    close(fd);
    if (!ok)
        KTAP_FAIL("cannot read the ELF headers of %s", self_path);
    return ok;
}

static void auxv_phdr_matches_file(void)
{
    Elf64_Ehdr header;
    Elf64_Phdr file_phdrs[32];
    const Elf64_Phdr *phdrs = (const Elf64_Phdr *)getauxval(AT_PHDR);
    bool covered = false;

    ASSERT_TRUE(read_own_headers(&header, file_phdrs, 32));
    ASSERT_NE((uintptr_t)phdrs, 0);
    EXPECT_EQ(getauxval(AT_PHNUM), header.e_phnum);
    EXPECT_EQ(getauxval(AT_ENTRY), header.e_entry);
    EXPECT_EQ(memcmp(phdrs, file_phdrs, header.e_phnum * sizeof *phdrs), 0);

    /* AT_PHDR lies inside the PT_LOAD segment that maps file offset e_phoff. */
    for (int i = 0; i < header.e_phnum; i++) {
        const Elf64_Phdr *p = &file_phdrs[i];

        if (p->p_type == PT_LOAD && p->p_offset <= header.e_phoff &&
            header.e_phoff < p->p_offset + p->p_filesz) {
            covered = true;
            EXPECT_EQ((uintptr_t)phdrs, p->p_vaddr + (header.e_phoff - p->p_offset));
        }
    }
    EXPECT_TRUE(covered);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(argv_and_envp_arrive_exactly),
    KTAP_CASE(exec_keeps_pid),
    KTAP_CASE(exec_closes_cloexec_fds),
    KTAP_CASE(many_and_long_arguments),
    KTAP_CASE(auxv_page_size_is_4096),
    KTAP_CASE(auxv_random_is_readable),
    KTAP_CASE(auxv_phdr_matches_file),
};

int main(int argc, char **argv)
{
    if (getenv("LWCOS_EXEC_REPORT_FD") != NULL)
        return report_self(argc, argv);
    /* NOTE: the program execs itself through argv[0], so run it by a path, not through PATH. */
    self_path = argv[0];
    return KTAP_MAIN(argc, argv, cases);
}
