/*
 * The shared side of the store clients: the context, HTTP calls with
 * retries and rate limits, credential headers and failure messages.
 */
#include "exporters/deliver/deliver_common_internal.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/http/retry.h"
#include "lib/secret.h"
#include "lib/timeutil.h"

#define MAX_BODY ((size_t)1 << 20)
#define MESSAGE_MAX 200

int tw_deliver_ctx_new(const struct tw_deliver_options *o, struct tw_deliver_ctx **ret)
{
        struct tw_deliver_ctx *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        c->o = *o;
        if (c->o.timeout_ms <= 0)
                c->o.timeout_ms = 30000;
        if (c->o.max_retries == 0)
                c->o.max_retries = 3;
        if (c->o.backoff_base_ms <= 0)
                c->o.backoff_base_ms = 500;
        if (c->o.backoff_max_ms <= 0)
                c->o.backoff_max_ms = 8000;
        if (c->o.max_wait_s <= 0)
                c->o.max_wait_s = 60;
        c->rng = o->seed ? o->seed : (uint64_t)tw_mono_ns();
        *ret = c;
        return 0;
}

void tw_deliver_ctx_free(struct tw_deliver_ctx *c)
{
        if (!c)
                return;
        tw_http_client_free(c->http);
        tw_http_client_free(c->ca_http);
        free(c->ca_path);
        free(c);
}

int64_t tw_deliver_retry_after(const struct tw_deliver_ctx *c)
{
        return c ? c->retry_after_s : 0;
}

/* The client for ca_file (NULL: the system's CAs), made on first use. */
static int client_for(struct tw_deliver_ctx *c, const char *ca_file, struct tw_http_client **ret)
{
        struct tw_http_client_options ho = {.user_agent = c->o.user_agent,
                                            .timeout_ms = c->o.timeout_ms,
                                            .max_body = MAX_BODY,
                                            .whole_body = true,
                                            .ca_file = ca_file};
        int r;

        if (!ca_file) {
                r = c->http ? 0 : tw_http_client_new(&ho, &c->http);
                *ret = c->http;
                return r;
        }
        if (c->ca_http && strcmp(c->ca_path, ca_file) == 0) {
                *ret = c->ca_http;
                return 0;
        }
        tw_http_client_free(c->ca_http);
        c->ca_http = NULL;
        free(c->ca_path);
        c->ca_path = strdup(ca_file);
        if (!c->ca_path)
                return -ENOMEM;
        r = tw_http_client_new(&ho, &c->ca_http);
        *ret = c->ca_http;
        return r;
}

/* Sleeps ms in short steps; -ECANCELED when cancelled. */
static int nap(struct tw_deliver_ctx *c, int64_t ms)
{
        while (ms > 0) {
                int64_t step = ms < 50 ? ms : 50;
                struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)step * 1000000L};

                if (c->o.cancel && *c->o.cancel)
                        return -ECANCELED;
                nanosleep(&ts, NULL);
                ms -= step;
        }
        return c->o.cancel && *c->o.cancel ? -ECANCELED : 0;
}

/* Seconds a rate-limited answer asks to wait (0: it does not say), and
 * whether it is a rate limit at all. */
static bool rate_limited(struct tw_deliver_ctx *c, const struct tw_deliver_call *call,
                         const struct tw_http_result *res, int64_t *ret_wait)
{
        const char *remaining, *reset;
        char *end;
        long long v;

        *ret_wait = res->retry_after_s;
        if (res->status == 429)
                goto reset;
        if (res->status != 403 || !call->rate_limit_403)
                return false;
        remaining = tw_deliver_last_header(c, "x-ratelimit-remaining");
        if (res->retry_after_s <= 0 && !(remaining && strcmp(remaining, "0") == 0))
                return false;
reset:
        reset = tw_deliver_last_header(c, "x-ratelimit-reset");
        if (*ret_wait <= 0 && reset) {
                v = strtoll(reset, &end, 10);
                if (end != reset && !*end && v > tw_now())
                        *ret_wait = (int64_t)v - tw_now() + 1;
        }
        return true;
}

int tw_deliver_http(struct tw_deliver_ctx *c, const struct tw_deliver_call *call,
                    struct tw_http_result *res)
{
        const struct tw_backoff bo = {.base_ms = c->o.backoff_base_ms,
                                      .max_ms = c->o.backoff_max_ms,
                                      .jitter = TW_JITTER_FULL};
        struct tw_http_client *h = NULL;
        int64_t wait_s, delay_ms;
        int r = client_for(c, call->ca_file, &h);

        if (r < 0)
                return r;
        c->last = h;
        c->retry_after_s = 0;
        for (int attempt = 0;; attempt++) {
                bool limited;

                r = tw_http_request(h, call->method, call->url, call->headers, call->body,
                                    call->len, 0, c->o.cancel, res);
                limited = r == 0 && rate_limited(c, call, res, &wait_s);
                if (r == 0 && !limited && res->verdict != TW_HTTP_RETRY)
                        return 0;
                if (r < 0 && res->verdict != TW_HTTP_RETRY)
                        return r;
                delay_ms = tw_retry_backoff_ms(&bo, attempt + 1, 0, tw_splitmix64, &c->rng);
                if (limited && wait_s > 0)
                        delay_ms = wait_s * 1000;
                if (limited && (wait_s > c->o.max_wait_s || attempt >= c->o.max_retries)) {
                        c->retry_after_s = (delay_ms + 999) / 1000;
                        return -EAGAIN;
                }
                if (attempt >= c->o.max_retries || c->o.max_retries < 0)
                        return r;
                r = nap(c, delay_ms);
                if (r < 0) {
                        res->error = r;
                        return r;
                }
        }
}

