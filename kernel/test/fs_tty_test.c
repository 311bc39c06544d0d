/*
 * Tests for the console line discipline, fed with tty_receive_char as the
 * COM1 interrupt would. Echo goes to a capture buffer instead of the UART,
 * and every case starts and ends with tty_reset. Reads use O_NONBLOCK so a
 * case never sleeps (there is no second thread to type).
 */
#include "fs/fcntl.h"
#include "fs/file.h"
#include "fs/fs_test_env.h"
#include "fs/tty.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/ktest.h"
#include "lib/string.h"
#include "mm/layout.h"
#include "mm/uaccess.h"
#include "sys/syscall.h"

static char echoed[256];
static size_t echoed_len;

static void capture(char c)
{
    if (echoed_len < sizeof(echoed) - 1)
        echoed[echoed_len++] = c;
    echoed[echoed_len] = '\0';
}

static void type(const char *s)
{
    while (*s != '\0')
        tty_receive_char(*s++);
}

/* Start a case: capture output, reset the tty, open the console at fd 0. */
static int tty_begin(struct fs_test_env *e, tty_output_fn *saved)
{
    int err = fs_test_env_begin(e);
    if (err != 0)
        return err;
    echoed_len = 0;
    echoed[0] = '\0';
    *saved = tty_set_output(capture);
    tty_reset();
    return (int)sys_open(fs_test_user_str(e, "/dev/console"), O_RDWR | O_NONBLOCK, 0, 0, 0, 0);
}

static void tty_end(struct fs_test_env *e, tty_output_fn saved)
{
    tty_reset();
    tty_set_output(saved);
    fs_test_env_end(e);
}

static long read_console(struct fs_test_env *e, char *out, size_t n)
{
    uint64_t buf = fs_test_user_alloc(e, n);
    long got = sys_read(0, buf, n - 1, 0, 0, 0);
    out[0] = '\0';
    if (got > 0 && copy_from_user(out, buf, (size_t)got) == 0)
        out[got] = '\0';
    return got;
}

KTEST(fs_tty, line_is_ready_only_after_newline)
{
    struct fs_test_env e;
    tty_output_fn saved;
    ASSERT_EQ_S(t, tty_begin(&e, &saved), 0);
    char line[64];

    type("ls -l");
    EXPECT_EQ_S(t, read_console(&e, line, sizeof(line)), -EAGAIN);
    type("\r");                                 /* ICRNL: Enter sends CR */
    EXPECT_EQ_S(t, read_console(&e, line, sizeof(line)), 6);
    EXPECT_STREQ(t, line, "ls -l\n");
    EXPECT_STREQ(t, echoed, "ls -l\n");
    tty_end(&e, saved);
}

KTEST(fs_tty, read_returns_one_line_at_a_time)
{
    struct fs_test_env e;
    tty_output_fn saved;
    ASSERT_EQ_S(t, tty_begin(&e, &saved), 0);
    char line[64];

    type("one\ntwo\n");
    EXPECT_EQ_S(t, read_console(&e, line, sizeof(line)), 4);
    EXPECT_STREQ(t, line, "one\n");
    EXPECT_EQ_S(t, read_console(&e, line, 3), 2);      /* a short read splits a line */
    EXPECT_STREQ(t, line, "tw");
    EXPECT_EQ_S(t, read_console(&e, line, sizeof(line)), 2);
    EXPECT_STREQ(t, line, "o\n");
    tty_end(&e, saved);
}

KTEST(fs_tty, backspace_and_del_erase)
{
    struct fs_test_env e;
    tty_output_fn saved;
    ASSERT_EQ_S(t, tty_begin(&e, &saved), 0);
    char line[64];

    type("cax\x7f\bt\n");
    EXPECT_EQ_S(t, read_console(&e, line, sizeof(line)), 3);
    EXPECT_STREQ(t, line, "ct\n");
    EXPECT_STREQ(t, echoed, "cax\b \b\b \bt\n");
    echoed_len = 0;
    type("\x7fok\n");                            /* erase on an empty line does nothing */
    EXPECT_EQ_S(t, read_console(&e, line, sizeof(line)), 3);
    EXPECT_STREQ(t, echoed, "ok\n");
    tty_end(&e, saved);
}

KTEST(fs_tty, ctrl_d_is_eof_or_delivers_line)
{
    struct fs_test_env e;
    tty_output_fn saved;
    ASSERT_EQ_S(t, tty_begin(&e, &saved), 0);
    char line[64];

    type("\x04");
    EXPECT_EQ_S(t, read_console(&e, line, sizeof(line)), 0);          /* end of file */
    EXPECT_EQ_S(t, read_console(&e, line, sizeof(line)), -EAGAIN);    /* consumed */
    type("abc\x04" "def\n");
    EXPECT_EQ_S(t, read_console(&e, line, sizeof(line)), 3);
    EXPECT_STREQ(t, line, "abc");                                     /* no newline */
    EXPECT_EQ_S(t, read_console(&e, line, sizeof(line)), 4);
    EXPECT_STREQ(t, line, "def\n");
    EXPECT_STREQ(t, echoed, "abcdef\n");
    tty_end(&e, saved);
}

