#include "exporters/notify_sender.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/secret.h"
#include "lib/timeutil.h"
#include "lib/retry.h"
#include "lib/http_client.h"
#include "lib/url.h"
#include "exporters/notify_payload.h"
#include "exporters/notify_sender_internal.h"

#define MAX_URLS 8

int tw_notify_metric_event_index(const char *e)
{
        for (int i = 0; i < TW_NOTIFY_METRIC_EVENTS; i++)
                if (strcmp(tw_notify_metric_events[i], e) == 0)
                        return i;
        return TW_NOTIFY_METRIC_EVENTS - 1; /* "test" and anything else */
}

const char *const tw_notify_metric_events[TW_NOTIFY_METRIC_EVENTS] = {
        "firing", "escalated", "resolved", "reminder", "alerts", "test",
};
const char *const tw_notify_metric_outcomes[TW_NOTIFY_METRIC_OUTCOMES] = {
        "success",
        "retry",
        "rejected",
        "dropped",
};

static void count(struct tw_notify_sender *s, const struct tw_notify_item *it, enum outcome o)
{
        s->counters[tw_notify_metric_event_index(it->event)][o]++;
}

/* Alertmanager URLs may be given as base addresses: the API path is added. */
static char *am_url(enum tw_webhook_format fmt, const char *url)
{
        static const char path[] = "/api/v2/alerts";
        size_t len = strlen(url);
        char *u;

        while (len > 0 && url[len - 1] == '/')
                len--;
        if (fmt != TW_WEBHOOK_ALERTMANAGER ||
            (len >= sizeof(path) - 1 &&
             strncmp(url + len - (sizeof(path) - 1), path, sizeof(path) - 1) == 0))
                return strdup(url);
        u = malloc(len + sizeof(path));
        if (u) {
                memcpy(u, url, len);
                memcpy(u + len, path, sizeof(path));
        }
        return u;
}

static int split_urls(struct tw_notify_sender *s, const char *urls, struct tw_buf *err)
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
                s->urls[s->n_urls] = am_url(s->format, tok);
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

int tw_notify_sender_new(const struct tw_notify_sender_options *o, struct tw_notify_sender **ret,
                         struct tw_buf *err)
{
        struct tw_notify_sender *s = calloc(1, sizeof(*s));
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
                tw_notify_sender_free(s);
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
                tw_notify_sender_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

void tw_notify_sender_free(struct tw_notify_sender *s)
{
        struct tw_notify_item *it, *next;

        if (!s)
                return;
        if (s->started) {
                pthread_mutex_lock(&s->lock);
                s->stop = true;
                s->cancel = 1;
                pthread_cond_broadcast(&s->cond);
                pthread_mutex_unlock(&s->lock);
                pthread_join(s->thread, NULL);
        }
        for (it = s->head; it; it = next) {
                next = it->next;
                tw_notify_item_free(it);
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

const char *tw_notify_sender_name(const struct tw_notify_sender *s)
{
        return s->name;
}

enum tw_webhook_format tw_notify_sender_format(const struct tw_notify_sender *s)
{
        return s->format;
}

/* Unlinks the item after prev (NULL: the head).  Locked. */
static struct tw_notify_item *unlink_after(struct tw_notify_sender *s, struct tw_notify_item *prev)
{
        struct tw_notify_item *it = prev ? prev->next : s->head;

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

int tw_notify_sender_push(struct tw_notify_sender *s, struct tw_notify_item *it)
{
        struct tw_notify_item *prev = NULL, *cur;
        int dropped = 0;

        pthread_mutex_lock(&s->lock);
        for (cur = s->head; cur;) {
                if (cur->coalesce && cur != s->in_flight) {
                        tw_notify_item_free(unlink_after(s, prev));
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
                count(s, cur, OUTCOME_DROPPED);
                tw_notify_item_free(cur);
                dropped++;
        }
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
        return dropped;
}

void tw_notify_sender_release(struct tw_notify_sender *s, uint64_t id)
{
        pthread_mutex_lock(&s->lock);
        if (id > s->released)
                s->released = id;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
}

size_t tw_notify_sender_queue_length(struct tw_notify_sender *s)
{
        size_t n;

        pthread_mutex_lock(&s->lock);
        n = s->len;
        pthread_mutex_unlock(&s->lock);
        return n;
}

cJSON *tw_notify_sender_queue_json(struct tw_notify_sender *s)
{
        cJSON *arr = cJSON_CreateArray(), *o;

        pthread_mutex_lock(&s->lock);
        for (struct tw_notify_item *it = s->head; arr && it; it = it->next) {
                o = tw_notify_item_to_json(it);
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

static int start_thread(struct tw_notify_sender *s)
{
        int r = pthread_create(&s->thread, NULL, tw_notify_sender_run, s);

        if (r)
                return -r;
        s->started = true;
        return 0;
}

int tw_notify_sender_start(struct tw_notify_sender *s)
{
        return s->started ? 0 : start_thread(s);
}
