#include "arch/x86_64/timer.h"

#include <stdbool.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "lib/klog.h"

/* 8254 PIT (data sheet): 1.193182 MHz input clock, channel 0 on IRQ 0,
 * channel 2 gated through port 0x61 and readable without interrupts. */
#define PIT_HZ 1193182u
#define PIT_CHANNEL0 0x40
#define PIT_CHANNEL2 0x42
#define PIT_COMMAND 0x43
#define PIT_MODE_RATE_CH0 0x34      /* channel 0, lobyte/hibyte, mode 2 */
#define PIT_MODE_ONESHOT_CH2 0xb0   /* channel 2, lobyte/hibyte, mode 0 */
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20

#define CALIBRATION_MS 10

static uint64_t tsc_hz;
static uint64_t tsc_at_init;
static uint64_t boot_epoch;
static volatile uint64_t ticks;

/* Count TSC cycles while PIT channel 2 counts down CALIBRATION_MS. */
static uint64_t measure_tsc_hz(void)
{
    uint16_t count = (uint16_t)(PIT_HZ / 1000 * CALIBRATION_MS);
    uint8_t port_b = inb(PORT_B);

    outb(PORT_B, (uint8_t)((port_b & ~PORT_B_SPEAKER) | PORT_B_GATE2));
    outb(PIT_COMMAND, PIT_MODE_ONESHOT_CH2);
    outb(PIT_CHANNEL2, (uint8_t)count);
    outb(PIT_CHANNEL2, (uint8_t)(count >> 8));

    uint64_t start = rdtsc();
    while ((inb(PORT_B) & PORT_B_OUT2) == 0)
        ;
    uint64_t end = rdtsc();
    outb(PORT_B, port_b);
    return (end - start) * (1000 / CALIBRATION_MS);
}

/* CMOS RTC registers (MC146818 data sheet). */
#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71

static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_INDEX, reg);
    return inb(CMOS_DATA);
}

static unsigned bcd(uint8_t v, bool binary)
{
    return binary ? v : (unsigned)(v >> 4) * 10 + (v & 0xf);
}

/* Days from 1970-01-01 to year-month-day (proleptic Gregorian). */
static uint64_t days_from_civil(unsigned year, unsigned month, unsigned day)
{
    int y = (int)year - (month <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (uint64_t)((int64_t)era * 146097 + (int64_t)doe - 719468);
}

static uint64_t read_rtc_epoch(void)
{
    while (cmos_read(0x0a) & 0x80)      /* update in progress */
        ;
    uint8_t status_b = cmos_read(0x0b);
    bool binary = (status_b & 0x04) != 0;
    unsigned sec = bcd(cmos_read(0x00), binary);
    unsigned min = bcd(cmos_read(0x02), binary);
    unsigned hour = bcd(cmos_read(0x04) & 0x7f, binary);
    unsigned day = bcd(cmos_read(0x07), binary);
    unsigned month = bcd(cmos_read(0x08), binary);
    unsigned year = 2000 + bcd(cmos_read(0x09), binary);

    return days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
}

void timer_init(void)
{
    tsc_hz = measure_tsc_hz();
    tsc_at_init = rdtsc();
    boot_epoch = read_rtc_epoch();

    uint16_t divisor = (uint16_t)(PIT_HZ / TIMER_HZ);
    outb(PIT_COMMAND, PIT_MODE_RATE_CH0);
    outb(PIT_CHANNEL0, (uint8_t)divisor);
    outb(PIT_CHANNEL0, (uint8_t)(divisor >> 8));
    klog(KLOG_INFO, "timer", "PIT at %u Hz, TSC at %lu MHz", TIMER_HZ, tsc_hz / 1000000);
}

uint64_t timer_tsc_hz(void)
{
    return tsc_hz;
}

uint64_t timer_monotonic_ns(void)
{
    uint64_t cycles = rdtsc() - tsc_at_init;
    /* Split to avoid overflow: whole seconds, then the remainder. */
    return cycles / tsc_hz * 1000000000ull + cycles % tsc_hz * 1000000000ull / tsc_hz;
}

uint64_t timer_boot_epoch_seconds(void)
{
    return boot_epoch;
}

uint64_t timer_ticks(void)
{
    return ticks;
}

void timer_tick(void)
{
    ticks++;
}
