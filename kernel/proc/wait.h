/*
 * Wait queues: a thread sleeps on a queue until another thread or an
 * interrupt handler wakes the queue. The usual pattern, with interrupts
 * disabled between the test and the sleep so no wake-up is lost:
 *
 *   int rc = WAIT_EVENT_INTERRUPTIBLE(&pipe->readers, pipe->count > 0);
 *   if (rc < 0)
 *       return rc;   // -EINTR: a signal is pending
 */
#ifndef LWCOS_PROC_WAIT_H
#define LWCOS_PROC_WAIT_H

#include <stdbool.h>

#include "lib/list.h"

struct wait_queue {
    struct list_node sleepers;  /* struct thread.wait_link */
};

#define WAIT_QUEUE_INIT(name) { LIST_HEAD_INIT((name).sleepers) }

void wait_queue_init(struct wait_queue *wq);

/* Put the current thread to sleep on wq until woken. Call with interrupts
 * disabled; they are disabled again on return. Returns 0 when woken, or
 * -EINTR without sleeping (or on waking) when interruptible and a signal is
 * pending for the thread. */
int wait_queue_sleep(struct wait_queue *wq, bool interruptible);

/* Wake every thread sleeping on wq. Safe from interrupt handlers. */
void wait_queue_wake_all(struct wait_queue *wq);

/* Sleep until cond is true. Evaluates to 0, or -EINTR if a signal arrived. */
#define WAIT_EVENT_INTERRUPTIBLE(wq, cond)                                        \
    ({                                                                            \
        int wait_rc_ = 0;                                                         \
        bool wait_irq_ = irq_save_disable();                                      \
        while (!(cond)) {                                                         \
            wait_rc_ = wait_queue_sleep((wq), true);                              \
            /* A wake-up and a signal may come together (SIGCHLD with the     \
             * child's exit): the condition wins, as on Linux. */             \
            if (wait_rc_ != 0) {                                                  \
                if (cond)                                                         \
                    wait_rc_ = 0;                                                 \
                break;                                                            \
            }                                                                     \
        }                                                                         \
        irq_restore(wait_irq_);                                                   \
        wait_rc_;                                                                 \
    })

/* Disable interrupts; returns whether they were enabled. */
bool irq_save_disable(void);
void irq_restore(bool enabled);

#endif
