#include "mm/uaccess.h"

#include <stdbool.h>

#include "lib/errno.h"
#include "mm/pagetable.h"

struct ex_table_entry {
    uint64_t fault_rip;
    uint64_t fixup_rip;
};

extern const struct ex_table_entry __ex_table_start[], __ex_table_end[];

uint64_t uaccess_copy(void *dst, const void *src, uint64_t n);
int64_t uaccess_strncpy(char *dst, const char *src, int64_t n);

static bool smap;

void uaccess_set_smap(int enabled)
{
    smap = enabled != 0;
}

/* With SMAP on, kernel accesses to user pages fault unless RFLAGS.AC is set. */
static inline void user_access_begin(void)
{
    if (smap)
        __asm__ volatile("stac" ::: "memory");
}

static inline void user_access_end(void)
{
    if (smap)
        __asm__ volatile("clac" ::: "memory");
}

static bool user_range_ok(uint64_t addr, size_t n)
{
    return addr <= USER_SPACE_END && n <= USER_SPACE_END - addr;
}

int copy_from_user(void *dst, uint64_t user_src, size_t n)
{
    if (n == 0)
        return 0;
    if (!user_range_ok(user_src, n))
        return -EFAULT;
    user_access_begin();
    uint64_t left = uaccess_copy(dst, (const void *)user_src, n);
    user_access_end();
    return left == 0 ? 0 : -EFAULT;
}

int copy_to_user(uint64_t user_dst, const void *src, size_t n)
{
    if (n == 0)
        return 0;
    if (!user_range_ok(user_dst, n))
        return -EFAULT;
    user_access_begin();
    uint64_t left = uaccess_copy((void *)user_dst, src, n);
    user_access_end();
    return left == 0 ? 0 : -EFAULT;
}

long strncpy_from_user(char *dst, uint64_t user_src, size_t size)
{
    if (size == 0)
        return -ENAMETOOLONG;
    /* Only the bytes that are really read must be user memory, but never
     * read past the end of user space. */
    size_t max = size;
    if (user_src >= USER_SPACE_END)
        return -EFAULT;
    if (max > USER_SPACE_END - user_src)
        max = USER_SPACE_END - user_src;

    user_access_begin();
    int64_t len = uaccess_strncpy(dst, (const char *)user_src, (int64_t)max);
    user_access_end();

    if (len < 0) {
        dst[0] = '\0';
        return -EFAULT;
    }
    if ((size_t)len == max) {
        dst[size - 1] = '\0';
        return max < size ? -EFAULT : -ENAMETOOLONG;
    }
    return len;
}

uint64_t uaccess_fixup(uint64_t rip)
{
    for (const struct ex_table_entry *e = __ex_table_start; e < __ex_table_end; e++) {
        if (e->fault_rip == rip)
            return e->fixup_rip;
    }
    return 0;
}
