/* lwC objects: lifetime, descriptors, the root lwC, fork and exit. */
#include "lwc/lwc.h"

#include "fs/file.h"
#include "lib/errno.h"
#include "lib/klog.h"
#include "lib/panic.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/pcid.h"
#include "mm/vm.h"
#include "proc/process_internal.h"
#include "proc/sched.h"

struct lwc *lwc_alloc(struct process *p)
{
    struct lwc *l = kzalloc(sizeof(*l));
    if (l == NULL)
        return NULL;
    l->id = p->next_lwc_id++;
    l->refcount = 0;
    l->proc = p;
    list_push_back(&p->lwcs, &l->proc_link);
    return l;
}

void lwc_get(struct lwc *l)
{
    l->refcount++;
}

static void lwc_free(struct lwc *l)
{
    struct lwc *monitor = l->monitor;
    list_remove(&l->proc_link);
    struct fd_table *fds = l->fds;
    struct vm_space *vm = l->vm;
    l->fds = NULL;
    l->vm = NULL;
    kfree(l);
    /* The table may hold descriptors of other lwCs: put it last, so those
     * releases never see this lwC half freed. */
    if (vm != NULL) {
        if (vm == tlb_current())
            panic("lwc_free: the address space of a dying lwC is loaded");
        vm_space_destroy(vm);
    }
    if (fds != NULL)
        fd_table_put(fds);
    if (monitor != NULL)
        lwc_put(monitor);
}

/* lwCs whose last reference went while another was being freed. Freeing
 * one lwC closes its table, which may drop the last reference to the next:
 * a chain of thousands would recurse that deep on a 16 KiB kernel stack,
 * so the outermost lwc_put frees them one after another instead. */
static struct list_node dying = LIST_HEAD_INIT(dying);
static bool freeing;

void lwc_put(struct lwc *l)
{
    if (l->refcount == 0)
        panic("lwc_put: lwC %d of pid %d has no reference to drop", l->id, l->proc->pid);
    if (--l->refcount != 0)
        return;

    list_remove(&l->proc_link);
    list_push_back(&dying, &l->proc_link);
    if (freeing)
        return;
    freeing = true;
    while (!list_empty(&dying)) {
        struct lwc *next = container_of(dying.next, struct lwc, proc_link);
        lwc_free(next);
    }
    freeing = false;
}

/* Every file operation on an lwC descriptor fails with EBADF. */
static long lwc_file_read(struct file *f, uint64_t user_buf, size_t count)
{
    (void)f, (void)user_buf, (void)count;
    return -EBADF;
}

static long lwc_file_lseek(struct file *f, int64_t offset, int whence)
{
    (void)f, (void)offset, (void)whence;
    return -EBADF;
}

static long lwc_file_ioctl(struct file *f, unsigned long request, uint64_t user_arg)
{
    (void)f, (void)request, (void)user_arg;
    return -EBADF;
}

static long lwc_file_getdents(struct file *f, uint64_t user_buf, size_t count)
{
    (void)f, (void)user_buf, (void)count;
    return -EBADF;
}

static int lwc_file_stat(struct file *f, struct kstat *st)
{
    (void)f, (void)st;
    return -EBADF;
}

static void lwc_file_release(struct file *f)
{
    struct lwc_descriptor *d = f->private_data;
    if (d == NULL)
        return;
    if (d->target != NULL)
        lwc_put(d->target);
    kfree(d);
}

static const struct file_ops lwc_file_ops = {
    .read = lwc_file_read,
    .write = lwc_file_read,
    .lseek = lwc_file_lseek,
    .ioctl = lwc_file_ioctl,
    .stat = lwc_file_stat,
    .getdents64 = lwc_file_getdents,
    .release = lwc_file_release,
};

struct file *file_alloc(enum file_kind kind, const struct file_ops *ops, unsigned flags);

struct file *lwc_file_create(struct lwc *target, const struct lwc_rights *rights)
{
    struct lwc_descriptor *d = kzalloc(sizeof(*d));
    if (d == NULL)
        return NULL;
    struct file *f = file_alloc(FILE_LWC, &lwc_file_ops, 0);
    if (f == NULL) {
        kfree(d);
        return NULL;
    }
    d->target = target;
    d->rights = *rights;
    lwc_get(target);
    f->private_data = d;
    return f;
}

struct lwc_descriptor *lwc_lookup(int fd, int *err)
{
    struct file *f = fd_lookup(current_process()->fds, fd);
    if (f == NULL || f->kind != FILE_LWC) {
        *err = -EBADF;
        return NULL;
    }
    *err = 0;
    return f->private_data;
}

static bool fd_names(struct fd_table *t, int fd, const struct lwc *target)
{
    struct file *f = fd_lookup(t, fd);
    return f != NULL && f->kind == FILE_LWC &&
           ((struct lwc_descriptor *)f->private_data)->target == target;
}

