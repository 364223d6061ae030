#ifndef TW_LIB_HTTP_CLIENT_H
#define TW_LIB_HTTP_CLIENT_H

/*
 * The synchronous side of the one HTTP client: one request at a time on the
 * calling thread, for webhook deliveries (POST) and the secret stores
 * (GET, PUT, PATCH, DELETE).  A client keeps one libcurl easy handle, so its
 * connections (and TLS sessions) are reused from one request to the next.  The outcome is
 * classified exactly as the transport classifies its attempts (enum tw_http_verdict in
 * lib/http/http.h); retrying is the caller's business.  Same options as the transport: TLS
 * verification always on, protocols http and https, redirects never followed, no signals.
 *
 * Thread-safety: a client is used by one thread at a time; different
 * clients are independent.  curl_global_init() must have been called.
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/http/http.h"

struct curl_slist;
struct tw_http_client;

struct tw_http_client_options {
        const char *user_agent; /* default "tokenwatch/<version>" */
        int64_t timeout_ms;     /* per POST unless the call says otherwise; <= 0: 30 s */
        size_t max_body;        /* response bytes kept, the rest is read and dropped;
                                   0: 64 KiB */
        bool whole_body;        /* a response over max_body fails with -E2BIG instead
                                   of being cut (for answers that are parsed) */
        const char *ca_file;    /* CA bundle trusted instead of the system's (e.g. a
                                   Kubernetes service account's ca.crt); verification
                                   stays on.  NULL: the system's */
};

/* A new client.  0, -ENOMEM, or -EINVAL if libcurl refuses an option. */
int tw_http_client_new(const struct tw_http_client_options *o, struct tw_http_client **ret_client);
/* Closes its connections and frees it; NULL-safe. */
void tw_http_client_free(struct tw_http_client *c);

/* POSTs len bytes of body to url with headers (made with curl_slist_append;
 * NULL for none; not copied, only read during the call).  timeout_ms <= 0
 * uses the client's.  cancel (may be NULL) aborts the transfer soon after
 * it becomes non-zero (error -ECANCELED).  Fills *res on every path (its
 * error_text and body point into the client and stay valid until the next
 * call with it; attempts is 1) and returns res->error. */
int tw_http_post(struct tw_http_client *c, const char *url, const struct curl_slist *headers,
                 const char *body, size_t len, int64_t timeout_ms, volatile sig_atomic_t *cancel,
                 struct tw_http_result *res);

/* The same for any method: "GET", "POST", "PUT", "PATCH" or "DELETE" (-EINVAL
 * otherwise).  body may be NULL for none (then len is ignored); a GET
 * never sends one. */
int tw_http_request(struct tw_http_client *c, const char *method, const char *url,
                    const struct curl_slist *headers, const char *body, size_t len,
                    int64_t timeout_ms, volatile sig_atomic_t *cancel, struct tw_http_result *res);

/* Whether the next requests must open a new connection (fresh true) or
 * may reuse one (the default).  libcurl sends a request again, by itself,
 * when a reused connection closes before any answer came; for a write that
 * must never be sent twice (one that creates something), that repeat could
 * be the second copy of a request the server already carried out.  A new
 * connection is never repeated that way.  0, or -EINVAL. */
int tw_http_client_fresh(struct tw_http_client *c, bool fresh);

/* The value of the last response's header name (case-insensitive; the last
 * one if repeated), or NULL if it had none.  Valid until the next request
 * with c. */
const char *tw_http_client_header(struct tw_http_client *c, const char *name);

/* Request headers that may hold a credential (lib/http/headers.c): appends
 * the line fmt makes to *h; every line is wiped when the list is freed with
 * tw_http_headers_free().  0 or -ENOMEM (then *h is freed and NULL). */
int tw_http_header_add(struct curl_slist **h, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* Wipes every line of h, then frees it; NULL-safe. */
void tw_http_headers_free(struct curl_slist *h);

#endif
