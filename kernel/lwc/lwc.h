/*
 * Light-weight contexts in the kernel.
 *
 * Vocabulary
 *   lwC          struct lwc: an address space, a descriptor table and
 *                credentials inside one process. The process's first lwC is
 *                its root lwC.
 *   lwC descriptor  a descriptor slot whose struct file has kind FILE_LWC;
 *                its private_data is a struct lwc_descriptor: the target lwC
 *                and the rights this descriptor carries.
 *   saved state  struct lwc_saved_thread: where a thread resumes when it next
 *                switches into an lwC (one slot per thread that may enter).
 *   running lwC  thread->lwc. The process's vm, fds and cred fields mirror
 *                the running lwC's, so the rest of the kernel never needs to
 *                know lwCs exist. NOTE: correct while a process has one
 *                thread; with several, these mirrors move into the thread.
 *
 * Reference counts: an lwC is held by each descriptor naming it and by each
 * thread running in it. The last release frees its memory and table.
 */
#ifndef LWCOS_LWC_LWC_H
#define LWCOS_LWC_LWC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LWCOS_KERNEL 1
#include "../../user/lib/lwc.h"

#include "arch/x86_64/trap.h"
#include "lib/list.h"
#include "proc/cred.h"
#include "proc/proc.h"

struct process;
struct thread;
struct file;
struct fd_table;
struct vm_space;

#define LWC_RANGES_MAX 16

/* A set of half-open ranges, kept sorted and disjoint. */
struct lwc_range_set {
    unsigned count;
    struct {
        uint64_t start, end;
    } r[LWC_RANGES_MAX];
};

struct lwc_rights {
    unsigned flags;                     /* LWC_R_SWITCH, LWC_R_SYSCALL */
    bool overlay_creds;
    struct lwc_range_set overlay_mem;   /* user addresses */
    struct lwc_range_set overlay_fds;   /* descriptor numbers, [from, to + 1) */
};

struct lwc_descriptor {
    struct lwc *target;
    struct lwc_rights rights;
};

enum lwc_resume {
    LWC_RESUME_CREATE,      /* first entry: lwCreate returns in the child */
    LWC_RESUME_SWITCH,      /* the thread left with lwSwitch */
    LWC_RESUME_TRAP,        /* the thread left on a trapped system call */
    LWC_RESUME_SNAPSHOT,    /* another thread of the creator's lwC at lwCreate (rule 5) */
    LWC_RESUME_FRESH,       /* a thread that had not run yet at lwCreate: clone returns 0 */
};

/* NOTE: at most this many threads may be able to enter one lwC. */
#define LWC_THREAD_SLOTS 8

struct lwc_saved_thread {
    int tid;                        /* 0: free slot */
    enum lwc_resume resume;
    struct trap_frame frame;        /* user registers when it left */
    uint64_t fs_base;
    uint64_t user_received;         /* SWITCH: *received; CREATE: *args */
    uint64_t user_caller;           /* CREATE: *caller */
    int creator_fd;                 /* CREATE: lwCreate's result in the child */
};

#define LWC_SYSCALL_BITMAP_WORDS 8  /* system calls 0..511 */

struct lwc {
    int id;                         /* for gdb and logs; root lwCs are 0 */
    unsigned refcount;
    struct process *proc;
    struct list_node proc_link;     /* process's list of lwCs */
    struct vm_space *vm;
    struct fd_table *fds;
    struct cred cred;
    struct k_sigaction sigactions[64];  /* dispositions belong to an lwC */
    bool systrap;                   /* calls off the allow-list switch to the monitor */
    struct lwc *monitor;            /* where trapped calls go: the creator (a reference) */
    uint64_t syscall_direct[LWC_SYSCALL_BITMAP_WORDS];
    struct lwc_saved_thread saved[LWC_THREAD_SLOTS];
    /* lwc_fd_for's last answer: fd_cache_fd named fd_cache_target. Only a
     * hint, checked before use; never a reference. */
    struct lwc *fd_cache_target;
    int fd_cache_fd;
};

/* Give a new process (pid 1, or after execve) a root lwC holding vm, fds and
 * cred, with its descriptor at LWC_ROOT_FD. Returns 0 or -ENOMEM. */
int lwc_create_root(struct process *p, struct thread *t);
/* Destroy every lwC of p (exit, execve), except the address space skip_vm
 * (execve frees the old program itself). With keep_running_table, the
 * running lwC's table survives, without its lwC descriptors, and is
 * returned; otherwise NULL. */
struct fd_table *lwc_destroy_all(struct process *p, struct vm_space *skip_vm,
                                 bool keep_running_table);
/* After execve: destroy every lwC and start a fresh root holding the new
 * program's memory and the old table. */
int lwc_exec_reset(struct process *p, struct vm_space *old_vm);
/* Close every lwC descriptor in t. */
void lwc_close_descriptors(struct fd_table *t);
void lwc_syscalls_set_default(struct lwc *l);
/* Copy every lwC of parent into child (fork); t is the child's thread. */
int lwc_fork_all(struct process *parent, struct process *child, struct thread *t);

/* If the current lwC traps system call number nr, switch to its monitor
 * and return true (frame now holds the monitor's state). */
bool lwc_trap_syscall(struct trap_frame *frame, uint64_t nr);

/* Helpers shared by the files of kernel/lwc. */
struct lwc *lwc_alloc(struct process *p);
void lwc_get(struct lwc *l);
void lwc_put(struct lwc *l);
/* The lwC descriptor at fd in the current table, or NULL with *err set
 * (-EBADF for a bad or non-lwC descriptor). */
struct lwc_descriptor *lwc_lookup(int fd, int *err);
/* A new FILE_LWC file naming target with rights. NULL if no memory. */
struct file *lwc_file_create(struct lwc *target, const struct lwc_rights *rights);
/* The descriptor number in l's table naming target, installing one with
 * LWC_R_SWITCH if there is none. Returns it, or -EMFILE/-ENOMEM. */
int lwc_fd_for(struct lwc *l, struct lwc *target);
/* Every right: switch, lwSyscall, and overlay of all memory, descriptors
 * and credentials. */
void lwc_rights_all(struct lwc_rights *r);

void lwc_range_add(struct lwc_range_set *s, uint64_t start, uint64_t end);
void lwc_range_remove(struct lwc_range_set *s, uint64_t start, uint64_t end);
bool lwc_range_covers(const struct lwc_range_set *s, uint64_t start, uint64_t end);

/* Switch the current thread to target (see lwc/switch.c). Returns the value
 * the resumed call returns in target, or -errno with nothing changed. */
long lwc_switch_to(struct lwc *target, const struct lwc_args *args, enum lwc_resume leave_as,
                   uint64_t user_received);
int lwc_probe_writable(uint64_t user_addr, size_t n);

/* Decode and check a user array of specs: types, modes, alignment, ranges.
 * Returns a kmalloc'd copy (free with kfree) or NULL with *err set. */
struct lwc_rspec *lwc_copy_specs(uint64_t user_specs, int nspecs, int *err);

#endif
