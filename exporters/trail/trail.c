#include "exporters/trail/trail.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "lib/buf.h"
#include "lib/statefile.h"
#include "lib/strmap.h"
#include "lib/timeutil.h"

#define PENDING_FILE "audit-pending.jsonl"
#define LISTING_MAX ((size_t)1 << 30)
#define PENDING_MAX ((size_t)256 << 20)
#define LISTING_REFRESH 3600 /* seconds between writes of an unchanged listing */

struct tw_trail {
        char *state_dir;
        char *audit_path;
        struct tw_event_policy policy;
        struct tw_jsonl_rotation rotation;
        struct tw_listing *prev; /* NULL: no listing yet (the next one is a baseline) */
        int64_t saved_at;        /* when the listing file was last written; 0: never */
        uint64_t counts[_TW_EVENT_KIND_MAX][_TW_SEVERITY_MAX];
};

void tw_trail_free(struct tw_trail *t)
{
        if (!t)
                return;
        tw_listing_free(t->prev);
        free(t->state_dir);
        free(t->audit_path);
        free(t);
}

void tw_trail_set_options(struct tw_trail *t, const struct tw_trail_options *o)
{
        t->policy = o->policy;
        if (o->rotation.keep >= 1)
                t->rotation = o->rotation;
}

int tw_trail_metrics(const struct tw_trail *t, struct tw_buf *out)
{
        int r = tw_buf_adds(out, "# HELP astro_token_events_total Token changes seen between "
                                 "collections since the agent started, by event and severity "
                                 "(critical: deleted or expired while in use).\n"
                                 "# TYPE astro_token_events_total counter\n");

        for (int k = 0; r >= 0 && k < _TW_EVENT_KIND_MAX; k++)
                for (int sev = 0; r >= 0 && sev < _TW_SEVERITY_MAX; sev++)
                        r = tw_buf_printf(out,
                                          "astro_token_events_total{event=\"%s\",severity=\"%s\"} "
                                          "%llu\n",
                                          tw_event_kind_to_string((enum tw_event_kind)k),
                                          sev ? tw_severity_to_string((enum tw_severity)sev)
                                              : "info",
                                          (unsigned long long)t->counts[k][sev]);
        return r;
}

void tw_trail_counts(const struct tw_trail *t, uint64_t ret_counts[_TW_EVENT_KIND_MAX])
{
        for (int k = 0; k < _TW_EVENT_KIND_MAX; k++) {
                ret_counts[k] = 0;
                for (int sev = 0; sev < _TW_SEVERITY_MAX; sev++)
                        ret_counts[k] += t->counts[k][sev];
        }
}

/* Loads the previous listing; a corrupt one is moved aside and noted. */
static int load_listing(struct tw_trail *t, int64_t now, struct tw_buf *note)
{
        char *data = NULL, *moved = NULL;
        size_t len = 0;
        int r;

        r = tw_statefile_read(t->state_dir, TW_TRAIL_LISTING_FILE, LISTING_MAX, &data, &len);
        if (r == -ENOENT)
                return 0;
        if (r < 0) {
                if (note)
                        tw_buf_printf(note, "cannot read %s/%s: %s", t->state_dir,
                                      TW_TRAIL_LISTING_FILE, strerror(-r));
                return r;
        }
        r = tw_listing_from_json(data, len, &t->prev);
        free(data);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                r = tw_statefile_quarantine(t->state_dir, TW_TRAIL_LISTING_FILE, now, &moved);
                if (note)
                        tw_buf_printf(note,
                                      "corrupt audit listing moved to %s; the next collection is a "
                                      "baseline",
                                      moved ? moved : "(could not move it)");
                free(moved);
                t->prev = NULL;
                return r == -ENOMEM ? r : 0;
        }
        return 0;
}

/* The pending file: its first line is the listing time it belongs to, the
 * rest the event lines to append. */
struct pending {
        char *data;
        int64_t observed_at;
        char **lines;
        size_t n_lines;
        bool *present;
};

static void pending_done(struct pending *p)
{
        free(p->data);
        free(p->lines);
        free(p->present);
}

