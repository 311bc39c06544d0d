/*
 * Permission checks for a user without privileges: EACCES on read, write, create and
 * search. As root, each check runs in a child that first drops to uid 1000; as
 * another user, it runs as that user on files it owns, whose owner bits deny the access.
 * The modes used give group and others the same bits, so a gid left at 0 changes nothing.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ktap.h"
#include "names.h"

#define UNPRIVILEGED_UID 1000

/* Exit codes of the children. */
#define CHILD_OK 0
#define CHILD_SETUID_FAILED 100

/* Create PATH with MODE (no data); returns 0, or -1 after failing the case. */
static int create_with_mode(const char *path, mode_t mode)
{
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, mode);

    if (fd < 0) {
        KTAP_FAIL("cannot create %s: %s", path, errno_name(errno));
        return -1;
    }
    close(fd);
    return 0;
}

/*
 * Run CHECK(ARG) in a child without privileges and return the errno it reports as its
 * exit code (0 when the call succeeded).
 */
static int errno_as_unprivileged(int (*check)(const char *), const char *arg)
{
    pid_t pid = ktap_fork();
    int status;

    if (pid < 0) {
        KTAP_FAIL("fork failed");
        return -1;
    }
    if (pid == 0) {
        if (geteuid() == 0 && setuid(UNPRIVILEGED_UID) != 0)
            _exit(CHILD_SETUID_FAILED);
        _exit(check(arg) == 0 ? CHILD_OK : errno);
    }
    status = ktap_wait(pid);
    if (!EXPECT_TRUE(WIFEXITED(status)))
        return -1;
    if (WEXITSTATUS(status) == CHILD_SETUID_FAILED)
        KTAP_FAIL("setuid(%d) failed in the child", UNPRIVILEGED_UID);
    return WEXITSTATUS(status);
}

static int open_for_read(const char *path)
{
    int fd = open(path, O_RDONLY);

    return fd < 0 ? -1 : close(fd);
}

static int open_for_write(const char *path)
{
    int fd = open(path, O_WRONLY);

    return fd < 0 ? -1 : close(fd);
}

static int create_file(const char *path)
{
    int fd = open(path, O_CREAT | O_WRONLY, 0644);

    return fd < 0 ? -1 : close(fd);
}

static void read_without_permission_eacces(void)
{
    char path[256];

    ktap_tmp_path(path, sizeof path, "write_only");
    ASSERT_EQ(create_with_mode(path, 0200), 0);
    EXPECT_EQ(errno_as_unprivileged(open_for_read, path), EACCES);
    EXPECT_OK(unlink(path));
}

static void write_without_permission_eacces(void)
{
    char path[256];

    ktap_tmp_path(path, sizeof path, "read_only");
    ASSERT_EQ(create_with_mode(path, 0444), 0);
    EXPECT_EQ(errno_as_unprivileged(open_for_write, path), EACCES);
    EXPECT_EQ(errno_as_unprivileged(open_for_read, path), 0);
    EXPECT_OK(unlink(path));
}

static void create_in_readonly_dir_eacces(void)
{
    char dir[256], path[256];

    ktap_tmp_path(dir, sizeof dir, "locked");
    ASSERT_OK(mkdir(dir, 0555));
    ktap_tmp_path(path, sizeof path, "locked/new");
    EXPECT_EQ(errno_as_unprivileged(create_file, path), EACCES);
    EXPECT_ERRNO(access(path, F_OK), ENOENT);
    EXPECT_OK(rmdir(dir));
}

static void search_without_permission_eacces(void)
{
    char dir[256], path[256];

    ktap_tmp_path(dir, sizeof dir, "unsearchable");
    ASSERT_OK(mkdir(dir, 0755));
    ktap_tmp_path(path, sizeof path, "unsearchable/file");
    ASSERT_EQ(create_with_mode(path, 0644), 0);
    ASSERT_OK(chmod(dir, 0666));
    EXPECT_EQ(errno_as_unprivileged(open_for_read, path), EACCES);
    ASSERT_OK(chmod(dir, 0755));
    EXPECT_OK(unlink(path));
    EXPECT_OK(rmdir(dir));
}

static void root_bypasses_permissions(void)
{
    char path[256];
    int fd;

    if (geteuid() != 0) {
        ktap_skip("needs root (running as uid %d)", (int)geteuid());
        return;
    }
    ktap_tmp_path(path, sizeof path, "no_bits");
    ASSERT_EQ(create_with_mode(path, 0000), 0);
    fd = open(path, O_RDWR);
    EXPECT_GE(fd, 0);
    if (fd >= 0)
        close(fd);
    EXPECT_OK(unlink(path));
}

static void setuid_drops_root_for_good(void)
{
    pid_t pid;

    if (geteuid() != 0) {
        ktap_skip("needs root (running as uid %d)", (int)geteuid());
        return;
    }
    pid = ktap_fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (setuid(UNPRIVILEGED_UID) != 0)
            _exit(1);
        if (getuid() != UNPRIVILEGED_UID || geteuid() != UNPRIVILEGED_UID)
            _exit(2);
        if (setuid(0) != -1 || errno != EPERM)
            _exit(3);
        _exit(0);
    }
    EXPECT_EXITED(ktap_wait(pid), 0);
}

static void unprivileged_setuid_eperm(void)
{
    pid_t pid = ktap_fork();

    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (geteuid() == 0 && setuid(UNPRIVILEGED_UID) != 0)
            _exit(1);
        if (setuid(0) != -1)
            _exit(2);
        _exit(errno == EPERM ? 0 : 3);
    }
    EXPECT_EXITED(ktap_wait(pid), 0);
}

static const struct ktap_case cases[] = {
    KTAP_CASE(read_without_permission_eacces),
    KTAP_CASE(write_without_permission_eacces),
    KTAP_CASE(create_in_readonly_dir_eacces),
    KTAP_CASE(search_without_permission_eacces),
    KTAP_CASE(root_bypasses_permissions),
    KTAP_CASE(setuid_drops_root_for_good),
    KTAP_CASE(unprivileged_setuid_eperm),
};

int main(int argc, char **argv)
{
    umask(022);
    return KTAP_MAIN(argc, argv, cases);
}
