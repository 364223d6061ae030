#include "collectors/auditlog/auditlog.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collectors/auditlog/cursor_internal.h"
#include "collectors/auditlog/state_internal.h"
#include "core/usage/usage.h"
#include "lib/buf.h"
#include "lib/http/stream.h"
#include "lib/http/retry.h"
#include "lib/timeutil.h"

#define DEFAULT_TIMEOUT_MS ((int64_t)10 * 60 * 1000)
#define DEFAULT_WINDOW_MS ((int64_t)60000)
#define SLEEP_SLICE_MS 100
#define DEFAULT_OVERLAP_MS ((int64_t)5 * 60 * 1000)
#define DEFAULT_SKEW_MS ((int64_t)5 * 60 * 1000)

struct tw_auditlog_collector {
        struct tw_auditlog_options o; /* strings below are copies */
        char *base_url, *org, *state_dir, *api_url, *state_file;
        struct tw_auditlog_owner owner; /* the strings above */
        struct tw_http_stream *http;
        struct tw_usage *usage;
        struct tw_auditlog_cursor cursor;
        int64_t calls_ns[TW_AUDITLOG_CALLS_PER_WINDOW]; /* starts of the last calls (monotonic) */
        size_t n_calls;
        uint64_t jitter;
};

/* The state of one fetch, for the body callbacks. */
struct fetch {
        struct tw_auditlog_collector *c;
        struct tw_auditlog_fetch_result *res;
        struct tw_ndjson split;
        int64_t latest_ms; /* entries dated after it are skipped (the request time + skew) */
};

struct tw_usage *tw_auditlog_collector_usage(struct tw_auditlog_collector *c)
{
        return c ? c->usage : NULL;
}

static char *trimmed_copy(const char *s)
{
        size_t n = strlen(s);

        while (n > 0 && s[n - 1] == '/')
                n--;
        return strndup(s, n);
}

int tw_auditlog_collector_new(const struct tw_auditlog_options *o, int64_t now,
                              struct tw_auditlog_collector **ret,
                              struct tw_auditlog_moved *ret_moved)
{
        struct tw_http_stream_options so = {0};
        struct tw_auditlog_collector *c;
        struct tw_auditlog_moved moved = {0};
        int r;

        if (!o || !o->base_url || !o->organization_id || !*o->organization_id)
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->o = *o;
        c->o.backfill_s = o->backfill_s > 0 ? o->backfill_s : TW_AUDITLOG_BACKFILL_DEFAULT_S;
        if (c->o.backfill_s > TW_AUDITLOG_BACKFILL_MAX_S)
                c->o.backfill_s = TW_AUDITLOG_BACKFILL_MAX_S;
        c->o.timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
        c->o.rate_window_ms = o->rate_window_ms > 0 ? o->rate_window_ms : DEFAULT_WINDOW_MS;
        c->o.max_retries = o->max_retries > 0 ? o->max_retries : 2;
        c->o.overlap_ms = o->overlap_ms > 0 ? o->overlap_ms : DEFAULT_OVERLAP_MS;
        c->o.skew_ms = o->skew_ms > 0 ? o->skew_ms : DEFAULT_SKEW_MS;
        c->o.bearer = NULL; /* only the stream client keeps it */
        c->jitter = (uint64_t)now;
        tw_auditlog_cursor_init(&c->cursor);
        c->base_url = trimmed_copy(o->base_url);
        c->api_url = trimmed_copy(o->api_url ? o->api_url : o->base_url);
        c->org = strdup(o->organization_id);
        c->state_dir = o->state_dir ? strdup(o->state_dir) : NULL;
        c->state_file = strdup(o->state_file ? o->state_file : TW_AUDITLOG_STATE_FILE);
        r = -ENOMEM;
        if (!c->base_url || !c->api_url || !c->org || !c->state_file ||
            (o->state_dir && !c->state_dir))
                goto fail;
        c->owner = (struct tw_auditlog_owner){c->state_file, c->org, c->api_url};
        so.bearer = o->bearer;
        so.user_agent = o->user_agent;
        so.timeout_ms = c->o.timeout_ms;
        /* An endless or gzip-bomb body ends in -E2BIG, not the timeout:
         * a 90-day window is hundreds of MB, far below this. */
        so.max_bytes = (uint64_t)16 << 30;
        so.cancel = o->cancel;
        r = tw_http_stream_new(&so, &c->http);
        if (r < 0)
                goto fail;
        r = tw_auditlog_state_load(c->state_dir, &c->owner, o->limits, now, &c->cursor, &c->usage,
                                   &moved);
        if (r == 0)
                r = tw_auditlog_cursor_clamp(&c->cursor, now * 1000, c->o.overlap_ms, c->o.skew_ms);
        if (r < 0)
                goto fail;
        *ret = c;
        if (ret_moved)
                *ret_moved = moved;
        else
                free(moved.path);
        return 0;
fail:
        free(moved.path);
        tw_auditlog_collector_free(c);
        return r;
}

