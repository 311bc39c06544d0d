/* cat [FILE...]: copy each file (or standard input, also for "-") to standard output. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Copy FD to standard output; returns 0, or -1 after printing an error that names NAME. */
static int copy(int fd, const char *name)
{
    static char buf[16384];
    ssize_t n;

    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "cat: %s: %s\n", name, strerror(errno));
            return -1;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t written = write(STDOUT_FILENO, buf + done, n - done);

            if (written < 0) {
                if (errno == EINTR)
                    continue;
                fprintf(stderr, "cat: write error: %s\n", strerror(errno));
                return -1;
            }
            done += written;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    int status = 0;

    if (argc < 2)
        return copy(STDIN_FILENO, "standard input") == 0 ? 0 : 1;
    for (int i = 1; i < argc; i++) {
        int fd;

        if (strcmp(argv[i], "-") == 0) {
            if (copy(STDIN_FILENO, "standard input") != 0)
                status = 1;
            continue;
        }
        fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        if (copy(fd, argv[i]) != 0)
            status = 1;
        close(fd);
    }
    return status;
}
