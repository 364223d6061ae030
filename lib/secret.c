#include "lib/secret.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/readfile.h"

#define SECRET_MAX (64 * 1024)

void tw_secret_free(char *secret)
{
        if (!secret)
                return;
        tw_wipe(secret, strlen(secret));
        free(secret);
}

static int fail(struct tw_buf *err, const char *path, const char *why, int r)
{
        if (err)
                tw_buf_printf(err, "%s: %s", path, why);
        return r;
}

/* Trims surrounding whitespace and cuts at the first line break, in place. */
static char *trim(char *s)
{
        char *e;

        while (isspace((unsigned char)*s))
                s++;
        e = s + strcspn(s, "\r\n");
        *e = '\0';
        while (e > s && isspace((unsigned char)e[-1]))
                *--e = '\0';
        return s;
}

bool tw_secret_mode_is_private(uid_t owner, mode_t mode, uid_t euid)
{
        if (owner == 0 && euid != 0)
                return !(mode & (S_IWGRP | S_IXGRP | S_IRWXO));
        return !(mode & (S_IRWXG | S_IRWXO));
}

int tw_secret_read_file(const char *path, char **ret_secret, struct tw_buf *err)
{
        return tw_secret_read_file_flags(path, 0, ret_secret, err);
}

int tw_secret_read_file_flags(const char *path, unsigned flags, char **ret_secret,
                              struct tw_buf *err)
{
        char *data = NULL, *s, *out;
        struct stat st;
        size_t len = 0;
        int fd, r;

        fd = open(path,
                  O_RDONLY | O_CLOEXEC | O_NOCTTY | (flags & TW_SECRET_NOFOLLOW ? O_NOFOLLOW : 0));
        if (fd < 0 && errno == ELOOP && (flags & TW_SECRET_NOFOLLOW))
                return fail(err, path, "is a symbolic link; refusing to follow it", -ELOOP);
        if (fd < 0)
                return fail(err, path, strerror(errno), -errno);
        if (fstat(fd, &st) < 0) {
                r = -errno;
                close(fd);
                return fail(err, path, strerror(-r), r);
        }
        if (!S_ISREG(st.st_mode)) {
                close(fd);
                return fail(err, path, "not a regular file", -EINVAL);
        }
        if (!(flags & TW_SECRET_ANY_MODE) &&
            !tw_secret_mode_is_private(st.st_uid, st.st_mode, geteuid())) {
                close(fd);
                return fail(err, path,
                            st.st_uid == 0 && geteuid() != 0
                                    ? "writable by group or accessible by others; refusing to use "
                                      "a secret others can read (run: chmod 440 on it)"
                                    : "readable or writable by group or others; refusing to use a "
                                      "secret others can read (run: chmod 600 on it)",
                            -EPERM);
        }
        r = tw_read_fd(fd, SECRET_MAX, TW_READ_SECRET, &data, &len);
        close(fd);
        if (r == -E2BIG)
                return fail(err, path, "larger than 64 KiB", r);
        if (r < 0)
                return fail(err, path, strerror(-r), r);
        s = trim(data);
        if (!*s) {
                tw_wipe(data, len);
                free(data);
                return fail(err, path, "is empty", -ENODATA);
        }
        out = strdup(s);
        tw_wipe(data, len);
        free(data);
        if (!out)
                return -ENOMEM;
        *ret_secret = out;
        return 0;
}

int tw_secret_from_env(const char *name, char **ret_secret)
{
        const char *v = getenv(name);
        char *copy, *s;

        if (!v || !*v)
                return -ENOENT;
        copy = strdup(v);
        if (!copy)
                return -ENOMEM;
        s = trim(copy);
        if (!*s) {
                free(copy);
                return -ENOENT;
        }
        {
                size_t all = strlen(v), n = strlen(s);

                memmove(copy, s, n + 1);
                /* bytes [n + 1, all] held whitespace and a copy of the secret */
                tw_wipe(copy + n + 1, all - n);
        }
        *ret_secret = copy;
        return 0;
}