void tw_auditlog_collector_free(struct tw_auditlog_collector *c)
{
        if (!c)
                return;
        tw_http_stream_free(c->http);
        tw_usage_free(c->usage);
        tw_auditlog_cursor_done(&c->cursor);
        free(c->base_url);
        free(c->api_url);
        free(c->org);
        free(c->state_dir);
        free(c->state_file);
        free(c);
}

/* Sleeps ms in slices, returning -ECANCELED as soon as cancel is set. */
static int sleep_ms(struct tw_auditlog_collector *c, int64_t ms,
                    struct tw_auditlog_fetch_result *res)
{
        int64_t end = tw_mono_ns() + ms * 1000000LL, left;

        while ((left = end - tw_mono_ns()) > 0) {
                int64_t slice =
                        left < SLEEP_SLICE_MS * 1000000LL ? left : SLEEP_SLICE_MS * 1000000LL;
                struct timespec ts = {(time_t)(slice / 1000000000LL), (long)(slice % 1000000000LL)};

                if (c->o.cancel && *c->o.cancel)
                        return -ECANCELED;
                nanosleep(&ts, NULL);
        }
        res->waited_ms += ms;
        return c->o.cancel && *c->o.cancel ? -ECANCELED : 0;
}

/* Waits until a call keeps within TW_AUDITLOG_CALLS_PER_WINDOW per window,
 * and at least min_wait_ms (a Retry-After); then notes the call (its time
 * is moved to its end by end_call(): the server may count arrivals). */
static int take_call_slot(struct tw_auditlog_collector *c, int64_t min_wait_ms,
                          struct tw_auditlog_fetch_result *res)
{
        int64_t wait = min_wait_ms, now = tw_mono_ns();
        int r;

        if (c->n_calls == TW_AUDITLOG_CALLS_PER_WINDOW) {
                int64_t free_at = c->calls_ns[0] + c->o.rate_window_ms * 1000000LL;
                int64_t w = (free_at - now + 999999) / 1000000;

                if (w > wait)
                        wait = w;
        }
        if (wait > 0 && (r = sleep_ms(c, wait, res)) < 0)
                return r;
        if (c->n_calls == TW_AUDITLOG_CALLS_PER_WINDOW) {
                memmove(c->calls_ns, c->calls_ns + 1, (c->n_calls - 1) * sizeof(c->calls_ns[0]));
                c->n_calls--;
        }
        c->calls_ns[c->n_calls++] = tw_mono_ns();
        res->calls++;
        return 0;
}

static void end_call(struct tw_auditlog_collector *c)
{
        c->calls_ns[c->n_calls - 1] = tw_mono_ns();
}

/* One NDJSON line: parse, skip what the cursor covers or what is dated in
 * the future, feed the rest. */
static int on_line(void *ctx, const char *line, size_t len)
{
        struct fetch *f = ctx;
        struct tw_auditlog_entry e;
        enum tw_auditlog_skip why;
        uint64_t id;
        int r;

        if (tw_auditlog_entry_parse(line, len, &e, &why) < 0) {
                f->res->skipped[why]++;
                return 0;
        }
        if (e.time_ms > f->latest_ms) {
                f->res->skipped[TW_AUDITLOG_SKIP_FUTURE]++;
                tw_auditlog_entry_done(&e);
                return 0;
        }
        id = tw_auditlog_entry_identity(&e, line, len);
        if (tw_auditlog_cursor_covers(&f->c->cursor, e.time_ms, id)) {
                f->res->duplicates++;
                tw_auditlog_entry_done(&e);
                return 0;
        }
        r = tw_usage_add(f->c->usage, &e);
        if (r == 0)
                r = tw_auditlog_cursor_take(&f->c->cursor, e.time_ms, id);
        tw_auditlog_entry_done(&e);
        if (r < 0)
                return r;
        f->res->entries++;
        return 0;
}

static int on_data(void *ctx, const char *data, size_t len)
{
        struct fetch *f = ctx;
        int r;

        /* libcurl's progress callback (which polls cancel too) may wait
         * while a fast body keeps the write callback busy. */
        if (f->c->o.cancel && *f->c->o.cancel)
                return -ECANCELED;
        f->res->bytes += len;
        r = tw_ndjson_feed(&f->split, data, len, on_line, f);
        if (r == 0 && f->c->o.progress)
                f->c->o.progress(f->c->o.progress_ctx, f->res->entries, f->res->bytes);
        return r;
}

/* Where a fetch at now starts: the cursor's floor, or now - backfill. */
static int64_t window_start(const struct tw_auditlog_collector *c, int64_t now)
{
        return c->cursor.floor_ms != TW_NO_TIME ? c->cursor.floor_ms
                                                : (now - c->o.backfill_s) * 1000;
}

