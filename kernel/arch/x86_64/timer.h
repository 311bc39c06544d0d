/* The PIT as the scheduler tick, the TSC as the clock, and the CMOS RTC for
 * the wall-clock time at boot. */
#ifndef LWCOS_ARCH_TIMER_H
#define LWCOS_ARCH_TIMER_H

#include <stdint.h>

#define TIMER_HZ 100

/* Program the PIT for TIMER_HZ and measure the TSC frequency against it. */
void timer_init(void);
uint64_t timer_tsc_hz(void);
/* Nanoseconds since timer_init, from the TSC. */
uint64_t timer_monotonic_ns(void);
/* Seconds since 1970-01-01 UTC at boot, from the RTC. */
uint64_t timer_boot_epoch_seconds(void);
/* Ticks since boot. */
uint64_t timer_ticks(void);
/* Called by the IRQ 0 handler. */
void timer_tick(void);

#endif
