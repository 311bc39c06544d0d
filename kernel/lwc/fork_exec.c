/* lwCs across fork and execve (rule 17): fork copies every lwC of the
 * process; execve destroys them all and starts a fresh root. */
#include "fs/file.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lwc/lwc.h"
#include "mm/heap.h"
#include "mm/vm.h"
#include "proc/process_internal.h"
#include "proc/sched.h"

int lwc_exec_reset(struct process *p, struct vm_space *old_vm)
{
    /* Ignored signals stay ignored across execve; handlers do not survive. */
    uint64_t ignored = 0;
    for (unsigned i = 0; i < 64; i++) {
        if (p->sigactions != NULL && p->sigactions[i].handler == 1)
            ignored |= 1ull << i;
    }

    struct fd_table *fds = lwc_destroy_all(p, old_vm, true);
    if (fds != NULL)
        p->fds = fds;
    p->next_lwc_id = 0;     /* the new root is lwC 0 again */
    int rc = lwc_create_root(p, current_thread());
    if (rc != 0)
        return rc;
    for (unsigned i = 0; i < 64; i++) {
        if (ignored & (1ull << i))
            p->sigactions[i].handler = 1;
    }
    return 0;
}

/* NOTE: a limit of this kernel: fork copies at most this many lwCs. */
#define LWC_FORK_MAX 256

struct lwc_map {
    unsigned count;
    struct lwc *from[LWC_FORK_MAX];
    struct lwc *to[LWC_FORK_MAX];
};

static struct lwc *map_lwc(const struct lwc_map *m, const struct lwc *l)
{
    for (unsigned i = 0; i < m->count; i++) {
        if (m->from[i] == l)
            return m->to[i];
    }
    return NULL;
}

/* In a cloned table, make each lwC descriptor name the child's copy. */
static int remap_descriptors(struct fd_table *t, const struct lwc_map *m)
{
    for (int fd = 0; fd < FD_TABLE_SIZE; fd++) {
        struct file *f = fd_lookup(t, fd);
        if (f == NULL || f->kind != FILE_LWC)
            continue;
        struct lwc_descriptor *d = f->private_data;
        struct lwc *target = map_lwc(m, d->target);
        if (target == NULL) {
            fd_close(t, fd);
            continue;
        }
        struct file *copy = lwc_file_create(target, &d->rights);
        if (copy == NULL)
            return -ENOMEM;
        fd_install_at(t, fd, copy, fd_get_cloexec(t, fd));
    }
    return 0;
}

int lwc_fork_all(struct process *parent, struct process *child, struct thread *t)
{
    struct thread *self = current_thread();
    struct lwc_map *m = kzalloc(sizeof(*m));
    int rc = 0;

    if (m == NULL)
        return -ENOMEM;

    /* 1. Each lwC: memory, credentials, trap list, this thread's slot. */
    list_for_each(node, &parent->lwcs) {
        struct lwc *l = container_of(node, struct lwc, proc_link);
        struct lwc *copy = m->count < LWC_FORK_MAX ? lwc_alloc(child) : NULL;
        if (copy == NULL) {
            rc = -ENOMEM;
            break;
        }
        m->from[m->count] = l;
        m->to[m->count++] = copy;
        copy->id = l->id;
        copy->cred = l == self->lwc ? parent->cred : l->cred;
        memcpy(copy->sigactions, l->sigactions, sizeof(copy->sigactions));
        copy->systrap = l->systrap;
        memcpy(copy->syscall_direct, l->syscall_direct, sizeof(copy->syscall_direct));
        for (unsigned i = 0; i < LWC_THREAD_SLOTS; i++) {
            if (l->saved[i].tid == self->tid) {
                copy->saved[0] = l->saved[i];
                copy->saved[0].tid = t->tid;
            }
        }
        copy->vm = vm_space_clone(l->vm);
        if (copy->vm == NULL) {
            rc = -ENOMEM;
            break;
        }
    }
    child->next_lwc_id = parent->next_lwc_id;

    /* 2. Tables: shared ones stay shared between the copies. */
    for (unsigned i = 0; rc == 0 && i < m->count; i++) {
        struct lwc *l = m->from[i];
        for (unsigned j = 0; j < i; j++) {
            if (m->from[j]->fds == l->fds) {
                m->to[i]->fds = fd_table_get(m->to[j]->fds);
                break;
            }
        }
        if (m->to[i]->fds != NULL)
            continue;
        m->to[i]->fds = fd_table_clone(l->fds);
        if (m->to[i]->fds == NULL)
            rc = -ENOMEM;
        else
            rc = remap_descriptors(m->to[i]->fds, m);
    }
    for (unsigned i = 0; i < m->count; i++) {
        m->to[i]->monitor = map_lwc(m, m->from[i]->monitor);
        if (m->to[i]->monitor != NULL)
            lwc_get(m->to[i]->monitor);
    }

    if (rc == 0) {
        struct lwc *running = map_lwc(m, self->lwc);
        lwc_get(running);
        t->lwc = running;
        child->root_lwc = map_lwc(m, parent->root_lwc);
        child->vm = running->vm;
        child->fds = running->fds;
        child->cred = parent->cred;
        child->sigactions = running->sigactions;
    } else {
        lwc_destroy_all(child, NULL, false);
        child->vm = NULL;
        child->fds = NULL;
    }
    kfree(m);
    return rc;
}
