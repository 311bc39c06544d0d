/*
 * The console tty on COM1: a line discipline between the UART and the
 * processes reading /dev/console. Constants and layouts are Linux x86-64's
 * (asm-generic/termbits.h, asm-generic/ioctls.h).
 */
#ifndef LWCOS_FS_TTY_H
#define LWCOS_FS_TTY_H

#include <stdint.h>

#include "fs/file.h"

/* ioctl requests */
#define TCGETS     0x5401
#define TCSETS     0x5402
#define TCSETSW    0x5403
#define TCSETSF    0x5404
#define TIOCGPGRP  0x540f
#define TIOCSPGRP  0x5410
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD   0x541b

/* c_iflag, c_oflag, c_cflag and c_lflag bits the tty uses or reports */
#define ICRNL   0000400
#define IXON    0002000
#define OPOST   0000001
#define ONLCR   0000004
#define B38400  0000017
#define CS8     0000060
#define CREAD   0000200
#define HUPCL   0002000
#define ISIG    0000001
#define ICANON  0000002
#define ECHO    0000010
#define ECHOE   0000020
#define ECHOK   0000040
#define ECHOCTL 0001000
#define ECHOKE  0004000
#define IEXTEN  0100000

/* c_cc indices */
#define VINTR  0
#define VQUIT  1
#define VERASE 2
#define VKILL  3
#define VEOF   4
#define VTIME  5
#define VMIN   6

#define KERNEL_NCCS 19

/* The kernel's struct termios (36 bytes); musl's tcgetattr passes a larger
 * struct of its own and reads only this prefix. */
struct kernel_termios {
    uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
    uint8_t c_line;
    uint8_t c_cc[KERNEL_NCCS];
};

_Static_assert(sizeof(struct kernel_termios) == 36, "Linux's struct termios is 36 bytes");

struct winsize {
    uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/* Size of the buffer of input ready to read, and of the line being edited. */
#define TTY_BUFFER_SIZE 4096

/* Operations of FILE_CONSOLE files. */
extern const struct file_ops tty_file_ops;

/* Where echo and written output go: serial_putc unless a test redirects it.
 * Returns the previous function. */
typedef void (*tty_output_fn)(char c);
tty_output_fn tty_set_output(tty_output_fn output);

/* Drop all buffered input and restore the boot settings: Linux's default
 * termios (canonical, echo, signals), a 0x0 window, foreground group 1. */
void tty_reset(void);

#endif
