/* The notifier's insides, shared by notify.c (the sinks and what they
 * share), notify_cycle.c (a cycle's findings) and notify_events.c (token
 * changes, notify-test). */
#ifndef TW_EXPORTERS_NOTIFY_NOTIFY_INTERNAL_H
#define TW_EXPORTERS_NOTIFY_NOTIFY_INTERNAL_H

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "exporters/notify/notify.h"
#include "exporters/notify/sink_config.h"
#include "exporters/notify/unrouted_internal.h"
#include "lib/log.h"

struct tw_sink;
struct tw_sink_item;
struct tw_notify_store;
struct tw_notify_state;
struct tw_notify_digests;

/* What the notifier keeps of one [webhook.NAME]: copies, so that the config
 * may be freed (reloaded) while sink threads still run. */
struct nsink {
        struct tw_notifier *n;
        struct tw_sink_config c;
        struct tw_sink *sink;        /* NULL: not open (see error) */
        char *error;                 /* why it could not be opened (no secret), or NULL */
        struct tw_complain complain; /* delivery failures; guarded by the notifier's lock */
};

struct tw_notifier {
        int64_t interval;      /* [agent] interval */
        char *organization_id; /* [astro] organization_id, or NULL */
        char *state_dir;
        struct tw_notifier_options opts;
        struct nsink *sinks;
        size_t n_sinks;
        struct tw_notify_store *store;
        struct tw_notify_state *state;
        /* digest = and events = per sink (exporters/notify/digest_internal.h) */
        struct tw_notify_digests *digests;
        uint64_t next_id;            /* the last id handed out */
        bool stale;                  /* the last cycle ran on old data (logged once) */
        struct tw_unrouted unrouted; /* findings no sink receives; under lock */
        pthread_mutex_t lock;
};

/* Items built for one sink in one cycle, pushed only when all were built. */
struct batch {
        struct tw_sink_item *head, *tail;
        bool digest;           /* digest_items() ran: record digest_period */
        int64_t digest_period; /* exporters/notify/digest_internal.h */
};

/* Saves the queues, the ids and the state: 0 or a negative errno. */
int notifier_persist(struct tw_notifier *n);
/* Persists (a failure is logged: the items are sent anyway, at-least-once)
 * and then lets every open sink send what was pushed up to the last id:
 * notifier_persist()'s result. */
int notifier_persist_and_release(struct tw_notifier *n);
/* How long an Alertmanager alert lives without being sent again. */
int64_t notifier_alert_ttl(const struct tw_notifier *n);
/* Frees the items of a batch not pushed. */
void notifier_batch_done(struct batch *b);
/* Adds one body to the batch (or prints it in dry-run mode); takes body. */
int notifier_emit(struct tw_notifier *n, struct nsink *k, struct batch *b, const char *event,
                  const char *key, cJSON *body, bool coalesce, int64_t now);
/* Re-opens the sinks that could not be opened (a secret file now readable). */
void notifier_reopen(struct tw_notifier *n);

#endif