KTEST(fs_tty, ctrl_c_discards_line)
{
    struct fs_test_env e;
    tty_output_fn saved;
    ASSERT_EQ_S(t, tty_begin(&e, &saved), 0);
    char line[64];
    int pgid = 0;
    uint64_t arg = fs_test_user_alloc(&e, sizeof(int));

    /* No process is in group 424242, so the SIGINT reaches nobody. */
    pgid = 424242;
    copy_to_user(arg, &pgid, sizeof(pgid));
    EXPECT_EQ_S(t, sys_ioctl(0, TIOCSPGRP, arg, 0, 0, 0), 0);
    type("ready\nrm -rf\x03");
    EXPECT_STREQ(t, echoed, "ready\nrm -rf^C\n");
    EXPECT_EQ_S(t, read_console(&e, line, sizeof(line)), -EAGAIN);    /* all input dropped */
    type("ok\n");
    EXPECT_EQ_S(t, read_console(&e, line, sizeof(line)), 3);
    EXPECT_STREQ(t, line, "ok\n");
    tty_end(&e, saved);
}

KTEST(fs_tty, termios_and_window_ioctls)
{
    struct fs_test_env e;
    tty_output_fn saved;
    ASSERT_EQ_S(t, tty_begin(&e, &saved), 0);
    uint64_t arg = fs_test_user_alloc(&e, 64);
    struct kernel_termios tio;
    struct winsize ws = { 1, 1, 1, 1 };
    int pgid = -1;

    EXPECT_EQ_S(t, sys_ioctl(0, TIOCGWINSZ, arg, 0, 0, 0), 0);
    copy_from_user(&ws, arg, sizeof(ws));
    EXPECT_EQ(t, ws.ws_row, 0);                 /* Linux's serial console: 0x0 until set */
    EXPECT_EQ(t, ws.ws_col, 0);
    ws.ws_row = 24;
    ws.ws_col = 80;
    copy_to_user(arg, &ws, sizeof(ws));
    EXPECT_EQ_S(t, sys_ioctl(0, TIOCSWINSZ, arg, 0, 0, 0), 0);
    memset(&ws, 0, sizeof(ws));
    EXPECT_EQ_S(t, sys_ioctl(0, TIOCGWINSZ, arg, 0, 0, 0), 0);
    copy_from_user(&ws, arg, sizeof(ws));
    EXPECT_EQ(t, ws.ws_row, 24);
    EXPECT_EQ(t, ws.ws_col, 80);

    EXPECT_EQ_S(t, sys_ioctl(0, TCGETS, arg, 0, 0, 0), 0);
    copy_from_user(&tio, arg, sizeof(tio));
    EXPECT_EQ(t, tio.c_lflag, ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN);
    EXPECT_EQ(t, tio.c_iflag, ICRNL | IXON);
    EXPECT_EQ(t, tio.c_cc[VINTR], 3);
    EXPECT_EQ(t, tio.c_cc[VEOF], 4);
    EXPECT_EQ(t, tio.c_cc[VERASE], 0177);

    EXPECT_EQ_S(t, sys_ioctl(0, TIOCGPGRP, arg, 0, 0, 0), 0);
    copy_from_user(&pgid, arg, sizeof(pgid));
    EXPECT_EQ_S(t, pgid, 1);
    pgid = -5;
    copy_to_user(arg, &pgid, sizeof(pgid));
    EXPECT_EQ_S(t, sys_ioctl(0, TIOCSPGRP, arg, 0, 0, 0), -EINVAL);
    EXPECT_EQ_S(t, sys_ioctl(0, TCGETS, KERNEL_VMA, 0, 0, 0), -EFAULT);
    EXPECT_EQ_S(t, sys_ioctl(0, 0x1234, arg, 0, 0, 0), -ENOTTY);
    EXPECT_EQ_S(t, sys_lseek(0, 0, SEEK_SET, 0, 0, 0), -ESPIPE);
    tty_end(&e, saved);
}

KTEST(fs_tty, raw_mode_without_echo)
{
    struct fs_test_env e;
    tty_output_fn saved;
    ASSERT_EQ_S(t, tty_begin(&e, &saved), 0);
    uint64_t arg = fs_test_user_alloc(&e, sizeof(struct kernel_termios));
    struct kernel_termios tio;
    char line[64];

    type("pending");
    EXPECT_EQ_S(t, sys_ioctl(0, TCGETS, arg, 0, 0, 0), 0);
    copy_from_user(&tio, arg, sizeof(tio));
    tio.c_lflag &= ~(ICANON | ECHO | ISIG);
    copy_to_user(arg, &tio, sizeof(tio));
    EXPECT_EQ_S(t, sys_ioctl(0, TCSETSF, arg, 0, 0, 0), 0);       /* flushes "pending" */
    echoed_len = 0;
    echoed[0] = '\0';

    type("q\x03\x7f");
    EXPECT_EQ_S(t, read_console(&e, line, sizeof(line)), 3);       /* bytes as typed */
    EXPECT_EQ(t, (uint8_t)line[0], 'q');
    EXPECT_EQ(t, (uint8_t)line[1], 3);
    EXPECT_EQ(t, (uint8_t)line[2], 0177);
    EXPECT_STREQ(t, echoed, "");
    tty_end(&e, saved);
}

KTEST(fs_tty, write_goes_to_output)
{
    struct fs_test_env e;
    tty_output_fn saved;
    ASSERT_EQ_S(t, tty_begin(&e, &saved), 0);
    struct file *console = NULL;

    EXPECT_EQ_S(t, sys_write(0, fs_test_user_str(&e, "hi\n"), 3, 0, 0, 0), 3);
    EXPECT_STREQ(t, echoed, "hi\n");
    EXPECT_EQ_S(t, sys_write(0, KERNEL_VMA, 3, 0, 0, 0), -EFAULT);
    EXPECT_EQ_S(t, vfs_open_console(&console), 0);
    EXPECT_EQ(t, console->kind, FILE_CONSOLE);
    EXPECT_EQ(t, console->flags & O_ACCMODE, O_RDWR);
    file_put(console);
    tty_end(&e, saved);
}
