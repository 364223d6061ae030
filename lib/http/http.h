#ifndef TW_LIB_HTTP_HTTP_H
#define TW_LIB_HTTP_HTTP_H

/*
 * The HTTP transport seam.  Collector logic (paging, parsing, de-duplication)
 * talks to a struct tw_transport; production uses the libcurl multi
 * transport (tw_transport_curl_new), unit tests a fake that answers from a
 * table.
 *
 * A transport is driven by one thread: get() queues a GET, run() performs
 * every queued request, including those queued by done callbacks while it
 * runs, and returns when none is left.  Retries (429, 5xx, timeouts,
 * connection failures) happen inside the transport; a done callback sees the
 * final outcome only, exactly once per get().
 */

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tw_transport;

/* Why an attempt is retried (a label of the self-metrics). */
enum tw_retry_reason {
        TW_RETRY_RATE_LIMITED, /* 429 */
        TW_RETRY_SERVER_ERROR, /* 5xx */
        TW_RETRY_TIMEOUT,
        TW_RETRY_CONNECTION,
        _TW_RETRY_REASON_MAX,
};

/* Retry-After values above this are capped: an agent waits at most 5 min. */
#define TW_RETRY_AFTER_MAX_S 300

/* What one attempt came to, by the one classification of libcurl results
 * and HTTP statuses that the transport and tw_http_post() share:
 *   DONE   2xx;
 *   RETRY  429, 5xx, timeouts, connection failures (a name that does not
 *          resolve, refused, reset, cut short, TLS handshake): another
 *          attempt may succeed (an unreachable host gets one at most: see
 *          tw_http_unreachable());
 *   FAIL   anything else: 1xx, 3xx (never followed), other 4xx, an
 *          untrusted TLS certificate, a bad URL, a body over the cap,
 *          cancelled, out of memory.  Retrying cannot help. */
enum tw_http_verdict {
        TW_HTTP_DONE,
        TW_HTTP_RETRY,
        TW_HTTP_FAIL,
};

struct tw_http_result {
        long status;            /* HTTP status of the final attempt, 0 if none */
        int error;              /* 0, or -ETIMEDOUT, -EHOSTUNREACH (the host name does not
                                   resolve), -ECONNREFUSED (no connection to the host),
                                   -E2BIG (body over cap),
                                   -ECANCELED, -EPROTO (other transport failure),
                                   -EINVAL (malformed or non-http(s) URL), -ENOMEM,
                                   -EKEYREJECTED (TLS certificate not trusted: not retried) */
        const char *error_text; /* transport's description of error, or NULL */
        const char *hint;       /* static advice for a person (e.g. the untrusted
                                   certificate), or NULL */
        const char *body;       /* NUL-terminated; valid during the callback only */
        size_t body_len;
        int attempts;                 /* 1 + retries performed */
        enum tw_http_verdict verdict; /* of the final attempt (RETRY: retries used up) */
        enum tw_retry_reason reason;  /* when verdict is TW_HTTP_RETRY */
        int64_t retry_after_s;        /* the final response's Retry-After in seconds
                                         (capped at TW_RETRY_AFTER_MAX_S), 0 if none */
        long new_connections;         /* connections the final attempt opened (0: reused) */
};

/* Whether the attempt never reached the host: its name does not resolve
 * or it refused the connection.  A wrong URL or a stopped server does not
 * heal in seconds, so the transport retries such an attempt once at most
 * (TW_HTTP_UNREACHABLE_RETRIES), soon, and the caller says which URL to
 * check. */
#define TW_HTTP_UNREACHABLE_RETRIES 1
static inline bool tw_http_unreachable(const struct tw_http_result *res)
{
        return res->error == -EHOSTUNREACH || res->error == -ECONNREFUSED;
}

/* Called once per get() with the final outcome, on the thread running run(). */
typedef void (*tw_http_done_fn)(void *userdata, const struct tw_http_result *res);

