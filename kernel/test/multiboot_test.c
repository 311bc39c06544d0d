/* Tests for boot/multiboot2.c, on boot information built in memory, plus a
 * check of what the real boot passed. */
#include "boot/multiboot2.h"
#include "lib/errno.h"
#include "lib/ktest.h"
#include "lib/string.h"

/* A buffer to build boot information in, tag by tag. */
struct mb2_builder {
    uint64_t words[128];            /* 1 KiB, 8-byte aligned like the real thing */
    size_t len;
};

static void *builder_add(struct mb2_builder *b, uint32_t type, uint32_t size)
{
    uint8_t *base = (uint8_t *)b->words;
    struct mb2_tag *tag = (struct mb2_tag *)(base + b->len);

    tag->type = type;
    tag->size = size;
    b->len += (size + 7) & ~7u;
    return tag;
}

static void builder_start(struct mb2_builder *b)
{
    memset(b->words, 0, sizeof(b->words));
    b->len = sizeof(struct mb2_info_header);
}

static void builder_add_cmdline(struct mb2_builder *b, const char *s)
{
    size_t n = strlen(s) + 1;
    struct mb2_tag *tag = builder_add(b, MB2_TAG_CMDLINE, (uint32_t)(sizeof(*tag) + n));
    memcpy(tag + 1, s, n);
}

static void builder_add_mmap(struct mb2_builder *b, size_t entries)
{
    struct mb2_tag_mmap *mmap = builder_add(
        b, MB2_TAG_MMAP, (uint32_t)(sizeof(*mmap) + entries * sizeof(struct mb2_mmap_entry)));
    struct mb2_mmap_entry *e = (struct mb2_mmap_entry *)(mmap + 1);

    mmap->entry_size = sizeof(struct mb2_mmap_entry);
    mmap->entry_version = 0;
    for (size_t i = 0; i < entries; i++) {
        e[i].base = i * 0x100000;
        e[i].length = 0x80000;
        e[i].type = i % 2 == 0 ? MB2_MEMORY_AVAILABLE : 2;
    }
}

static void builder_finish(struct mb2_builder *b)
{
    builder_add(b, MB2_TAG_END, sizeof(struct mb2_tag));
    ((struct mb2_info_header *)b->words)->total_size = (uint32_t)b->len;
}

static int parse(struct mb2_builder *b, struct boot_info *out, char *err, size_t err_size)
{
    return mb2_parse(b->words, sizeof(b->words), 0x9000, out, err, err_size);
}

static struct mb2_builder builder;
static struct boot_info parsed;

KTEST(multiboot, parses_valid_information)
{
    char err[128];

    builder_start(&builder);
    builder_add_cmdline(&builder, "lwcos.mode=test loglevel=7");
    builder_add_mmap(&builder, 3);
    struct mb2_tag_module *mod = builder_add(&builder, MB2_TAG_MODULE, sizeof(*mod) + 10);
    mod->mod_start = 0x200000;
    mod->mod_end = 0x201000;
    memcpy(mod + 1, "initramfs", 10);
    builder_finish(&builder);

    ASSERT_EQ_S(t, parse(&builder, &parsed, err, sizeof(err)), 0);
    EXPECT_STREQ(t, err, "");
    EXPECT_TRUE(t, parsed.has_cmdline);
    EXPECT_STREQ(t, parsed.cmdline, "lwcos.mode=test loglevel=7");
    EXPECT_EQ(t, parsed.mmap_count, 3);
    EXPECT_EQ(t, parsed.mmap[1].base, 0x100000);
    EXPECT_EQ(t, parsed.mmap[1].length, 0x80000);
    EXPECT_EQ(t, parsed.mmap[1].type, 2);
    EXPECT_EQ(t, parsed.module_count, 1);
    EXPECT_EQ(t, parsed.modules[0].start, 0x200000);
    EXPECT_EQ(t, parsed.modules[0].end, 0x201000);
    EXPECT_STREQ(t, parsed.modules[0].name, "initramfs");
    EXPECT_EQ(t, parsed.info_phys, 0x9000);
    EXPECT_EQ(t, parsed.info_size, builder.len);
}

KTEST(multiboot, rejects_bad_total_size)
{
    char err[128];

    builder_start(&builder);
    builder_add_mmap(&builder, 1);
    builder_finish(&builder);
    ((struct mb2_info_header *)builder.words)->total_size = sizeof(builder.words) + 8;
    EXPECT_EQ_S(t, parse(&builder, &parsed, err, sizeof(err)), -EINVAL);
    EXPECT_STREQ(t, err, "boot information total size 1032 is invalid (limit 1024)");

    ((struct mb2_info_header *)builder.words)->total_size = 4;
    EXPECT_EQ_S(t, parse(&builder, &parsed, err, sizeof(err)), -EINVAL);
    EXPECT_STREQ(t, err, "boot information total size 4 is invalid (limit 1024)");
}

