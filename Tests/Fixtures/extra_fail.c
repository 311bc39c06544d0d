/*
 * A KTAP test program with one passing and one deliberately failing case, for the
 * harness's check that `lwcos test --extra` reports a failing extra program.
 */
#include <stdio.h>

int main(void)
{
    printf("KTAP version 1\n");
    printf("1..2\n");
    printf("ok 1 passes\n");
    printf("# deliberately_fails: this case fails on purpose to test the harness\n");
    printf("not ok 2 deliberately_fails\n");
    return 1;
}
