/* Prints one line, then dies of SIGSEGV by writing through a null pointer. */
#include <stdio.h>

int main(void)
{
    volatile int *address = NULL;

    printf("before the fault\n");
    fflush(stdout);
    *address = 1;
    printf("after the fault\n");
    return 0;
}
