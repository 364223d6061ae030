#include "lib/http/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/http/curl_easy_internal.h"
#include "lib/http/ratelimit_internal.h"
#include "lib/http/retry.h"
#include "lib/timeutil.h"

#define CANCEL_POLL_MS 100
#define NS_PER_MS 1000000

/* One get(): waits in the pending queue, runs in a slot, maybe again. */
struct req {
        struct req *next;
        char *url;
        char endpoint[32];
        tw_http_done_fn done;
        void *userdata;
        int attempts;
        int64_t not_before_ns; /* a retry's earliest start */
        int64_t prev_delay_ms; /* for decorrelated jitter */
};

struct curl_transport {
        struct tw_transport base;
        CURLM *multi;
        struct curl_slist *headers;
        struct tw_curl_xfer *xfers;
        int n_xfers;
        int in_flight;
        struct req *pending; /* retries first (pushed at the head), then FIFO */
        struct req *pending_tail;
        size_t n_pending;
        struct tw_ratelimit rl;
        struct tw_backoff backoff;
        int max_retries;
        volatile sig_atomic_t *cancel;
        int64_t deadline_ns; /* 0: none */
        uint64_t rng;
        bool running;
        struct tw_http_stats stats;
};

static const struct tw_transport_ops xport_ops;

static void req_free(struct req *r)
{
        if (!r)
                return;
        free(r->url);
        free(r);
}

static void push_tail(struct curl_transport *t, struct req *r)
{
        r->next = NULL;
        if (t->pending_tail)
                t->pending_tail->next = r;
        else
                t->pending = r;
        t->pending_tail = r;
        t->n_pending++;
}

static void push_head(struct curl_transport *t, struct req *r)
{
        r->next = t->pending;
        t->pending = r;
        if (!t->pending_tail)
                t->pending_tail = r;
        t->n_pending++;
}

/* Unlinks r, whose predecessor is prev (NULL for the head). */
static void unlink_req(struct curl_transport *t, struct req *prev, struct req *r)
{
        if (prev)
                prev->next = r->next;
        else
                t->pending = r->next;
        if (t->pending_tail == r)
                t->pending_tail = prev;
        r->next = NULL;
        t->n_pending--;
}

static int xport_get(struct tw_transport *base, const char *url, const char *endpoint,
                     tw_http_done_fn done, void *userdata)
{
        struct curl_transport *t = (struct curl_transport *)base;
        struct req *r;

        if (!url || !done)
                return -EINVAL;
        if (t->n_pending >= TW_HTTP_MAX_QUEUED)
                return -E2BIG;
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->url = strdup(url);
        if (!r->url) {
                free(r);
                return -ENOMEM;
        }
        /* A label longer than the stats field is cut: it is only a label. */
        strncpy(r->endpoint, endpoint ? endpoint : "", sizeof(r->endpoint) - 1);
        r->done = done;
        r->userdata = userdata;
        push_tail(t, r);
        return 0;
}

/* Hands the final outcome to the callback and frees r. */
static void complete(struct req *r, struct tw_http_result *res)
{
        res->attempts = r->attempts;
        r->done(r->userdata, res);
        req_free(r);
}

/* Completes r with a failure that no attempt produced (bad URL, abort). */
static void complete_error(struct req *r, int error, const char *text)
{
        struct tw_http_result res = {
                .error = error,
                .error_text = text,
                .body = "",
                .verdict = TW_HTTP_FAIL,
        };

        complete(r, &res);
}

static struct tw_curl_xfer *free_slot(struct curl_transport *t)
{
        for (int i = 0; i < t->n_xfers; i++)
                if (!t->xfers[i].owner)
                        return &t->xfers[i];
        return NULL;
}

/* Starts r in slot x; on failure r completes with the error. */
static void start(struct curl_transport *t, struct tw_curl_xfer *x, struct req *r)
{
        int err = tw_curl_xfer_prepare(x, r->url);

        r->attempts++;
        if (!err && curl_multi_add_handle(t->multi, x->easy) != CURLM_OK)
                err = -ENOMEM;
        if (err) {
                complete_error(r, err, err == -EINVAL ? "invalid URL" : "out of memory");
                return;
        }
        x->owner = r;
        t->in_flight++;
        t->stats.requests++;
        if (t->in_flight > t->stats.max_in_flight)
                t->stats.max_in_flight = t->in_flight;
}

