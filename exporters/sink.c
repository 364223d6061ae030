/* A sink: its queue, its delivery thread, its counters. */
#include "exporters/sink.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/secret.h"
#include "lib/timeutil.h"
#include "lib/retry.h"
#include "exporters/notify_http.h"
#include "lib/http_client.h"
#include "lib/url.h"
#include "exporters/sink_format.h"

#define MAX_URLS 8

enum verdict { V_DONE, V_RETRY, V_REJECTED };

struct tw_sink {
        char *name;
        const struct tw_sink_format *format;
        char **urls;                 /* secrets */
        char **hosts;                /* for messages */
        struct tw_http_client *http; /* the sink's connections, used by its thread */
        size_t n_urls;
        char *secret;
        char *routing_key;
        int64_t timeout_ms;
        int max_retries;
        size_t queue_max;
        struct tw_backoff backoff;
        tw_sink_done_fn on_done;
        tw_sink_error_fn on_error;
        void *userdata;
        uint64_t rng;

        bool initialised, started;
        pthread_t thread;
        /* Everything below is guarded by lock. */
        pthread_mutex_t lock;
        pthread_cond_t cond; /* CLOCK_MONOTONIC */
        struct tw_sink_item *head, *tail;
        size_t len;
        uint64_t released;
        struct tw_sink_item *in_flight;
        bool stop, failing;
        volatile sig_atomic_t cancel;
        uint64_t counters[TW_SINK_EVENTS][_TW_SINK_OUTCOME_MAX];
        int64_t last_success; /* wall clock seconds, 0: never */
};

static void count(struct tw_sink *s, const struct tw_sink_item *it, enum tw_sink_outcome o)
{
        s->counters[tw_sink_event_index(it->event)][o]++;
}

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

static int split_urls(struct tw_sink *s, const char *urls, struct tw_buf *err)
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

