/*
 * execve of files that are not runnable programs fails with Linux's errno and leaves
 * the caller running. Each execve runs in a child, which exits with the errno.
 */
#include <elf.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ktap.h"

#define EXEC_SUCCEEDED_OR_RETURNED 200

static const char *self_path;

/* Fork, execve PATH in the child, and return the errno it failed with (or 200 if it did not fail). */
static int exec_errno(const char *path)
{
    char *argv[] = { (char *)path, NULL };
    char *envp[] = { NULL };
    pid_t pid = ktap_fork();
    int status;

    if (pid < 0) {
        KTAP_FAIL("fork failed");
        return -1;
    }
    if (pid == 0) {
        if (execve(path, argv, envp) == -1)
            _exit(errno);
        _exit(EXEC_SUCCEEDED_OR_RETURNED);
    }
    status = ktap_wait(pid);
    if (!EXPECT_TRUE(WIFEXITED(status)))
        return -1;
    return WEXITSTATUS(status);
}

/* Write SIZE bytes of DATA to a new file NAME with MODE; the path goes to PATH. */
static bool write_program(char *path, size_t path_size, const char *name, const void *data,
                          size_t size, mode_t mode)
{
    int fd;

    ktap_tmp_path(path, path_size, name);
    fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, mode);
    if (fd < 0) {
        KTAP_FAIL("cannot create %s (errno %d)", path, errno);
        return false;
    }
    if (size > 0 && write(fd, data, size) != (ssize_t)size) {
        KTAP_FAIL("short write to %s", path);
        close(fd);
        return false;
    }
    close(fd);
    return true;
}

/* Copy the first SIZE bytes of this program's own file into BUF. */
static bool read_own_start(void *buf, size_t size)
{
    int fd = open(self_path, O_RDONLY);
    bool ok = fd >= 0 && read(fd, buf, size) == (ssize_t)size;

    if (fd >= 0)
        close(fd);
    if (!ok)
        KTAP_FAIL("cannot read %zu bytes of %s", size, self_path);
    return ok;
}

/* Make a copy of this program's first page with one header field changed, and exec it. */
static int exec_patched_header(const char *name, size_t offset, const void *value, size_t size)
{
    static unsigned char image[4096];
    char path[256];
    int err;

    if (!read_own_start(image, sizeof image))
        return -1;
    memcpy(image + offset, value, size);
    if (!write_program(path, sizeof path, name, image, sizeof image, 0755))
        return -1;
    err = exec_errno(path);
    unlink(path);
    return err;
}

static void missing_file_enoent(void)
{
    char path[256];

    ktap_tmp_path(path, sizeof path, "does_not_exist");
    EXPECT_EQ(exec_errno(path), ENOENT);
    EXPECT_EQ(exec_errno(""), ENOENT);
}

static void file_as_folder_enotdir(void)
{
    char path[256];

    ASSERT_TRUE(write_program(path, sizeof path, "plain", "x", 1, 0755));
    ktap_tmp_path(path, sizeof path, "plain/child");
    EXPECT_EQ(exec_errno(path), ENOTDIR);
    unlink(ktap_tmp_path(path, sizeof path, "plain"));
}

static void folder_eacces(void)
{
    char path[256];

    ktap_tmp_path(path, sizeof path, "folder");
    ASSERT_OK(mkdir(path, 0755));
    EXPECT_EQ(exec_errno(path), EACCES);
    rmdir(path);
}

static void no_execute_bit_eacces(void)
{
    static unsigned char image[4096];
    char path[256];

    /* A valid program without any x bit: even root may not run it. */
    ASSERT_TRUE(read_own_start(image, sizeof image));
    ASSERT_TRUE(write_program(path, sizeof path, "no_x", image, sizeof image, 0644));
    EXPECT_EQ(exec_errno(path), EACCES);
    unlink(path);
}

static void empty_file_enoexec(void)
{
    char path[256];

    ASSERT_TRUE(write_program(path, sizeof path, "empty", "", 0, 0755));
    EXPECT_EQ(exec_errno(path), ENOEXEC);
    unlink(path);
}

static void garbage_enoexec(void)
{
    static const char text[] = "this is a text file, not an ELF program; it has no #! line\n"
                               "and must be rejected by execve with ENOEXEC\n";
    char path[256];

    ASSERT_TRUE(write_program(path, sizeof path, "garbage", text, sizeof text - 1, 0755));
    EXPECT_EQ(exec_errno(path), ENOEXEC);
    unlink(path);
}

static void truncated_header_enoexec(void)
{
    unsigned char start[20];
    char path[256];

    ASSERT_TRUE(read_own_start(start, sizeof start));
    ASSERT_TRUE(write_program(path, sizeof path, "truncated", start, sizeof start, 0755));
    EXPECT_EQ(exec_errno(path), ENOEXEC);
    unlink(path);
}

static void wrong_machine_enoexec(void)
{
    Elf64_Half machine = EM_AARCH64;

    EXPECT_EQ(exec_patched_header("aarch64", offsetof(Elf64_Ehdr, e_machine), &machine,
                                  sizeof machine), ENOEXEC);
}

static void relocatable_type_enoexec(void)
{
    Elf64_Half type = ET_REL;

    EXPECT_EQ(exec_patched_header("relocatable", offsetof(Elf64_Ehdr, e_type), &type, sizeof type),
              ENOEXEC);
}

static void no_program_headers_enoexec(void)
{
    Elf64_Half count = 0;

    EXPECT_EQ(exec_patched_header("no_phdrs", offsetof(Elf64_Ehdr, e_phnum), &count, sizeof count),
              ENOEXEC);
}

static void wrong_phentsize_enoexec(void)
{
    Elf64_Half size = sizeof(Elf64_Phdr) / 2;

    EXPECT_EQ(exec_patched_header("phentsize", offsetof(Elf64_Ehdr, e_phentsize), &size,
                                  sizeof size), ENOEXEC);
}

static void failed_exec_keeps_caller(void)
{
    char path[256];
    int fd;

    ASSERT_TRUE(write_program(path, sizeof path, "garbage2", "garbage", 7, 0755));
    /* In this process, not a child: everything must still work afterwards. */
    EXPECT_ERRNO(execve(path, (char *[]){ path, NULL }, (char *[]){ NULL }), ENOEXEC);
    fd = open(path, O_RDONLY);
    EXPECT_GE(fd, 0);
    if (fd >= 0)
        close(fd);
    unlink(path);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(missing_file_enoent),
    KTAP_CASE(file_as_folder_enotdir),
    KTAP_CASE(folder_eacces),
    KTAP_CASE(no_execute_bit_eacces),
    KTAP_CASE(empty_file_enoexec),
    KTAP_CASE(garbage_enoexec),
    KTAP_CASE(truncated_header_enoexec),
    KTAP_CASE(wrong_machine_enoexec),
    KTAP_CASE(relocatable_type_enoexec),
    KTAP_CASE(no_program_headers_enoexec),
    KTAP_CASE(wrong_phentsize_enoexec),
    KTAP_CASE(failed_exec_keeps_caller),
};

int main(int argc, char **argv)
{
    /* NOTE: the cases read this program's own file through argv[0], so run it by a path. */
    self_path = argv[0];
    umask(022);
    return KTAP_MAIN(argc, argv, cases);
}
