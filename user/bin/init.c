/*
 * /init: the first user process (pid 1) of lwcos.
 *
 * The kernel starts it with stdin, stdout and stderr on /dev/console and picks what
 * it does with the environment:
 *
 *   LWCOS_MODE=test    run every program in /tests, print their KTAP output as one
 *                      subtest "user", power off (passed) or halt (failed)
 *   LWCOS_MODE=shell   run /bin/sh on the console until it exits, then power off
 *   LWCOS_MODE=bench   run every program in /bench with stdout passed through
 *   LWCOS_MODE=exec    run the command in /etc/lwcos-exec and print its exit status
 *
 * Vocabulary: a "free frame" is a free 4 KiB physical page; /proc/meminfo reports
 * them as MemFree in kB, so one frame is 4 kB there.
 *
 * The same binary runs on Linux for testing. With --no-reboot, or when it is not
 * pid 1, it exits (0 passed, 1 failed) instead of powering off, skips the leak check
 * unless LWCOS_MEMINFO names a file to read instead of /proc/meminfo, and makes
 * itself a child subreaper so that orphans of the tests come back to it as they
 * would to pid 1. Other variables, for host runs: LWCOS_TESTS_DIR, LWCOS_BENCH_DIR,
 * LWCOS_EXEC_FILE, LWCOS_SHELL.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <termios.h>
#include <unistd.h>

#include "names.h"

#define MAX_PROGRAMS 256
#define MAX_EXEC_ARGS 64
#define LINE_MAX_BYTES 1024
#define FRAME_KB 4
/* How long the leak check waits for frames that the kernel frees after wait4 returns. */
#define LEAK_RETRIES 50
#define LEAK_RETRY_NS 10000000L

/* KTAP indentation: the "user" subtest is at level 1, each program at level 2. */
#define USER_INDENT "    "
#define PROGRAM_INDENT "        "

extern char **environ;

static bool host_mode;
static const char *meminfo_path = "/proc/meminfo";
static bool leak_check = true;

/* Static buffers, touched once before the first measurement (see prepare_leak_check). */
static char meminfo_buf[4096];
static char line_buf[LINE_MAX_BYTES];
static char read_buf[4096];
static char list_buf[65536];

static const char *env_or(const char *name, const char *fallback)
{
    const char *value = getenv(name);

    return value != NULL && value[0] != '\0' ? value : fallback;
}

/* End the machine: power off when PASSED, else halt. Never returns. */
_Noreturn static void power_off(bool passed)
{
    fflush(stdout);
    fflush(stderr);
    if (host_mode)
        exit(passed ? 0 : 1);

    sync();
    reboot(passed ? RB_POWER_OFF : RB_HALT_SYSTEM);

    /* pid 1 must not exit: report and keep reaping orphans. */
    fprintf(stderr, "init: reboot failed: %s; waiting forever\n", strerror(errno));
    for (;;) {
        if (wait(NULL) < 0)
            pause();
    }
}

/* Reap every child that has already exited (orphans re-parented to init among them). */
static void reap_exited_children(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0)
        continue;
}

/* Wait for PID, reaping any other child that exits meanwhile; returns its wait status. */
static int wait_for(pid_t pid)
{
    for (;;) {
        int status;
        pid_t got = waitpid(-1, &status, 0);

        if (got == pid)
            return status;
        if (got < 0 && errno != EINTR) {
            fprintf(stderr, "init: waitpid for pid %d failed: %s\n", (int)pid, strerror(errno));
            return -1;
        }
    }
}

/* Return MemFree in kB from /proc/meminfo, or -1 if it cannot be read. */
static long read_mem_free_kb(void)
{
    int fd = open(meminfo_path, O_RDONLY | O_CLOEXEC);
    ssize_t size = 0, n;
    char *field;

    if (fd < 0)
        return -1;
    while (size < (ssize_t)sizeof meminfo_buf - 1 &&
           (n = read(fd, meminfo_buf + size, sizeof meminfo_buf - 1 - size)) > 0)
        size += n;
    close(fd);
    meminfo_buf[size] = '\0';

    field = strstr(meminfo_buf, "MemFree:");
    if (field == NULL)
        return -1;
    return strtol(field + strlen("MemFree:"), NULL, 10);
}

