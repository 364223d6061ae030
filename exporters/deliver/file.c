/*
 * A file a self-hosted runner reads: the value and a newline, mode 0600,
 * written atomically (lib/statefile: a new file beside it, fsync, rename),
 * never through a symbolic link (a path that is one is refused, -ELOOP;
 * the rename replaces, never follows).  Read back with O_NOFOLLOW; a copy
 * others may read is an error.  The concurrency token is the fingerprint.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exporters/deliver/deliver_common_internal.h"
#include "exporters/deliver/stores_internal.h"
#include "lib/buf.h"
#include "lib/secret.h"
#include "lib/statefile.h"

static const char *const keys[] = {"path", NULL};

static int f_validate(const struct tw_deliver_target *t, struct tw_buf *err)
{
        if (!t->path || t->path[0] != '/')
                return tw_deliver_error(err, t, -EINVAL, "path must be an absolute file name");
        return 0;
}

static int f_check(struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                   struct tw_deliver_state *ret, struct tw_buf *err)
{
        struct tw_buf why;
        struct stat st;
        char *value = NULL;
        int r;

        (void)c;
        tw_deliver_state_init(ret);
        if (lstat(t->path, &st) < 0)
                return errno == ENOENT ? 0
                                       : tw_deliver_error(err, t, -errno, "%s: %s", t->path,
                                                          strerror(errno));
        if (S_ISLNK(st.st_mode))
                return tw_deliver_error(err, t, -ELOOP,
                                        "%s is a symbolic link: refusing to follow it", t->path);
        if (!S_ISREG(st.st_mode))
                return tw_deliver_error(err, t, -EINVAL, "%s is not a regular file", t->path);
        ret->exists = true;
        ret->updated_at = (int64_t)st.st_mtime;
        tw_buf_init(&why, 1024);
        r = tw_secret_read_file_flags(t->path, TW_SECRET_NOFOLLOW, &value, &why);
        if (r == -ENODATA) {
                r = 0;
                ret->readable = true;
                snprintf(ret->version, sizeof(ret->version), "empty");
                snprintf(ret->detail, sizeof(ret->detail), "the file is empty");
        } else if (r < 0) {
                tw_deliver_error(err, t, r, "%s", why.ptr ? why.ptr : t->path);
        } else {
                r = tw_deliver_inspect(value, strlen(value), ret);
                snprintf(ret->version, sizeof(ret->version), "%.32s", ret->fingerprint);
        }
        tw_secret_free(value);
        tw_buf_done(&why);
        return r;
}

static int f_write(struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                   const struct tw_deliver_write *w, struct tw_deliver_state *ret_after,
                   struct tw_buf *err)
{
        struct tw_deliver_state cur;
        size_t n = strlen(w->value);
        char *text;
        int r = f_check(c, t, &cur, err);

        if (r < 0)
                return r;
        if (w->expect &&
            (w->expect->exists != cur.exists || strcmp(w->expect->version, cur.version) != 0))
                return tw_deliver_error(err, t, -EBUSY,
                                        "%s changed since it was checked: someone else wrote it",
                                        t->path);
        if (cur.exists && tw_deliver_state_holds(&cur, w->value)) {
                *ret_after = cur;
                return 0;
        }
        text = malloc(n + 2);
        if (!text)
                return -ENOMEM;
        memcpy(text, w->value, n);
        text[n] = '\n';
        text[n + 1] = '\0';
        r = tw_atomic_write_file(t->path, text, n + 1);
        tw_secret_free(text);
        if (r < 0)
                return tw_deliver_error(err, t, r, "cannot write %s: %s", t->path,
                                        tw_statefile_strerror(r));
        r = f_check(c, t, ret_after, err);
        ret_after->written = r == 0;
        return r;
}

static void f_plan(const struct tw_deliver_target *t, struct tw_buf *out)
{
        tw_buf_printf(out,
                      "write %s (mode 0600, atomically: a new file beside it, then rename; "
                      "refused if it is a symbolic link)\n",
                      t->path);
}

const struct tw_deliver_ops tw_deliver_file = {
        .type = "file",
        .keys = keys,
        .readable = true,
        .validate = f_validate,
        .check = f_check,
        .write = f_write,
        .plan = f_plan,
};
