/* meminfo: print total and free physical memory from /proc/meminfo, in 4 KiB frames and MiB. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define FRAME_KB 4

int main(void)
{
    FILE *file = fopen("/proc/meminfo", "r");
    char line[256];
    long total_kb = -1, free_kb = -1;

    if (file == NULL) {
        fprintf(stderr, "meminfo: cannot open /proc/meminfo: %s\n", strerror(errno));
        return 1;
    }
    while (fgets(line, sizeof line, file) != NULL) {
        sscanf(line, "MemTotal: %ld kB", &total_kb);
        sscanf(line, "MemFree: %ld kB", &free_kb);
    }
    fclose(file);
    if (total_kb < 0 || free_kb < 0) {
        fprintf(stderr, "meminfo: /proc/meminfo has no MemTotal or MemFree line\n");
        return 1;
    }
    printf("total: %ld frames (%ld MiB)\n", total_kb / FRAME_KB, total_kb / 1024);
    printf("free:  %ld frames (%ld MiB)\n", free_kb / FRAME_KB, free_kb / 1024);
    return 0;
}