const char *tw_deliver_last_header(struct tw_deliver_ctx *c, const char *name)
{
        return c->last ? tw_http_client_header(c->last, name) : NULL;
}

int tw_deliver_header(struct curl_slist **h, const char *fmt, ...)
{
        struct tw_buf b;
        struct curl_slist *n;
        va_list ap;
        int r;

        tw_buf_init(&b, 64 * 1024);
        va_start(ap, fmt);
        r = tw_buf_vprintf(&b, fmt, ap);
        va_end(ap);
        n = r == 0 ? curl_slist_append(*h, b.ptr) : NULL;
        tw_wipe(b.ptr, b.len);
        tw_buf_done(&b);
        if (!n) {
                tw_deliver_headers_free(*h);
                *h = NULL;
                return -ENOMEM;
        }
        *h = n;
        return 0;
}

void tw_deliver_headers_free(struct curl_slist *h)
{
        for (struct curl_slist *p = h; p; p = p->next)
                if (p->data)
                        tw_wipe(p->data, strlen(p->data));
        curl_slist_free_all(h);
}

int tw_deliver_error(struct tw_buf *err, const struct tw_deliver_target *t, int r, const char *fmt,
                     ...)
{
        va_list ap;

        if (!err)
                return r;
        tw_buf_printf(err, "deliver %s: ", t && t->name ? t->name : "?");
        va_start(ap, fmt);
        tw_buf_vprintf(err, fmt, ap);
        va_end(ap);
        return r;
}

/* The store's own message in body: "message" (a string, or GitLab's
 * {field: [text]}), or Vault's "errors"; cleaned into out. */
static void server_message(const struct tw_http_result *res, const char *redact, char *out,
                           size_t size)
{
        cJSON *j = tw_deliver_json(res), *m = cJSON_GetObjectItemCaseSensitive(j, "message");
        cJSON *errs = cJSON_GetObjectItemCaseSensitive(j, "errors");
        char *text = NULL, *hit;
        size_t n;

        out[0] = '\0';
        if (cJSON_IsString(m))
                text = strdup(m->valuestring);
        else if (m || cJSON_IsArray(errs))
                text = cJSON_PrintUnformatted(m ? m : errs);
        else if (!j && res->body_len)
                text = strndup(res->body, res->body_len < 120 ? res->body_len : 120);
        cJSON_Delete(j);
        if (!text)
                return;
        while (redact && *redact && (hit = strstr(text, redact)))
                memmove(hit, hit + strlen(redact), strlen(hit + strlen(redact)) + 1);
        for (char *p = text; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        *p = ' ';
        n = strlen(text);
        snprintf(out, size, "%.*s%s", (int)(n < MESSAGE_MAX ? n : MESSAGE_MAX), text,
                 n > MESSAGE_MAX ? "..." : "");
        free(text);
}

int tw_deliver_fail(struct tw_buf *err, const struct tw_deliver_target *t, const char *what,
                    const struct tw_http_result *res, const char *redact, const char *hint)
{
        char msg[MESSAGE_MAX + 8];
        int r = res->status == 401   ? -EACCES
                : res->status == 403 ? -EPERM
                : res->status == 404 ? -ENOENT
                : res->status == 429 ? -EAGAIN
                                     : -EPROTO;

        server_message(res, redact, msg, sizeof(msg));
        return tw_deliver_error(err, t, r, "%s: HTTP %ld%s%s%s%s%s", what, res->status,
                                res->status == 401 ? " (the credential was refused)" : "",
                                msg[0] ? ": " : "", msg, hint ? "; " : "", hint ? hint : "");
}

int tw_deliver_fail_call(struct tw_deliver_ctx *c, struct tw_buf *err,
                         const struct tw_deliver_target *t, const char *what, int r,
                         const struct tw_http_result *res)
{
        if (r == -EAGAIN)
                return tw_deliver_error(err, t, r, "%s: rate limited; try again in %lld s", what,
                                        (long long)c->retry_after_s);
        return tw_deliver_error(err, t, r, "%s: %s%s%s", what,
                                res->error_text ? res->error_text : strerror(-r),
                                res->hint ? " - " : "", res->hint ? res->hint : "");
}

int tw_deliver_credential(const struct tw_deliver_target *t, const char *path, unsigned flags,
                          char **ret, struct tw_buf *err)
{
        struct tw_buf why;
        int r;

        if (!path)
                return tw_deliver_error(err, t, -EACCES, "no credential_file");
        tw_buf_init(&why, 1024);
        r = tw_secret_read_file_flags(path, flags, ret, &why);
        if (r < 0)
                tw_deliver_error(err, t, -EACCES, "the store credential: %s",
                                 why.ptr ? why.ptr : path);
        tw_buf_done(&why);
        return r < 0 ? -EACCES : 0;
}

char *tw_deliver_api_root(const struct tw_deliver_target *t, const char *def)
{
        const char *u = t->api_url && *t->api_url ? t->api_url : def;
        size_t n = strlen(u);

        while (n > 0 && u[n - 1] == '/')
                n--;
        return strndup(u, n);
}

int tw_deliver_add_escaped(struct tw_buf *b, const char *s, bool slash)
{
        static const char keep[] = "-._~";
        int r = 0;

        for (; *s && r == 0; s++) {
                unsigned char ch = (unsigned char)*s;

                if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                    (ch >= '0' && ch <= '9') || strchr(keep, ch) || (slash && ch == '/'))
                        r = tw_buf_addc(b, (char)ch);
                else
                        r = tw_buf_printf(b, "%%%02X", ch);
        }
        return r;
}
