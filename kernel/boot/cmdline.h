/*
 * Kernel command-line options. The command line is a list of space-separated
 * key=value words:
 *   lwcos.mode=shell|test|bench   what to run after boot (default shell)
 *   lwcos.filter=GLOB             in test mode, run only cases whose suite.case matches
 *   loglevel=N                    print log lines of level <= N (3 error .. 7 debug)
 *   lwcos.test.selftest=fail|panic|fault  add a failing case, a panic or a
 *                                 kernel page fault, to test the harness
 * Unknown keys and invalid values are logged and ignored.
 */
#ifndef LWCOS_BOOT_CMDLINE_H
#define LWCOS_BOOT_CMDLINE_H

enum boot_mode {
    BOOT_MODE_SHELL,
    BOOT_MODE_TEST,
    BOOT_MODE_BENCH,
};

enum selftest_mode {
    SELFTEST_NONE,
    SELFTEST_FAIL,
    SELFTEST_PANIC,
    SELFTEST_FAULT,
};

#define BOOT_FILTER_MAX 128

struct boot_options {
    enum boot_mode mode;
    char filter[BOOT_FILTER_MAX];   /* empty: run every case */
    int loglevel;
    enum selftest_mode selftest;
};

/* The options of this boot. boot_mode is kept apart so gdb can print it. */
extern struct boot_options boot_options;
extern enum boot_mode boot_mode;

/* Parse cmdline into out, starting from the defaults. Logs every rejected
 * word and returns how many there were. */
int cmdline_parse(const char *cmdline, struct boot_options *out);

const char *boot_mode_name(enum boot_mode mode);

#endif