/* Fault in the stack depth and buffers init uses while a test runs, so they do not look like a leak. */
__attribute__((noinline)) static void prepare_leak_check(void)
{
    volatile char stack[64 * 1024];

    memset((char *)stack, 0, sizeof stack);
    memset(meminfo_buf, 0, sizeof meminfo_buf);
    memset(line_buf, 0, sizeof line_buf);
    memset(read_buf, 0, sizeof read_buf);
    memset(list_buf, 0, sizeof list_buf);
    read_mem_free_kb();
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Fill NAMES with the executable regular files of DIR (no dot files), sorted.
 * Returns their number, or -1 if DIR cannot be opened.
 */
static int list_programs(const char *dir, char **names, int max)
{
    DIR *d = opendir(dir);
    struct dirent *entry;
    int count = 0;

    if (d == NULL)
        return -1;
    while ((entry = readdir(d)) != NULL && count < max) {
        char path[512];
        struct stat st;

        if (entry->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
            continue;
        names[count] = strdup(entry->d_name);
        if (names[count] != NULL)
            count++;
    }
    closedir(d);
    qsort(names, count, sizeof names[0], compare_names);
    return count;
}

/*
 * Start PATH with ARGV and environ, its stdout (and stderr, if MERGE_STDERR) on a new
 * pipe whose read end is returned in *OUT. Returns the child's pid, or -1.
 */
static pid_t spawn_piped(const char *path, char *const argv[], bool merge_stderr, int *out)
{
    int fds[2];
    pid_t pid;

    if (pipe2(fds, O_CLOEXEC) != 0) {
        fprintf(stderr, "init: pipe2 failed: %s\n", strerror(errno));
        return -1;
    }
    fflush(stdout);
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "init: fork failed: %s\n", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        if (merge_stderr)
            dup2(fds[1], STDERR_FILENO);
        execve(path, argv, environ);
        fprintf(stderr, "init: cannot execute %s: %s\n", path, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    *out = fds[0];
    return pid;
}

/* Return whether FILTER names PROGRAM or any of its "program.case" names, listing the cases
 * with --list. */
static bool program_matches(const char *dir, const char *program, const char *filter)
{
    char path[512], full_name[512];
    char *argv[] = { path, "--list", NULL };
    size_t size = 0;
    ssize_t n;
    int fd;
    pid_t pid;
    bool matched = false;

    if (fnmatch(filter, program, 0) == 0)
        return true;
    snprintf(path, sizeof path, "%s/%s", dir, program);
    pid = spawn_piped(path, argv, false, &fd);
    if (pid < 0)
        return false;
    while (size < sizeof list_buf - 1 && (n = read(fd, list_buf + size, sizeof list_buf - 1 - size)) > 0)
        size += n;
    close(fd);
    wait_for(pid);
    list_buf[size] = '\0';

    for (char *name = strtok(list_buf, "\n"); name != NULL; name = strtok(NULL, "\n")) {
        snprintf(full_name, sizeof full_name, "%s.%s", program, name);
        if (fnmatch(filter, full_name, 0) == 0)
            matched = true;
    }
    return matched;
}

/* Counts from a program's top-level KTAP lines. */
struct ktap_summary {
    bool saw_version;
    bool saw_plan;
    long planned;
    long results;
    long failures;
};

/* Whether a result line carries a SKIP or TODO directive (which do not fail a "not ok"). */
static bool has_directive(const char *line)
{
    const char *hash = strchr(line, '#');

    return hash != NULL && (strstr(hash, "# SKIP") != NULL || strstr(hash, "# TODO") != NULL);
}

/* Print one line of a program's output, indented, and note its top-level KTAP lines. */
static void relay_line(const char *line, struct ktap_summary *summary)
{
    bool top_level = line[0] != ' ' && line[0] != '\t';

    if (top_level && !summary->saw_version && strcmp(line, "KTAP version 1") == 0) {
        /* init printed this program's own version and "# Subtest:" lines already. */
        summary->saw_version = true;
        return;
    }
    if (top_level && strncmp(line, "1..", 3) == 0 && !summary->saw_plan) {
        summary->saw_plan = true;
        summary->planned = strtol(line + 3, NULL, 10);
    } else if (top_level && strncmp(line, "ok ", 3) == 0) {
        summary->results++;
    } else if (top_level && strncmp(line, "not ok ", 7) == 0) {
        summary->results++;
        if (!has_directive(line))
            summary->failures++;
    }
    if (line[0] == '\0')
        printf("\n");
    else
        printf(PROGRAM_INDENT "%s\n", line);
}

/* Copy FD to stdout line by line with relay_line until end of file. */
static void relay_output(int fd, struct ktap_summary *summary)
{
    size_t used = 0;
    ssize_t n;

    while ((n = read(fd, read_buf, sizeof read_buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            printf(PROGRAM_INDENT "# init: read from the test's pipe failed: %s\n", strerror(errno));
            break;
        }
        for (ssize_t i = 0; i < n; i++) {
            char c = read_buf[i];

            /* A line longer than the buffer is cut into several lines. */
            if (c == '\n' || used == sizeof line_buf - 1) {
                line_buf[used] = '\0';
                relay_line(line_buf, summary);
                used = 0;
                if (c == '\n')
                    continue;
            }
            line_buf[used++] = c;
        }
    }
    if (used > 0) {
        line_buf[used] = '\0';
        relay_line(line_buf, summary);
    }
}

/*
 * Run DIR/PROGRAM as test NUMBER of the "user" subtest, relay its KTAP output and print
 * its result line. Returns whether it passed.
 */
static bool run_test_program(const char *dir, const char *program, int number)
{
    char path[512], status_text[96];
    char *argv[] = { path, NULL };
    struct ktap_summary summary = { 0 };
    long free_before = -1, free_after = -1;
    bool passed = true;
    int fd, status;
    pid_t pid;

    snprintf(path, sizeof path, "%s/%s", dir, program);
    printf(PROGRAM_INDENT "KTAP version 1\n" PROGRAM_INDENT "# Subtest: %s\n", program);
    fflush(stdout);

    /* Measure before the pipe exists and after it is closed: its buffer is the kernel's. */
    if (leak_check)
        free_before = read_mem_free_kb();
    pid = spawn_piped(path, argv, true, &fd);
    if (pid < 0) {
        printf(PROGRAM_INDENT "# init: cannot start %s\n" USER_INDENT "not ok %d %s\n", path,
               number, program);
        return false;
    }
    relay_output(fd, &summary);
    close(fd);
    status = wait_for(pid);
    reap_exited_children();

    if (leak_check) {
        /* The kernel may free a dead process's last frames a little after wait4 returns. */
        for (int i = 0; i < LEAK_RETRIES; i++) {
            struct timespec pause_time = { 0, LEAK_RETRY_NS };

            free_after = read_mem_free_kb();
            if (free_after == free_before)
                break;
            nanosleep(&pause_time, NULL);
            reap_exited_children();
        }
    }

    /* Decide: clean exit, a complete plan without failures, and no frame leaked. */
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf(PROGRAM_INDENT "# %s: %s\n", program,
               status == -1 ? "wait failed" : describe_wait_status(status, status_text, sizeof status_text));
        passed = false;
    }
    if (!summary.saw_plan) {
        printf(PROGRAM_INDENT "# %s: no KTAP plan line (1..N) at column 0\n", program);
        passed = false;
    } else if (summary.results != summary.planned) {
        printf(PROGRAM_INDENT "# %s: the plan announced %ld cases but %ld results arrived\n", program,
               summary.planned, summary.results);
        passed = false;
    }
    if (summary.failures > 0)
        passed = false;
    if (leak_check && free_before >= 0 && free_after != free_before) {
        printf(PROGRAM_INDENT "# leak: MemFree was %ld kB before %s and %ld kB after (%+ld frames)\n",
               free_before, program, free_after, (free_after - free_before) / FRAME_KB);
        passed = false;
    } else if (leak_check && free_before < 0) {
        printf(PROGRAM_INDENT "# init: cannot read MemFree from %s; no leak check\n", meminfo_path);
    }

    printf(USER_INDENT "%s %d %s\n", passed ? "ok" : "not ok", number, program);
    fflush(stdout);
    return passed;
}

/* Print the closing "ok N user" line of the test mode, then end the machine. */
_Noreturn static void finish_tests(long index, bool passed, const char *directive)
{
    printf("%s %ld user%s\n", passed ? "ok" : "not ok", index, directive);
    power_off(passed);
}

static void run_tests(void)
{
    const char *dir = env_or("LWCOS_TESTS_DIR", "/tests");
    const char *filter = getenv("LWCOS_FILTER");
    const char *index_text = getenv("LWCOS_KTAP_INDEX");
    long index = index_text != NULL ? strtol(index_text, NULL, 10) : 1;
    char *programs[MAX_PROGRAMS];
    int count, selected = 0;
    bool passed = true;

    /* Without LWCOS_KTAP_INDEX (on a host), print the top of a whole KTAP document. */
    if (index_text == NULL)
        printf("KTAP version 1\n1..1\n");
    printf(USER_INDENT "KTAP version 1\n" USER_INDENT "# Subtest: user\n");

    count = list_programs(dir, programs, MAX_PROGRAMS);
    if (count < 0) {
        printf(USER_INDENT "1..0\n" USER_INDENT "# init: cannot open %s: %s\n", dir, strerror(errno));
        finish_tests(index, false, "");
    }
    for (int i = 0; i < count; i++) {
        if (filter == NULL || filter[0] == '\0' || program_matches(dir, programs[i], filter))
            programs[selected++] = programs[i];
    }
    printf(USER_INDENT "1..%d\n", selected);
    if (selected == 0) {
        finish_tests(index, true, filter != NULL ? " # SKIP no test program matches LWCOS_FILTER"
                                                 : " # SKIP no test programs");
    }

    prepare_leak_check();
    for (int i = 0; i < selected; i++)
        passed &= run_test_program(dir, programs[i], i + 1);
    finish_tests(index, passed, "");
}

/*
 * Run every program of the bench folder in name order, stdout passed through,
 * and end the rows with "BENCH end". The lwcos kernel prints "BENCH version 1"
 * and its own rows first and says so with LWCOS_BENCH_OPEN=1; on another
 * kernel (Linux) init prints the version line itself.
 */
static void run_benches(void)
{
    const char *dir = env_or("LWCOS_BENCH_DIR", "/bench");
    char *programs[MAX_PROGRAMS];
    int count = list_programs(dir, programs, MAX_PROGRAMS);
    bool passed = true;

    if (getenv("LWCOS_BENCH_OPEN") == NULL)
        printf("BENCH version 1\n");
    if (count <= 0) {
        printf("init: no benchmark programs in %s\n", dir);
        printf("BENCH end\n");
        power_off(true);
    }
    for (int i = 0; i < count; i++) {
        char path[512], status_text[96];
        char *argv[] = { path, NULL };
        pid_t pid;
        int status;

        snprintf(path, sizeof path, "%s/%s", dir, programs[i]);
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            execve(path, argv, environ);
            fprintf(stderr, "init: cannot execute %s: %s\n", path, strerror(errno));
            _exit(127);
        }
        if (pid < 0) {
            fprintf(stderr, "init: fork failed: %s\n", strerror(errno));
            power_off(false);
        }
        status = wait_for(pid);
        if (status != 0) {
            printf("init: benchmark %s %s\n", programs[i],
                   describe_wait_status(status, status_text, sizeof status_text));
            passed = false;
        }
    }
    printf("BENCH end\n");
    power_off(passed);
}

/*
 * Run the command of the exec file (one argument a line, the program path first)
 * between the line "lwcos-exec: start" and the byte 0x1e followed by
 * "lwcos-exec: exit status N", N being the exit code or 128 + the signal number.
 * With /etc/lwcos-exec-noecho present, the console does not echo input.
 */
static void run_exec_file(void)
{
    const char *file = env_or("LWCOS_EXEC_FILE", "/etc/lwcos-exec");
    char *argv[MAX_EXEC_ARGS + 1];
    int argc = 0, fd, status;
    ssize_t size = 0, n;
    pid_t pid;

    fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "lwcos-exec: cannot open %s: %s\n", file, strerror(errno));
        power_off(false);
    }
    while (size < (ssize_t)sizeof list_buf - 1 &&
           (n = read(fd, list_buf + size, sizeof list_buf - 1 - size)) > 0)
        size += n;
    close(fd);
    list_buf[size] = '\0';

    /* Each line is one argument, an empty line an empty argument; a final newline adds none. */
    for (char *line = list_buf; *line != '\0' && argc < MAX_EXEC_ARGS;) {
        char *end = strchr(line, '\n');

        argv[argc++] = line;
        if (end == NULL)
            break;
        *end = '\0';
        line = end + 1;
    }
    argv[argc] = NULL;
    if (argc == 0) {
        fprintf(stderr, "lwcos-exec: %s is empty; it must name a program\n", file);
        power_off(false);
    }

    /* Piped input must not come back as echo: the host sent it, not a user. */
    if (access("/etc/lwcos-exec-noecho", F_OK) == 0) {
        struct termios tio;
        if (tcgetattr(0, &tio) == 0) {
            tio.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
            tcsetattr(0, TCSANOW, &tio);
        }
    }

    /* The harness prints exactly what lies between these two markers. */
    printf("lwcos-exec: start\n");
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        execve(argv[0], argv, environ);
        fprintf(stderr, "lwcos-exec: cannot execute %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    if (pid < 0) {
        fprintf(stderr, "lwcos-exec: fork failed: %s\n", strerror(errno));
        power_off(false);
    }
    status = wait_for(pid);
    reap_exited_children();
    printf("\x1elwcos-exec: exit status %d\n",
           WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
    power_off(true);
}

/*
 * Run the shell on the console. It gets its own session with the console as its
 * controlling terminal, so that it can give the terminal to its jobs. When it exits
 * (the exit command or end of input), init powers off; when a signal kills it, init
 * starts a new one.
 */
static void run_shell(void)
{
    const char *shell = env_or("LWCOS_SHELL", "/bin/sh");

    for (;;) {
        char *argv[] = { "sh", NULL };
        char status_text[96];
        int exec_failed[2], status, err = 0;
        pid_t pid;

        /* A close-on-exec pipe separates a failed execve (the child writes errno) from a shell exit. */
        if (pipe2(exec_failed, O_CLOEXEC) != 0) {
            fprintf(stderr, "init: pipe2 failed: %s\n", strerror(errno));
            power_off(false);
        }
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            setsid();
            ioctl(STDIN_FILENO, TIOCSCTTY, 0);
            execve(shell, argv, environ);
            err = errno;
            write(exec_failed[1], &err, sizeof err);
            _exit(127);
        }
        close(exec_failed[1]);
        if (pid < 0) {
            fprintf(stderr, "init: fork failed: %s\n", strerror(errno));
            power_off(false);
        }
        if (read(exec_failed[0], &err, sizeof err) == (ssize_t)sizeof err) {
            fprintf(stderr, "init: cannot execute %s: %s\n", shell, strerror(err));
            wait_for(pid);
            power_off(false);
        }
        close(exec_failed[0]);

        status = wait_for(pid);
        reap_exited_children();
        if (status == -1 || WIFEXITED(status))
            power_off(true);
        printf("\ninit: %s %s; starting a new shell\n", shell,
               describe_wait_status(status, status_text, sizeof status_text));
    }
}

