#include "kconsole.h"

#include <stddef.h>

#include "arch/x86_64/asm_consts.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/machine.h"
#include "arch/x86_64/serial.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/layout.h"

#define LINE_MAX 80
#define CHAR_BACKSPACE 0x08
#define CHAR_DELETE 0x7f
#define CHAR_CTRL_C 0x03
#define CHAR_CTRL_D 0x04

/* Read one line with echo and backspace. Polls the UART: nothing else runs. */
static size_t read_line(char *line, size_t size)
{
    size_t len = 0;

    for (;;) {
        int c = serial_getc_nonblock();
        if (c < 0) {
            __asm__ volatile("pause");
            continue;
        }
        if (c == '\r' || c == '\n') {
            serial_putc('\n');
            line[len] = '\0';
            return len;
        }
        if (c == CHAR_CTRL_C) {
            /* Drop the line, as a shell does. */
            serial_write("^C\n");
            line[0] = '\0';
            return 0;
        }
        if (c == CHAR_CTRL_D && len == 0) {
            strlcpy(line, "poweroff", size);
            serial_write("poweroff\n");
            return strlen(line);
        }
        if (c == CHAR_BACKSPACE || c == CHAR_DELETE) {
            if (len > 0) {
                len--;
                serial_write("\b \b");
            }
            continue;
        }
        if (c >= ' ' && c < CHAR_DELETE && len + 1 < size) {
            line[len++] = (char)c;
            serial_putc((char)c);
        }
    }
}

void kconsole_run(void)
{
    char line[LINE_MAX];

    kprintf("lwcos kernel console: user space is not available yet. Type 'help'.\n");
    for (;;) {
        kprintf("lwcos> ");
        read_line(line, sizeof(line));
        if (line[0] == '\0')
            continue;
        if (strcmp(line, "help") == 0) {
            kprintf("help      this list\n"
                    "mem       free and usable physical frames\n"
                    "poweroff  leave QEMU (also Ctrl-D on an empty line)\n");
        } else if (strcmp(line, "mem") == 0) {
            kprintf("%zu free frames (%zu KiB) of %zu usable\n", frame_free_count(),
                    frame_free_count() * PAGE_SIZE / 1024, frame_total_count());
        } else if (strcmp(line, "poweroff") == 0) {
            kprintf("powering off\n");
            machine_exit(DEBUG_EXIT_PASS);
        } else {
            kprintf("unknown command '%s'; type 'help'\n", line);
        }
    }
}
