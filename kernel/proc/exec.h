/* execve: replace a process's program. */
#ifndef LWCOS_PROC_EXEC_H
#define LWCOS_PROC_EXEC_H

#include <stddef.h>

struct process;
struct trap_frame;

/* Arguments as kernel strings: argc/envc entries each, NULL-terminated. */
struct exec_args {
    char *buffer;           /* every string, back to back */
    size_t used;
    size_t argc, envc;
    char **argv, **envp;
};

/* Load path into p (the running process, or a new one that has never run),
 * replacing its memory, and set frame to start the program. Returns 0, or
 * -errno with p unchanged. */
int exec_program(struct process *p, const char *path, const struct exec_args *args,
                 struct trap_frame *frame);

/* Build exec_args from kernel string arrays (for starting init). */
int exec_args_from_kernel(struct exec_args *args, const char *const *argv,
                          const char *const *envp);
void exec_args_free(struct exec_args *args);

#endif
