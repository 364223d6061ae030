/* How a sink POSTs: URLs, headers, secrets, verdicts. */
#include "exporters/notify/sink_post_internal.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporters/notify/http_internal.h"
#include "lib/http/client.h"
#include "lib/url.h"
#include "exporters/sinks/sinks.h"
#include "lib/buf.h"
#include "lib/http/retry.h"
#include "lib/secret.h"
#include "lib/timeutil.h"

#define MAX_URLS 8

struct tw_sink_post {
        char *name;
        const struct tw_sink_format *format;
        char *urls[MAX_URLS];  /* secrets */
        char *hosts[MAX_URLS]; /* for messages */
        size_t n_urls;
        struct tw_http_client *http; /* the sink's connections, used by its thread */
        char *secret;
        char *routing_key;
        int64_t timeout_ms;
};

/* URLs may be given as base addresses: the format's API path is added. */
static char *full_url(const struct tw_sink_format *fmt, const char *url)
{
        const char *path = fmt->url_path;
        size_t len = strlen(url), plen = path ? strlen(path) : 0;
        char *u;

        while (len > 0 && url[len - 1] == '/')
                len--;
        if (!path || (len >= plen && strncmp(url + len - plen, path, plen) == 0))
                return strdup(url);
        u = malloc(len + plen + 1);
        if (u) {
                memcpy(u, url, len);
                memcpy(u + len, path, plen + 1);
        }
        return u;
}

static int split_urls(struct tw_sink_post *s, const char *urls, struct tw_buf *err)
{
        char *copy = strdup(urls ? urls : ""), *save = NULL, *tok;
        int r = 0;

        if (!copy)
                return -ENOMEM;
        for (tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
                if (s->n_urls == MAX_URLS) {
                        r = -E2BIG;
                        break;
                }
                s->urls[s->n_urls] = full_url(s->format, tok);
                (void)tw_url_host(tok, &s->hosts[s->n_urls]);
                if (!s->urls[s->n_urls]) {
                        r = -ENOMEM;
                        break;
                }
                s->n_urls++;
                if (!s->hosts[s->n_urls - 1]) {
                        r = -EINVAL;
                        break;
                }
        }
        tw_secret_free(copy);
        if (r == 0 && s->n_urls == 0)
                r = -EINVAL;
        if (r < 0 && err)
                tw_buf_printf(err, "webhook %s: %s", s->name,
                              r == -E2BIG    ? "more than 8 URLs"
                              : r == -ENOMEM ? "out of memory"
                                             : "invalid URL");
        return r;
}

int tw_sink_post_new(const struct tw_sink_options *o, struct tw_sink_post **ret, struct tw_buf *err)
{
        struct tw_sink_post *p = calloc(1, sizeof(*p));
        int r;

        if (!p)
                return -ENOMEM;
        p->name = strdup(o->name ? o->name : "");
        p->format = o->format;
        p->secret = o->secret ? strdup(o->secret) : NULL;
        p->routing_key = o->routing_key ? strdup(o->routing_key) : NULL;
        p->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
        if (!p->name || (o->secret && !p->secret) || (o->routing_key && !p->routing_key)) {
                tw_sink_post_free(p);
                return -ENOMEM;
        }
        r = split_urls(p, o->urls, err);
        if (r == 0)
                r = tw_http_client_new(
                        &(struct tw_http_client_options){.timeout_ms = p->timeout_ms}, &p->http);
        if (r < 0) {
                tw_sink_post_free(p);
                return r;
        }
        *ret = p;
        return 0;
}

void tw_sink_post_free(struct tw_sink_post *p)
{
        if (!p)
                return;
        for (size_t i = 0; i < p->n_urls; i++) {
                tw_secret_free(p->urls[i]);
                free(p->hosts[i]);
        }
        tw_http_client_free(p->http);
        free(p->name);
        tw_secret_free(p->secret);
        tw_secret_free(p->routing_key);
        free(p);
}

static struct curl_slist *add_header(struct curl_slist *h, const char *line)
{
        struct curl_slist *n = curl_slist_append(h, line);

        if (!n)
                curl_slist_free_all(h);
        return n;
}

