/*
 * The console line discipline.
 *
 *   COM1 interrupt -> tty_receive_char -> line (being edited, canonical mode)
 *                                       -> input (ready for read)
 *   read(/dev/console) <- input
 *
 * In canonical mode (ICANON) a line moves to the input buffer when it ends
 * with a newline or ^D, so read never sees a half-typed line. ^D on an empty
 * line puts an end-of-file mark in the input buffer; the read that meets it
 * returns 0. Without ICANON every character goes straight to the input.
 *
 * Interrupt state: tty_receive_char runs in interrupt context and must not
 * sleep. Readers change the buffers only with interrupts disabled, and copy
 * to user memory (which may fault) only after re-enabling them.
 */
#include "fs/tty.h"

#include "arch/x86_64/serial.h"
#include "fs/fcntl.h"
#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/uaccess.h"
#include "proc/wait.h"
#include "signal/signal.h"

/* An input slot holds a byte or a mark: TTY_EOF_MARK for ^D on an empty
 * line, TTY_LINE_END_MARK after a line that ^D ended without a newline. */
#define TTY_EOF_MARK 0x100
#define TTY_LINE_END_MARK 0x200

static struct {
    uint16_t input[TTY_BUFFER_SIZE];    /* ring of ready input */
    size_t input_head, input_count;
    char line[TTY_BUFFER_SIZE];         /* the line being edited */
    size_t line_len;
    struct kernel_termios termios;
    struct winsize winsize;
    int foreground_pgid;
    struct wait_queue readers;
    tty_output_fn output;
} tty = {
    .readers = WAIT_QUEUE_INIT(tty.readers),
    .output = serial_putc,
};

/* Linux's tty_std_termios: ^C ^\ DEL ^U ^D, VMIN 1, ^Q ^S ^Z, ^R ^O ^W ^V. */
static const struct kernel_termios default_termios = {
    .c_iflag = ICRNL | IXON,
    .c_oflag = OPOST | ONLCR,
    .c_cflag = B38400 | CS8 | CREAD | HUPCL,
    .c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
    .c_cc = { 003, 034, 0177, 025, 004, 0, 1, 0, 021, 023, 032, 0, 022, 017, 027, 026, 0 },
};

/* The first process (init) has process group 1; until a shell calls
 * tcsetpgrp, ^C goes to its group. */
#define TTY_DEFAULT_PGID 1

static bool tty_ready;

static void tty_init_once(void)
{
    if (tty_ready)
        return;
    tty_ready = true;
    tty.termios = default_termios;
    tty.foreground_pgid = TTY_DEFAULT_PGID;
}

void tty_reset(void)
{
    bool irq = irq_save_disable();
    tty.input_head = tty.input_count = 0;
    tty.line_len = 0;
    tty.termios = default_termios;
    memset(&tty.winsize, 0, sizeof(tty.winsize));
    tty.foreground_pgid = TTY_DEFAULT_PGID;
    tty_ready = true;
    irq_restore(irq);
}

tty_output_fn tty_set_output(tty_output_fn output)
{
    tty_output_fn old = tty.output;
    tty.output = output;
    return old;
}

static void echo_string(const char *s)
{
    while (*s != '\0')
        tty.output(*s++);
}

/* Echo c as typed: a control character as ^X under ECHOCTL (not newline or tab). */
static void echo_char(char c)
{
    if (!(tty.termios.c_lflag & ECHO))
        return;
    unsigned char u = (unsigned char)c;
    if ((tty.termios.c_lflag & ECHOCTL) && (u < 32 || u == 0177) && c != '\n' && c != '\t') {
        tty.output('^');
        tty.output(u == 0177 ? '?' : (char)(u + '@'));
        return;
    }
    tty.output(c);
}

static void input_push(uint16_t slot)
{
    /* A full buffer drops the character, as Linux does. */
    if (tty.input_count == TTY_BUFFER_SIZE)
        return;
    tty.input[(tty.input_head + tty.input_count) % TTY_BUFFER_SIZE] = slot;
    tty.input_count++;
}

