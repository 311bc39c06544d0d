/*
 * sh: a small shell for the lwcos console.
 *
 * Grammar, one command line at a time:
 *   line     := [pipeline] { ';' [pipeline] }   (a '#' outside quotes starts a comment)
 *   pipeline := command { '|' command }
 *   command  := word { word | '<' word | '>' word | '>>' word }
 * Words may be quoted: '...' keeps everything literally, "..." keeps everything but
 * expands $? and lets \" and \\ stand for " and \. Unquoted $? expands too.
 * Built-ins: cd [dir] (default $HOME), exit [n] (default: the last status).
 *
 * Job control: each pipeline gets its own process group, which becomes the terminal's
 * foreground group while it runs, so ^C (SIGINT) reaches the job and not the shell.
 * The shell ignores SIGINT, SIGQUIT, SIGTSTP, SIGTTIN and SIGTTOU itself and restores
 * the default actions in its children.
 *
 * Usage: sh [-c COMMAND | FILE]; without arguments it reads standard input, with a
 * prompt when that is a terminal. The exit status is that of the last pipeline.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "names.h"

#define MAX_LINE 4096
#define MAX_WORDS 256
#define MAX_COMMANDS 32
#define STATUS_SYNTAX_ERROR 2
#define STATUS_NOT_EXECUTABLE 126
#define STATUS_NOT_FOUND 127

extern char **environ;

/* One command of a pipeline: its arguments and redirections. */
struct command {
    char *argv[MAX_WORDS + 1];
    int argc;
    char *input;         /* < file, or NULL */
    char *output;        /* > or >> file, or NULL */
    bool append;         /* >> rather than > */
};

struct pipeline {
    struct command commands[MAX_COMMANDS];
    int count;
};

static int last_status;
static bool interactive;
/* The terminal's descriptor for job control, or -1 when the input is not a terminal. */
static int tty_fd = -1;

/* Text of the words of the current line: each word is copied here, NUL-terminated. */
static char word_storage[2 * MAX_LINE + 64];

/* Report a syntax error; returns false so that the parser can return its result. */
static bool syntax_error(const char *what)
{
    fprintf(stderr, "sh: syntax error: %s\n", what);
    last_status = STATUS_SYNTAX_ERROR;
    return false;
}

static bool is_operator(char c)
{
    return c == '|' || c == '<' || c == '>' || c == ';';
}

/*
 * Read one word starting at *CURSOR into STORAGE (advanced past it), handling quotes
 * and $?. Returns the word, or NULL after a syntax error.
 */
static char *read_word(const char **cursor, char **storage)
{
    const char *p = *cursor;
    char *word = *storage, *out = *storage;

    while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' && !is_operator(*p)) {
        if (*p == '\'') {
            const char *close = strchr(p + 1, '\'');

            if (close == NULL) {
                syntax_error("missing closing '");
                return NULL;
            }
            memcpy(out, p + 1, close - p - 1);
            out += close - p - 1;
            p = close + 1;
        } else if (*p == '"') {
            for (p++; *p != '"'; p++) {
                if (*p == '\0') {
                    syntax_error("missing closing \"");
                    return NULL;
                }
                if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
                    *out++ = *++p;
                } else if (*p == '$' && p[1] == '?') {
                    out += sprintf(out, "%d", last_status);
                    p++;
                } else {
                    *out++ = *p;
                }
            }
            p++;
        } else if (*p == '$' && p[1] == '?') {
            out += sprintf(out, "%d", last_status);
            p += 2;
        } else {
            *out++ = *p++;
        }
    }
    *out++ = '\0';
    *storage = out;
    *cursor = p;
    return word;
}

/*
 * Parse one pipeline from *CURSOR into PIPELINE, stopping after a ';' or at the end of
 * the line (*CURSOR is advanced). Returns false after a syntax error; an empty
 * pipeline gives count 0.
 */
static bool parse_pipeline(const char **cursor, struct pipeline *pipeline)
{
    /* Words live only until the pipeline has run, so each pipeline reuses the storage. */
    char *storage = word_storage;
    const char *p = *cursor;
    struct command *command;

    memset(pipeline, 0, sizeof *pipeline);
    command = &pipeline->commands[0];
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (*p == '#')
            p += strlen(p);
        if (*p == '\0')
            break;
        if (*p == ';') {
            p++;
            break;
        }

        if (*p == '|') {
            if (command->argc == 0)
                return syntax_error("a pipe '|' needs a command on each side");
            if (++pipeline->count == MAX_COMMANDS)
                return syntax_error("too many commands in one pipeline");
            command = &pipeline->commands[pipeline->count];
            p++;
            continue;
        }

        if (*p == '<' || *p == '>') {
            bool is_input = *p == '<';
            bool append = p[0] == '>' && p[1] == '>';
            char *target;

            p += append ? 2 : 1;
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p == '\0' || is_operator(*p) || *p == '#')
                return syntax_error("a redirection needs a file name");
            target = read_word(&p, &storage);
            if (target == NULL)
                return false;
            if (is_input) {
                command->input = target;
            } else {
                command->output = target;
                command->append = append;
            }
            continue;
        }

        if (command->argc == MAX_WORDS)
            return syntax_error("too many words in one command");
        command->argv[command->argc] = read_word(&p, &storage);
        if (command->argv[command->argc] == NULL)
            return false;
        command->argc++;
    }

    if (command->argc == 0 && pipeline->count > 0)
        return syntax_error("a pipe '|' needs a command on each side");
    if (command->argc == 0 && (command->input != NULL || command->output != NULL))
        return syntax_error("a redirection needs a command");
    if (command->argc > 0)
        pipeline->count++;
    *cursor = p;
    return true;
}

