/*
 * Kernel command-line options. The command line is a list of space-separated
 * key=value words:
 *   lwcos.mode=shell|test|bench|exec  what to run after boot (default shell)
 *   lwcos.filter=GLOB             in test mode, run only cases whose suite.case matches
 *   loglevel=N                    print log lines of level <= N (3 error .. 7 debug)
 *   lwcos.pcid=on|off             use hardware PCIDs when the CPU has them (default on)
 *   lwcos.tlbcheck=on|off         run the TLB model checker (default: on in test mode)
 *   lwcos.tlbcheck.inject=skip-invlpg|skip-reuse-flush
 *                                 omit one kind of TLB invalidation, to test the checker
 *   lwcos.test.selftest=fail|panic|fault  add a failing case, a panic or a
 *                                 kernel page fault, to test the harness
 * Unknown keys and invalid values are logged and ignored.
 */
#ifndef LWCOS_BOOT_CMDLINE_H
#define LWCOS_BOOT_CMDLINE_H

#include <stdbool.h>

enum boot_mode {
    BOOT_MODE_SHELL,
    BOOT_MODE_TEST,
    BOOT_MODE_BENCH,
    BOOT_MODE_EXEC,     /* run the program /etc/lwcos-exec names, then power off */
};

enum selftest_mode {
    SELFTEST_NONE,
    SELFTEST_FAIL,
    SELFTEST_PANIC,
    SELFTEST_FAULT,
};

enum tlbcheck_option {
    TLBCHECK_DEFAULT,       /* on in test mode, off otherwise */
    TLBCHECK_ON,
    TLBCHECK_OFF,
};

enum inject_option {
    INJECT_NONE,
    INJECT_SKIP_INVLPG,
    INJECT_SKIP_REUSE_FLUSH,
};

#define BOOT_FILTER_MAX 128

struct boot_options {
    enum boot_mode mode;
    char filter[BOOT_FILTER_MAX];   /* empty: run every case */
    int loglevel;
    enum selftest_mode selftest;
    bool pcid;
    enum tlbcheck_option tlbcheck;
    enum inject_option inject;
};

/* The options of this boot. boot_mode is kept apart so gdb can print it. */
extern struct boot_options boot_options;
extern enum boot_mode boot_mode;

/* Parse cmdline into out, starting from the defaults. Logs every rejected
 * word and returns how many there were. */
int cmdline_parse(const char *cmdline, struct boot_options *out);

const char *boot_mode_name(enum boot_mode mode);

#endif
