#ifndef TW_LIB_HTTP_CURL_EASY_INTERNAL_H
#define TW_LIB_HTTP_CURL_EASY_INTERNAL_H

/*
 * Internal to lib's libcurl client (the multi transport in curl.c and
 * the synchronous client in client.c): one easy handle slot with its
 * capped body buffer, the shared request headers, and the one
 * classification of curl results and HTTP statuses.  Not for other callers.
 */

#include <curl/curl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/http/http.h"

#define TW_HTTP_DEFAULT_USER_AGENT "tokenwatch/" TW_VERSION

struct tw_curl_xfer {
        CURL *easy;
        struct tw_buf body;
        char errbuf[CURL_ERROR_SIZE];
        bool over_cap; /* the body went over body.max: refused, or dropped if truncate */
        bool truncate; /* keep body.max bytes and read the rest away instead of failing */
        void *owner;   /* the transport's request while in flight, else NULL */
        volatile sig_atomic_t *cancel; /* see tw_curl_xfer_set_cancellable() */
};

/* The request headers (Authorization, Accept, extra_header); the bearer is
 * copied.  NULL on allocation failure. */
struct curl_slist *tw_curl_headers_new(const struct tw_http_options *o);
/* Wipes every header (the bearer is among them) and frees; NULL-safe. */
void tw_curl_headers_free(struct curl_slist *h);

/* Creates the easy handle with every option of o set (a GET; the bearer and
 * extra header are in headers, which must outlive the slot).  0, -ENOMEM,
 * or -EINVAL if curl refuses an option. */
int tw_curl_xfer_init(struct tw_curl_xfer *x, const struct tw_http_options *o,
                      struct curl_slist *headers);
/* The whole-transfer timeout (<= 0: 30 s) and the connect timeout (the
 * same, at most 10 s).  0 or -EINVAL. */
int tw_curl_xfer_set_timeout(struct tw_curl_xfer *x, int64_t timeout_ms);
/* Makes the transfer abort (CURLE_ABORTED_BY_CALLBACK) within curl's
 * progress period once *x->cancel is set; x->cancel may change between
 * transfers (NULL: never).  0, -ENOMEM or -EINVAL. */
int tw_curl_xfer_set_cancellable(struct tw_curl_xfer *x);
/* Frees the easy handle (not in a multi handle any more) and the body. */
void tw_curl_xfer_done(struct tw_curl_xfer *x);

/* Readies the slot for a transfer of url. */
int tw_curl_xfer_prepare(struct tw_curl_xfer *x, const char *url);
/* Drops the body after a transfer, releasing large buffers. */
void tw_curl_xfer_release(struct tw_curl_xfer *x);

/* Classifies an attempt that ended with code (over_cap: the write callback
 * refused data over the cap) and, if a response came, HTTP status (else
 * 0) into res's error, hint, verdict and reason; nothing else in res is
 * touched.  A transport error wins over the status.  Pure. */
void tw_http_classify(CURLcode code, bool over_cap, long status, struct tw_http_result *res);

/* A description of the failure for error_text: the error buffer, or
 * curl's text for code.  Never holds a header value or a URL query. */
const char *tw_curl_error_text(const struct tw_curl_xfer *x, CURLcode code);

/* Fills res from the finished transfer in x: status, the classification,
 * error_text, Retry-After (CURLINFO_RETRY_AFTER, capped), new connections
 * and the body (valid until the slot is prepared or released again).
 * attempts is left alone. */
void tw_curl_result(struct tw_curl_xfer *x, CURLcode code, struct tw_http_result *res);

#endif