/* Starts every request that a free slot, its not-before time and the rate
 * limiter allow.  Returns how long until the next start could be possible
 * (ns), or -1 when only a finishing transfer can make one possible. */
static int64_t start_ready(struct curl_transport *t, int64_t now)
{
        struct tw_curl_xfer *x;
        struct req *r, *prev;
        int64_t soonest, wait;

        while ((x = free_slot(t)) && t->pending) {
                soonest = INT64_MAX;
                for (prev = NULL, r = t->pending; r; prev = r, r = r->next) {
                        if (r->not_before_ns <= now)
                                break;
                        if (r->not_before_ns < soonest)
                                soonest = r->not_before_ns;
                }
                if (!r)
                        return soonest - now;
                wait = tw_ratelimit_take(&t->rl, now);
                if (wait > 0)
                        return wait;
                unlink_req(t, prev, r);
                start(t, x, r);
        }
        return -1;
}

/* How many retries an outcome gets: an unreachable host one at most. */
static int retries_allowed(const struct curl_transport *t, const struct tw_http_result *res)
{
        if (tw_http_unreachable(res) && t->max_retries > TW_HTTP_UNREACHABLE_RETRIES)
                return TW_HTTP_UNREACHABLE_RETRIES;
        return t->max_retries;
}

/* Decides what follows one finished attempt: a scheduled retry or the
 * callback. */
static void finish(struct curl_transport *t, struct tw_curl_xfer *x, CURLcode code)
{
        struct req *r = x->owner;
        struct tw_http_result res = {0};
        int64_t delay_ms;

        curl_multi_remove_handle(t->multi, x->easy);
        t->in_flight--;
        tw_curl_result(x, code, &res);
        tw_http_stats_count(&t->stats, r->endpoint, res.error ? 0 : res.status);
        if (!res.error && res.status == 429)
                t->stats.rate_limited++;

        if (res.verdict == TW_HTTP_RETRY && r->attempts <= retries_allowed(t, &res)) {
                t->stats.retries[res.reason]++;
                delay_ms = tw_retry_backoff_ms(&t->backoff, r->attempts, r->prev_delay_ms,
                                               tw_splitmix64, &t->rng);
                r->prev_delay_ms = delay_ms;
                /* Retry-After is a minimum, on top of which jitter spreads. */
                if (res.retry_after_s * 1000 > delay_ms)
                        delay_ms = res.retry_after_s * 1000;
                t->stats.retry_delay_ms += (uint64_t)delay_ms;
                r->not_before_ns = tw_mono_ns() + delay_ms * NS_PER_MS;
                /* Rate limited: nothing starts until the delay has passed. */
                if (res.reason == TW_RETRY_RATE_LIMITED)
                        tw_ratelimit_pause_until(&t->rl, r->not_before_ns);
                tw_curl_xfer_release(x);
                push_head(t, r);
                return;
        }
        /* The slot stays taken during the callback: the body lives in it. */
        complete(r, &res);
        tw_curl_xfer_release(x);
}

/* Handles every finished transfer; returns how many there were. */
static int drain_messages(struct curl_transport *t)
{
        CURLMsg *msg;
        struct tw_curl_xfer *x;
        char *priv;
        int left, n = 0;

        while ((msg = curl_multi_info_read(t->multi, &left))) {
                if (msg->msg != CURLMSG_DONE)
                        continue;
                priv = NULL;
                curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
                x = (struct tw_curl_xfer *)(void *)priv;
                if (!x || !x->owner)
                        continue;
                finish(t, x, msg->data.result);
                n++;
        }
        return n;
}

/* Aborts every transfer and completes everything pending with error (also
 * what callbacks queue meanwhile). */
static void abort_all(struct curl_transport *t, int error, const char *text)
{
        struct req *r;

        for (int i = 0; i < t->n_xfers; i++) {
                struct tw_curl_xfer *x = &t->xfers[i];

                if (!x->owner)
                        continue;
                r = x->owner;
                curl_multi_remove_handle(t->multi, x->easy);
                t->in_flight--;
                tw_http_stats_count(&t->stats, r->endpoint, 0);
                complete_error(r, error, text);
                tw_curl_xfer_release(x);
        }
        while ((r = t->pending)) {
                unlink_req(t, NULL, r);
                complete_error(r, error, text);
        }
}

static bool cancelled(const struct curl_transport *t)
{
        return t->cancel && *t->cancel;
}

