/* Futexes: sleep until a user word changes (Linux futex(2), WAIT and WAKE). */
#ifndef LWCOS_PROC_FUTEX_H
#define LWCOS_PROC_FUTEX_H

#include <stdint.h>

/* Wake up to count threads waiting on the user address uaddr of the running
 * address space. Returns how many were woken. */
int futex_wake(uint64_t uaddr, int count);

#endif
