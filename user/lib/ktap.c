#include "ktap.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "names.h"

#define KTAP_DEFAULT_TIMEOUT_SECONDS 300

long ktap_result;
int ktap_errno;

static const char *program_name = "test";
static const struct ktap_case *current_case;
static bool case_failed;
static bool case_skipped;
static char skip_reason[256];
static char tmp_dir[256];

const char *ktap_program(void)
{
    return program_name;
}

const char *ktap_case_name(void)
{
    return current_case != NULL ? current_case->name : "(no case)";
}

static void vdiag(const char *fmt, va_list ap)
{
    char text[1024];

    vsnprintf(text, sizeof text, fmt, ap);

    /* Every line of a multi-line message must be its own "# " line. */
    for (char *line = text, *next; line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        printf("# %s\n", line);
    }
}

void ktap_diag(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vdiag(fmt, ap);
    va_end(ap);
}

void ktap_fail_at(const char *file, int line, const char *fmt, ...)
{
    char text[768];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    ktap_diag("%s: %s at %s:%d", ktap_case_name(), text, file, line);
    case_failed = true;
}

void ktap_skip(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(skip_reason, sizeof skip_reason, fmt, ap);
    va_end(ap);
    case_skipped = true;
}

pid_t ktap_fork(void)
{
    fflush(NULL);
    return fork();
}

int ktap_wait(pid_t pid)
{
    int status;
    pid_t got;

    do {
        got = waitpid(pid, &status, 0);
    } while (got < 0 && errno == EINTR);
    if (got != pid) {
        KTAP_FAIL("waitpid(%d) returned %d (%s)", (int)pid, (int)got, errno_name(errno));
        return -1;
    }
    return status;
}

bool ktap_on_linux(void)
{
    struct utsname names;

    return uname(&names) == 0 && strcmp(names.sysname, "Linux") == 0;
}

const char *ktap_tmp_path(char *buf, size_t size, const char *name)
{
    if (tmp_dir[0] == '\0') {
        const char *base = getenv("TMPDIR");

        if (base == NULL || base[0] == '\0')
            base = "/tmp";
        snprintf(tmp_dir, sizeof tmp_dir, "%s/%s.%d", base, program_name, (int)getpid());
        if (mkdir(tmp_dir, 0755) != 0 && errno != EEXIST)
            ktap_diag("cannot create the scratch folder %s: %s", tmp_dir, strerror(errno));
        /* Undo the umask, so that a test running with a changed uid can still enter it. */
        chmod(tmp_dir, 0755);
    }
    snprintf(buf, size, "%s/%s", tmp_dir, name);
    return buf;
}

/* Remove what a case left in the scratch folder (one level deep), then the folder. */
static void remove_tmp_dir(void)
{
    DIR *dir;
    struct dirent *entry;

    if (tmp_dir[0] == '\0')
        return;
    dir = opendir(tmp_dir);
    if (dir != NULL) {
        while ((entry = readdir(dir)) != NULL) {
            char path[512];

            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", tmp_dir, entry->d_name);
            if (unlink(path) != 0)
                rmdir(path);
        }
        closedir(dir);
    }
    if (rmdir(tmp_dir) != 0)
        ktap_diag("cannot remove the scratch folder %s: %s", tmp_dir, strerror(errno));
}

bool ktap_check_int(enum ktap_compare compare, const char *macro, const char *left_text,
                    const char *right_text, long long left, long long right, const char *file,
                    int line)
{
    bool passed = false;

    switch (compare) {
    case KTAP_EQ: passed = left == right; break;
    case KTAP_NE: passed = left != right; break;
    case KTAP_LT: passed = left < right; break;
    case KTAP_LE: passed = left <= right; break;
    case KTAP_GT: passed = left > right; break;
    case KTAP_GE: passed = left >= right; break;
    }
    if (passed)
        return true;
    ktap_fail_at(file, line, "%s failed: %s vs %s", macro, left_text, right_text);
    ktap_diag("    left:  %lld (0x%llx)", left, (unsigned long long)left);
    ktap_diag("    right: %lld (0x%llx)", right, (unsigned long long)right);
    return false;
}

bool ktap_check_str(const char *macro, const char *left_text, const char *right_text,
                    const char *left, const char *right, const char *file, int line)
{
    if (left != NULL && right != NULL && strcmp(left, right) == 0)
        return true;
    ktap_fail_at(file, line, "%s failed: %s vs %s", macro, left_text, right_text);
    ktap_diag("    left:  %s%s%s", left ? "\"" : "", left ? left : "NULL", left ? "\"" : "");
    ktap_diag("    right: %s%s%s", right ? "\"" : "", right ? right : "NULL", right ? "\"" : "");
    return false;
}

