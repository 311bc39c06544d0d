/*
 * futex WAIT, WAKE and REQUEUE. A word in private memory is keyed by its
 * address space and virtual address, so a copy-on-write fault that moves
 * the page to a new frame does not lose its waiters (Linux keys private
 * anonymous memory by mm and address too). A word in shared memory
 * (MAP_SHARED, or shared between lwCs) is keyed by its physical address,
 * so every space that maps the page meets on the same key.
 */
#include "proc/futex.h"

#include "arch/x86_64/timer.h"
#include "lib/errno.h"
#include "lib/list.h"
#include "mm/layout.h"
#include "mm/uaccess.h"
#include "mm/vm.h"
#include "proc/process_internal.h"
#include "proc/sched.h"
#include "sys/syscall.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_CMD_MASK (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))
#define FUTEX_BUCKETS 64

struct futex_key {
    const void *space;          /* the vm_space, or NULL for shared memory */
    uint64_t addr;              /* virtual address, or physical for shared memory */
};

static bool key_equal(struct futex_key a, struct futex_key b)
{
    return a.space == b.space && a.addr == b.addr;
}

struct futex_waiter {
    struct list_node link;
    struct futex_key key;
    uint32_t bitset;
    struct wait_queue wq;       /* just this waiter */
    bool woken;
};

static struct list_node buckets[FUTEX_BUCKETS];
static bool buckets_ready;

static struct list_node *bucket(struct futex_key key)
{
    if (!buckets_ready) {
        for (unsigned i = 0; i < FUTEX_BUCKETS; i++)
            list_init(&buckets[i]);
        buckets_ready = true;
    }
    return &buckets[((key.addr >> 2) ^ ((uint64_t)key.space >> 4)) % FUTEX_BUCKETS];
}

/* The key of uaddr (mapping the page if needed). */
static int futex_key(uint64_t uaddr, struct futex_key *key)
{
    uint32_t value;
    if (uaddr % 4 != 0)
        return -EINVAL;
    /* Reading the word makes the page present (or fails with EFAULT). */
    if (copy_from_user(&value, uaddr, sizeof(value)) != 0)
        return -EFAULT;
    struct vm_space *vm = current_process()->vm;
    struct vm_region *r = vm_region_find(vm, uaddr);
    if (r != NULL && !(r->flags & (VM_SHARED | VM_LWC_SHARED))) {
        *key = (struct futex_key){ vm, uaddr };
        return 0;
    }
    pte_t pte = vm_lookup(vm, uaddr);
    if (!pte_present(pte))
        return -EFAULT;
    *key = (struct futex_key){ NULL, pte_phys(pte) + (uaddr % PAGE_SIZE) };
    return 0;
}

static int wake_key(struct futex_key key, int count, uint32_t bitset)
{
    int woken = 0;
    struct list_node *head = bucket(key);

    for (struct list_node *node = head->next; node != head && woken < count;) {
        struct futex_waiter *w = container_of(node, struct futex_waiter, link);
        node = node->next;
        if (!key_equal(w->key, key) || !(w->bitset & bitset))
            continue;
        list_remove(&w->link);
        w->woken = true;
        wait_queue_wake_all(&w->wq);
        woken++;
    }
    return woken;
}

/* Wake up to wake_count waiters on key, then move up to requeue_count of the
 * rest to key2. Returns how many were woken or moved, as Linux does. */
static int requeue_key(struct futex_key key, int wake_count, struct futex_key key2, int requeue_count)
{
    int woken = wake_key(key, wake_count, ~0u);
    int moved = 0;
    struct list_node *head = bucket(key);

    for (struct list_node *node = head->next; node != head && moved < requeue_count;) {
        struct futex_waiter *w = container_of(node, struct futex_waiter, link);
        node = node->next;
        if (!key_equal(w->key, key))
            continue;
        list_remove(&w->link);
        w->key = key2;
        list_push_back(bucket(key2), &w->link);
        moved++;
    }
    return woken + moved;
}

int futex_wake(uint64_t uaddr, int count)
{
    struct futex_key key;
    if (futex_key(uaddr, &key) != 0)
        return 0;
    bool irq = irq_save_disable();
    int n = wake_key(key, count, ~0u);
    irq_restore(irq);
    return n;
}

struct timespec_k {
    int64_t tv_sec, tv_nsec;
};

#define NSEC_PER_SEC 1000000000ull

