#ifndef TW_EXPORTERS_NOTIFY_SENDER_INTERNAL_H
#define TW_EXPORTERS_NOTIFY_SENDER_INTERNAL_H

/*
 * Internal to the webhook sender (notify_sender*.c, notify_metrics.c): the
 * sender's fields.  Not for other callers.
 */

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/retry.h"
#include "exporters/notify_sender.h"

#define TW_NOTIFY_METRIC_EVENTS 6
#define TW_NOTIFY_METRIC_OUTCOMES 4

enum outcome { OUTCOME_SUCCESS, OUTCOME_RETRY, OUTCOME_REJECTED, OUTCOME_DROPPED };

extern const char *const tw_notify_metric_events[TW_NOTIFY_METRIC_EVENTS];
extern const char *const tw_notify_metric_outcomes[TW_NOTIFY_METRIC_OUTCOMES];

struct tw_notify_sender {
        char *name;
        enum tw_webhook_format format;
        char **urls;  /* secrets */
        char **hosts; /* for messages */
        size_t n_urls;
        char *secret;
        char *routing_key;
        int64_t timeout_ms;
        int max_retries;
        size_t queue_max;
        struct tw_backoff backoff;
        tw_notify_ack_fn on_done;
        tw_notify_error_fn on_error;
        void *userdata;
        uint64_t rng;
        struct tw_http_client *http; /* the sink's connections, used by its thread */

        bool initialised, started;
        pthread_t thread;
        /* Everything below is guarded by lock. */
        pthread_mutex_t lock;
        pthread_cond_t cond; /* CLOCK_MONOTONIC */
        struct tw_notify_item *head, *tail;
        size_t len;
        uint64_t released;
        struct tw_notify_item *in_flight;
        bool stop;
        volatile sig_atomic_t cancel;
        uint64_t counters[TW_NOTIFY_METRIC_EVENTS][TW_NOTIFY_METRIC_OUTCOMES];
        int64_t last_success; /* wall clock seconds, 0: never */
};

/* The counters' row for an item's event ("test" for anything unknown). */
int tw_notify_metric_event_index(const char *event);
/* The sender thread's body. */
void *tw_notify_sender_run(void *arg);

#endif
