/* 16550 UART on COM1, 115200 baud, 8 data bits, no parity, 1 stop bit. */
#ifndef LWCOS_ARCH_SERIAL_H
#define LWCOS_ARCH_SERIAL_H

#include <stdbool.h>

void serial_init(void);
/* Write one character; "\n" is sent as "\r\n" so terminals start a new line. */
void serial_putc(char c);
void serial_write(const char *s);
/* Return the next received character, or -1 when none is waiting. */
int serial_getc_nonblock(void);
/* Raise IRQ 4 when a character arrives. */
void serial_enable_receive_interrupt(void);
/* Wait until the transmitter has sent every queued character. */
void serial_drain(void);

#endif
