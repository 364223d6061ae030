#include "lib/statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"

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
        return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

static int path_of(char *buf, size_t size, const char *dir, const char *name, const char *suffix)
{
        int n = snprintf(buf, size, "%s/%s%s", dir, name, suffix ? suffix : "");

        return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int write_all(int fd, const char *p, size_t len)
{
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

int tw_statefile_write(const char *dir, const char *name, const void *data, size_t len)
{
        char tmp[4096], dst[4096], suffix[48];
        int fd = -1, r;

        snprintf(suffix, sizeof(suffix), ".tmp-%ld", (long)getpid());
        r = path_of(tmp, sizeof(tmp), dir, name, suffix);
        if (r >= 0)
                r = path_of(dst, sizeof(dst), dir, name, NULL);
        if (r < 0)
                return r;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        r = write_all(fd, data, len);
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        if (r >= 0 && rename(tmp, dst) < 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return r;
        }
        return fsync_dir(dir);
}

int tw_statefile_read(const char *dir, const char *name, size_t max, char **ret_data,
                      size_t *ret_len)
{
        char path[4096], chunk[8192];
        struct tw_buf b;
        ssize_t n;
        int fd, r;

        r = path_of(path, sizeof(path), dir, name, NULL);
        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        tw_buf_init(&b, max);
        for (;;) {
                n = read(fd, chunk, sizeof(chunk));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        r = n < 0 ? -errno : 0;
                        break;
                }
                r = tw_buf_add(&b, chunk, (size_t)n);
                if (r < 0)
                        break;
        }
        close(fd);
        if (r < 0) {
                tw_buf_done(&b);
                return r;
        }
        *ret_len = b.len;
        *ret_data = tw_buf_steal(&b);
        return *ret_data ? 0 : -ENOMEM;
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
