/* A sink: its queue, its delivery thread, its counters. */
#include "exporters/notify/sink_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/timeutil.h"
#include "lib/http/retry.h"
#include "exporters/sinks/sinks.h"
#include "exporters/notify/sink_post_internal.h"

struct tw_sink {
        char *name;
        const struct tw_sink_format *format;
        struct tw_sink_post *post;
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

int tw_sink_new(const struct tw_sink_options *o, struct tw_sink **ret, struct tw_buf *err)
{
        struct tw_sink *s = calloc(1, sizeof(*s));
        pthread_condattr_t ca;
        int r;

        if (!s)
                return -ENOMEM;
        s->name = strdup(o->name ? o->name : "");
        if (!s->name) {
                tw_sink_free(s);
                return -ENOMEM;
        }
        s->format = o->format;
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
        r = tw_sink_post_new(o, &s->post, err);
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
        tw_sink_post_free(s->post);
        if (s->initialised) {
                pthread_mutex_destroy(&s->lock);
                pthread_cond_destroy(&s->cond);
        }
        free(s->name);
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
        ts = tw_mono_timespec(deadline_ms * INT64_C(1000000));
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
        enum tw_sink_verdict v;

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
                v = tw_sink_post_deliver(s->post, it, &done, &s->cancel, s->on_error, s->userdata,
                                         &retry_after);
                if (v != TW_SINK_AGAIN && s->on_done)
                        s->on_done(s->userdata, s->name, it->id);
                pthread_mutex_lock(&s->lock);
                s->in_flight = NULL;
                if (v == TW_SINK_AGAIN) {
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
                count(s, it, v == TW_SINK_DELIVERED ? TW_SINK_SUCCESS : TW_SINK_REJECTED);
                s->failing = false;
                if (v == TW_SINK_DELIVERED)
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
        int r = tw_sink_post_once(s->post, it, ret_status);

        pthread_mutex_lock(&s->lock);
        count(s, it, r ? TW_SINK_REJECTED : TW_SINK_SUCCESS);
        if (!r)
                s->last_success = tw_now();
        pthread_mutex_unlock(&s->lock);
        return r;
}
