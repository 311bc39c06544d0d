#include "lib/klog.h"

#include <stdarg.h>

#include "lib/printf.h"

int klog_max_level = KLOG_DEFAULT_LEVEL;

static const char *klog_level_name(enum klog_level level)
{
    switch (level) {
    case KLOG_ERROR:
        return "error";
    case KLOG_WARN:
        return "warn";
    case KLOG_INFO:
        return "info";
    case KLOG_DEBUG:
        return "debug";
    }
    return "?";
}

void klog(enum klog_level level, const char *subsystem, const char *fmt, ...)
{
    char line[256];
    va_list ap;

    if ((int)level > klog_max_level)
        return;

    /* Format the whole line first so one call never interleaves with another. */
    va_start(ap, fmt);
    kvsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    kprintf("[%s] %s: %s\n", klog_level_name(level), subsystem, line);
}
