#ifndef TW_LIB_HTTP_STREAM_H
#define TW_LIB_HTTP_STREAM_H

/*
 * A streaming GET on the calling thread, for bodies too large to hold (the
 * Astro audit logs: up to hundreds of MB of gzipped NDJSON).  The body of a
 * 2xx response goes to a callback as it arrives, inflated: gzip announced
 * with Content-Encoding is undone by libcurl (Accept-Encoding: gzip), and a
 * raw gzip body (starting with the magic bytes 1f 8b, no header) is inflated
 * here with zlib.  Memory stays bounded whatever the body's size.
 *
 * Same rules as the rest of the one HTTP client: TLS verification always
 * on, protocols http and https, redirects never followed, no signals, the
 * bearer copied and wiped on free (never logged), the outcome classified by
 * tw_http_classify() (enum tw_http_verdict in lib/http/http.h), Retry-After from
 * CURLINFO_RETRY_AFTER.  Retrying is the caller's business.
 *
 * Thread-safety: a stream client is used by one thread at a time; different
 * ones are independent.  curl_global_init() must have been called.
 */

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/http/http.h"

struct tw_http_stream;

struct tw_http_stream_options {
        const char *bearer;            /* Authorization: Bearer <bearer>; copied, wiped on free */
        const char *user_agent;        /* default "tokenwatch/<version>" */
        int64_t timeout_ms;            /* the whole transfer; <= 0: 30 s (connect: <= 10 s) */
        uint64_t max_bytes;            /* inflated bytes at most (-E2BIG above); 0: no cap */
        volatile sig_atomic_t *cancel; /* polled: non-zero aborts (-ECANCELED); may be NULL */
};

/* Receives len bytes of the inflated body (valid during the call only).
 * A non-zero return aborts the transfer; a negative one becomes the GET's
 * error (a positive one: -ECANCELED). */
typedef int (*tw_http_stream_fn)(void *ctx, const char *data, size_t len);

/* A new client.  0, -ENOMEM, or -EINVAL if libcurl refuses an option. */
int tw_http_stream_new(const struct tw_http_stream_options *o, struct tw_http_stream **ret);
/* Wipes the bearer, closes the connections and frees; NULL-safe. */
void tw_http_stream_free(struct tw_http_stream *s);

/*
 * GETs url.  For a 2xx response the body goes to fn; for any other status
 * its first 4 KiB are kept in ret->body instead (an error document to read
 * the message and requestId from).  Fills *ret on every path (body and
 * error_text stay valid until the next call; attempts is 1) and returns
 * ret->error: 0 (check ret->verdict and ret->status), -EBADMSG (a raw
 * gzip body that does not inflate, or one cut short), -E2BIG (over
 * max_bytes), fn's negative value, or a transport error as in
 * struct tw_http_result.  *ret_inflated (may be NULL) is set on every path
 * to the bytes handed to fn.
 */
int tw_http_stream_get(struct tw_http_stream *s, const char *url, tw_http_stream_fn fn, void *ctx,
                       struct tw_http_result *ret, uint64_t *ret_inflated);

#endif
