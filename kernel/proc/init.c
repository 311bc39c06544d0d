#include "proc/init.h"

#include "arch/x86_64/trap.h"
#include "boot/multiboot2.h"
#include "fs/file.h"
#include "fs/vfs.h"
#include "lib/errno.h"
#include "lib/klog.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "lwc/lwc.h"
#include "mm/layout.h"
#include "proc/exec.h"
#include "proc/process_internal.h"
#include "proc/sched.h"

bool init_kernel_tests_failed;

#define INIT_PATH "/init"
#define INITRAMFS_MODULE "initramfs"

bool init_have_initramfs(void)
{
    for (size_t i = 0; i < boot_info.module_count; i++) {
        if (strcmp(boot_info.modules[i].name, INITRAMFS_MODULE) == 0)
            return true;
    }
    return false;
}

bool init_load_initramfs(void)
{
    for (size_t i = 0; i < boot_info.module_count; i++) {
        const struct boot_module *m = &boot_info.modules[i];
        if (strcmp(m->name, INITRAMFS_MODULE) != 0)
            continue;
        int rc = vfs_unpack_initramfs(phys_to_virt(m->start), m->end - m->start);
        if (rc != 0) {
            klog(KLOG_ERROR, "init", "could not unpack the initramfs (%lu bytes): error %d",
                 m->end - m->start, rc);
            return false;
        }
        klog(KLOG_INFO, "init", "unpacked the initramfs (%lu KiB)", (m->end - m->start) >> 10);
        struct file *f;
        struct process *kernel = process_kernel();
        if (vfs_open_exec(INIT_PATH, NULL, &kernel->cred, &f) != 0)
            return false;
        file_put(f);
        return true;
    }
    return false;
}

/* Descriptors 0, 1 and 2 on the console. */
static int open_console_fds(struct process *p)
{
    struct file *console;
    int rc = vfs_open_console(&console);
    if (rc != 0)
        return rc;
    for (int fd = 0; fd < 3; fd++) {
        rc = fd_install(p->fds, file_get(console), fd, false);
        if (rc != fd)
            break;
    }
    file_put(console);
    return rc < 0 ? rc : 0;
}

int init_start(enum boot_mode mode, unsigned ktap_index)
{
    struct process *p = process_alloc(NULL);
    if (p == NULL)
        return -ENOMEM;
    p->pgid = p->pid;
    p->sid = p->pid;
    rlimit_init_defaults(p);
    p->umask = 022;
    p->cwd = vfs_root();
    p->fds = fd_table_create();
    if (p->fds == NULL)
        return -ENOMEM;
    int rc = open_console_fds(p);
    if (rc != 0)
        return rc;

    char mode_var[32], filter_var[160], index_var[40];
    ksnprintf(mode_var, sizeof(mode_var), "LWCOS_MODE=%s",
              mode == BOOT_MODE_EXEC ? "exec" : boot_mode_name(mode));
    ksnprintf(filter_var, sizeof(filter_var), "LWCOS_FILTER=%s", boot_options.filter);
    ksnprintf(index_var, sizeof(index_var), "LWCOS_KTAP_INDEX=%u", ktap_index);
    const char *argv[] = { INIT_PATH, NULL };
    /* In bench mode the kernel printed "BENCH version 1" and its rows; init
     * adds the user-program rows and "BENCH end". */
    const char *envp[] = { mode_var, "PATH=/bin", "HOME=/", "TERM=vt100", index_var,
                           mode == BOOT_MODE_BENCH ? "LWCOS_BENCH_OPEN=1" : "LWCOS_KERNEL=lwcos",
                           boot_options.filter[0] != '\0' ? filter_var : NULL, NULL };

    struct exec_args args;
    rc = exec_args_from_kernel(&args, argv, envp);
    if (rc != 0)
        return rc;
    struct trap_frame frame;
    rc = exec_program(p, INIT_PATH, &args, &frame);
    exec_args_free(&args);
    if (rc != 0)
        return rc;

    struct thread *t = thread_create_user(p, &frame, p->pid);
    if (t == NULL)
        return -ENOMEM;
    rc = lwc_create_root(p, t);
    if (rc != 0)
        return rc;
    sched_enqueue(t);
    klog(KLOG_INFO, "init", "started %s as pid %d (mode %s)", INIT_PATH, p->pid,
         mode == BOOT_MODE_EXEC ? "exec" : boot_mode_name(mode));
    return 0;
}
