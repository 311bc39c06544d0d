#include "boot/multiboot2.h"

#include <stdarg.h>

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"

struct boot_info boot_info;

#define MB2_ALIGN 8

static int mb2_error(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int mb2_error(char *err, size_t err_size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(err, err_size, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static int mb2_parse_mmap(const struct mb2_tag *tag, struct boot_info *out, char *err,
                          size_t err_size)
{
    const struct mb2_tag_mmap *mmap = (const struct mb2_tag_mmap *)tag;

    if (tag->size < sizeof(*mmap))
        return mb2_error(err, err_size, "memory map tag is %u bytes, shorter than its header",
                         tag->size);
    if (mmap->entry_size < sizeof(struct mb2_mmap_entry) || mmap->entry_size % 8 != 0)
        return mb2_error(err, err_size, "memory map entry size %u is invalid (expected >= %zu, multiple of 8)",
                         mmap->entry_size, sizeof(struct mb2_mmap_entry));

    size_t count = (tag->size - sizeof(*mmap)) / mmap->entry_size;
    if (count == 0)
        return mb2_error(err, err_size, "memory map has no entries");

    const uint8_t *entries = (const uint8_t *)(mmap + 1);
    out->mmap_count = 0;
    out->mmap_dropped = 0;
    for (size_t i = 0; i < count; i++) {
        struct mb2_mmap_entry entry;
        memcpy(&entry, entries + i * mmap->entry_size, sizeof(entry));
        if (out->mmap_count == BOOT_MMAP_MAX) {
            out->mmap_dropped++;
            continue;
        }
        out->mmap[out->mmap_count++] = (struct boot_mem_range){
            .base = entry.base, .length = entry.length, .type = entry.type,
        };
    }
    return 0;
}

static int mb2_parse_module(const struct mb2_tag *tag, struct boot_info *out, char *err,
                            size_t err_size)
{
    const struct mb2_tag_module *mod = (const struct mb2_tag_module *)tag;

    if (tag->size < sizeof(*mod) + 1)
        return mb2_error(err, err_size, "module tag is %u bytes, too short", tag->size);
    if (mod->mod_end <= mod->mod_start)
        return mb2_error(err, err_size, "module range [%#x, %#x) is empty or reversed",
                         mod->mod_start, mod->mod_end);

    const char *name = (const char *)(mod + 1);
    size_t name_room = tag->size - sizeof(*mod);
    if (strnlen(name, name_room) == name_room)
        return mb2_error(err, err_size, "module command line is not NUL-terminated");
    if (out->module_count == BOOT_MODULES_MAX)
        return mb2_error(err, err_size, "more than %d modules", BOOT_MODULES_MAX);

    struct boot_module *m = &out->modules[out->module_count++];
    m->start = mod->mod_start;
    m->end = mod->mod_end;
    strlcpy(m->name, name, sizeof(m->name));
    return 0;
}

int mb2_parse(const void *info, size_t avail, uint64_t info_phys, struct boot_info *out,
              char *err, size_t err_size)
{
    const uint8_t *base = info;
    struct mb2_info_header header;
    bool has_mmap = false;
    bool has_end = false;

    memset(out, 0, sizeof(*out));
    err[0] = '\0';

    if (info == NULL)
        return mb2_error(err, err_size, "no boot information (NULL address)");
    if ((uintptr_t)info % MB2_ALIGN != 0)
        return mb2_error(err, err_size, "boot information at %p is not 8-byte aligned", info);
    if (avail < sizeof(header))
        return mb2_error(err, err_size, "boot information is %zu bytes, shorter than its header",
                         avail);
    memcpy(&header, base, sizeof(header));
    if (header.total_size < sizeof(header) + sizeof(struct mb2_tag) || header.total_size > avail)
        return mb2_error(err, err_size, "boot information total size %u is invalid (limit %zu)",
                         header.total_size, avail);

    out->info_phys = info_phys;
    out->info_size = header.total_size;

    size_t offset = sizeof(header);
    while (offset + sizeof(struct mb2_tag) <= header.total_size) {
        const struct mb2_tag *tag = (const struct mb2_tag *)(base + offset);
        int rc = 0;

        if (tag->size < sizeof(*tag) || tag->size > header.total_size - offset)
            return mb2_error(err, err_size, "tag type %u at offset %zu has size %u past the end (%u bytes)",
                             tag->type, offset, tag->size, header.total_size);

        switch (tag->type) {
        case MB2_TAG_END:
            has_end = true;
            break;
        case MB2_TAG_CMDLINE: {
            const char *s = (const char *)(tag + 1);
            size_t room = tag->size - sizeof(*tag);
            if (strnlen(s, room) == room)
                return mb2_error(err, err_size, "command line is not NUL-terminated");
            if (strlcpy(out->cmdline, s, sizeof(out->cmdline)) >= sizeof(out->cmdline))
                return mb2_error(err, err_size, "command line is longer than %d bytes",
                                 BOOT_CMDLINE_MAX - 1);
            out->has_cmdline = true;
            break;
        }
        case MB2_TAG_MMAP:
            rc = mb2_parse_mmap(tag, out, err, err_size);
            has_mmap = true;
            break;
        case MB2_TAG_MODULE:
            rc = mb2_parse_module(tag, out, err, err_size);
            break;
        case MB2_TAG_ELF_SECTIONS: {
            const struct mb2_tag_elf_sections *elf = (const struct mb2_tag_elf_sections *)tag;
            if (tag->size < sizeof(*elf) ||
                (uint64_t)elf->num * elf->entsize > tag->size - sizeof(*elf))
                return mb2_error(err, err_size, "ELF sections tag holds %u x %u bytes in %u bytes",
                                 elf->num, elf->entsize, tag->size);
            out->elf_sections = elf + 1;
            out->elf_section_count = elf->num;
            out->elf_section_entsize = elf->entsize;
            break;
        }
        default:
            /* Boot loader name, framebuffer, ACPI and the rest: not needed. */
            break;
        }
        if (rc != 0)
            return rc;
        if (has_end)
            break;
        offset += (tag->size + MB2_ALIGN - 1) & ~(size_t)(MB2_ALIGN - 1);
    }

    if (!has_end)
        return mb2_error(err, err_size, "no end tag within %u bytes", header.total_size);
    if (!has_mmap)
        return mb2_error(err, err_size, "no memory map tag");
    return 0;
}