static int xport_run(struct tw_transport *base)
{
        struct curl_transport *t = (struct curl_transport *)base;
        int64_t wait_ns;
        int still, timeout_ms, rc = 0;
        CURLMcode mc;

        if (t->running)
                return -EBUSY;
        t->running = true;
        for (;;) {
                if (cancelled(t)) {
                        abort_all(t, -ECANCELED, "cancelled");
                        rc = -ECANCELED;
                        break;
                }
                if (t->deadline_ns && tw_mono_ns() >= t->deadline_ns) {
                        abort_all(t, -ETIMEDOUT, "the collection's deadline passed");
                        rc = -ETIMEDOUT;
                        break;
                }
                wait_ns = start_ready(t, tw_mono_ns());
                if (!t->in_flight && !t->pending)
                        break;
                mc = curl_multi_perform(t->multi, &still);
                if (mc != CURLM_OK) {
                        rc = mc == CURLM_OUT_OF_MEMORY ? -ENOMEM : -EPROTO;
                        abort_all(t, rc, curl_multi_strerror(mc));
                        break;
                }
                /* Something finished: fill the freed slots before waiting. */
                if (drain_messages(t) > 0)
                        continue;
                timeout_ms = CANCEL_POLL_MS;
                if (wait_ns >= 0 && wait_ns < (int64_t)timeout_ms * NS_PER_MS)
                        timeout_ms = (int)((wait_ns + NS_PER_MS - 1) / NS_PER_MS);
                if (timeout_ms < 1)
                        timeout_ms = 1;
                mc = curl_multi_poll(t->multi, NULL, 0, timeout_ms, NULL);
                if (mc != CURLM_OK) {
                        rc = mc == CURLM_OUT_OF_MEMORY ? -ENOMEM : -EPROTO;
                        abort_all(t, rc, curl_multi_strerror(mc));
                        break;
                }
        }
        t->running = false;
        return rc;
}

static void xport_free(struct tw_transport *base)
{
        struct curl_transport *t = (struct curl_transport *)base;
        struct req *r;

        if (!t)
                return;
        for (int i = 0; t->xfers && i < t->n_xfers; i++) {
                if (t->xfers[i].owner && t->multi)
                        curl_multi_remove_handle(t->multi, t->xfers[i].easy);
                req_free(t->xfers[i].owner);
                tw_curl_xfer_done(&t->xfers[i]);
        }
        free(t->xfers);
        while ((r = t->pending)) {
                unlink_req(t, NULL, r);
                req_free(r);
        }
        if (t->multi)
                curl_multi_cleanup(t->multi);
        tw_curl_headers_free(t->headers);
        free(t);
}

static const struct tw_transport_ops xport_ops = {
        .get = xport_get,
        .run = xport_run,
        .free = xport_free,
};

struct tw_transport *tw_transport_curl_new(const struct tw_http_options *opts)
{
        struct curl_transport *t;
        int64_t now = tw_mono_ns();

        t = calloc(1, sizeof(*t));
        if (!t)
                return NULL;
        t->base.ops = &xport_ops;
        t->n_xfers = opts->max_concurrency >= 1 ? opts->max_concurrency : 1;
        t->max_retries = opts->max_retries > 0 ? opts->max_retries : 0;
        t->cancel = opts->cancel;
        t->deadline_ns = opts->deadline_ns;
        t->backoff.base_ms = opts->backoff_base_ms > 0 ? opts->backoff_base_ms : 500;
        t->backoff.max_ms = opts->backoff_max_ms > 0 ? opts->backoff_max_ms : 30000;
        t->backoff.jitter = TW_JITTER_DECORRELATED;
        t->rng = (uint64_t)now ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)t;
        tw_ratelimit_init(&t->rl, opts->rate_limit, opts->rate_burst, now);

        t->multi = curl_multi_init();
        t->headers = tw_curl_headers_new(opts);
        t->xfers = calloc((size_t)t->n_xfers, sizeof(*t->xfers));
        if (!t->multi || !t->headers || !t->xfers)
                goto fail;
        for (int i = 0; i < t->n_xfers; i++)
                if (tw_curl_xfer_init(&t->xfers[i], opts, t->headers) < 0)
                        goto fail;
        return &t->base;
fail:
        xport_free(&t->base);
        return NULL;
}

const struct tw_http_stats *tw_transport_curl_stats(const struct tw_transport *t)
{
        if (!t || t->ops != &xport_ops)
                return NULL;
        return &((const struct curl_transport *)t)->stats;
}
