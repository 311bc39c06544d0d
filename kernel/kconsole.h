/* A line-oriented kernel console on COM1, used in shell mode until user
 * space exists. Commands: help, mem, poweroff. */
#ifndef LWCOS_KCONSOLE_H
#define LWCOS_KCONSOLE_H

__attribute__((noreturn)) void kconsole_run(void);

#endif
