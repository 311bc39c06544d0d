#include "lib/printf.h"

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/serial.h"
#include "lib/string.h"

/* Output sink: either a bounded buffer or the console. */
struct sink {
    char *buf;
    size_t size;
    size_t len;     /* characters produced so far, including any not stored */
    bool console;
};

static void sink_put(struct sink *out, char c)
{
    if (out->console)
        serial_putc(c);
    else if (out->len + 1 < out->size)
        out->buf[out->len] = c;
    out->len++;
}

static void sink_pad(struct sink *out, char c, int count)
{
    while (count-- > 0)
        sink_put(out, c);
}

struct spec {
    bool left;
    bool zero;
    bool alternate;     /* '#': 0x before nonzero hex, 0 before octal */
    int width;
    int precision;  /* -1 when absent */
};

static void put_string(struct sink *out, const struct spec *spec, const char *s)
{
    size_t len;

    if (s == NULL)
        s = "(null)";
    len = spec->precision >= 0 ? strnlen(s, (size_t)spec->precision) : strlen(s);
    if (!spec->left)
        sink_pad(out, ' ', spec->width - (int)len);
    for (size_t i = 0; i < len; i++)
        sink_put(out, s[i]);
    if (spec->left)
        sink_pad(out, ' ', spec->width - (int)len);
}

static void put_number(struct sink *out, const struct spec *spec, uint64_t value,
                       bool negative, unsigned base, bool upper, const char *prefix)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int ndigits = 0;
    int nprefix = (int)strlen(prefix) + (negative ? 1 : 0);
    int zeros = 0;

    /* C rule: precision 0 with value 0 prints no digits. */
    if (value != 0 || spec->precision != 0) {
        do {
            tmp[ndigits++] = digits[value % base];
            value /= base;
        } while (value != 0);
    }
    if (spec->precision > ndigits)
        zeros = spec->precision - ndigits;
    else if (spec->zero && !spec->left && spec->precision < 0)
        zeros = spec->width - nprefix - ndigits;
    if (zeros < 0)
        zeros = 0;

    int total = nprefix + zeros + ndigits;
    if (!spec->left)
        sink_pad(out, ' ', spec->width - total);
    if (negative)
        sink_put(out, '-');
    for (const char *p = prefix; *p; p++)
        sink_put(out, *p);
    sink_pad(out, '0', zeros);
    while (ndigits > 0)
        sink_put(out, tmp[--ndigits]);
    if (spec->left)
        sink_pad(out, ' ', spec->width - total);
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LONG_LONG, LEN_SIZE };

static void format(struct sink *out, const char *fmt, va_list ap)
{
    while (*fmt) {
        if (*fmt != '%') {
            sink_put(out, *fmt++);
            continue;
        }
        fmt++;

        struct spec spec = { .width = 0, .precision = -1 };
        for (;; fmt++) {
            if (*fmt == '-')
                spec.left = true;
            else if (*fmt == '0')
                spec.zero = true;
            else if (*fmt == '#')
                spec.alternate = true;
            else
                break;
        }
        if (*fmt == '*') {
            spec.width = va_arg(ap, int);
            if (spec.width < 0) {
                spec.left = true;
                spec.width = -spec.width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                spec.width = spec.width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            spec.precision = 0;
            if (*fmt == '*') {
                spec.precision = va_arg(ap, int);
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    spec.precision = spec.precision * 10 + (*fmt++ - '0');
            }
        }

        enum length length = LEN_INT;
        if (fmt[0] == 'h' && fmt[1] == 'h') {
            length = LEN_CHAR;
            fmt += 2;
        } else if (fmt[0] == 'h') {
            length = LEN_SHORT;
            fmt++;
        } else if (fmt[0] == 'l' && fmt[1] == 'l') {
            length = LEN_LONG_LONG;
            fmt += 2;
        } else if (fmt[0] == 'l') {
            length = LEN_LONG;
            fmt++;
        } else if (fmt[0] == 'z' || fmt[0] == 't') {
            length = LEN_SIZE;
            fmt++;
        }

        char conv = *fmt;
        if (conv == '\0')
            break;
        fmt++;

        switch (conv) {
        case 'd':
        case 'i': {
            int64_t v;
            if (length == LEN_LONG || length == LEN_LONG_LONG || length == LEN_SIZE)
                v = va_arg(ap, long);
            else
                v = va_arg(ap, int);
            if (length == LEN_CHAR)
                v = (signed char)v;
            else if (length == LEN_SHORT)
                v = (short)v;
            /* Negate in unsigned arithmetic so INT64_MIN does not overflow. */
            uint64_t magnitude = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
            put_number(out, &spec, magnitude, v < 0, 10, false, "");
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            uint64_t v;
            if (length == LEN_LONG || length == LEN_LONG_LONG || length == LEN_SIZE)
                v = va_arg(ap, unsigned long);
            else
                v = va_arg(ap, unsigned int);
            if (length == LEN_CHAR)
                v = (unsigned char)v;
            else if (length == LEN_SHORT)
                v = (unsigned short)v;
            unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
            const char *prefix = "";
            if (spec.alternate && v != 0 && base == 16)
                prefix = conv == 'X' ? "0X" : "0x";
            else if (spec.alternate && v != 0 && base == 8)
                prefix = "0";
            put_number(out, &spec, v, false, base, conv == 'X', prefix);
            break;
        }
        case 'p': {
            struct spec pspec = spec;
            pspec.precision = 16;
            put_number(out, &pspec, (uintptr_t)va_arg(ap, void *), false, 16, false, "0x");
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            if (!spec.left)
                sink_pad(out, ' ', spec.width - 1);
            sink_put(out, c);
            if (spec.left)
                sink_pad(out, ' ', spec.width - 1);
            break;
        }
        case 's':
            put_string(out, &spec, va_arg(ap, const char *));
            break;
        case '%':
            sink_put(out, '%');
            break;
        default:
            /* Unknown conversion: print it as written so the mistake shows. */
            sink_put(out, '%');
            sink_put(out, conv);
            break;
        }
    }
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink out = { .buf = buf, .size = size, .len = 0, .console = false };

    format(&out, fmt, ap);
    if (size > 0)
        buf[out.len < size ? out.len : size - 1] = '\0';
    return (int)out.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int kvprintf(const char *fmt, va_list ap)
{
    struct sink out = { .buf = NULL, .size = 0, .len = 0, .console = true };

    format(&out, fmt, ap);
    return (int)out.len;
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}