/* The URL of a fetch of [window_start(); now). */
static int fetch_url(struct tw_auditlog_collector *c, int64_t now, struct tw_buf *url)
{
        int64_t from = window_start(c, now);
        char ts[40], te[40];

        /* RFC 3339 with "Z": nothing in it needs escaping in a query. */
        tw_time_format_ms(from, ts, sizeof(ts));
        tw_time_format_ms(now * 1000, te, sizeof(te));
        return tw_buf_printf(url, "%s/organizations/%s/audit-logs?startDate=%s&endDate=%s",
                             c->base_url, c->org, ts, te);
}

/* The error of a final HTTP outcome. */
static int outcome_error(const struct tw_http_result *h)
{
        if (h->error)
                return h->error;
        if (h->status == 403)
                return -EACCES;
        if (h->status == 401)
                return -EPERM;
        if (h->status == 429)
                return -EAGAIN;
        return -EPROTO;
}

static void note_request_id(const struct tw_http_result *h, struct tw_auditlog_fetch_result *res)
{
        cJSON *o = h->body_len ? cJSON_ParseWithLength(h->body, h->body_len) : NULL;
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "requestId"));

        if (id)
                snprintf(res->request_id, sizeof(res->request_id), "%s", id);
        cJSON_Delete(o);
}

/* Calls until done, failed, or out of retries. */
static int attempt_loop(struct fetch *f, const char *url)
{
        struct tw_auditlog_collector *c = f->c;
        struct tw_backoff bo = {.base_ms = 1000, .max_ms = 60000, .jitter = TW_JITTER_FULL};
        struct tw_http_result h;
        int64_t wait = 0;
        uint64_t bytes;
        int r;

        for (int attempt = 0;; attempt++) {
                r = take_call_slot(c, wait, f->res);
                if (r < 0)
                        return r;
                tw_ndjson_done(&f->split);
                tw_ndjson_init(&f->split, c->o.max_line);
                r = tw_http_stream_get(c->http, url, on_data, f, &h, &bytes);
                end_call(c);
                f->res->status = h.status;
                f->res->retry_after_s = h.retry_after_s;
                f->res->error_text = h.error_text;
                if (r == 0 && h.verdict == TW_HTTP_DONE) {
                        r = tw_ndjson_finish(&f->split, on_line, f);
                        f->res->skipped[TW_AUDITLOG_SKIP_TOO_LONG] += f->split.too_long;
                        return r;
                }
                f->res->skipped[TW_AUDITLOG_SKIP_TOO_LONG] += f->split.too_long;
                note_request_id(&h, f->res);
                if (h.verdict != TW_HTTP_RETRY || attempt >= c->o.max_retries ||
                    (tw_http_unreachable(&h) && attempt >= TW_HTTP_UNREACHABLE_RETRIES))
                        return outcome_error(&h);
                wait = h.retry_after_s > 0 ? h.retry_after_s * 1000
                                           : tw_retry_backoff_ms(&bo, attempt + 1, 0, tw_splitmix64,
                                                                 &c->jitter);
        }
}

int tw_auditlog_fetch(struct tw_auditlog_collector *c, int64_t now,
                      struct tw_auditlog_fetch_result *ret)
{
        struct fetch f = {.c = c, .res = ret, .latest_ms = now * 1000 + c->o.skew_ms};
        uint64_t evicted = c->cursor.evicted;
        /* A backfill from nothing starts what the index covers. */
        int64_t from = c->cursor.floor_ms == TW_NO_TIME ? window_start(c, now) : TW_NO_TIME;
        struct tw_buf url;
        int r, w;

        memset(ret, 0, sizeof(*ret));
        ret->cursor_ms = c->cursor.floor_ms;
        tw_buf_init(&url, 4096);
        tw_ndjson_init(&f.split, c->o.max_line);
        r = fetch_url(c, now, &url);
        if (r < 0)
                goto out;
        r = attempt_loop(&f, url.ptr);
        /* Only a whole window moves the floor; what was taken stays taken
         * (in the cursor's set), whatever happened after. */
        w = r == 0 ? tw_auditlog_cursor_complete(&c->cursor, now * 1000, c->o.overlap_ms) : 0;
        if (r == 0 && from != TW_NO_TIME)
                c->cursor.from_ms = from;
        ret->complete = r == 0 && w == 0;
        if (w == 0 && c->state_dir && (r == 0 || ret->entries))
                w = tw_auditlog_state_save(c->state_dir, &c->owner, &c->cursor, c->usage);
        if (r == 0)
                r = w;
        ret->cursor_ms = c->cursor.floor_ms;
        ret->evicted = c->cursor.evicted - evicted;
out:
        tw_ndjson_done(&f.split);
        tw_buf_done(&url);
        return r;
}
