/* The webhook sender's thread: deliver the head of the queue, retry, move on. */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/timeutil.h"
#include "exporters/notify_http.h"
#include "exporters/notify_payload.h"
#include "exporters/notify_sender_internal.h"

enum verdict { V_DONE, V_RETRY, V_REJECTED };

static struct curl_slist *add_header(struct curl_slist *h, const char *line)
{
        struct curl_slist *n = curl_slist_append(h, line);

        if (!n)
                curl_slist_free_all(h);
        return n;
}

/* The headers and the body to send (PagerDuty gets its routing key here). */
static int prepare(struct tw_notify_sender *s, const struct tw_notify_item *it,
                   struct curl_slist **ret_h, char **ret_body)
{
        struct curl_slist *h = NULL;
        char line[256], sig[72];
        char *body = NULL;
        cJSON *j;
        int64_t ts = tw_now();

        if (s->format == TW_WEBHOOK_PAGERDUTY) {
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
        if (h && s->format == TW_WEBHOOK_GENERIC && s->secret) {
                snprintf(line, sizeof(line), "X-Tokenwatch-Timestamp: %" PRId64, ts);
                h = add_header(h, line);
                if (h && tw_notify_sign(s->secret, ts, body, strlen(body), sig) == 0) {
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

static void report(struct tw_notify_sender *s, size_t u, const struct tw_notify_http_result *res,
                   bool retry)
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
static enum verdict deliver(struct tw_notify_sender *s, const struct tw_notify_item *it,
                            unsigned *done, int64_t *ret_retry_after)
{
        struct tw_notify_http_result res;
        struct curl_slist *h = NULL;
        enum verdict v = V_DONE;
        bool rejected = false;
        char *body = NULL;

        *ret_retry_after = -1;
        if (prepare(s, it, &h, &body) < 0)
                return V_RETRY;
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

static void wait_until(struct tw_notify_sender *s, int64_t deadline_ms)
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

void *tw_notify_sender_run(void *arg)
{
        struct tw_notify_sender *s = arg;
        int64_t next_ms = 0, retry_after, delay, prev_delay = 0;
        unsigned done = 0;
        int attempts = 0;
        enum verdict v;

        pthread_mutex_lock(&s->lock);
        while (!s->stop) {
                struct tw_notify_item *it = s->head;

                if (!it || it->id > s->released) {
                        wait_until(s, 0);
                        continue;
                }
                if (next_ms && mono_ms() < next_ms) {
                        wait_until(s, next_ms);
                        continue;
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
                        s->counters[tw_notify_metric_event_index(it->event)][OUTCOME_RETRY]++;
                        attempts = attempts < s->max_retries ? attempts + 1 : s->max_retries;
                        delay = tw_retry_backoff_ms(&s->backoff, attempts, prev_delay,
                                                    tw_splitmix64, &s->rng);
                        if (retry_after >= 0 && retry_after * 1000 > delay)
                                delay = retry_after * 1000;
                        prev_delay = delay;
                        next_ms = mono_ms() + (delay > 0 ? delay : 1);
                        continue;
                }
                s->counters[tw_notify_metric_event_index(it->event)]
                           [v == V_DONE ? OUTCOME_SUCCESS : OUTCOME_REJECTED]++;
                if (v == V_DONE)
                        s->last_success = tw_now();
                /* only this thread removes the head; push never removes the item in flight */
                if (s->head == it) {
                        s->head = it->next;
                        if (!s->head)
                                s->tail = NULL;
                        s->len--;
                        tw_notify_item_free(it);
                }
                attempts = 0;
                prev_delay = 0;
                next_ms = 0;
                done = 0;
        }
        pthread_mutex_unlock(&s->lock);
        return NULL;
}

int tw_notify_sender_send_now(struct tw_notify_sender *s, const struct tw_notify_item *it,
                              long *ret_status)
{
        struct tw_notify_http_result res = {0};
        struct curl_slist *h = NULL;
        char *body = NULL;
        int r;

        r = prepare(s, it, &h, &body);
        if (r < 0)
                return r;
        for (size_t u = 0; u < s->n_urls && r == 0; u++) {
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
        s->counters[tw_notify_metric_event_index(it->event)]
                   [r ? OUTCOME_REJECTED : OUTCOME_SUCCESS]++;
        if (!r)
                s->last_success = tw_now();
        pthread_mutex_unlock(&s->lock);
        if (ret_status)
                *ret_status = res.status;
        return r;
}
