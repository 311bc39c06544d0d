/*
 * Prints the arguments and auxiliary vector a program gets at startup and a file it reads, then exits with a chosen status.
 * The harness runs it on the host and on lwcos and compares the two outputs byte for byte.
 *
 * usage: oracle_probe FILE STATUS [ARGS...]
 *   prints the name of argv[0] (without its folder, which differs between the two),
 *   argc, every later argument in brackets, getauxval(AT_PAGESZ), then the bytes of FILE,
 *   and exits with STATUS.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char buffer[4096];
    const char *name = strrchr(argv[0], '/');
    ssize_t count;
    int fd;

    if (argc < 3) {
        fprintf(stderr, "usage: oracle_probe FILE STATUS [ARGS...]\n");
        return 2;
    }
    printf("name %s\n", name != NULL ? name + 1 : argv[0]);
    printf("argc %d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d] [%s]\n", i, argv[i]);
    printf("AT_PAGESZ %lu\n", getauxval(AT_PAGESZ));
    fflush(stdout);

    /* Copy FILE with read and write, as cat does. */
    fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    while ((count = read(fd, buffer, sizeof buffer)) > 0) {
        if (write(STDOUT_FILENO, buffer, (size_t)count) != count)
            return 1;
    }
    close(fd);
    return atoi(argv[2]);
}