int lwc_fd_for(struct lwc *l, struct lwc *target)
{
    /* The last answer is usually right again (a switch back and forth);
     * check it is still true before using it. */
    if (l->fd_cache_target == target && fd_names(l->fds, l->fd_cache_fd, target))
        return l->fd_cache_fd;

    int found = -1;
    for (int fd = 0; fd < FD_TABLE_SIZE && found < 0; fd++) {
        if (fd_names(l->fds, fd, target))
            found = fd;
    }
    if (found < 0) {
        /* None: a reply right only (switch back to whoever entered). */
        struct lwc_rights reply = { .flags = LWC_R_SWITCH };
        struct file *f = lwc_file_create(target, &reply);
        if (f == NULL)
            return -ENOMEM;
        found = fd_install(l->fds, f, 0, false);
        if (found < 0) {
            file_put(f);
            return found;
        }
    }
    l->fd_cache_target = target;
    l->fd_cache_fd = found;
    return found;
}

/* The system calls a trapping lwC may run directly by default (our
 * choice, after capability mode): calls on descriptors it holds, its own
 * memory, time, exit, signals and the lwC calls. */
static const int default_direct_syscalls[] = {
    0, 1, 3, 5, 8, 16, 17, 18, 19, 20, 32, 33, 72, 77, 217, 292,   /* descriptors */
    9, 10, 11, 12,                                                  /* memory */
    13, 14, 15, 34, 127, 131,                                       /* signals */
    24, 35, 96, 201, 228, 230,                                      /* time, yield */
    39, 102, 104, 107, 108, 110, 186, 218, 158, 318,                /* identity, TLS */
    60, 231,                                                        /* exit */
    500, 501, 502, 503, 504,                                        /* lwC calls */
};

void lwc_syscalls_set_default(struct lwc *l)
{
    memset(l->syscall_direct, 0, sizeof(l->syscall_direct));
    for (size_t i = 0; i < sizeof(default_direct_syscalls) / sizeof(int); i++) {
        int nr = default_direct_syscalls[i];
        l->syscall_direct[nr / 64] |= 1ull << (nr % 64);
    }
}

int lwc_create_root(struct process *p, struct thread *t)
{
    struct lwc *root = lwc_alloc(p);
    if (root == NULL)
        return -ENOMEM;
    struct lwc_rights all;
    lwc_rights_all(&all);
    struct file *f = lwc_file_create(root, &all);
    if (f == NULL) {
        list_remove(&root->proc_link);
        kfree(root);
        return -ENOMEM;
    }
    root->vm = p->vm;
    root->fds = p->fds;
    root->cred = p->cred;
    p->sigactions = root->sigactions;   /* every signal at SIG_DFL */
    fd_install_at(p->fds, LWC_ROOT_FD, f, false);
    lwc_get(root);      /* the thread running in it */
    p->root_lwc = root;
    t->lwc = root;
    return 0;
}

/* Close every lwC descriptor in t. */
void lwc_close_descriptors(struct fd_table *t)
{
    for (int fd = 0; fd < FD_TABLE_SIZE; fd++) {
        struct file *f = fd_lookup(t, fd);
        if (f != NULL && f->kind == FILE_LWC)
            fd_close(t, fd);
    }
}

struct fd_table *lwc_destroy_all(struct process *p, struct vm_space *skip_vm, bool keep_running_table)
{
    struct thread *self = current_thread();
    struct lwc *running = self->proc == p ? self->lwc : NULL;
    struct fd_table *kept = NULL;

    /* Pin every lwC, so closing descriptors (which drops references
     * between lwCs) never frees one while the others still point at it. */
    list_for_each(node, &p->lwcs)
        container_of(node, struct lwc, proc_link)->refcount++;

    p->sigactions = NULL;
    list_for_each(node, &p->lwcs) {
        struct lwc *l = container_of(node, struct lwc, proc_link);
        struct fd_table *fds = l->fds;
        l->fds = NULL;
        if (l == running && keep_running_table)
            kept = fds;
        else if (fds != NULL)
            fd_table_put(fds);
        if (l->vm != NULL && l->vm != skip_vm) {
            if (l->vm == tlb_current())
                tlb_switch_to_kernel();
            vm_space_destroy(l->vm);
        }
        l->vm = NULL;
    }
    if (kept != NULL)
        lwc_close_descriptors(kept);

    /* No descriptor names these lwCs any more. */
    while (!list_empty(&p->lwcs)) {
        struct lwc *l = container_of(p->lwcs.next, struct lwc, proc_link);
        list_remove(&l->proc_link);
        kfree(l);
    }
    if (self->proc == p)
        self->lwc = NULL;
    p->root_lwc = NULL;
    return kept;
}
