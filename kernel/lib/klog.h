/*
 * Kernel log. Every line reads "[level] subsystem: message". Lines above the
 * level set by loglevel=N on the command line are dropped.
 */
#ifndef LWCOS_LIB_KLOG_H
#define LWCOS_LIB_KLOG_H

/* Levels follow Linux's numbering so loglevel= means the same thing. */
enum klog_level {
    KLOG_ERROR = 3,
    KLOG_WARN = 4,
    KLOG_INFO = 6,
    KLOG_DEBUG = 7,
};

#define KLOG_DEFAULT_LEVEL KLOG_INFO

extern int klog_max_level;

void klog(enum klog_level level, const char *subsystem, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
