/* The file-system tests' private process (see fs_test_env.h). */
#include "fs/fs_test_env.h"

#include "fs/file.h"
#include "fs/namei.h"
#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/panic.h"
#include "lib/string.h"
#include "mm/pcid.h"
#include "mm/uaccess.h"
#include "mm/vm.h"
#include "sys/sys_fs.h"

#define SCRATCH_NAME "fstest"

static struct inode *tmp_dir(void)
{
    struct dirent *entry = ramfs_dir_find(vfs_root_inode(), "tmp");
    KASSERT(entry != NULL);
    return entry->inode;
}

int fs_test_env_begin(struct fs_test_env *env)
{
    memset(env, 0, sizeof(*env));
    env->proc.pid = 1;
    env->proc.pgid = 1;
    env->proc.umask = 022;
    env->user_next = FS_TEST_USER_BASE;

    /* A scratch directory anyone may write in, left behind by no case. */
    struct inode *tmp = tmp_dir();
    KASSERT(ramfs_dir_find(tmp, SCRATCH_NAME) == NULL);
    env->scratch = ramfs_inode_create(S_IFDIR | 0777, 0, 0, tmp);
    env->proc.fds = fd_table_create();
    env->vm = vm_space_create();
    if (env->scratch == NULL || env->proc.fds == NULL || env->vm == NULL ||
        ramfs_dir_add(tmp, SCRATCH_NAME, env->scratch) != 0 ||
        vm_region_add(env->vm, FS_TEST_USER_BASE, FS_TEST_USER_BASE + FS_TEST_USER_SIZE,
                      VM_READ | VM_WRITE, VM_ANON, 0) != 0) {
        fs_test_env_end(env);
        return -ENOMEM;
    }
    env->proc.cwd = inode_get(env->scratch);
    tlb_switch_to(env->vm);
    sys_fs_test_process = &env->proc;
    return 0;
}

void fs_test_env_end(struct fs_test_env *env)
{
    sys_fs_test_process = NULL;
    if (env->vm != NULL) {
        if (tlb_current() == env->vm)
            tlb_switch_to_kernel();
        vm_space_destroy(env->vm);
    }
    fd_table_put(env->proc.fds);
    inode_put(env->proc.cwd);

    /* Remove the scratch tree; its name may be gone already if a case removed it. */
    if (env->scratch != NULL) {
        struct inode *tmp = tmp_dir();
        struct dirent *entry = ramfs_dir_find(tmp, SCRATCH_NAME);
        ramfs_dir_clear(env->scratch);
        if (entry != NULL && entry->inode == env->scratch)
            ramfs_dir_remove(tmp, entry);
        inode_put(env->scratch);
    }
    memset(env, 0, sizeof(*env));
}

uint64_t fs_test_user_alloc(struct fs_test_env *env, size_t n)
{
    uint64_t addr = env->user_next;
    env->user_next += (n + 7) & ~(size_t)7;
    KASSERT(env->user_next <= FS_TEST_USER_BASE + FS_TEST_USER_SIZE);
    return addr;
}

uint64_t fs_test_user_str(struct fs_test_env *env, const char *s)
{
    size_t n = strlen(s) + 1;
    uint64_t addr = fs_test_user_alloc(env, n);
    KASSERT(copy_to_user(addr, s, n) == 0);
    return addr;
}

void fs_test_env_set_ids(struct fs_test_env *env, uint32_t uid, uint32_t gid)
{
    env->proc.cred.uid = env->proc.cred.euid = env->proc.cred.suid = uid;
    env->proc.cred.gid = env->proc.cred.egid = env->proc.cred.sgid = gid;
}