/* The headers and the body to send (the routing key is put in here). */
static int prepare(struct tw_sink_post *s, const struct tw_sink_item *it, struct curl_slist **ret_h,
                   char **ret_body)
{
        struct curl_slist *h = NULL;
        char line[256], sig[72];
        char *body = NULL;
        cJSON *j;
        int64_t ts = tw_now();

        if (strpbrk(it->key, "\r\n")) /* would split the Idempotency-Key header */
                return -EINVAL;
        if (s->format->routing_key) {
                j = cJSON_Parse(it->body);
                if (!j) /* a queued body that is not JSON never will be: refuse, don't retry */
                        return -EINVAL;
                if (s->routing_key) {
                        cJSON_DeleteItemFromObjectCaseSensitive(j, "routing_key");
                        cJSON_AddStringToObject(j, "routing_key", s->routing_key);
                }
                body = cJSON_PrintUnformatted(j);
                cJSON_Delete(j);
        } else {
                body = strdup(it->body);
        }
        if (!body)
                return -ENOMEM;
        h = add_header(h, "Content-Type: application/json");
        snprintf(line, sizeof(line), "User-Agent: tokenwatch/%s", TW_VERSION);
        h = h ? add_header(h, line) : NULL;
        snprintf(line, sizeof(line), "Idempotency-Key: %.200s", it->key);
        h = h ? add_header(h, line) : NULL;
        if (h && s->format->signs && s->secret) {
                snprintf(line, sizeof(line), "X-Tokenwatch-Timestamp: %" PRId64, ts);
                h = add_header(h, line);
                if (h && tw_sink_sign(s->secret, ts, body, strlen(body), sig) == 0) {
                        snprintf(line, sizeof(line), "X-Tokenwatch-Signature: %s", sig);
                        h = add_header(h, line);
                }
        }
        h = h ? add_header(h, "Expect:") : NULL; /* no 100-continue round trip */
        if (!h) {
                tw_secret_free(body);
                return -ENOMEM;
        }
        *ret_h = h;
        *ret_body = body;
        return 0;
}

static void report(struct tw_sink_post *s, size_t u, const struct tw_notify_http_result *res,
                   bool retry, tw_sink_error_fn on_error, void *userdata)
{
        char msg[512];

        if (!on_error)
                return;
        if (res->error)
                snprintf(msg, sizeof(msg), "webhook %s: POST to %s failed: %s%s", s->name,
                         s->hosts[u], res->error_text[0] ? res->error_text : strerror(-res->error),
                         retry ? ", will retry" : "");
        else
                snprintf(msg, sizeof(msg), "webhook %s: POST to %s answered HTTP %ld%s", s->name,
                         s->hosts[u], res->status,
                         retry ? ", will retry" : ", notification dropped");
        on_error(userdata, s->name, msg, retry);
}

enum tw_sink_verdict tw_sink_post_deliver(struct tw_sink_post *s, const struct tw_sink_item *it,
                                          unsigned *done, volatile sig_atomic_t *cancel,
                                          tw_sink_error_fn on_error, void *userdata,
                                          int64_t *ret_retry_after)
{
        struct tw_notify_http_result res;
        struct curl_slist *h = NULL;
        enum tw_sink_verdict v = TW_SINK_DELIVERED;
        bool rejected = false;
        char *body = NULL;

        *ret_retry_after = -1;
        switch (prepare(s, it, &h, &body)) {
        case 0:
                break;
        case -EINVAL:
                return TW_SINK_REFUSED;
        default:
                return TW_SINK_AGAIN;
        }
        for (size_t u = 0; u < s->n_urls; u++) {
                if (*done & (1u << u))
                        continue;
                tw_notify_http_post(s->http, s->urls[u], h, body, strlen(body), s->timeout_ms,
                                    cancel, &res);
                if (!res.error && res.status >= 200 && res.status < 300) {
                        *done |= 1u << u;
                        continue;
                }
                if (res.error == -ECANCELED || res.retry || res.error == -ENOMEM) {
                        if (res.error != -ECANCELED)
                                report(s, u, &res, true, on_error, userdata);
                        if (res.retry_after_s > *ret_retry_after)
                                *ret_retry_after = res.retry_after_s;
                        v = TW_SINK_AGAIN;
                        continue;
                }
                report(s, u, &res, false, on_error, userdata);
                *done |= 1u << u;
                rejected = true;
        }
        curl_slist_free_all(h);
        tw_secret_free(body); /* a PagerDuty body holds the routing key */
        return v == TW_SINK_AGAIN ? v : rejected ? TW_SINK_REFUSED : TW_SINK_DELIVERED;
}

int tw_sink_post_once(struct tw_sink_post *s, const struct tw_sink_item *it, long *ret_status)
{
        struct tw_notify_http_result res = {0};
        struct curl_slist *h = NULL;
        char *body = NULL;
        int r;

        r = prepare(s, it, &h, &body);
        if (r < 0)
                return r;
        for (size_t u = 0; u < s->n_urls && r == 0; u++) {
                /* NULL: a client of its own; the sink's belongs to its thread. */
                tw_notify_http_post(NULL, s->urls[u], h, body, strlen(body), s->timeout_ms, NULL,
                                    &res);
                if (res.error)
                        r = res.error;
                else if (res.status < 200 || res.status >= 300)
                        r = -EPROTO;
        }
        curl_slist_free_all(h);
        tw_secret_free(body); /* a PagerDuty body holds the routing key */
        if (ret_status)
                *ret_status = res.status;
        return r;
}