KTEST(multiboot, rejects_tag_past_end)
{
    char err[128];

    builder_start(&builder);
    struct mb2_tag *tag = builder_add(&builder, 77, 16);
    builder_add_mmap(&builder, 1);
    builder_finish(&builder);
    tag->size = 4096;
    EXPECT_EQ_S(t, parse(&builder, &parsed, err, sizeof(err)), -EINVAL);
    EXPECT_STREQ(t, err, "tag type 77 at offset 8 has size 4096 past the end (72 bytes)");

    tag->size = 4;
    EXPECT_EQ_S(t, parse(&builder, &parsed, err, sizeof(err)), -EINVAL);
    EXPECT_STREQ(t, err, "tag type 77 at offset 8 has size 4 past the end (72 bytes)");
}

KTEST(multiboot, rejects_missing_end_tag)
{
    char err[128];

    builder_start(&builder);
    builder_add_mmap(&builder, 1);
    ((struct mb2_info_header *)builder.words)->total_size = (uint32_t)builder.len;
    EXPECT_EQ_S(t, parse(&builder, &parsed, err, sizeof(err)), -EINVAL);
    EXPECT_STREQ(t, err, "no end tag within 48 bytes");
}

KTEST(multiboot, rejects_empty_or_missing_memory_map)
{
    char err[128];

    builder_start(&builder);
    builder_add_mmap(&builder, 0);
    builder_finish(&builder);
    EXPECT_EQ_S(t, parse(&builder, &parsed, err, sizeof(err)), -EINVAL);
    EXPECT_STREQ(t, err, "memory map has no entries");

    builder_start(&builder);
    builder_add_cmdline(&builder, "x");
    builder_finish(&builder);
    EXPECT_EQ_S(t, parse(&builder, &parsed, err, sizeof(err)), -EINVAL);
    EXPECT_STREQ(t, err, "no memory map tag");
}

KTEST(multiboot, rejects_bad_memory_map_entry_size)
{
    char err[128];

    builder_start(&builder);
    builder_add_mmap(&builder, 2);
    struct mb2_tag_mmap *mmap = (struct mb2_tag_mmap *)((uint8_t *)builder.words + 8);
    mmap->entry_size = 12;
    builder_finish(&builder);
    EXPECT_EQ_S(t, parse(&builder, &parsed, err, sizeof(err)), -EINVAL);
    EXPECT_STREQ(t, err, "memory map entry size 12 is invalid (expected >= 24, multiple of 8)");
}

KTEST(multiboot, rejects_unterminated_strings)
{
    char err[128];

    builder_start(&builder);
    struct mb2_tag *tag = builder_add(&builder, MB2_TAG_CMDLINE, sizeof(struct mb2_tag) + 4);
    memcpy(tag + 1, "abcd", 4);
    builder_add_mmap(&builder, 1);
    builder_finish(&builder);
    EXPECT_EQ_S(t, parse(&builder, &parsed, err, sizeof(err)), -EINVAL);
    EXPECT_STREQ(t, err, "command line is not NUL-terminated");

    builder_start(&builder);
    struct mb2_tag_module *mod = builder_add(&builder, MB2_TAG_MODULE, sizeof(*mod) + 2);
    mod->mod_start = 0x1000;
    mod->mod_end = 0x2000;
    memcpy(mod + 1, "ab", 2);
    builder_add_mmap(&builder, 1);
    builder_finish(&builder);
    EXPECT_EQ_S(t, parse(&builder, &parsed, err, sizeof(err)), -EINVAL);
    EXPECT_STREQ(t, err, "module command line is not NUL-terminated");
}

KTEST(multiboot, rejects_null_and_misaligned_information)
{
    char err[128];

    EXPECT_EQ_S(t, mb2_parse(NULL, 64, 0, &parsed, err, sizeof(err)), -EINVAL);
    EXPECT_STREQ(t, err, "no boot information (NULL address)");
    EXPECT_EQ_S(t, mb2_parse((uint8_t *)builder.words + 4, 64, 0, &parsed, err, sizeof(err)),
                -EINVAL);
}

KTEST(multiboot, real_boot_information)
{
    /* What GRUB passed this boot: a memory map with usable RAM, a command
     * line selecting test mode, and the kernel's ELF section headers. */
    size_t available = 0;
    for (size_t i = 0; i < boot_info.mmap_count; i++)
        available += boot_info.mmap[i].type == MB2_MEMORY_AVAILABLE;

    EXPECT_GE(t, boot_info.mmap_count, 2);
    EXPECT_GE(t, available, 1);
    EXPECT_TRUE(t, boot_info.has_cmdline);
    EXPECT_NOT_NULL(t, strchr(boot_info.cmdline, '='));
    EXPECT_NOT_NULL(t, boot_info.elf_sections);
    EXPECT_EQ(t, boot_info.elf_section_entsize, 64);
    EXPECT_NE(t, boot_info.info_phys, 0);
}
