/* Starting the first user process, /init. */
#ifndef LWCOS_PROC_INIT_H
#define LWCOS_PROC_INIT_H

#include <stdbool.h>

#include "boot/cmdline.h"

/* Set when the kernel's own tests failed: a later power-off by init then
 * still reports failure. */
extern bool init_kernel_tests_failed;

/* Did GRUB load an initramfs module? */
bool init_have_initramfs(void);
/* Unpack the initramfs module, if GRUB loaded one. Returns whether /init exists. */
bool init_load_initramfs(void);

/* Create pid 1 running /init with LWCOS_MODE and friends in its environment.
 * ktap_index is the number of the user suite in the top-level KTAP plan.
 * Returns 0 or -errno; on success the caller runs the idle loop. */
int init_start(enum boot_mode mode, unsigned ktap_index);

#endif
