/* Names for errno values, signals and wait statuses, for messages and test diagnostics. */
#ifndef USER_NAMES_H
#define USER_NAMES_H

#include <stddef.h>

/* Return "EFAULT" for EFAULT and so on, or "E?" for a value not in the table. */
const char *errno_name(int err);

/* Return "SIGSEGV" for SIGSEGV and so on, or "SIG?" for a value not in the table. */
const char *signal_name(int sig);

/*
 * Write a wait status as text, e.g. "exited with status 1" or "killed by signal 11
 * (SIGSEGV)", into buf (always NUL-terminated). Returns buf.
 */
char *describe_wait_status(int status, char *buf, size_t size);

#endif
