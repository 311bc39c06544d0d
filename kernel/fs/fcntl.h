/*
 * Constants of the Linux x86-64 file ABI (open flags, *at() flags, file
 * types, lseek and getdents64), with Linux's values so static musl programs
 * pass them unchanged. Octal where Linux's headers use octal.
 */
#ifndef LWCOS_FS_FCNTL_H
#define LWCOS_FS_FCNTL_H

/* open(2) flags */
#define O_ACCMODE   00000003
#define O_RDONLY    00000000
#define O_WRONLY    00000001
#define O_RDWR      00000002
#define O_CREAT     00000100
#define O_EXCL      00000200
#define O_NOCTTY    00000400
#define O_TRUNC     00001000
#define O_APPEND    00002000
#define O_NONBLOCK  00004000
#define O_LARGEFILE 00100000   /* Linux sets it on every open of a 64-bit kernel */
#define O_DIRECTORY 00200000
#define O_NOFOLLOW  00400000
#define O_CLOEXEC   02000000

/* The flags F_SETFL may change (Linux also allows O_ASYNC, O_DIRECT, O_NOATIME). */
#define FCNTL_SETFL_MASK (O_APPEND | O_NONBLOCK)

/* fcntl(2) commands and the descriptor flag */
#define F_DUPFD         0
#define F_GETFD         1
#define F_SETFD         2
#define F_GETFL         3
#define F_SETFL         4
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC      1

/* *at() arguments */
#define AT_FDCWD            (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR        0x200
#define AT_EACCESS          0x200
#define AT_NO_AUTOMOUNT     0x800
#define AT_EMPTY_PATH       0x1000

/* access(2) modes */
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4

/* st_mode file types */
#define S_IFMT   0170000
#define S_IFSOCK 0140000
#define S_IFLNK  0120000
#define S_IFREG  0100000
#define S_IFBLK  0060000
#define S_IFDIR  0040000
#define S_IFCHR  0020000
#define S_IFIFO  0010000
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISCHR(m) (((m) & S_IFMT) == S_IFCHR)
#define S_ISVTX  0001000   /* sticky: only owners may remove names from the directory */
/* Permission bits chmod may set: rwx for three classes, setuid, setgid, sticky. */
#define S_IALLUGO 07777

/* lseek(2) */
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

/* struct linux_dirent64.d_type */
#define DT_UNKNOWN 0
#define DT_FIFO    1
#define DT_CHR     2
#define DT_DIR     4
#define DT_REG     8

/* Limits, counted as Linux does: PATH_MAX includes the terminating NUL. */
#define PATH_MAX 4096
#define NAME_MAX 255
#define PIPE_BUF 4096

/* Device numbers as stat reports them (Linux's new_encode_dev for minors < 256). */
#define MKDEV(major, minor) (((major) << 8) | (minor))

#endif
