/* The journals in state_dir: one file per renewal, renewal-<token id>.json,
 * 0600, written atomically with fsync (lib/statefile), removed when the
 * renewal is over. */
#include "agent/rotate/rotate_internal.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config/values.h"
#include "lib/secret.h"
#include "lib/statefile.h"
#include "lib/timeutil.h"

#define SUFFIX ".json"

static int file_name(const char *token_id, char *buf, size_t size)
{
        if (!tw_is_valid_id(token_id))
                return -EINVAL;
        if (snprintf(buf, size, TW_RENEWAL_FILE_PREFIX "%s" SUFFIX, token_id) >= (int)size)
                return -ENAMETOOLONG;
        return 0;
}

void rotate_crash_point(const char *point)
{
        const char *want = getenv("TW_RENEWAL_CRASH_AFTER");

        if (want && point && strcmp(want, point) == 0)
                raise(SIGKILL);
}

/* Reads and parses dir/name; the text held a value: it is wiped. */
static int read_journal(const char *dir, const char *name, struct tw_renewal *ret)
{
        char *text = NULL;
        size_t len = 0;
        int r = tw_statefile_read(dir, name, TW_RENEWAL_JSON_MAX, &text, &len);

        if (r < 0)
                return r == -E2BIG ? -EBADMSG : r;
        r = tw_renewal_from_json(text, len, ret);
        tw_wipe(text, len);
        free(text);
        return r;
}

int rotate_journal_load(struct rotate_run *x, const char *token_id)
{
        char name[128], *moved = NULL;
        int r = file_name(token_id, name, sizeof(name));

        if (r < 0)
                return r;
        tw_renewal_done(&x->r);
        r = read_journal(x->state_dir, name, &x->r);
        if (r == -EBADMSG) {
                int q = tw_statefile_quarantine(x->state_dir, name, tw_now(), &moved);

                tw_buf_printf(&x->err,
                              "the renewal journal %s/%s is corrupt%s%s: its renewal needs a "
                              "person (look for a token named like it in Astro)",
                              x->state_dir, name, q == 0 ? ", moved to " : "", q == 0 ? moved : "");
                free(moved);
                tw_renewal_init(&x->r);
                return -EBADMSG;
        }
        x->journaled = r == 0;
        return r;
}

int rotate_journal_save(struct rotate_run *x, const char *point)
{
        struct tw_buf b;
        char name[128];
        int r = file_name(x->r.old.id, name, sizeof(name));

        if (r < 0)
                return r;
        tw_buf_init(&b, TW_RENEWAL_JSON_MAX);
        r = tw_renewal_to_json(&x->r, &b);
        if (r == 0)
                r = tw_statefile_ensure_dir(x->state_dir);
        if (r == 0)
                r = tw_statefile_write(x->state_dir, name, b.ptr, b.len);
        tw_wipe(b.ptr, b.len);
        tw_buf_done(&b);
        if (r < 0) {
                tw_buf_printf(&x->err, "cannot write the renewal journal %s/%s: %s", x->state_dir,
                              name, tw_statefile_strerror(r));
                return r;
        }
        x->journaled = true;
        rotate_crash_point(point);
        return 0;
}

int rotate_journal_remove(struct rotate_run *x)
{
        char name[128], path[4096];
        int r = file_name(x->r.old.id, name, sizeof(name));

        if (r < 0)
                return r;
        if (snprintf(path, sizeof(path), "%s/%s", x->state_dir, name) >= (int)sizeof(path))
                return -ENAMETOOLONG;
        if (unlink(path) < 0 && errno != ENOENT) {
                r = -errno;
                tw_buf_printf(&x->err, "cannot remove the renewal journal %s: %s", path,
                              strerror(-r));
                return r;
        }
        x->journaled = false;
        return tw_fsync_parent(path);
}

/* What the daemon needs to know of one journal. */
static void describe(const struct tw_renewal *r, struct tw_rotate_journal *j)
{
        memset(j, 0, sizeof(*j));
        snprintf(j->token_id, sizeof(j->token_id), "%s", r->old.id);
        snprintf(j->organization, sizeof(j->organization), "%s",
                 r->organization ? r->organization : "");
        j->step = r->step;
        j->next_at = r->next_attempt;
        j->retry_at =
                r->failures > 0 || r->step == TW_RENEWAL_VERIFIED ? r->next_attempt : TW_NO_TIME;
        if (r->step == TW_RENEWAL_VERIFIED && r->strategy == TW_ROTATION_REPLACE) {
                j->waits_for_retire = true;
                if (j->next_at == TW_NO_TIME || j->next_at < r->delivered_at + r->retire_after)
                        j->next_at = r->delivered_at + r->retire_after;
        }
}

/* Whether name is renewal-<id>.json. */
static bool is_journal(const char *name)
{
        size_t n = strlen(name), p = strlen(TW_RENEWAL_FILE_PREFIX), s = strlen(SUFFIX);

        return n > p + s && strncmp(name, TW_RENEWAL_FILE_PREFIX, p) == 0 &&
               strcmp(name + n - s, SUFFIX) == 0;
}

int tw_rotate_journals(const char *state_dir, int64_t now, struct tw_rotate_journal **ret,
                       size_t *ret_n, struct tw_buf *note)
{
        struct tw_rotate_journal *v = NULL, *tmp;
        size_t n = 0;
        struct dirent *e;
        DIR *d = opendir(state_dir);
        int r = 0;

        *ret = NULL;
        *ret_n = 0;
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while (r == 0 && (e = readdir(d)) != NULL) {
                struct tw_renewal jr;
                char *moved = NULL;
                int rr;

                if (!is_journal(e->d_name))
                        continue;
                rr = read_journal(state_dir, e->d_name, &jr);
                if (rr == -EBADMSG) {
                        if (tw_statefile_quarantine(state_dir, e->d_name, now, &moved) == 0)
                                tw_buf_printf(note,
                                              "corrupt renewal journal %s/%s moved to %s: its "
                                              "renewal needs a person\n",
                                              state_dir, e->d_name, moved);
                        free(moved);
                        continue;
                }
                if (rr == -ENOENT)
                        continue;
                if (rr < 0) {
                        r = rr;
                        break;
                }
                tmp = realloc(v, (n + 1) * sizeof(*v));
                if (!tmp) {
                        tw_renewal_done(&jr);
                        r = -ENOMEM;
                        break;
                }
                v = tmp;
                describe(&jr, &v[n++]);
                tw_renewal_done(&jr);
        }
        closedir(d);
        if (r < 0) {
                free(v);
                return r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}
