/* Leaving the machine: QEMU's isa-debug-exit device, and halting. */
#ifndef LWCOS_ARCH_MACHINE_H
#define LWCOS_ARCH_MACHINE_H

#include <stdint.h>

/* Drain the UART, then write value to isa-debug-exit (QEMU exits with
 * status value * 2 + 1). Without that device (real hardware, or QEMU
 * started without it) the CPU halts instead. */
__attribute__((noreturn)) void machine_exit(uint8_t value);

#endif
