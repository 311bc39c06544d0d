/*
 * A private process for the file-system tests (kernel/test/fs_*_test.c):
 * its own descriptor table, credentials and umask, a cwd in a scratch
 * directory /tmp/fstest, and an address space with user memory for the
 * system calls' buffers. fs_test_env_end removes everything it made, so
 * each case leaves the free-frame count as it found it.
 */
#ifndef LWCOS_FS_FS_TEST_ENV_H
#define LWCOS_FS_FS_TEST_ENV_H

#include <stdint.h>

#include "proc/proc.h"

/* User memory of the test address space: [FS_TEST_USER_BASE, + FS_TEST_USER_SIZE). */
#define FS_TEST_USER_BASE 0x400000ul
#define FS_TEST_USER_SIZE (32 * 4096ul)

struct fs_test_env {
    struct process proc;
    struct vm_space *vm;
    struct inode *scratch;      /* /tmp/fstest, the cwd */
    uint64_t user_next;         /* bump allocator in the user memory */
};

/* Set up the environment, load its address space and make it the process
 * the file calls use. Returns 0 or -ENOMEM. */
int fs_test_env_begin(struct fs_test_env *env);
/* Close every descriptor, remove the scratch tree, unload the space. */
void fs_test_env_end(struct fs_test_env *env);

/* Reserve n bytes of user memory (8-byte aligned) and return the address. */
uint64_t fs_test_user_alloc(struct fs_test_env *env, size_t n);
/* Copy a string (with its NUL) into new user memory; returns its address. */
uint64_t fs_test_user_str(struct fs_test_env *env, const char *s);

/* Act as uid:gid (euid and egid too) from now on. */
void fs_test_env_set_ids(struct fs_test_env *env, uint32_t uid, uint32_t gid);

#endif