static int pending_parse(struct pending *p, size_t len)
{
        char *s = p->data, *nl;
        size_t cap = 0;

        nl = memchr(s, '\n', len);
        if (!nl)
                return -EBADMSG;
        *nl = '\0';
        if (tw_time_parse(s, &p->observed_at) < 0)
                return -EBADMSG;
        for (s = nl + 1; (nl = strchr(s, '\n')) != NULL; s = nl + 1) {
                *nl = '\0';
                if (tw_array_reserve((void **)&p->lines, p->n_lines, &cap, sizeof(*p->lines)) < 0)
                        return -ENOMEM;
                p->lines[p->n_lines++] = s;
        }
        p->present = calloc(p->n_lines ? p->n_lines : 1, sizeof(*p->present));
        return p->present ? 0 : -ENOMEM;
}

/* Marks the pending lines the audit file already holds. */
static int mark_present(const char *line, size_t len, void *ctx)
{
        const struct tw_strmap *m = ((void **)ctx)[0];
        struct pending *p = ((void **)ctx)[1];
        size_t i;

        (void)len;
        if (tw_strmap_get(m, line, &i))
                p->present[i] = true;
        return 0;
}

/* Appends what the audit file lacks of p. */
static int append_missing(struct tw_trail *t, struct pending *p)
{
        struct tw_strmap m;
        struct tw_buf out;
        void *ctx[2] = {&m, p};
        int r = 0;

        tw_strmap_init(&m);
        tw_buf_init(&out, PENDING_MAX);
        for (size_t i = 0; i < p->n_lines && r >= 0; i++) {
                r = tw_strmap_put(&m, p->lines[i], i);
                if (r == -EEXIST)
                        r = 0;
        }
        if (r >= 0)
                r = tw_jsonl_read(t->audit_path, t->rotation.keep, TW_AUDITLOG_LINE_MAX,
                                  mark_present, ctx, NULL);
        for (size_t i = 0; i < p->n_lines && r >= 0; i++)
                if (!p->present[i])
                        r = tw_buf_printf(&out, "%s\n", p->lines[i]);
        if (r >= 0 && out.len)
                r = tw_jsonl_append(t->audit_path, out.ptr, out.len, &t->rotation);
        tw_buf_done(&out);
        tw_strmap_done(&m);
        return r;
}

/* Finishes a record cut short by a crash: when the listing it belongs to was
 * saved, its events are appended (those not there yet); when not, the
 * transition was never committed and the next collection recomputes it. */
static int recover(struct tw_trail *t, struct tw_buf *note)
{
        struct pending p = {0};
        char path[PATH_MAX];
        size_t len = 0;
        int r;

        r = tw_statefile_read(t->state_dir, PENDING_FILE, PENDING_MAX, &p.data, &len);
        if (r == -ENOENT)
                return 0;
        if (r >= 0)
                r = pending_parse(&p, len);
        if (r >= 0 && t->prev && t->prev->observed_at == p.observed_at)
                r = append_missing(t, &p);
        if (r == -EBADMSG) {
                if (note)
                        tw_buf_printf(note, "dropped an unreadable %s", PENDING_FILE);
                r = 0;
        }
        pending_done(&p);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "%s/%s", t->state_dir, PENDING_FILE);
        return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

int tw_trail_open(const struct tw_trail_options *o, int64_t now, struct tw_trail **ret_trail,
                  struct tw_buf *note)
{
        struct tw_trail *t;
        int r;

        if (!o || !o->state_dir || !ret_trail || o->rotation.keep < 1)
                return -EINVAL;
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->policy = o->policy;
        t->rotation = o->rotation;
        t->state_dir = strdup(o->state_dir);
        t->audit_path = malloc(PATH_MAX);
        if (t->audit_path &&
            snprintf(t->audit_path, PATH_MAX, "%s/%s", o->state_dir, TW_TRAIL_FILE) >= PATH_MAX) {
                tw_trail_free(t);
                return -ENAMETOOLONG;
        }
        r = t->state_dir && t->audit_path ? load_listing(t, now, note) : -ENOMEM;
        if (r >= 0)
                r = recover(t, note);
        if (r < 0) {
                tw_trail_free(t);
                return r;
        }
        *ret_trail = t;
        return 0;
}

/* Keeps the previous record of tokens a partial listing missed, and the
 * previous orphan judgement where this evaluation could not judge. */
