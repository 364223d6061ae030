#include "lib/jsonl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/ndjson.h"
#include "lib/statefile.h"

/* Writes "path" (n == 0) or "path.n" into out. */
static int numbered(const char *path, unsigned n, char out[PATH_MAX])
{
        int len =
                n ? snprintf(out, PATH_MAX, "%s.%u", path, n) : snprintf(out, PATH_MAX, "%s", path);

        return len < 0 || len >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* path.<keep-2> -> path.<keep-1>, ..., path -> path.1; the oldest goes. */
static int rotate(const char *path, unsigned keep)
{
        char from[PATH_MAX], to[PATH_MAX];
        int r;

        if (keep <= 1) {
                if (unlink(path) < 0 && errno != ENOENT)
                        return -errno;
                return tw_fsync_parent(path);
        }
        if ((r = numbered(path, keep - 1, to)) < 0)
                return r;
        if (unlink(to) < 0 && errno != ENOENT)
                return -errno;
        for (unsigned i = keep - 1; i >= 1; i--) {
                if ((r = numbered(path, i - 1, from)) < 0 || (r = numbered(path, i, to)) < 0)
                        return r;
                if (rename(from, to) < 0 && errno != ENOENT)
                        return -errno;
        }
        return tw_fsync_parent(path);
}

/* Ends a last line that a crash cut short, so the next line stays whole. */
static int end_line(int fd)
{
        struct stat st;
        char last;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_size == 0)
                return 0;
        if (pread(fd, &last, 1, st.st_size - 1) != 1)
                return -EIO;
        return last == '\n' ? 0 : tw_write_all(fd, "\n", 1);
}

int tw_jsonl_append(const char *path, const void *data, size_t len,
                    const struct tw_jsonl_rotation *rot)
{
        const int flags = O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC;
        struct stat st;
        bool created = false;
        int fd, r;

        if (!path || !rot || rot->keep < 1 || (len && !data))
                return -EINVAL;
        if (len == 0)
                return 0;
        if (lstat(path, &st) == 0) {
                if (!S_ISREG(st.st_mode))
                        return -EINVAL;
                if (rot->max_bytes && st.st_size > 0 &&
                    (uint64_t)st.st_size + len > rot->max_bytes) {
                        r = rotate(path, rot->keep);
                        if (r < 0)
                                return r;
                        created = true;
                }
        } else if (errno == ENOENT) {
                created = true;
        } else {
                return -errno;
        }
        fd = open(path, flags, 0600);
        if (fd < 0)
                return -errno;
        r = end_line(fd);
        if (r >= 0)
                r = tw_write_all(fd, data, len);
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        if (r >= 0 && created)
                r = tw_fsync_parent(path);
        return r;
}

/* Hands the splitter's lines to the caller NUL-terminated. */
struct reader {
        tw_jsonl_line_fn fn;
        void *ctx;
        char *line; /* max_line + 1 bytes */
};

static int on_line(void *ud, const char *line, size_t len)
{
        struct reader *rd = ud;

        memcpy(rd->line, line, len);
        rd->line[len] = '\0';
        return rd->fn(rd->line, len, rd->ctx);
}

/* Reads one file's lines; see tw_jsonl_read(). */
static int read_file(const char *path, size_t max_line, tw_jsonl_line_fn fn, void *ctx,
                     size_t *skipped)
{
        struct reader rd = {.fn = fn, .ctx = ctx};
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        struct tw_ndjson s;
        char chunk[16384];
        ssize_t n;
        int r = 0;

        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        rd.line = malloc(max_line + 1);
        if (!rd.line) {
                close(fd);
                return -ENOMEM;
        }
        tw_ndjson_init(&s, max_line);
        while (r == 0 && (n = read(fd, chunk, sizeof(chunk))) != 0) {
                if (n < 0 && errno != EINTR)
                        r = -errno;
                else if (n > 0)
                        r = tw_ndjson_feed(&s, chunk, (size_t)n, on_line, &rd);
        }
        *skipped += (size_t)s.too_long;
        if (r == 0 && tw_ndjson_pending(&s))
                (*skipped)++; /* a last line cut short */
        tw_ndjson_done(&s);
        free(rd.line);
        close(fd);
        return r;
}

int tw_jsonl_read(const char *path, unsigned keep, size_t max_line, tw_jsonl_line_fn fn, void *ctx,
                  size_t *ret_skipped)
{
        char name[PATH_MAX];
        size_t skipped = 0;
        int r = 0;

        if (!path || !fn || keep < 1 || max_line == 0)
                return -EINVAL;
        for (unsigned i = keep; r == 0 && i-- > 0;) {
                r = numbered(path, i, name);
                if (r == 0)
                        r = read_file(name, max_line, fn, ctx, &skipped);
        }
        if (ret_skipped)
                *ret_skipped = skipped;
        return r;
}
