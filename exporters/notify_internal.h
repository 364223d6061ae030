#ifndef TW_EXPORTERS_NOTIFY_INTERNAL_H
#define TW_EXPORTERS_NOTIFY_INTERNAL_H

/*
 * Internal to the notifier (notify.c, notify_cycle.c): its fields.  Not for
 * other callers.
 */

#include <pthread.h>

#include "core/config.h"
#include "lib/log.h"
#include "exporters/notify.h"
#include "core/notify_state.h"

struct tw_notify_sender;

/* What the notifier keeps of one [webhook.NAME]: copies, so that the config
 * may be freed (reloaded) while sender threads still run. */
struct tw_notifier_sink {
        char *name;
        enum tw_webhook_format format;
        struct tw_notify_filter filter; /* filter.name is name, filter.workspaces is ws */
        char **ws;
        struct tw_notify_sender *sender; /* NULL in dry-run mode */
        uint64_t acked;                  /* guarded by the notifier's ack_lock */
        struct tw_complain complain;     /* guarded by ack_lock */
};

struct tw_notifier {
        int64_t interval;      /* [agent] interval */
        char *organization_id; /* [astro] organization_id, or NULL */
        char *state_dir;
        struct tw_notifier_options opts;
        struct tw_notifier_sink *sinks;
        size_t n_sinks;
        struct tw_notify_state *state;
        uint64_t next_id; /* the last id handed out */
        pthread_mutex_t ack_lock;
};

/* Writes notify-state.json: state, queues and next_id.  0 or -errno. */
int tw_notifier_persist(struct tw_notifier *n);

#endif