int tw_sink_new(const struct tw_sink_options *o, struct tw_sink **ret, struct tw_buf *err)
{
        struct tw_sink *s = calloc(1, sizeof(*s));
        pthread_condattr_t ca;
        int r;

        if (!s)
                return -ENOMEM;
        s->urls = calloc(MAX_URLS, sizeof(char *));
        s->hosts = calloc(MAX_URLS, sizeof(char *));
        s->name = strdup(o->name ? o->name : "");
        s->secret = o->secret ? strdup(o->secret) : NULL;
        s->routing_key = o->routing_key ? strdup(o->routing_key) : NULL;
        if (!s->urls || !s->hosts || !s->name || (o->secret && !s->secret) ||
            (o->routing_key && !s->routing_key)) {
                tw_sink_free(s);
                return -ENOMEM;
        }
        s->format = o->format;
        s->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
        s->max_retries = o->max_retries > 0 ? o->max_retries : 10;
        s->queue_max = o->queue_max > 0 ? o->queue_max : 10000;
        s->backoff.base_ms = o->backoff_base_ms > 0 ? o->backoff_base_ms : 1000;
        s->backoff.max_ms = o->backoff_max_ms > 0 ? o->backoff_max_ms : 300000;
        s->backoff.jitter = TW_JITTER_FULL;
        s->on_done = o->on_done;
        s->on_error = o->on_error;
        s->userdata = o->userdata;
        s->rng = (uint64_t)tw_mono_ns() ^ (uint64_t)(uintptr_t)s;
        pthread_mutex_init(&s->lock, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&s->cond, &ca);
        pthread_condattr_destroy(&ca);
        s->initialised = true;
        r = split_urls(s, o->urls, err);
        if (r == 0)
                r = tw_http_client_new(
                        &(struct tw_http_client_options){.timeout_ms = s->timeout_ms}, &s->http);
        if (r < 0) {
                tw_sink_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

void tw_sink_free(struct tw_sink *s)
{
        struct tw_sink_item *it, *next;

        if (!s)
                return;
        if (s->started) {
                tw_sink_stop(s);
                pthread_join(s->thread, NULL);
        }
        for (it = s->head; it; it = next) {
                next = it->next;
                tw_sink_item_free(it);
        }
        for (size_t i = 0; s->urls && i < s->n_urls; i++) {
                tw_secret_free(s->urls[i]);
                free(s->hosts[i]);
        }
        if (s->initialised) {
                pthread_mutex_destroy(&s->lock);
                pthread_cond_destroy(&s->cond);
        }
        tw_http_client_free(s->http);
        free(s->urls);
        free(s->hosts);
        free(s->name);
        tw_secret_free(s->secret);
        tw_secret_free(s->routing_key);
        free(s);
}

const char *tw_sink_name(const struct tw_sink *s)
{
        return s->name;
}

const struct tw_sink_format *tw_sink_format(const struct tw_sink *s)
{
        return s->format;
}

/* Unlinks the item after prev (NULL: the head).  Locked. */
static struct tw_sink_item *unlink_after(struct tw_sink *s, struct tw_sink_item *prev)
{
        struct tw_sink_item *it = prev ? prev->next : s->head;

        if (prev)
                prev->next = it->next;
        else
                s->head = it->next;
        if (s->tail == it)
                s->tail = prev;
        s->len--;
        it->next = NULL;
        return it;
}

int tw_sink_push(struct tw_sink *s, struct tw_sink_item *it)
{
        struct tw_sink_item *prev = NULL, *cur;
        int dropped = 0;

        pthread_mutex_lock(&s->lock);
        for (cur = s->head; cur;) {
                if (cur->coalesce && cur != s->in_flight) {
                        tw_sink_item_free(unlink_after(s, prev));
                        cur = prev ? prev->next : s->head;
                        continue;
                }
                prev = cur;
                cur = cur->next;
        }
        it->next = NULL;
        if (s->tail)
                s->tail->next = it;
        else
                s->head = it;
        s->tail = it;
        s->len++;
        while (s->len > s->queue_max) {
                prev = s->head == s->in_flight ? s->head : NULL;
                if (!(prev ? prev->next : s->head))
                        break;
                cur = unlink_after(s, prev);
                count(s, cur, TW_SINK_DROPPED);
                tw_sink_item_free(cur);
                dropped++;
        }
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
        return dropped;
}

void tw_sink_release(struct tw_sink *s, uint64_t id)
{
        pthread_mutex_lock(&s->lock);
        if (id > s->released)
                s->released = id;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
}

size_t tw_sink_queue_length(struct tw_sink *s)
{
        size_t n;

        pthread_mutex_lock(&s->lock);
        n = s->len;
        pthread_mutex_unlock(&s->lock);
        return n;
}

cJSON *tw_sink_queue_json(struct tw_sink *s)
{
        cJSON *arr = cJSON_CreateArray(), *o;

        pthread_mutex_lock(&s->lock);
        for (struct tw_sink_item *it = s->head; arr && it; it = it->next) {
                o = tw_sink_item_to_json(it);
                if (!o) {
                        cJSON_Delete(arr);
                        arr = NULL;
                        break;
                }
                cJSON_AddItemToArray(arr, o);
        }
        pthread_mutex_unlock(&s->lock);
        return arr;
}

static struct curl_slist *add_header(struct curl_slist *h, const char *line)
{
        struct curl_slist *n = curl_slist_append(h, line);

        if (!n)
                curl_slist_free_all(h);
        return n;
}

/* The headers and the body to send (the routing key is put in here). */
static int prepare(struct tw_sink *s, const struct tw_sink_item *it, struct curl_slist **ret_h,
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
                if (j && s->routing_key) {
                        cJSON_DeleteItemFromObjectCaseSensitive(j, "routing_key");
                        cJSON_AddStringToObject(j, "routing_key", s->routing_key);
                }
                body = j ? cJSON_PrintUnformatted(j) : NULL;
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
                free(body);
                return -ENOMEM;
        }
        *ret_h = h;
        *ret_body = body;
        return 0;
}

static void report(struct tw_sink *s, size_t u, const struct tw_notify_http_result *res, bool retry)
{
        char msg[512];

        if (!s->on_error)
                return;
        if (res->error)
                snprintf(msg, sizeof(msg), "webhook %s: POST to %s failed: %s%s", s->name,
                         s->hosts[u], res->error_text[0] ? res->error_text : strerror(-res->error),
                         retry ? ", will retry" : "");
        else
                snprintf(msg, sizeof(msg), "webhook %s: POST to %s answered HTTP %ld%s", s->name,
                         s->hosts[u], res->status,
                         retry ? ", will retry" : ", notification dropped");
        s->on_error(s->userdata, s->name, msg, retry);
}

/* Sends it to every URL not yet in *done (a bit per URL). */
static enum verdict deliver(struct tw_sink *s, const struct tw_sink_item *it, unsigned *done,
                            int64_t *ret_retry_after)
{
        struct tw_notify_http_result res;
        struct curl_slist *h = NULL;
        enum verdict v = V_DONE;
        bool rejected = false;
        char *body = NULL;

        *ret_retry_after = -1;
        switch (prepare(s, it, &h, &body)) {
        case 0:
                break;
        case -EINVAL:
                return V_REJECTED;
        default:
                return V_RETRY;
        }
        for (size_t u = 0; u < s->n_urls; u++) {
                if (*done & (1u << u))
                        continue;
                tw_notify_http_post(s->http, s->urls[u], h, body, strlen(body), s->timeout_ms,
                                    &s->cancel, &res);
                if (!res.error && res.status >= 200 && res.status < 300) {
                        *done |= 1u << u;
                        continue;
                }
                if (res.error == -ECANCELED || res.retry || res.error == -ENOMEM) {
                        if (res.error != -ECANCELED)
                                report(s, u, &res, true);
                        if (res.retry_after_s > *ret_retry_after)
                                *ret_retry_after = res.retry_after_s;
                        v = V_RETRY;
                        continue;
                }
                report(s, u, &res, false);
                *done |= 1u << u;
                rejected = true;
        }
        curl_slist_free_all(h);
        free(body);
        return v == V_RETRY ? V_RETRY : rejected ? V_REJECTED : V_DONE;
}

static int64_t mono_ms(void)
{
        return tw_mono_ns() / 1000000;
}

static void wait_until(struct tw_sink *s, int64_t deadline_ms)
{
        struct timespec ts;

        if (deadline_ms <= 0) {
                pthread_cond_wait(&s->cond, &s->lock);
                return;
        }
        ts.tv_sec = deadline_ms / 1000;
        ts.tv_nsec = (long)(deadline_ms % 1000) * 1000000L;
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
}

/* The thread: deliver the head of the queue, retry, move on. */
static void *run(void *arg)
{
        struct tw_sink *s = arg;
        int64_t next_ms = 0, retry_after, delay, prev_delay = 0;
        unsigned done = 0; /* a bit per URL that has the item done_id */
        uint64_t done_id = 0;
        int attempts = 0;
        enum verdict v;

        pthread_mutex_lock(&s->lock);
        while (!s->stop) {
                struct tw_sink_item *it = s->head;

                if (!it || it->id > s->released) {
                        wait_until(s, 0);
                        continue;
                }
                if (next_ms && mono_ms() < next_ms) {
                        wait_until(s, next_ms);
                        continue;
                }
                if (it->id != done_id) { /* the item retried was coalesced or dropped */
                        done = 0;
                        done_id = it->id;
                }
                s->in_flight = it;
                pthread_mutex_unlock(&s->lock);
                v = deliver(s, it, &done, &retry_after);
                if (v != V_RETRY && s->on_done)
                        s->on_done(s->userdata, s->name, it->id);
                pthread_mutex_lock(&s->lock);
                s->in_flight = NULL;
                if (v == V_RETRY) {
                        if (s->stop)
                                break;
                        count(s, it, TW_SINK_RETRY);
                        s->failing = true;
                        attempts = attempts < s->max_retries ? attempts + 1 : s->max_retries;
                        delay = tw_retry_backoff_ms(&s->backoff, attempts, prev_delay,
                                                    tw_splitmix64, &s->rng);
                        if (retry_after >= 0 && retry_after * 1000 > delay)
                                delay = retry_after * 1000;
                        prev_delay = delay;
                        next_ms = mono_ms() + (delay > 0 ? delay : 1);
                        continue;
                }
                count(s, it, v == V_DONE ? TW_SINK_SUCCESS : TW_SINK_REJECTED);
                s->failing = false;
                if (v == V_DONE)
                        s->last_success = tw_now();
                /* only this thread removes the head; push never removes the item in flight */
                if (s->head == it) {
                        s->head = it->next;
                        if (!s->head)
                                s->tail = NULL;
                        s->len--;
                        tw_sink_item_free(it);
                }
                attempts = 0;
                prev_delay = 0;
                next_ms = 0;
                done = 0;
                done_id = 0;
        }
        pthread_mutex_unlock(&s->lock);
        return NULL;
}

static int start_thread(struct tw_sink *s)
{
        int r = pthread_create(&s->thread, NULL, run, s);

        if (r)
                return -r;
        s->started = true;
        return 0;
}

int tw_sink_start(struct tw_sink *s)
{
        return s->started ? 0 : start_thread(s);
}

void tw_sink_stop(struct tw_sink *s)
{
        if (!s || !s->started)
                return;
        pthread_mutex_lock(&s->lock);
        s->stop = true;
        s->cancel = 1;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
}

void tw_sink_stats(struct tw_sink *s, struct tw_sink_stats *ret)
{
        memset(ret, 0, sizeof(*ret));
        ret->name = s->name;
        ret->open = true;
        ret->batch = s->format->batch;
        pthread_mutex_lock(&s->lock);
        ret->failing = s->failing;
        memcpy(ret->counters, s->counters, sizeof(ret->counters));
        ret->queue_length = s->len;
        ret->last_success = s->last_success;
        pthread_mutex_unlock(&s->lock);
}

int tw_sink_send_now(struct tw_sink *s, const struct tw_sink_item *it, long *ret_status)
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
        free(body);
        pthread_mutex_lock(&s->lock);
        count(s, it, r ? TW_SINK_REJECTED : TW_SINK_SUCCESS);
        if (!r)
                s->last_success = tw_now();
        pthread_mutex_unlock(&s->lock);
        if (ret_status)
                *ret_status = res.status;
        return r;
}