static int carry_over(struct tw_listing *cur, const struct tw_listing *prev, bool tokens_complete,
                      bool orphans_judged)
{
        size_t n = cur->n_tokens, cap = cur->n_tokens;

        if (!prev)
                return 0;
        for (size_t i = 0; i < n && !orphans_judged; i++) {
                const struct tw_listed_token *old = tw_listing_find(prev, cur->tokens[i].id);

                if (old && old->creator_departed)
                        cur->tokens[i].creator_departed = true;
        }
        if (tokens_complete)
                return 0;
        for (size_t i = 0; i < prev->n_tokens; i++) {
                const struct tw_listed_token *old = &prev->tokens[i];
                struct tw_listed_token *copy;
                struct tw_listing view = {.tokens = cur->tokens, .n_tokens = n};

                if (tw_listing_find(&view, old->id))
                        continue;
                if (tw_array_reserve((void **)&cur->tokens, cur->n_tokens, &cap,
                                     sizeof(*cur->tokens)) < 0)
                        return -ENOMEM;
                copy = &cur->tokens[cur->n_tokens];
                if (tw_listed_token_copy(copy, old) < 0)
                        return -ENOMEM;
                cur->n_tokens++;
        }
        return tw_listing_sort(cur);
}

static int save(struct tw_trail *t, const struct tw_listing *cur, const struct tw_events *ev)
{
        char when[TW_RFC3339_LEN], path[PATH_MAX];
        struct tw_buf lines, listing;
        int r = 0;

        tw_buf_init(&lines, PENDING_MAX);
        tw_buf_init(&listing, LISTING_MAX);
        for (size_t i = 0; i < ev->n_events && r >= 0; i++) {
                r = tw_event_to_json(&ev->events[i], &lines);
                if (r >= 0)
                        r = tw_buf_addc(&lines, '\n');
        }
        if (r >= 0)
                r = tw_listing_to_json(cur, &listing);
        if (r >= 0 && lines.len) {
                struct tw_buf pending;

                tw_buf_init(&pending, PENDING_MAX);
                r = tw_buf_printf(&pending, "%s\n", tw_time_format(cur->observed_at, when));
                if (r >= 0)
                        r = tw_buf_add(&pending, lines.ptr, lines.len);
                if (r >= 0)
                        r = tw_statefile_write(t->state_dir, PENDING_FILE, pending.ptr,
                                               pending.len);
                tw_buf_done(&pending);
        }
        if (r >= 0)
                r = tw_statefile_write(t->state_dir, TW_TRAIL_LISTING_FILE, listing.ptr,
                                       listing.len);
        if (r >= 0 && lines.len)
                r = tw_jsonl_append(t->audit_path, lines.ptr, lines.len, &t->rotation);
        if (r >= 0 && lines.len) {
                snprintf(path, sizeof(path), "%s/%s", t->state_dir, PENDING_FILE);
                if (unlink(path) < 0 && errno != ENOENT)
                        r = -errno;
        }
        tw_buf_done(&lines);
        tw_buf_done(&listing);
        return r;
}

int tw_trail_record(struct tw_trail *t, const struct tw_inventory *inv,
                    const struct tw_evaluation *ev, int64_t now, struct tw_events *ret_events)
{
        bool tokens_complete = inv->listed[TW_LISTING_TOKENS];
        struct tw_listing *cur = NULL;
        struct tw_events events = {0};
        int r;

        if (!tokens_complete && inv->n_tokens == 0)
                return 0; /* the token listing failed: nothing to compare */
        r = tw_listing_from(inv, ev, &cur);
        if (r >= 0)
                r = tw_events_diff(t->prev, cur, tokens_complete, &t->policy, now, &events);
        if (r >= 0)
                r = carry_over(cur, t->prev, tokens_complete,
                               ev && ev->n_errors == ev->n_copy_errors);
        /* The file changes when an event does; otherwise only lastUsedAt
         * moved, which only judges "in use", so the file is refreshed
         * hourly rather than every cycle (a 10,000-token listing is ~4 MB). */
        if (r >= 0 && (events.n_events || !t->saved_at || now - t->saved_at >= LISTING_REFRESH)) {
                r = save(t, cur, &events);
                if (r >= 0)
                        t->saved_at = now;
        }
        if (r < 0) {
                tw_listing_free(cur);
                tw_events_done(&events);
                return r;
        }
        for (size_t i = 0; i < events.n_events; i++)
                t->counts[events.events[i].kind][events.events[i].severity]++;
        tw_listing_free(t->prev);
        t->prev = cur;
        if (ret_events)
                *ret_events = events;
        else
                tw_events_done(&events);
        return 0;
}
