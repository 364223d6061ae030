#ifndef TW_EXPORTERS_NOTIFY_SINK_INTERNAL_H
#define TW_EXPORTERS_NOTIFY_SINK_INTERNAL_H

/*
 * A sink: one [webhook.NAME], delivering its bodies to its URL(s) from a
 * bounded FIFO queue drained by its own thread (exporters/notify/sink_post_internal.h
 * builds and judges each POST).  Whoever pushes never waits on the network.
 *
 * - Order: items go out one at a time, in id order; a later item waits until
 *   every earlier one was delivered or rejected.
 * - Held items: pushed items are only sent once released
 *   (tw_sink_release()), so the notifier can persist them first.
 * - Retries: network errors, timeouts, 5xx and 429 are retried for ever
 *   (the queue bound is what limits a dead sink), with exponential backoff
 *   and full jitter from backoff_base_ms, the exponent capped at max_retries
 *   and the delay at backoff_max_ms; a Retry-After (capped at 5 minutes) is
 *   honoured when longer.  Other 4xx drop the item.
 * - Each POST carries Content-Type: application/json, Idempotency-Key (the
 *   item's key, stable across retries and restarts), and for formats that
 *   sign, with a secret, X-Tokenwatch-Timestamp and X-Tokenwatch-Signature.
 *   Formats with a routing key get it inserted into the body at send time,
 *   so the secret never reaches the state directory.
 * - Several URLs (Alertmanager HA pair): each receives every item; an item
 *   is done when every URL accepted (or rejected) it.  When the item being
 *   retried is replaced (coalesced or dropped), every URL gets the new one.
 * - Messages passed to on_error name the sink and the URL's host, never the
 *   URL (it is a secret).
 * Thread-safety: every function may be called from any thread, except that
 * tw_sink_free() must be the last call.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct tw_buf;
struct tw_sink;
struct tw_sink_format;

struct tw_sink_item {
        struct tw_sink_item *next;
        uint64_t id;   /* increasing, 1 .. 2^53; persisted */
        char *event;   /* metrics label:
                          firing|escalated|resolved|reminder|alerts|change|stage|digest|test */
        char *key;     /* idempotency key (no CR or LF) */
        char *body;    /* JSON */
        bool coalesce; /* superseded by any later item (Alertmanager refresh) */
        int64_t created_at;
};

/* A new item; copies every string.  NULL on -ENOMEM. */
struct tw_sink_item *tw_sink_item_new(uint64_t id, const char *event, const char *key,
                                      const char *body, bool coalesce, int64_t created_at);
void tw_sink_item_free(struct tw_sink_item *it);
struct cJSON *tw_sink_item_to_json(const struct tw_sink_item *it);
/* -EBADMSG for the wrong shape or a number out of range (id outside 1 ..
 * 2^53, created_at outside int64_t), a key with CR or LF; -ENOMEM. */
int tw_sink_item_from_json(const struct cJSON *j, struct tw_sink_item **ret_item);

/* Called on the sink's thread. */
typedef void (*tw_sink_done_fn)(void *userdata, const char *sink, uint64_t id);
typedef void (*tw_sink_error_fn)(void *userdata, const char *sink, const char *message,
                                 bool will_retry);

struct tw_sink_options {
        const char *name;
        const struct tw_sink_format *format;
        const char *urls;          /* one URL, or several separated by commas; copied */
        const char *secret;        /* formats that sign: HMAC key, or NULL; copied */
        const char *routing_key;   /* formats with a routing key, or NULL; copied */
        int64_t timeout_ms;        /* per attempt; <= 0: 10 s */
        int max_retries;           /* backoff exponent cap; <= 0: 10 */
        size_t queue_max;          /* 0: 10000 */
        int64_t backoff_base_ms;   /* <= 0: 1000 */
        int64_t backoff_max_ms;    /* <= 0: 300000 */
        tw_sink_done_fn on_done;   /* after an item was delivered or rejected (may be NULL) */
        tw_sink_error_fn on_error; /* may be NULL */
        void *userdata;
};

