#ifndef TW_LIB_HTTP_CURL_EASY_H
#define TW_LIB_HTTP_CURL_EASY_H

/*
 * Internal to the libcurl transport (http_curl.c): one easy handle slot
 * with its capped body buffer, the shared request headers, and the mapping
 * of curl results to errno values.  Not for other callers.
 */

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/http.h"

struct tw_curl_xfer {
        CURL *easy;
        struct tw_buf body;
        char errbuf[CURL_ERROR_SIZE];
        bool over_cap; /* the write callback refused data over body.max */
        void *owner;   /* the transport's request while in flight, else NULL */
};

/* The request headers (Authorization, Accept, extra_header); the bearer is
 * copied.  NULL on allocation failure. */
struct curl_slist *tw_curl_headers_new(const struct tw_http_options *o);
/* Wipes every header (the bearer is among them) and frees; NULL-safe. */
void tw_curl_headers_free(struct curl_slist *h);

/* Creates the easy handle with every per-transport option set.  headers
 * must outlive the slot.  0, -ENOMEM, or -EINVAL if curl refuses an option. */
int tw_curl_xfer_init(struct tw_curl_xfer *x, const struct tw_http_options *o,
                      const char *user_agent, struct curl_slist *headers);
/* Frees the easy handle (not in a multi handle any more) and the body. */
void tw_curl_xfer_done(struct tw_curl_xfer *x);

/* Readies the slot for a transfer of url. */
int tw_curl_xfer_prepare(struct tw_curl_xfer *x, const char *url);
/* Drops the body after a transfer, releasing large buffers. */
void tw_curl_xfer_release(struct tw_curl_xfer *x);

/* The negative errno for a failed transfer (code != CURLE_OK):
 * -ETIMEDOUT, -ECONNREFUSED, -EPROTO, -E2BIG, -ENOMEM or -EINVAL. */
int tw_curl_error(CURLcode code, bool over_cap);
/* A description of the failure for error_text: the error buffer, or
 * curl's text for code.  Never holds a header value or a URL query. */
const char *tw_curl_error_text(const struct tw_curl_xfer *x, CURLcode code);

/* The Retry-After of the last response in seconds (capped), or -1. */
int64_t tw_curl_retry_after_s(struct tw_curl_xfer *x, int64_t now);

#endif
