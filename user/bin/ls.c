/*
 * ls [-a] [-l] [PATH...]: list folders (their entries, sorted by name) and files.
 * -a also lists names starting with '.'; -l prints the mode, link count, numeric
 * uid and gid, and size in bytes before each name.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool show_all;
static bool long_format;

/* Write MODE as ls does, e.g. "drwxr-xr-x", into TEXT (11 bytes). */
static void format_mode(mode_t mode, char text[11])
{
    static const char bits[] = "rwxrwxrwx";
    char type = '?';

    if (S_ISREG(mode)) type = '-';
    else if (S_ISDIR(mode)) type = 'd';
    else if (S_ISCHR(mode)) type = 'c';
    else if (S_ISBLK(mode)) type = 'b';
    else if (S_ISFIFO(mode)) type = 'p';
    else if (S_ISLNK(mode)) type = 'l';
    else if (S_ISSOCK(mode)) type = 's';
    text[0] = type;
    for (int i = 0; i < 9; i++)
        text[1 + i] = (mode & (0400 >> i)) ? bits[i] : '-';
    if (mode & S_ISUID) text[3] = (mode & S_IXUSR) ? 's' : 'S';
    if (mode & S_ISGID) text[6] = (mode & S_IXGRP) ? 's' : 'S';
    if (mode & S_ISVTX) text[9] = (mode & S_IXOTH) ? 't' : 'T';
    text[10] = '\0';
}

/* Print one entry: NAME as shown, PATH to stat it. Returns 0, or 1 after an error. */
static int print_entry(const char *path, const char *name)
{
    struct stat st;
    char mode[11];

    if (!long_format) {
        printf("%s\n", name);
        return 0;
    }
    if (lstat(path, &st) != 0) {
        fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    format_mode(st.st_mode, mode);
    printf("%s %3lu %5u %5u %8lld %s\n", mode, (unsigned long)st.st_nlink, (unsigned)st.st_uid,
           (unsigned)st.st_gid, (long long)st.st_size, name);
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* List the entries of folder DIR_PATH, sorted. Returns 0, or 1 after an error. */
static int list_folder(const char *dir_path)
{
    DIR *dir = opendir(dir_path);
    struct dirent *entry;
    char **names = NULL;
    size_t count = 0, capacity = 0;
    int status = 0;

    if (dir == NULL) {
        fprintf(stderr, "ls: %s: %s\n", dir_path, strerror(errno));
        return 1;
    }
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.' && !show_all)
            continue;
        if (count == capacity) {
            char **grown;

            capacity = capacity == 0 ? 64 : capacity * 2;
            grown = realloc(names, capacity * sizeof *names);
            if (grown == NULL) {
                fprintf(stderr, "ls: %s: out of memory\n", dir_path);
                status = 1;
                break;
            }
            names = grown;
        }
        names[count] = strdup(entry->d_name);
        if (names[count] != NULL)
            count++;
    }
    closedir(dir);

    qsort(names, count, sizeof *names, compare_names);
    for (size_t i = 0; i < count; i++) {
        char path[4096];

        snprintf(path, sizeof path, "%s/%s", dir_path, names[i]);
        status |= print_entry(path, names[i]);
        free(names[i]);
    }
    free(names);
    return status;
}

int main(int argc, char **argv)
{
    int first = 1, status = 0, paths;
    int opt;

    while ((opt = getopt(argc, argv, "al")) != -1) {
        if (opt == 'a') {
            show_all = true;
        } else if (opt == 'l') {
            long_format = true;
        } else {
            fprintf(stderr, "usage: ls [-a] [-l] [PATH...]\n");
            return 2;
        }
    }
    first = optind;
    paths = argc - first;
    if (paths == 0)
        return list_folder(".");

    for (int i = first; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "ls: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            status |= print_entry(argv[i], argv[i]);
            continue;
        }
        if (paths > 1)
            printf("%s:\n", argv[i]);
        status |= list_folder(argv[i]);
        if (paths > 1 && i + 1 < argc)
            printf("\n");
    }
    return status;
}