struct tw_transport_ops {
        /* Queues a GET.  endpoint is a short label for statistics ("tokens",
         * "users", ...); the URL carries no secret.  0 or -ENOMEM (-E2BIG
         * when TW_HTTP_MAX_QUEUED requests already wait). */
        int (*get)(struct tw_transport *t, const char *url, const char *endpoint,
                   tw_http_done_fn done, void *userdata);
        /* Performs everything queued; 0, or -ECANCELED if cancelled (each
         * pending request then completes with error -ECANCELED), or
         * -ETIMEDOUT past the deadline (likewise, with -ETIMEDOUT).  Not
         * reentrant: -EBUSY if called from a done callback. */
        int (*run)(struct tw_transport *t);
        void (*free)(struct tw_transport *t);
};

struct tw_transport {
        const struct tw_transport_ops *ops;
};

static inline int tw_transport_get(struct tw_transport *t, const char *url, const char *endpoint,
                                   tw_http_done_fn done, void *userdata)
{
        return t->ops->get(t, url, endpoint, done, userdata);
}

static inline int tw_transport_run(struct tw_transport *t)
{
        return t->ops->run(t);
}

static inline void tw_transport_free(struct tw_transport *t)
{
        if (t)
                t->ops->free(t);
}

/* Counters a transport keeps for the self-metrics.  Written by the thread
 * running the transport; read them after run() returns.  Every attempt
 * counts once under its endpoint and status (0: no complete response:
 * transport error or cancelled).  When the tables are full, further
 * endpoints count under "other" and further codes under code -1. */
#define TW_HTTP_MAX_ENDPOINTS 8
#define TW_HTTP_MAX_CODES 16
#define TW_HTTP_MAX_QUEUED 100000 /* requests waiting in one transport */

struct tw_http_stats {
        struct {
                char endpoint[32];
                struct {
                        long code; /* 0: no response */
                        uint64_t count;
                } codes[TW_HTTP_MAX_CODES];
                size_t n_codes;
        } endpoints[TW_HTTP_MAX_ENDPOINTS];
        size_t n_endpoints;
        uint64_t retries[_TW_RETRY_REASON_MAX];
        uint64_t requests;       /* attempts, retries included */
        uint64_t rate_limited;   /* 429 responses received */
        uint64_t retry_delay_ms; /* sum of the delays chosen before retries */
        int max_in_flight;
};

const char *tw_retry_reason_to_string(enum tw_retry_reason r);
/* Adds one response (status 0: none) to the per-endpoint counters. */
void tw_http_stats_count(struct tw_http_stats *s, const char *endpoint, long status);
/* Adds b's counters into a. */
void tw_http_stats_merge(struct tw_http_stats *a, const struct tw_http_stats *b);

struct tw_http_options {
        const char *bearer;            /* Authorization: Bearer <bearer>; copied, wiped on free */
        const char *extra_header;      /* e.g. "X-API-Version: 1.0", or NULL */
        int64_t timeout_ms;            /* per attempt, whole transfer */
        int max_concurrency;           /* transfers in flight, >= 1 */
        double rate_limit;             /* request starts per second; <= 0: unlimited */
        double rate_burst;             /* bucket size; <= 0: tw_ratelimit_default_burst() */
        int max_retries;               /* retries after the first attempt */
        int64_t backoff_base_ms;       /* first retry delay, default 500 */
        int64_t backoff_max_ms;        /* cap, default 30000 */
        size_t max_body;               /* response cap in bytes, default 64 MiB */
        volatile sig_atomic_t *cancel; /* polled: non-zero aborts run() */
        int64_t deadline_ns;           /* monotonic (tw_mono_ns()); 0: none.  When it
                                          passes, run() fails everything still pending
                                          or in flight with -ETIMEDOUT */
        const char *user_agent;        /* default "tokenwatch/<version>" */
};

/* The libcurl multi transport.  curl_global_init() must have been called.
 * NULL on allocation failure. */
struct tw_transport *tw_transport_curl_new(const struct tw_http_options *opts);
/* Its counters; NULL for a transport of another type. */
const struct tw_http_stats *tw_transport_curl_stats(const struct tw_transport *t);

#endif