bool ktap_check_errno(const char *expr_text, long result, int actual_errno, int expected_errno,
                      const char *file, int line)
{
    if (result == -1 && actual_errno == expected_errno)
        return true;
    ktap_fail_at(file, line, "%s: expected -1 with errno %s", expr_text, errno_name(expected_errno));
    if (result == -1)
        ktap_diag("    got -1 with errno %d (%s)", actual_errno, errno_name(actual_errno));
    else
        ktap_diag("    got %ld (0x%lx)", result, (unsigned long)result);
    return false;
}

bool ktap_check_ok(const char *expr_text, long result, int actual_errno, const char *file, int line)
{
    if (result != -1)
        return true;
    ktap_fail_at(file, line, "%s failed with errno %d (%s)", expr_text, actual_errno,
                 errno_name(actual_errno));
    return false;
}

bool ktap_check_exited(const char *text, int status, int code, const char *file, int line)
{
    char got[96];

    if (WIFEXITED(status) && WEXITSTATUS(status) == code)
        return true;
    ktap_fail_at(file, line, "%s: expected exit with status %d, got 0x%x: %s", text, code,
                 (unsigned)status, describe_wait_status(status, got, sizeof got));
    return false;
}

bool ktap_check_signaled(const char *text, int status, int sig, const char *file, int line)
{
    char got[96];

    if (WIFSIGNALED(status) && WTERMSIG(status) == sig)
        return true;
    ktap_fail_at(file, line, "%s: expected death by signal %d (%s), got 0x%x: %s", text, sig,
                 signal_name(sig), (unsigned)status, describe_wait_status(status, got, sizeof got));
    return false;
}

bool ktap_check_status(const char *text, int status, int expected, const char *file, int line)
{
    char got[96], want[96];

    if (status == expected)
        return true;
    ktap_fail_at(file, line, "%s: wait status 0x%x (%s), expected 0x%x (%s)", text,
                 (unsigned)status, describe_wait_status(status, got, sizeof got),
                 (unsigned)expected, describe_wait_status(expected, want, sizeof want));
    return false;
}

/* Fail the case if it left children behind: they would skew the next case and init's leak check. */
static void check_no_children(void)
{
    int status;
    pid_t pid;
    char text[96];

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        KTAP_FAIL("the case left child %d unreaped (it %s)", (int)pid,
                  describe_wait_status(status, text, sizeof text));
    }
    if (pid == 0)
        KTAP_FAIL("the case left a child running");
}

static bool case_selected(const char *filter, const char *case_name)
{
    char full_name[256];

    if (filter == NULL || filter[0] == '\0')
        return true;
    /* A filter that names the program, such as "lwc_switch", selects all its cases. */
    if (fnmatch(filter, program_name, 0) == 0)
        return true;
    snprintf(full_name, sizeof full_name, "%s.%s", program_name, case_name);
    return fnmatch(filter, full_name, 0) == 0;
}

int ktap_main(int argc, char **argv, const struct ktap_case *cases, size_t count)
{
    const char *filter = getenv("LWCOS_FILTER");
    const char *timeout = getenv("LWCOS_TEST_TIMEOUT");
    size_t selected = 0;
    unsigned number = 0;
    int failed = 0;

    if (argc > 0 && argv[0] != NULL) {
        const char *slash = strrchr(argv[0], '/');

        program_name = slash != NULL ? slash + 1 : argv[0];
    }
    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < count; i++)
            printf("%s\n", cases[i].name);
        return 0;
    }

    /* A pipe to init makes stdout fully buffered; results should arrive as they happen. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    alarm(timeout != NULL ? (unsigned)atoi(timeout) : KTAP_DEFAULT_TIMEOUT_SECONDS);

    for (size_t i = 0; i < count; i++)
        selected += case_selected(filter, cases[i].name);
    printf("KTAP version 1\n1..%zu\n", selected);

    for (size_t i = 0; i < count; i++) {
        if (!case_selected(filter, cases[i].name))
            continue;
        current_case = &cases[i];
        case_failed = false;
        case_skipped = false;
        number++;

        cases[i].run();
        check_no_children();

        if (case_failed) {
            printf("not ok %u %s\n", number, cases[i].name);
            failed++;
        } else if (case_skipped) {
            printf("ok %u %s # SKIP %s\n", number, cases[i].name, skip_reason);
        } else {
            printf("ok %u %s\n", number, cases[i].name);
        }
    }
    current_case = NULL;
    remove_tmp_dir();
    fflush(stdout);
    return failed == 0 ? 0 : 1;
}

void ktap_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}