/* Run `cd` in the shell itself. */
static int builtin_cd(const struct command *command)
{
    const char *dir = command->argc > 1 ? command->argv[1] : getenv("HOME");

    if (dir == NULL)
        dir = "/";
    if (chdir(dir) != 0) {
        fprintf(stderr, "sh: cd: %s: %s\n", dir, strerror(errno));
        return 1;
    }
    return 0;
}

/* Run `exit`: end the shell with the given status, or the last one. */
static void builtin_exit(const struct command *command)
{
    int status = last_status;

    if (command->argc > 1) {
        char *end;
        long value = strtol(command->argv[1], &end, 10);

        if (*end != '\0' || end == command->argv[1]) {
            fprintf(stderr, "sh: exit: %s: numeric argument required\n", command->argv[1]);
            status = STATUS_SYNTAX_ERROR;
        } else {
            status = (int)(value & 0xff);
        }
    }
    exit(status);
}

/* execve NAME, searching $PATH when it has no '/'. Returns only on failure, with errno set. */
static void exec_command(char *const argv[])
{
    const char *path = getenv("PATH");
    char candidate[1024];
    int first_error = ENOENT;

    if (strchr(argv[0], '/') != NULL) {
        execve(argv[0], argv, environ);
        return;
    }
    if (path == NULL)
        path = "/bin";
    for (const char *dir = path; dir != NULL;) {
        const char *colon = strchr(dir, ':');
        int length = colon != NULL ? (int)(colon - dir) : (int)strlen(dir);

        snprintf(candidate, sizeof candidate, "%.*s/%s", length, length > 0 ? dir : ".", argv[0]);
        execve(candidate, argv, environ);
        /* Keep the most useful error: "permission denied" beats "not found". */
        if (errno != ENOENT && errno != ENOTDIR)
            first_error = errno;
        dir = colon != NULL ? colon + 1 : NULL;
    }
    errno = first_error;
}

/* Restore the signal actions a job should start with. */
static void reset_job_signals(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    signal(SIGTSTP, SIG_DFL);
    signal(SIGTTIN, SIG_DFL);
    signal(SIGTTOU, SIG_DFL);
}

/* Open FILE onto descriptor TARGET; exits the (child) process on failure. */
static void redirect(const char *file, int flags, int target)
{
    int fd = open(file, flags, 0644);

    if (fd < 0) {
        fprintf(stderr, "sh: %s: %s\n", file, strerror(errno));
        _exit(1);
    }
    if (fd != target) {
        dup2(fd, target);
        close(fd);
    }
}

/* The child side of one command: join the job's group, connect pipes and files, exec. */
static void run_child(const struct command *command, pid_t group, int input_fd, int output_fd)
{
    setpgid(0, group);
    reset_job_signals();
    if (input_fd != STDIN_FILENO) {
        dup2(input_fd, STDIN_FILENO);
        close(input_fd);
    }
    if (output_fd != STDOUT_FILENO) {
        dup2(output_fd, STDOUT_FILENO);
        close(output_fd);
    }
    if (command->input != NULL)
        redirect(command->input, O_RDONLY, STDIN_FILENO);
    if (command->output != NULL)
        redirect(command->output, O_WRONLY | O_CREAT | (command->append ? O_APPEND : O_TRUNC),
                 STDOUT_FILENO);

    exec_command(command->argv);
    if (errno == ENOENT) {
        fprintf(stderr, "sh: %s: command not found\n", command->argv[0]);
        _exit(STATUS_NOT_FOUND);
    }
    fprintf(stderr, "sh: %s: %s\n", command->argv[0], strerror(errno));
    _exit(STATUS_NOT_EXECUTABLE);
}

/* Turn a wait status into $?: the exit code, or 128 + the signal number. */
static int status_value(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 128 + WSTOPSIG(status);
}

