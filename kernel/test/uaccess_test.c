/* Tests for mm/uaccess.c: range checks and fault recovery. */
#include "lib/errno.h"
#include "lib/ktest.h"
#include "mm/layout.h"
#include "mm/pcid.h"
#include "mm/uaccess.h"
#include "mm/vm.h"

#define BASE 0x400000ul

static struct vm_space *space_with_pages(unsigned prot)
{
    struct vm_space *s = vm_space_create();
    if (s != NULL && vm_region_add(s, BASE, BASE + 2 * PAGE_SIZE, prot, VM_ANON, 0) != 0) {
        vm_space_destroy(s);
        return NULL;
    }
    return s;
}

KTEST(uaccess, bad_addresses_return_efault)
{
    struct vm_space *s = space_with_pages(VM_READ | VM_WRITE);
    ASSERT_NOT_NULL(t, s);
    char buf[16] = "lwcos";

    tlb_switch_to(s);
    EXPECT_EQ_S(t, copy_to_user(0, buf, 8), -EFAULT);                          /* NULL */
    EXPECT_EQ_S(t, copy_to_user(BASE - 8, buf, 8), -EFAULT);                   /* unmapped */
    EXPECT_EQ_S(t, copy_from_user(buf, (uint64_t)buf, 8), -EFAULT);            /* kernel */
    EXPECT_EQ_S(t, copy_from_user(buf, KERNEL_VMA, 8), -EFAULT);
    EXPECT_EQ_S(t, copy_from_user(buf, 0x0000800000000000ul, 8), -EFAULT);     /* non-canonical */
    EXPECT_EQ_S(t, copy_from_user(buf, USER_SPACE_END - 4, 8), -EFAULT);       /* straddles the end */
    EXPECT_EQ_S(t, copy_from_user(buf, ~0ul - 3, 8), -EFAULT);                 /* wraps around */
    EXPECT_EQ_S(t, copy_to_user(BASE + 2 * PAGE_SIZE - 4, buf, 8), -EFAULT);   /* runs off the region */
    EXPECT_EQ_S(t, copy_to_user(BASE, buf, 0), 0);
    EXPECT_EQ_S(t, copy_to_user(BASE + PAGE_SIZE - 3, buf, 6), 0);             /* crosses a page */
    char back[8] = { 0 };
    EXPECT_EQ_S(t, copy_from_user(back, BASE + PAGE_SIZE - 3, 6), 0);
    tlb_switch_to_kernel();
    EXPECT_STREQ(t, back, "lwcos");
    vm_space_destroy(s);
}

KTEST(uaccess, read_only_region_rejects_writes)
{
    struct vm_space *s = space_with_pages(VM_READ);
    ASSERT_NOT_NULL(t, s);
    uint64_t value = 5, back = 1;

    tlb_switch_to(s);
    EXPECT_EQ_S(t, copy_to_user(BASE, &value, sizeof(value)), -EFAULT);
    EXPECT_EQ_S(t, copy_from_user(&back, BASE, sizeof(back)), 0);
    tlb_switch_to_kernel();
    EXPECT_EQ(t, back, 0);
    vm_space_destroy(s);
}

KTEST(uaccess, strncpy_from_user_cases)
{
    struct vm_space *s = space_with_pages(VM_READ | VM_WRITE);
    ASSERT_NOT_NULL(t, s);
    char out[8];
    uint64_t end = BASE + 2 * PAGE_SIZE;

    tlb_switch_to(s);
    EXPECT_EQ_S(t, copy_to_user(BASE, "hello", 6), 0);
    EXPECT_EQ_S(t, strncpy_from_user(out, BASE, sizeof(out)), 5);
    EXPECT_STREQ(t, out, "hello");
    EXPECT_EQ_S(t, strncpy_from_user(out, BASE, 4), -ENAMETOOLONG);
    EXPECT_STREQ(t, out, "hel");
    /* No NUL before the region ends: the read runs into unmapped memory. */
    EXPECT_EQ_S(t, copy_to_user(end - 3, "abc", 3), 0);
    EXPECT_EQ_S(t, strncpy_from_user(out, end - 3, sizeof(out)), -EFAULT);
    EXPECT_EQ_S(t, strncpy_from_user(out, (uint64_t)out, sizeof(out)), -EFAULT);
    EXPECT_EQ_S(t, strncpy_from_user(out, USER_SPACE_END - 2, sizeof(out)), -EFAULT);
    tlb_switch_to_kernel();
    vm_space_destroy(s);
}
