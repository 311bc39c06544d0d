#include "arch/x86_64/serial.h"

#include "arch/x86_64/asm_consts.h"
#include "arch/x86_64/io.h"

/* Register offsets from the base port (16550 data sheet). */
#define UART_DATA   0   /* receive/transmit buffer; divisor low byte when DLAB=1 */
#define UART_IER    1   /* interrupt enable; divisor high byte when DLAB=1 */
#define UART_FCR    2   /* FIFO control */
#define UART_LCR    3   /* line control */
#define UART_MCR    4   /* modem control */
#define UART_LSR    5   /* line status */

#define LCR_8N1     0x03
#define LCR_DLAB    0x80
#define FCR_ENABLE_CLEAR_14 0xc7    /* FIFOs on, both cleared, 14-byte trigger */
#define MCR_DTR_RTS_OUT2 0x0b
#define LSR_DATA_READY  0x01
#define LSR_THR_EMPTY   0x20        /* room for another byte */
#define LSR_TX_IDLE     0x40        /* holding and shift registers both empty */

#define UART_CLOCK_HZ   115200
#define BAUD            115200

void serial_init(void)
{
    unsigned divisor = UART_CLOCK_HZ / BAUD;

    outb(COM1_PORT + UART_IER, 0x00);
    outb(COM1_PORT + UART_LCR, LCR_DLAB);
    outb(COM1_PORT + UART_DATA, (uint8_t)(divisor & 0xff));
    outb(COM1_PORT + UART_IER, (uint8_t)(divisor >> 8));
    outb(COM1_PORT + UART_LCR, LCR_8N1);
    outb(COM1_PORT + UART_FCR, FCR_ENABLE_CLEAR_14);
    outb(COM1_PORT + UART_MCR, MCR_DTR_RTS_OUT2);
}

static void serial_put_raw(char c)
{
    while ((inb(COM1_PORT + UART_LSR) & LSR_THR_EMPTY) == 0)
        ;
    outb(COM1_PORT + UART_DATA, (uint8_t)c);
}

void serial_putc(char c)
{
    if (c == '\n')
        serial_put_raw('\r');
    serial_put_raw(c);
}

void serial_write(const char *s)
{
    while (*s)
        serial_putc(*s++);
}

int serial_getc_nonblock(void)
{
    if ((inb(COM1_PORT + UART_LSR) & LSR_DATA_READY) == 0)
        return -1;
    return inb(COM1_PORT + UART_DATA);
}

#define IER_RECEIVED_DATA 0x01

void serial_enable_receive_interrupt(void)
{
    outb(COM1_PORT + UART_IER, IER_RECEIVED_DATA);
}

void serial_drain(void)
{
    while ((inb(COM1_PORT + UART_LSR) & LSR_TX_IDLE) == 0)
        ;
}
