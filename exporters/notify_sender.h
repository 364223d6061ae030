#ifndef TW_EXPORTERS_NOTIFY_SENDER_H
#define TW_EXPORTERS_NOTIFY_SENDER_H

/*
 * Webhook delivery: one sender per sink, each with a bounded FIFO queue
 * drained by its own thread with libcurl (easy interface).  Whoever pushes
 * never waits on the network.
 *
 * - Order: items go out one at a time, in id order; a later item waits until
 *   every earlier one was delivered or rejected.
 * - Held items: pushed items are only sent once released
 *   (tw_notify_sender_release()), so the caller can persist them first.
 * - Retries: network errors, timeouts, 5xx and 429 are retried for ever
 *   (the queue bound is what limits a dead sink), with exponential backoff
 *   and full jitter from backoff_base_ms, the exponent capped at max_retries
 *   and the delay at backoff_max_ms; a Retry-After (seconds or HTTP date,
 *   capped at 5 minutes) is honoured when longer.  Other 4xx drop the item.
 * - Each POST carries Content-Type: application/json, Idempotency-Key (the
 *   item's key, stable across retries and restarts), and for the generic
 *   format with a secret X-Tokenwatch-Timestamp and X-Tokenwatch-Signature.
 *   PagerDuty bodies are stored without routing_key; it is inserted at send
 *   time so the secret never reaches the state directory.
 * - Several URLs (Alertmanager HA pair): each receives every item; an item
 *   is done when every URL accepted (or rejected) it.
 * - TLS verification always on; protocols http and https; no redirects.
 * - Messages passed to on_error name the sink and the URL's host, never the
 *   URL (it is a secret).
 * Thread-safety: every function may be called from any thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

struct cJSON;
struct tw_buf;
struct tw_notify_sender;

struct tw_notify_item {
        struct tw_notify_item *next;
        uint64_t id;   /* increasing; persisted */
        char *event;   /* metrics label: firing|escalated|resolved|reminder|alerts|test */
        char *key;     /* idempotency key */
        char *body;    /* JSON */
        bool coalesce; /* superseded by any later item (Alertmanager refresh) */
        int64_t created_at;
};

/* A new item; copies every string.  NULL on -ENOMEM. */
struct tw_notify_item *tw_notify_item_new(uint64_t id, const char *event, const char *key,
                                          const char *body, bool coalesce, int64_t created_at);
void tw_notify_item_free(struct tw_notify_item *it);
struct cJSON *tw_notify_item_to_json(const struct tw_notify_item *it);
/* -EBADMSG for the wrong shape, -ENOMEM. */
int tw_notify_item_from_json(const struct cJSON *j, struct tw_notify_item **ret_item);

/* Called on the sender thread. */
typedef void (*tw_notify_ack_fn)(void *userdata, const char *sink, uint64_t id);
typedef void (*tw_notify_error_fn)(void *userdata, const char *sink, const char *message,
                                   bool will_retry);

struct tw_notify_sender_options {
        const char *name;
        enum tw_webhook_format format;
        const char *urls;            /* one URL, or several separated by commas; copied */
        const char *secret;          /* generic: HMAC key, or NULL; copied */
        const char *routing_key;     /* pagerduty, or NULL; copied */
        int64_t timeout_ms;          /* per attempt; <= 0: 10 s */
        int max_retries;             /* backoff exponent cap; <= 0: 10 */
        size_t queue_max;            /* <= 0: 10000 */
        int64_t backoff_base_ms;     /* <= 0: 1000 */
        int64_t backoff_max_ms;      /* <= 0: 300000 */
        tw_notify_ack_fn on_done;    /* after an item was delivered or rejected (may be NULL) */
        tw_notify_error_fn on_error; /* may be NULL */
        void *userdata;
};

/* A stopped sender.  -EINVAL (no URL, a URL curl cannot parse: the message
 * in err names the sink, never the URL), -ENOMEM.  curl_global_init() must
 * have been called. */
int tw_notify_sender_new(const struct tw_notify_sender_options *o, struct tw_notify_sender **ret,
                         struct tw_buf *err);
/* Starts the thread.  0 or -errno. */
int tw_notify_sender_start(struct tw_notify_sender *s);
/* Stops the thread (aborting a transfer in flight within about a second)
 * and frees everything; queued items are lost from memory (they are in the
 * state file).  NULL-safe. */
void tw_notify_sender_free(struct tw_notify_sender *s);

const char *tw_notify_sender_name(const struct tw_notify_sender *s);
enum tw_webhook_format tw_notify_sender_format(const struct tw_notify_sender *s);

/* Appends it (ownership taken on every path).  Queued items marked
 * coalesce and not in flight are removed first (it supersedes them); then,
 * while the queue is over queue_max, the oldest items not in flight are
 * dropped (counted as outcome "dropped").  Returns the number dropped. */
int tw_notify_sender_push(struct tw_notify_sender *s, struct tw_notify_item *it);
/* Allows items with id <= id to be sent. */
void tw_notify_sender_release(struct tw_notify_sender *s, uint64_t id);
size_t tw_notify_sender_queue_length(struct tw_notify_sender *s);
/* The queued items as a JSON array, oldest first (for the state file). */
struct cJSON *tw_notify_sender_queue_json(struct tw_notify_sender *s);

/* Sends one body now, on the calling thread, once (no retries), ignoring the
 * queue (notify-test).  0 if every URL answered 2xx; -EPROTO (status in
 * *ret_status), -ETIMEDOUT, -ECONNREFUSED, ... otherwise. */
int tw_notify_sender_send_now(struct tw_notify_sender *s, const struct tw_notify_item *it,
                              long *ret_status);

/* Appends tokenwatch_notifications_total{sink,event,outcome},
 * tokenwatch_notification_queue_length{sink} and
 * tokenwatch_notification_last_success_timestamp_seconds{sink} in the
 * Prometheus text format (HELP and TYPE included, label values escaped).
 * Nothing is appended when n is 0.  0, -ENOMEM or -E2BIG. */
int tw_notify_metrics_render(struct tw_notify_sender *const *senders, size_t n, struct tw_buf *out);

#endif