/* Make sure descriptors 0, 1 and 2 exist, opening the console for any that does not. */
static void open_console_if_needed(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) < 0) {
            int console = open("/dev/console", O_RDWR);

            if (console >= 0 && console != fd) {
                dup2(console, fd);
                close(console);
            }
        }
    }
}

int main(int argc, char **argv)
{
    const char *mode;

    host_mode = getpid() != 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-reboot") == 0) {
            host_mode = true;
        } else {
            fprintf(stderr, "init: unknown option %s; the only option is --no-reboot\n", argv[i]);
            return 2;
        }
    }

    open_console_if_needed();
    setvbuf(stdout, NULL, _IOLBF, 0);
    umask(022);
    if (host_mode) {
        /* Orphans come back to init as they would to pid 1. */
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        meminfo_path = env_or("LWCOS_MEMINFO", NULL);
        leak_check = meminfo_path != NULL;
    }

    mode = env_or("LWCOS_MODE", "shell");
    if (strcmp(mode, "test") == 0)
        run_tests();
    else if (strcmp(mode, "shell") == 0)
        run_shell();
    else if (strcmp(mode, "bench") == 0)
        run_benches();
    else if (strcmp(mode, "exec") == 0)
        run_exec_file();

    fprintf(stderr, "init: unknown LWCOS_MODE=%s; expected test, shell, bench or exec\n", mode);
    power_off(false);
}
