/*
 * A small KTAP version 1 helper for user-space test programs.
 *
 * A test program is a table of cases and a main that hands it to ktap_main:
 *
 *     static void pipe_eof_after_close(void) { ... EXPECT_EQ(n, 0); ... }
 *     static const struct ktap_case cases[] = { KTAP_CASE(pipe_eof_after_close) };
 *     int main(int argc, char **argv) { return KTAP_MAIN(argc, argv, cases); }
 *
 * The program prints a whole KTAP document at column 0 ("KTAP version 1", the plan,
 * one result line per case) and exits 0 only when no case failed. /init indents it
 * as one subtest named after the program file. Cases run one after the other in
 * the same process: a case that must crash or change its credentials forks first.
 *
 * Command line and environment:
 *   PROGRAM --list           print the case names, one a line, and exit
 *   LWCOS_FILTER=GLOB        run only cases whose "program.case" name matches (fnmatch)
 *   LWCOS_TEST_TIMEOUT=SEC   alarm() for the whole program (default 300 s, 0 = none)
 */
#ifndef USER_KTAP_H
#define USER_KTAP_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/wait.h>

struct ktap_case {
    const char *name;
    void (*run)(void);
};

#define KTAP_CASE(fn) { #fn, fn }
#define KTAP_MAIN(argc, argv, cases) \
    ktap_main((argc), (argv), (cases), sizeof(cases) / sizeof((cases)[0]))

int ktap_main(int argc, char **argv, const struct ktap_case *cases, size_t count);

/* The program's name (the file name of argv[0]) and the current case's name. */
const char *ktap_program(void);
const char *ktap_case_name(void);

/* Print "# text" (printf format) as a diagnostic line. */
void ktap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Mark the current case failed and print "# case: text at file:line". */
void ktap_fail_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define KTAP_FAIL(...) ktap_fail_at(__FILE__, __LINE__, __VA_ARGS__)

/* Mark the current case "# SKIP reason"; a failure in the same case still fails it. */
void ktap_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * fork() after flushing stdio, so that buffered output is not printed twice.
 * A child must end with _exit(), never exit() or a return from the case.
 */
pid_t ktap_fork(void);

/* waitpid(pid) for a child of this case; returns its wait status, or -1 after failing the case. */
int ktap_wait(pid_t pid);

/*
 * Build the path of NAME inside this program's scratch folder, created on first use
 * under $TMPDIR (default /tmp) with mode 0755 and removed by ktap_main at the end.
 */
const char *ktap_tmp_path(char *buf, size_t size, const char *name);

/* Sleep for MS milliseconds, resuming the sleep after a signal handler interrupts it. */
void ktap_sleep_ms(long ms);

/* Whether the kernel calls itself Linux in uname(); tests use it to skip host-only differences. */
bool ktap_on_linux(void);

/* The checks behind the macros; each returns whether the check passed. */
enum ktap_compare { KTAP_EQ, KTAP_NE, KTAP_LT, KTAP_LE, KTAP_GT, KTAP_GE };

bool ktap_check_int(enum ktap_compare compare, const char *macro, const char *left_text,
                    const char *right_text, long long left, long long right, const char *file,
                    int line);
bool ktap_check_str(const char *macro, const char *left_text, const char *right_text,
                    const char *left, const char *right, const char *file, int line);
bool ktap_check_errno(const char *expr_text, long result, int actual_errno, int expected_errno,
                      const char *file, int line);
bool ktap_check_ok(const char *expr_text, long result, int actual_errno, const char *file, int line);
bool ktap_check_exited(const char *text, int status, int code, const char *file, int line);
bool ktap_check_signaled(const char *text, int status, int sig, const char *file, int line);
bool ktap_check_status(const char *text, int status, int expected, const char *file, int line);

/* The result and errno of the last EXPECT_ERRNO or EXPECT_OK expression. */
extern long ktap_result;
extern int ktap_errno;

/* Each operand is evaluated once: a check may read from a pipe or make a system call. */
#define KTAP_INT_CHECK_(macro, op, a, b) \
    ktap_check_int(KTAP_##op, macro, #a, #b, (long long)(a), (long long)(b), __FILE__, __LINE__)

/* EXPECT_* record a failure and go on; ASSERT_* also end the case (they return). */
#define EXPECT_EQ(a, b) KTAP_INT_CHECK_("EXPECT_EQ", EQ, a, b)
#define EXPECT_NE(a, b) KTAP_INT_CHECK_("EXPECT_NE", NE, a, b)
#define EXPECT_LT(a, b) KTAP_INT_CHECK_("EXPECT_LT", LT, a, b)
#define EXPECT_LE(a, b) KTAP_INT_CHECK_("EXPECT_LE", LE, a, b)
#define EXPECT_GT(a, b) KTAP_INT_CHECK_("EXPECT_GT", GT, a, b)
#define EXPECT_GE(a, b) KTAP_INT_CHECK_("EXPECT_GE", GE, a, b)
#define EXPECT_TRUE(c) KTAP_INT_CHECK_("EXPECT_TRUE", EQ, !!(c), 1)
#define EXPECT_STREQ(a, b) ktap_check_str("EXPECT_STREQ", #a, #b, (a), (b), __FILE__, __LINE__)

/* EXPECT_ERRNO(call, ERR): call returns -1 with errno ERR (as libc and syscall() report it). */
#define EXPECT_ERRNO(expr, err) \
    (errno = 0, ktap_result = (long)(expr), ktap_errno = errno, \
     ktap_check_errno(#expr, ktap_result, ktap_errno, (err), __FILE__, __LINE__))
/* EXPECT_OK(call): call does not return -1; its result is left in ktap_result. */
#define EXPECT_OK(expr) \
    (errno = 0, ktap_result = (long)(expr), ktap_errno = errno, \
     ktap_check_ok(#expr, ktap_result, ktap_errno, __FILE__, __LINE__))

/* Check a wait status: a normal exit with CODE, or death by signal SIG. */
#define EXPECT_EXITED(status, code) ktap_check_exited(#status, (status), (code), __FILE__, __LINE__)
#define EXPECT_SIGNALED(status, sig) \
    ktap_check_signaled(#status, (status), (sig), __FILE__, __LINE__)
/* Check a raw wait status for equality, printing both decoded. */
#define EXPECT_STATUS(status, expected) \
    ktap_check_status(#status, (status), (expected), __FILE__, __LINE__)

#define ASSERT_(check) do { if (!(check)) return; } while (0)
#define ASSERT_EQ(a, b) ASSERT_(EXPECT_EQ(a, b))
#define ASSERT_NE(a, b) ASSERT_(EXPECT_NE(a, b))
#define ASSERT_GE(a, b) ASSERT_(EXPECT_GE(a, b))
#define ASSERT_GT(a, b) ASSERT_(EXPECT_GT(a, b))
#define ASSERT_TRUE(c) ASSERT_(EXPECT_TRUE(c))
#define ASSERT_OK(expr) ASSERT_(EXPECT_OK(expr))

#endif
