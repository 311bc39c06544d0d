#include "boot/cmdline.h"

#include <stdbool.h>

#include "lib/klog.h"
#include "lib/string.h"

struct boot_options boot_options;
enum boot_mode boot_mode;

const char *boot_mode_name(enum boot_mode mode)
{
    switch (mode) {
    case BOOT_MODE_SHELL:
        return "shell";
    case BOOT_MODE_TEST:
        return "test";
    case BOOT_MODE_BENCH:
        return "bench";
    case BOOT_MODE_EXEC:
        return "exec";
    }
    return "?";
}

/* Compare the word [value, value + len) with a NUL-terminated string. */
static bool word_is(const char *value, size_t len, const char *s)
{
    return strlen(s) == len && strncmp(value, s, len) == 0;
}

/* Apply one key=value word. Returns false if the word was rejected. */
static bool cmdline_apply(const char *word, size_t len, struct boot_options *out)
{
    const char *eq = NULL;
    for (size_t i = 0; i < len; i++) {
        if (word[i] == '=') {
            eq = word + i;
            break;
        }
    }
    if (eq == NULL) {
        klog(KLOG_WARN, "boot", "ignoring command-line word '%.*s': expected key=value",
             (int)len, word);
        return false;
    }

    size_t key_len = (size_t)(eq - word);
    const char *value = eq + 1;
    size_t value_len = len - key_len - 1;

    if (word_is(word, key_len, "lwcos.mode")) {
        if (word_is(value, value_len, "shell"))
            out->mode = BOOT_MODE_SHELL;
        else if (word_is(value, value_len, "test"))
            out->mode = BOOT_MODE_TEST;
        else if (word_is(value, value_len, "bench"))
            out->mode = BOOT_MODE_BENCH;
        else if (word_is(value, value_len, "exec"))
            out->mode = BOOT_MODE_EXEC;
        else
            goto invalid;
        return true;
    }
    if (word_is(word, key_len, "lwcos.filter")) {
        if (value_len == 0 || value_len >= sizeof(out->filter))
            goto invalid;
        memcpy(out->filter, value, value_len);
        out->filter[value_len] = '\0';
        return true;
    }
    if (word_is(word, key_len, "loglevel")) {
        unsigned long level;
        if (!parse_ulong(value, value_len, &level) || level > KLOG_DEBUG)
            goto invalid;
        out->loglevel = (int)level;
        return true;
    }
    if (word_is(word, key_len, "lwcos.test.selftest")) {
        if (word_is(value, value_len, "fail"))
            out->selftest = SELFTEST_FAIL;
        else if (word_is(value, value_len, "panic"))
            out->selftest = SELFTEST_PANIC;
        else if (word_is(value, value_len, "fault"))
            out->selftest = SELFTEST_FAULT;
        else
            goto invalid;
        return true;
    }

    if (word_is(word, key_len, "lwcos.pcid")) {
        if (word_is(value, value_len, "on"))
            out->pcid = true;
        else if (word_is(value, value_len, "off"))
            out->pcid = false;
        else
            goto invalid;
        return true;
    }
    if (word_is(word, key_len, "lwcos.tlbcheck")) {
        if (word_is(value, value_len, "on"))
            out->tlbcheck = TLBCHECK_ON;
        else if (word_is(value, value_len, "off"))
            out->tlbcheck = TLBCHECK_OFF;
        else
            goto invalid;
        return true;
    }
    if (word_is(word, key_len, "lwcos.tlbcheck.inject")) {
        if (word_is(value, value_len, "skip-invlpg"))
            out->inject = INJECT_SKIP_INVLPG;
        else if (word_is(value, value_len, "skip-reuse-flush"))
            out->inject = INJECT_SKIP_REUSE_FLUSH;
        else
            goto invalid;
        return true;
    }

    klog(KLOG_WARN, "boot", "ignoring unknown command-line option '%.*s'", (int)len, word);
    return false;

invalid:
    klog(KLOG_WARN, "boot", "ignoring invalid value in '%.*s'", (int)len, word);
    return false;
}

int cmdline_parse(const char *cmdline, struct boot_options *out)
{
    int rejected = 0;

    out->mode = BOOT_MODE_SHELL;
    out->filter[0] = '\0';
    out->loglevel = KLOG_DEFAULT_LEVEL;
    out->selftest = SELFTEST_NONE;
    out->pcid = true;
    out->tlbcheck = TLBCHECK_DEFAULT;
    out->inject = INJECT_NONE;

    const char *p = cmdline;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *word = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (p > word && !cmdline_apply(word, (size_t)(p - word), out))
            rejected++;
    }
    return rejected;
}
