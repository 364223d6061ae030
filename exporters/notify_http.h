#ifndef TW_EXPORTERS_NOTIFY_HTTP_H
#define TW_EXPORTERS_NOTIFY_HTTP_H

/*
 * Internal to the webhook sender (notify_sender.c): one POST with libcurl's
 * easy interface.  Not for other callers.
 */

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct curl_slist;

struct tw_notify_http_result {
        long status;           /* 0: no response */
        int error;             /* 0, -ETIMEDOUT, -ECONNREFUSED, -ECANCELED, -EPROTO, -ENOMEM */
        int64_t retry_after_s; /* from Retry-After, -1 if none */
        char error_text[256];  /* curl's description (no URL), "" if none */
};

/* POSTs body to url with headers.  cancel (may be NULL) aborts the transfer
 * when it becomes non-zero.  Always fills *res; returns res->error. */
int tw_notify_http_post(const char *url, const struct curl_slist *headers, const char *body,
                        size_t len, int64_t timeout_ms, volatile sig_atomic_t *cancel,
                        struct tw_notify_http_result *res);

/* The host of url (for logs), or NULL if curl cannot parse it.  Caller frees. */
char *tw_notify_url_host(const char *url);

#endif