static long futex_wait(uint64_t uaddr, uint32_t expected, uint64_t user_timeout, bool absolute,
                       bool realtime, uint32_t bitset)
{
    struct futex_key key;
    uint64_t deadline = 0;

    if (bitset == 0)
        return -EINVAL;
    int rc = futex_key(uaddr, &key);
    if (rc != 0)
        return rc;
    if (user_timeout != 0) {
        struct timespec_k ts;
        if (copy_from_user(&ts, user_timeout, sizeof(ts)) != 0)
            return -EFAULT;
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || (uint64_t)ts.tv_nsec >= NSEC_PER_SEC)
            return -EINVAL;
        uint64_t ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
        uint64_t now = timer_monotonic_ns();
        if (absolute) {
            uint64_t base = realtime ? timer_boot_epoch_seconds() * NSEC_PER_SEC + now : now;
            deadline = ns > base ? now + (ns - base) : now;
        } else {
            deadline = now + ns;
        }
        if (deadline == 0)
            deadline = 1;
    }

    struct futex_waiter w = { .key = key, .bitset = bitset };
    wait_queue_init(&w.wq);
    bool irq = irq_save_disable();

    /* Check the word with interrupts off, so a wake between the check and
     * the sleep cannot be lost (one CPU). */
    uint32_t value;
    if (copy_from_user(&value, uaddr, sizeof(value)) != 0) {
        irq_restore(irq);
        return -EFAULT;
    }
    if (value != expected) {
        irq_restore(irq);
        return -EAGAIN;
    }
    list_push_back(bucket(key), &w.link);
    rc = 0;
    while (!w.woken && rc == 0) {
        rc = wait_queue_sleep_until(&w.wq, deadline);
        /* exit_group or a fatal signal in another thread wakes this one to
         * stop it; no signal is pending, so the sleep returned 0. Leave, so
         * the return to user mode ends the thread (pthread_join sleeps here).
         * NOTE: other interruptible sleeps (pipe read, wait4) still go back
         * to sleep in that case. */
        if (rc == 0 && !w.woken && current_process()->exiting)
            rc = -EINTR;
    }
    if (!w.woken)
        list_remove(&w.link);
    irq_restore(irq);
    if (w.woken)
        return 0;
    return rc;
}

/* FUTEX_REQUEUE and FUTEX_CMP_REQUEUE: musl's condition variables move waiters
 * from the condition's word to the mutex's with them. CMP_REQUEUE first checks
 * that *uaddr is still val3 (EAGAIN otherwise). */
static long futex_requeue(uint64_t uaddr, uint32_t wake_count, uint64_t requeue_count,
                          uint64_t uaddr2, bool compare, uint32_t val3)
{
    struct futex_key key, key2;

    /* Linux reads both counts as 32-bit ints. */
    if ((int32_t)wake_count < 0 || (int32_t)(uint32_t)requeue_count < 0)
        return -EINVAL;
    int rc = futex_key(uaddr, &key);
    if (rc == 0)
        rc = futex_key(uaddr2, &key2);
    if (rc != 0)
        return rc;

    bool irq = irq_save_disable();
    if (compare) {
        uint32_t value;
        if (copy_from_user(&value, uaddr, sizeof(value)) != 0) {
            irq_restore(irq);
            return -EFAULT;
        }
        if (value != val3) {
            irq_restore(irq);
            return -EAGAIN;
        }
    }
    int n = requeue_key(key, (int)wake_count, key2, (int)(uint32_t)requeue_count);
    irq_restore(irq);
    return n;
}

SYSCALL6(futex, uint64_t, uaddr, int, op, uint32_t, val, uint64_t, timeout, uint64_t, uaddr2,
         uint32_t, val3)
{
    int cmd = op & FUTEX_CMD_MASK;
    bool realtime = (op & FUTEX_CLOCK_REALTIME) != 0;

    switch (cmd) {
    case FUTEX_WAIT:
        if (realtime)
            return -ENOSYS;     /* Linux: FUTEX_CLOCK_REALTIME needs a BITSET wait */
        return futex_wait(uaddr, val, timeout, false, false, ~0u);
    case FUTEX_WAIT_BITSET:
        return futex_wait(uaddr, val, timeout, true, realtime, val3);
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
        struct futex_key key;
        uint32_t bitset = cmd == FUTEX_WAKE ? ~0u : val3;
        if (bitset == 0)
            return -EINVAL;
        int rc = futex_key(uaddr, &key);
        if (rc != 0)
            return rc;
        bool irq = irq_save_disable();
        int n = wake_key(key, val > INT32_MAX ? INT32_MAX : (int)val, bitset);
        irq_restore(irq);
        return n;
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
        /* The timeout argument carries the number to move. */
        return futex_requeue(uaddr, val, timeout, uaddr2, cmd == FUTEX_CMP_REQUEUE, val3);
    default:
        return -ENOSYS;
    }
}
