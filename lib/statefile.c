#include "lib/statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/readfile.h"

int tw_statefile_ensure_dir(const char *dir)
{
        struct stat st;

        if (!dir || !*dir)
                return -EINVAL;
        if (mkdir(dir, 0700) == 0)
                return 0;
        if (errno != EEXIST)
                return -errno;
        if (stat(dir, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        if (st.st_uid != geteuid())
                return -TW_STATEFILE_EOWNER;
        if (st.st_mode & (S_IWGRP | S_IWOTH))
                return -TW_STATEFILE_EMODE;
        return 0;
}

const char *tw_statefile_strerror(int r)
{
        if (r == -TW_STATEFILE_EOWNER)
                return "owned by another user: chown it to the user tokenwatch runs as";
        if (r == -TW_STATEFILE_EMODE)
                return "writable by group or others: chmod go-w (0700 is best)";
        return strerror(r < 0 ? -r : r);
}

static int path_of(char *buf, size_t size, const char *dir, const char *name, const char *suffix)
{
        int n = snprintf(buf, size, "%s/%s%s", dir, name, suffix ? suffix : "");

        return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int tw_write_all(int fd, const void *data, size_t len)
{
        const char *p = data;

        while (len) {
                ssize_t n = write(fd, p, len);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

static int fsync_dir(const char *dir)
{
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

        if (fd < 0)
                return -errno;
        if (fsync(fd) < 0)
                r = -errno;
        close(fd);
        return r;
}

/* The directory part of path ("." if none), into buf. */
static int dir_of(char *buf, size_t size, const char *path)
{
        const char *slash = strrchr(path, '/');
        size_t n = slash ? (size_t)(slash - path) : 1;

        if (slash == path)
                n = 1; /* "/file": the root */
        if (n >= size)
                return -ENAMETOOLONG;
        memcpy(buf, slash ? path : ".", n);
        buf[n] = '\0';
        return 0;
}

/* Creates the temporary file tmp exclusively, never through a symlink.  A
 * leftover of a crashed run with the same pid (or anything planted there)
 * is unlinked once: unlink() removes a symlink itself, not its target. */
static int open_exclusive(const char *tmp)
{
        const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
        int fd = open(tmp, flags, 0600);

        if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
                fd = open(tmp, flags, 0600);
        return fd < 0 ? -errno : fd;
}

int tw_atomic_file_begin(struct tw_atomic_file *f, const char *path)
{
        f->fd = -1;
        if (!path || !*path)
                return -EINVAL;
        if (snprintf(f->path, sizeof(f->path), "%s", path) >= (int)sizeof(f->path) ||
            snprintf(f->tmp, sizeof(f->tmp), "%s.tmp-%ld", path, (long)getpid()) >=
                    (int)sizeof(f->tmp))
                return -ENAMETOOLONG;
        f->fd = open_exclusive(f->tmp);
        return f->fd < 0 ? f->fd : 0;
}

int tw_atomic_file_write(struct tw_atomic_file *f, const void *data, size_t len)
{
        return f->fd < 0 ? -EBADF : tw_write_all(f->fd, data, len);
}

void tw_atomic_file_abort(struct tw_atomic_file *f)
{
        if (f->fd < 0)
                return;
        close(f->fd);
        unlink(f->tmp);
        f->fd = -1;
}

int tw_atomic_file_commit(struct tw_atomic_file *f)
{
        char dir[4096];
        int r;

        if (f->fd < 0)
                return -EBADF;
        r = dir_of(dir, sizeof(dir), f->path);
        if (r >= 0 && fsync(f->fd) < 0)
                r = -errno;
        if (close(f->fd) < 0 && r >= 0)
                r = -errno;
        f->fd = -1;
        if (r >= 0 && rename(f->tmp, f->path) < 0)
                r = -errno;
        if (r < 0) {
                unlink(f->tmp);
                return r;
        }
        return fsync_dir(dir);
}

int tw_atomic_write_file(const char *path, const void *data, size_t len)
{
        struct tw_atomic_file f;
        int r;

        if (!data && len)
                return -EINVAL;
        r = tw_atomic_file_begin(&f, path);
        if (r >= 0)
                r = tw_atomic_file_write(&f, data, len);
        if (r < 0) {
                tw_atomic_file_abort(&f);
                return r;
        }
        return tw_atomic_file_commit(&f);
}

int tw_fsync_parent(const char *path)
{
        char dir[4096];
        int r = dir_of(dir, sizeof(dir), path);

        return r < 0 ? r : fsync_dir(dir);
}

int tw_statefile_write(const char *dir, const char *name, const void *data, size_t len)
{
        char dst[4096];
        int r = path_of(dst, sizeof(dst), dir, name, NULL);

        return r < 0 ? r : tw_atomic_write_file(dst, data, len);
}

int tw_statefile_read(const char *dir, const char *name, size_t max, char **ret_data,
                      size_t *ret_len)
{
        char path[4096];
        int r = path_of(path, sizeof(path), dir, name, NULL);

        return r < 0 ? r : tw_read_file(path, max, TW_READ_NOFOLLOW, ret_data, ret_len);
}

int tw_statefile_quarantine(const char *dir, const char *name, int64_t now, char **ret_path)
{
        char src[4096], dst[4096], suffix[64];
        struct stat st;
        int r;

        r = path_of(src, sizeof(src), dir, name, NULL);
        if (r < 0)
                return r;
        for (int i = 0; i < 100; i++) {
                if (i)
                        snprintf(suffix, sizeof(suffix), ".corrupt-%" PRId64 ".%d", now, i);
                else
                        snprintf(suffix, sizeof(suffix), ".corrupt-%" PRId64, now);
                r = path_of(dst, sizeof(dst), dir, name, suffix);
                if (r < 0)
                        return r;
                if (lstat(dst, &st) < 0 && errno == ENOENT)
                        break;
                r = -EEXIST;
        }
        if (r < 0)
                return r;
        if (rename(src, dst) < 0)
                return -errno;
        r = fsync_dir(dir);
        if (r >= 0 && ret_path) {
                *ret_path = strdup(dst);
                if (!*ret_path)
                        return -ENOMEM;
        }
        return r;
}

int tw_write_port_file(const char *path, unsigned short port)
{
        char text[16];
        int n = snprintf(text, sizeof(text), "%u\n", (unsigned)port);

        return tw_atomic_write_file(path, text, (size_t)n);
}
