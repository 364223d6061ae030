#ifndef TW_EXPORTERS_NOTIFY_HTTP_INTERNAL_H
#define TW_EXPORTERS_NOTIFY_HTTP_INTERNAL_H

/*
 * Internal to the webhook sender (notify_sender*.c): one POST of a
 * delivery through lib's HTTP client (lib/http/client.h), with the outcome
 * in the shape the sender keeps.  Not for other callers.
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct curl_slist;
struct tw_http_client;

struct tw_notify_http_result {
        long status;           /* 0: no response */
        int error;             /* 0, -ETIMEDOUT, -ECONNREFUSED, -ECANCELED, -EPROTO, -ENOMEM,
                                  -EKEYREJECTED (untrusted TLS certificate), -EINVAL */
        bool retry;            /* the HTTP client's verdict: another attempt may succeed */
        int64_t retry_after_s; /* from Retry-After (seconds or HTTP-date), -1 if none */
        char error_text[256];  /* curl's description (no URL) and a hint, "" if none */
};

/* POSTs body to url with headers through client (the sink's, so that its
 * connection is reused; NULL: a client for this one POST).  cancel (may be
 * NULL) aborts the transfer when it becomes non-zero.  Always fills *res;
 * returns res->error. */
int tw_notify_http_post(struct tw_http_client *client, const char *url,
                        const struct curl_slist *headers, const char *body, size_t len,
                        int64_t timeout_ms, volatile sig_atomic_t *cancel,
                        struct tw_notify_http_result *res);

#endif
