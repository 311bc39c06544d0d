/*
 * Switches once into a new lwC and back, for the gdb test that steps through
 * lwSwitch. The root creates a child, switches into it with v[0] = 41, and the
 * child switches back with v[0] + 1. Prints one line and exits 0 when the reply
 * is 42, else exits 1.
 */
#include <stdio.h>

#include "lwc.h"

int main(void)
{
    int caller = -2;
    struct lwc_args args = { 0 };
    int child = lwCreate(NULL, 0, 0, &caller, &args);

    if (child < 0) {
        perror("lwCreate");
        return 1;
    }
    if (caller != -1) {
        /* In the child, at its first entry: reply to the lwC that switched in. */
        struct lwc_args reply = { .v = { args.v[0] + 1 } };

        lwSwitch(caller, &reply, NULL);
        return 1;   /* not reached: the root never switches back into the child */
    }

    struct lwc_args send = { .v = { 41 } };
    struct lwc_args received = { 0 };
    if (lwSwitch(child, &send, &received) != child) {
        perror("lwSwitch");
        return 1;
    }
    printf("lwc_pingpong: reply %ld\n", received.v[0]);
    return received.v[0] == 42 ? 0 : 1;
}