/* Start every command of PIPELINE, wait for all of them, and return the last one's $?. */
static int run_pipeline(const struct pipeline *pipeline)
{
    pid_t pids[MAX_COMMANDS];
    pid_t group = 0;
    int input_fd = STDIN_FILENO;
    int started = 0, result = 0;

    for (int i = 0; i < pipeline->count; i++) {
        int fds[2] = { -1, STDOUT_FILENO };
        pid_t pid;

        if (i + 1 < pipeline->count && pipe(fds) != 0) {
            fprintf(stderr, "sh: pipe: %s\n", strerror(errno));
            break;
        }
        fflush(stdout);
        pid = fork();
        if (pid < 0) {
            fprintf(stderr, "sh: fork: %s\n", strerror(errno));
            if (fds[0] >= 0) {
                close(fds[0]);
                close(fds[1]);
            }
            break;
        }
        if (pid == 0) {
            if (fds[0] >= 0)
                close(fds[0]);
            run_child(&pipeline->commands[i], group, input_fd, fds[1]);
        }

        /* Both sides set the group, so it exists whichever runs first. */
        if (group == 0)
            group = pid;
        setpgid(pid, group);
        if (i == 0 && tty_fd >= 0)
            tcsetpgrp(tty_fd, group);

        pids[started++] = pid;
        if (input_fd != STDIN_FILENO)
            close(input_fd);
        if (fds[0] >= 0)
            close(fds[1]);
        input_fd = fds[0];
    }
    if (input_fd != STDIN_FILENO && input_fd >= 0)
        close(input_fd);

    for (int i = 0; i < started; i++) {
        int status;

        while (waitpid(pids[i], &status, 0) < 0) {
            if (errno != EINTR) {
                status = STATUS_NOT_FOUND << 8;
                break;
            }
        }
        if (i == started - 1)
            result = status_value(status);
        if (WIFSIGNALED(status) && WTERMSIG(status) != SIGINT && WTERMSIG(status) != SIGPIPE) {
            char text[96];

            fprintf(stderr, "sh: %s: %s\n", pipeline->commands[i].argv[0],
                    describe_wait_status(status, text, sizeof text));
        } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT && interactive) {
            fputc('\n', stderr);
        }
    }

    /* Take the terminal back. */
    if (tty_fd >= 0)
        tcsetpgrp(tty_fd, getpgrp());
    if (started < pipeline->count)
        return 1;
    return result;
}

/* Run each ';'-separated pipeline of LINE in turn; $? expands to the previous pipeline's status. */
static void run_line(const char *line)
{
    static struct pipeline pipeline;
    const char *cursor = line;

    while (*cursor != '\0') {
        const struct command *first;

        if (!parse_pipeline(&cursor, &pipeline))
            return;
        if (pipeline.count == 0)
            continue;
        first = &pipeline.commands[0];

        /* Built-ins change the shell itself, so they run here when alone in the pipeline. */
        if (pipeline.count == 1 && strcmp(first->argv[0], "cd") == 0)
            last_status = builtin_cd(first);
        else if (pipeline.count == 1 && strcmp(first->argv[0], "exit") == 0)
            builtin_exit(first);
        else
            last_status = run_pipeline(&pipeline);
    }
}

/* Read one line from FD into LINE (without the newline); returns false at end of input. */
static bool read_line(int fd, char *line, size_t size)
{
    size_t used = 0;
    char c;
    ssize_t n;

    while ((n = read(fd, &c, 1)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return used > 0;
        }
        if (c == '\n')
            break;
        if (used < size - 1)
            line[used++] = c;
    }
    line[used] = '\0';
    return n != 0 || used > 0;
}

/* Prepare job control when the input is the terminal: own process group, in the foreground. */
static void setup_job_control(void)
{
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    signal(SIGTSTP, SIG_IGN);
    signal(SIGTTIN, SIG_IGN);
    signal(SIGTTOU, SIG_IGN);

    /* A shell started from init is a session leader already, so setpgid fails harmlessly. */
    if (getpgrp() != getpid())
        setpgid(0, 0);
    if (tcsetpgrp(STDIN_FILENO, getpgrp()) == 0)
        tty_fd = STDIN_FILENO;
}

int main(int argc, char **argv)
{
    static char line[MAX_LINE];
    int input_fd = STDIN_FILENO;

    if (argc > 2 && strcmp(argv[1], "-c") == 0) {
        if (strlen(argv[2]) >= MAX_LINE) {
            fprintf(stderr, "sh: -c: the command is longer than %d bytes\n", MAX_LINE - 1);
            return STATUS_SYNTAX_ERROR;
        }
        run_line(argv[2]);
        return last_status;
    }
    if (argc > 1) {
        input_fd = open(argv[1], O_RDONLY | O_CLOEXEC);
        if (input_fd < 0) {
            fprintf(stderr, "sh: %s: %s\n", argv[1], strerror(errno));
            return STATUS_NOT_FOUND;
        }
    }

    interactive = input_fd == STDIN_FILENO && isatty(STDIN_FILENO);
    if (interactive)
        setup_job_control();

    for (;;) {
        if (interactive) {
            fputs(geteuid() == 0 ? "# " : "$ ", stdout);
            fflush(stdout);
        }
        if (!read_line(input_fd, line, sizeof line))
            break;
        run_line(line);
    }
    if (interactive)
        fputc('\n', stdout);
    return last_status;
}