/* Move the edited line to the input buffer; after a ^D, mark where the
 * read must stop (or that it must return 0, for an empty line). */
static void line_deliver(bool eof)
{
    for (size_t i = 0; i < tty.line_len; i++)
        input_push((unsigned char)tty.line[i]);
    if (eof)
        input_push(tty.line_len == 0 ? TTY_EOF_MARK : TTY_LINE_END_MARK);
    tty.line_len = 0;
    wait_queue_wake_all(&tty.readers);
}

static void erase_chars(size_t n)
{
    for (size_t i = 0; i < n && tty.line_len > 0; i++) {
        tty.line_len--;
        if ((tty.termios.c_lflag & ECHO) && (tty.termios.c_lflag & ECHOE))
            echo_string("\b \b");
    }
}

/* ^C or ^\: drop all pending input and signal the foreground group. */
static void interrupt_char(char c, int sig)
{
    tty.line_len = 0;
    tty.input_count = 0;
    if (tty.termios.c_lflag & ECHO) {
        echo_char(c);
        tty.output('\n');
    }
    if (tty.foreground_pgid > 0)
        signal_send_group(tty.foreground_pgid, sig);
}

static void canonical_char(char c)
{
    const uint8_t *cc = tty.termios.c_cc;
    unsigned char u = (unsigned char)c;

    /* Terminals send DEL or ^H for the backspace key: both erase. */
    if (u == cc[VERASE] || c == '\b') {
        erase_chars(1);
        return;
    }
    if (u == cc[VKILL]) {
        erase_chars(tty.line_len);
        return;
    }
    if (u == cc[VEOF]) {
        line_deliver(true);
        return;
    }
    if (c == '\n') {
        tty.line[tty.line_len++] = '\n';
        echo_char('\n');
        line_deliver(false);
        return;
    }

    /* Keep the last byte free for the newline, like Linux's 4095-byte lines. */
    if (tty.line_len < TTY_BUFFER_SIZE - 1) {
        tty.line[tty.line_len++] = c;
        echo_char(c);
    }
}

void tty_receive_char(char c)
{
    tty_init_once();
    const struct kernel_termios *t = &tty.termios;
    unsigned char u = (unsigned char)c;

    if ((t->c_iflag & ICRNL) && c == '\r')
        c = '\n';
    if (t->c_lflag & ISIG) {
        if (u == t->c_cc[VINTR]) {
            interrupt_char(c, SIGINT);
            return;
        }
        if (u == t->c_cc[VQUIT]) {
            interrupt_char(c, SIGQUIT);
            return;
        }
    }
    if (t->c_lflag & ICANON) {
        canonical_char(c);
        return;
    }
    input_push(u);
    echo_char(c);
    wait_queue_wake_all(&tty.readers);
}

/* Take up to max bytes of ready input into buf, with interrupts disabled.
 * Sets *done when the read must stop here: at the end of a line, or at a
 * mark, which is consumed. */
static size_t input_take(char *buf, size_t max, bool *done)
{
    bool canonical = tty.termios.c_lflag & ICANON;
    size_t n = 0;
    *done = false;
    while (n < max && tty.input_count > 0) {
        uint16_t slot = tty.input[tty.input_head];
        if (slot == TTY_EOF_MARK && n > 0)
            break;                  /* leave it for the next read */
        tty.input_head = (tty.input_head + 1) % TTY_BUFFER_SIZE;
        tty.input_count--;
        if (slot == TTY_EOF_MARK || slot == TTY_LINE_END_MARK) {
            *done = true;
            return n;
        }
        buf[n++] = (char)slot;
        if (canonical && slot == '\n') {
            *done = true;
            break;
        }
    }
    if (tty.input_count == 0 || !canonical)
        *done = true;
    return n;
}

