#include "lib/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/secret.h"

#define FIRST_READ 4096

/* Moves the len bytes at *data into a new allocation of size bytes; a
 * secret's old buffer is wiped before it is freed (realloc would not). */
static int grow(char **data, size_t len, size_t size, bool secret)
{
        char *p;

        if (!secret) {
                p = realloc(*data, size);
                if (!p)
                        return -ENOMEM;
                *data = p;
                return 0;
        }
        p = malloc(size);
        if (!p)
                return -ENOMEM;
        if (*data) {
                memcpy(p, *data, len);
                tw_wipe(*data, len);
                free(*data);
        }
        *data = p;
        return 0;
}

/* The first buffer: the file's size when fstat() knows it (one read then
 * sees the end), else a page; never more than limit. */
static size_t first_size(int fd, size_t limit)
{
        struct stat st;
        size_t n = FIRST_READ;

        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
            (uintmax_t)st.st_size < limit)
                n = (size_t)st.st_size + 1;
        return n < limit ? n : limit;
}

int tw_read_fd(int fd, size_t max, unsigned flags, char **ret_data, size_t *ret_len)
{
        const bool secret = flags & TW_READ_SECRET;
        /* one byte past max tells a file of max bytes from a larger one */
        const size_t limit = max + 1;
        size_t len = 0, cap = 0;
        char *data = NULL;
        int r = 0;

        if (max >= SIZE_MAX / 2)
                return -EINVAL;
        while (len < limit) {
                ssize_t n;

                if (len == cap) {
                        size_t want =
                                cap ? (cap < limit / 2 ? cap * 2 : limit) : first_size(fd, limit);

                        r = grow(&data, len, want + 1, secret);
                        if (r < 0)
                                break;
                        cap = want;
                }
                n = read(fd, data + len, cap - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        r = n < 0 ? -errno : 0;
                        break;
                }
                len += (size_t)n;
        }
        if (r == 0 && len > max)
                r = -E2BIG;
        if (r < 0) {
                if (data && secret)
                        tw_wipe(data, len);
                free(data);
                return r;
        }
        data[len] = '\0';
        *ret_data = data;
        if (ret_len)
                *ret_len = len;
        return 0;
}

int tw_read_file(const char *path, size_t max, unsigned flags, char **ret_data, size_t *ret_len)
{
        int fd, r;

        fd = open(path,
                  O_RDONLY | O_CLOEXEC | O_NOCTTY | ((flags & TW_READ_NOFOLLOW) ? O_NOFOLLOW : 0));
        if (fd < 0)
                return -errno;
        r = tw_read_fd(fd, max, flags, ret_data, ret_len);
        close(fd);
        return r;
}
