#ifndef TW_EXPORTERS_DELIVER_DELIVER_COMMON_INTERNAL_H
#define TW_EXPORTERS_DELIVER_DELIVER_COMMON_INTERNAL_H

/*
 * What the store files share (internal to exporters/deliver): the context,
 * HTTP calls with retries, headers that hold a credential, messages for
 * failures (never a value or a credential in them), reading credentials,
 * looking at a value read back, base64 and JSON that held secrets.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exporters/deliver/deliver.h"
#include "lib/http/client.h"

struct cJSON;
struct curl_slist;

struct tw_deliver_ctx {
        struct tw_deliver_options o;
        struct tw_http_client *http;    /* the system's CAs */
        struct tw_http_client *ca_http; /* ca_path's */
        char *ca_path;
        struct tw_http_client *last; /* the client of the last call */
        uint64_t rng;
        int64_t retry_after_s;
};

/* One call.  headers hold the credential (tw_deliver_headers_free wipes
 * them); ca_file: the target's, or NULL. */
struct tw_deliver_call {
        const char *method;
        const char *url;
        const struct curl_slist *headers;
        const char *body; /* NULL: none */
        size_t len;
        const char *ca_file;
        bool rate_limit_403; /* GitHub: a 403 with Retry-After or x-ratelimit-remaining
                                0 is a rate limit */
};

/* Performs call, retrying 429s, 5xx, timeouts and connection failures
 * (backoff with jitter, Retry-After or the rate-limit reset honoured up to
 * max_wait_s).  0 when an answer came that is not retried any more
 * (res->status; a 5xx after the retries too), -EAGAIN when rate limited
 * past max_wait_s or the retries (c->retry_after_s set), or the
 * transport's error.  res's body is valid until the next call on c. */
int tw_deliver_http(struct tw_deliver_ctx *c, const struct tw_deliver_call *call,
                    struct tw_http_result *res);
/* A header of the last answer, or NULL. */
const char *tw_deliver_last_header(struct tw_deliver_ctx *c, const char *name);

/* Appends a header line made from fmt (it may hold a credential: every line
 * is wiped when freed).  0 or -ENOMEM (*h freed and NULL then). */
int tw_deliver_header(struct curl_slist **h, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
void tw_deliver_headers_free(struct curl_slist *h);

/* Appends "deliver NAME: <message>" to err (NULL-safe) and returns r. */
int tw_deliver_error(struct tw_buf *err, const struct tw_deliver_target *t, int r, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));
/* The errno and message for an answer the store code did not expect:
 * 401 -EACCES, 403 -EPERM, 404 -ENOENT, 429 -EAGAIN, else -EPROTO; the
 * message quotes the store's own (its "message" or "errors"), cut short,
 * with redact (a value, may be NULL) and control characters removed.
 * what: the call, e.g. "PUT .../secrets/NAME".  hint: advice, or NULL. */
int tw_deliver_fail(struct tw_buf *err, const struct tw_deliver_target *t, const char *what,
                    const struct tw_http_result *res, const char *redact, const char *hint);
/* The same for a transport error (res->error) or -EAGAIN from the call. */
int tw_deliver_fail_call(struct tw_deliver_ctx *c, struct tw_buf *err,
                         const struct tw_deliver_target *t, const char *what, int r,
                         const struct tw_http_result *res);

/* Reads the credential at path (flags as tw_secret_read_file_flags); a
 * message naming the copy and the file on failure (-EACCES). */
int tw_deliver_credential(const struct tw_deliver_target *t, const char *path, unsigned flags,
                          char **ret, struct tw_buf *err);

/* The API root: t->api_url or def, without a trailing '/' (the caller
 * frees it); NULL on -ENOMEM. */
char *tw_deliver_api_root(const struct tw_deliver_target *t, const char *def);
/* Appends s to b percent-encoded (slash: keep '/' as is).  0 or -E2BIG. */
int tw_deliver_add_escaped(struct tw_buf *b, const char *s, bool slash);

void tw_deliver_state_init(struct tw_deliver_state *s);
/* Fills s->readable, holds_jwt, api_token_id, iat, exp and fingerprint from
 * a value read back (len bytes, not necessarily NUL-terminated); the
 * caller wipes value.  0 or -ENOMEM. */
int tw_deliver_inspect(const char *value, size_t len, struct tw_deliver_state *s);
/* Parses an RFC 3339 time into *ret (TW_NO_TIME when s is NULL or bad). */
void tw_deliver_time(const char *s, int64_t *ret);

/* Standard base64.  The output is NUL-terminated and freed by the caller
 * (wiped first when it held a secret).  0, -EINVAL (decode: malformed),
 * -ENOMEM. */
int tw_deliver_b64_encode(const void *data, size_t len, char **ret);
int tw_deliver_b64_decode(const char *s, char **ret, size_t *ret_len);

/* Wipes an answer's body (it held a value) in the client's buffer. */
void tw_deliver_wipe_body(const struct tw_http_result *res);
/* Wipes every string in j (it held a value), then deletes it; NULL-safe. */
void tw_deliver_json_free(struct cJSON *j);
/* Parses the answer's body as a JSON object; NULL if it is not one. */
struct cJSON *tw_deliver_json(const struct tw_http_result *res);
const char *tw_deliver_json_str(const struct cJSON *o, const char *key);

#endif