static long tty_read(struct file *f, uint64_t user_buf, size_t count)
{
    tty_init_once();
    if (count == 0)
        return 0;

    /* Wait for input: a whole line in canonical mode, one byte otherwise. */
    if (f->flags & O_NONBLOCK) {
        if (tty.input_count == 0)
            return -EAGAIN;
    } else {
        int err = WAIT_EVENT_INTERRUPTIBLE(&tty.readers, tty.input_count > 0);
        if (err != 0)
            return err;
    }

    size_t copied = 0;
    bool done = false;
    while (copied < count && !done) {
        char chunk[256];
        size_t want = count - copied < sizeof(chunk) ? count - copied : sizeof(chunk);
        bool irq = irq_save_disable();
        size_t n = input_take(chunk, want, &done);
        irq_restore(irq);
        if (n == 0)
            break;
        if (copy_to_user(user_buf + copied, chunk, n) != 0)
            return copied > 0 ? (long)copied : -EFAULT;
        copied += n;
    }
    return (long)copied;
}

static long tty_write(struct file *f, uint64_t user_buf, size_t count)
{
    (void)f;
    tty_init_once();
    size_t written = 0;
    while (written < count) {
        char chunk[256];
        size_t n = count - written < sizeof(chunk) ? count - written : sizeof(chunk);
        if (copy_from_user(chunk, user_buf + written, n) != 0)
            return written > 0 ? (long)written : -EFAULT;
        for (size_t i = 0; i < n; i++)
            tty.output(chunk[i]);
        written += n;
    }
    return (long)written;
}

static long set_termios(uint64_t user_arg, bool flush)
{
    struct kernel_termios t;
    if (copy_from_user(&t, user_arg, sizeof(t)) != 0)
        return -EFAULT;

    bool irq = irq_save_disable();
    if (flush) {
        tty.input_count = 0;
        tty.line_len = 0;
    }
    /* Leaving canonical mode: the half-edited line becomes readable input. */
    if ((tty.termios.c_lflag & ICANON) && !(t.c_lflag & ICANON))
        line_deliver(false);
    tty.termios = t;
    irq_restore(irq);
    return 0;
}

static long tty_ioctl(struct file *f, unsigned long request, uint64_t user_arg)
{
    (void)f;
    tty_init_once();
    switch (request) {
    case TCGETS:
        return copy_to_user(user_arg, &tty.termios, sizeof(tty.termios)) != 0 ? -EFAULT : 0;
    case TCSETS:
    case TCSETSW:   /* output is written synchronously, so there is nothing to drain */
        return set_termios(user_arg, false);
    case TCSETSF:
        return set_termios(user_arg, true);
    case TIOCGWINSZ:
        return copy_to_user(user_arg, &tty.winsize, sizeof(tty.winsize)) != 0 ? -EFAULT : 0;
    case TIOCSWINSZ: {
        struct winsize ws;
        if (copy_from_user(&ws, user_arg, sizeof(ws)) != 0)
            return -EFAULT;
        tty.winsize = ws;
        return 0;
    }
    case TIOCGPGRP: {
        int pgid = tty.foreground_pgid;
        return copy_to_user(user_arg, &pgid, sizeof(pgid)) != 0 ? -EFAULT : 0;
    }
    case TIOCSPGRP: {
        /* NOTE: Linux also rejects a group outside the caller's session
         * (EPERM); there are no sessions to check yet. */
        int pgid;
        if (copy_from_user(&pgid, user_arg, sizeof(pgid)) != 0)
            return -EFAULT;
        if (pgid < 0)
            return -EINVAL;
        tty.foreground_pgid = pgid;
        return 0;
    }
    case FIONREAD: {
        int ready = (int)tty.input_count;
        return copy_to_user(user_arg, &ready, sizeof(ready)) != 0 ? -EFAULT : 0;
    }
    default:
        return -ENOTTY;
    }
}

static int tty_stat(struct file *f, struct kstat *st)
{
    ramfs_fill_stat(f->inode, st);
    return 0;
}

const struct file_ops tty_file_ops = {
    .read = tty_read,
    .write = tty_write,
    .ioctl = tty_ioctl,
    .stat = tty_stat,
};