/* A stopped sink.  -EINVAL (no URL, a URL curl cannot parse: the message
 * in err names the sink, never the URL), -E2BIG (over 8 URLs), -ENOMEM.
 * curl_global_init() must have been called. */
int tw_sink_new(const struct tw_sink_options *o, struct tw_sink **ret, struct tw_buf *err);
/* Starts the thread.  0 or -errno. */
int tw_sink_start(struct tw_sink *s);
/* Asks the thread to stop (a transfer in flight is aborted within about a
 * second) without waiting: stop every sink first, then free each, so that
 * no sink's callback runs while another is being freed.  NULL-safe. */
void tw_sink_stop(struct tw_sink *s);
/* Stops the thread, waits for it and frees everything; queued items are
 * lost from memory (they are in the state file).  NULL-safe. */
void tw_sink_free(struct tw_sink *s);

const char *tw_sink_name(const struct tw_sink *s);
const struct tw_sink_format *tw_sink_format(const struct tw_sink *s);

/* Appends it (ownership taken on every path).  Queued items marked
 * coalesce and not in flight are removed first (it supersedes them); then,
 * while the queue is over queue_max, the oldest items not in flight are
 * dropped (counted as outcome "dropped").  Returns the number dropped. */
int tw_sink_push(struct tw_sink *s, struct tw_sink_item *it);
/* Allows items with id <= id to be sent. */
void tw_sink_release(struct tw_sink *s, uint64_t id);
size_t tw_sink_queue_length(struct tw_sink *s);
/* The queued items as a JSON array, oldest first (for the state file). */
struct cJSON *tw_sink_queue_json(struct tw_sink *s);

/* Sends one body now, on the calling thread, once (no retries), ignoring the
 * queue (notify-test).  0 if every URL answered 2xx; -EPROTO (status in
 * *ret_status), -ETIMEDOUT, -ECONNREFUSED, ... otherwise. */
int tw_sink_send_now(struct tw_sink *s, const struct tw_sink_item *it, long *ret_status);

/* The metrics rows: events and outcomes. */
#define TW_SINK_EVENTS 9 /* firing escalated resolved reminder alerts change stage digest test */
enum tw_sink_outcome {
        TW_SINK_SUCCESS,
        TW_SINK_RETRY,
        TW_SINK_REJECTED,
        TW_SINK_DROPPED,
        _TW_SINK_OUTCOME_MAX,
};

/* A copy of one sink's counters, for the metrics page. */
struct tw_sink_stats {
        const char *name; /* borrowed */
        bool open;        /* false: the sink could not be opened (see the log) */
        bool batch;       /* the format sends "alerts" bodies */
        bool failing;     /* the last delivery attempt failed and is being retried */
        uint64_t counters[TW_SINK_EVENTS][_TW_SINK_OUTCOME_MAX];
        size_t queue_length;
        int64_t last_success; /* wall clock seconds, 0: never */
};

/* Fills *ret (name borrowed from s). */
void tw_sink_stats(struct tw_sink *s, struct tw_sink_stats *ret);

/* The counters' row for an item's event ("test" for anything unknown). */
int tw_sink_event_index(const char *event);

/*
 * Appends tokenwatch_notifications_total{sink,event,outcome},
 * tokenwatch_notification_queue_length{sink},
 * tokenwatch_notification_last_success_timestamp_seconds{sink} and
 * tokenwatch_notification_sink_up{sink} (1: open and not failing) in the
 * Prometheus text format (HELP and TYPE included, label values escaped).
 * Nothing is appended when n is 0.  0, -ENOMEM or -E2BIG.
 */
int tw_sink_metrics_render(const struct tw_sink_stats *st, size_t n, struct tw_buf *out);

#endif
