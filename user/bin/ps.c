/*
 * ps: list processes. On lwcos it prints /proc/processes, whose first line is a
 * header the kernel writes (pid, ppid, state, name). Where that file does not exist
 * (Linux), it builds the same columns from /proc/PID/stat.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Print /proc/processes as it is; returns 0, 1 on a read error, or -1 if the file is missing. */
static int print_lwcos_table(void)
{
    char buf[4096];
    ssize_t n;
    int fd = open("/proc/processes", O_RDONLY);

    if (fd < 0)
        return errno == ENOENT ? -1 : 1;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        fwrite(buf, 1, n, stdout);
    close(fd);
    return n < 0 ? 1 : 0;
}

/* Print pid, ppid, state and name of every process from Linux's /proc/PID/stat files. */
static int print_linux_table(void)
{
    DIR *proc = opendir("/proc");
    struct dirent *entry;

    if (proc == NULL) {
        fprintf(stderr, "ps: cannot open /proc: %s\n", strerror(errno));
        return 1;
    }
    printf("%5s %5s %-5s %s\n", "PID", "PPID", "STATE", "NAME");
    while ((entry = readdir(proc)) != NULL) {
        char path[300], stat_line[512], name[64], state;
        int pid, ppid;
        FILE *file;

        if (!isdigit((unsigned char)entry->d_name[0]))
            continue;
        snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
        file = fopen(path, "r");
        if (file == NULL)
            continue;
        if (fgets(stat_line, sizeof stat_line, file) != NULL) {
            /* The name is in parentheses and may itself contain spaces and ')'. */
            char *open = strchr(stat_line, '(');
            char *close = strrchr(stat_line, ')');

            if (open != NULL && close != NULL && close > open &&
                sscanf(stat_line, "%d", &pid) == 1 &&
                sscanf(close + 1, " %c %d", &state, &ppid) == 2) {
                snprintf(name, sizeof name, "%.*s", (int)(close - open - 1), open + 1);
                printf("%5d %5d %-5c %s\n", pid, ppid, state, name);
            }
        }
        fclose(file);
    }
    closedir(proc);
    return 0;
}

int main(void)
{
    int status = print_lwcos_table();

    if (status < 0)
        status = print_linux_table();
    else if (status > 0)
        fprintf(stderr, "ps: cannot read /proc/processes: %s\n", strerror(errno));
    return status;
}
