#ifndef TW_CORE_SNAPSHOT_H
#define TW_CORE_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

/*
 * What exporters read: one collection's inventory, its evaluation and the
 * config they were made under.  Immutable; exporters never call collectors.
 */

struct tw_config;
struct tw_copies;
struct tw_inventory;
struct tw_evaluation;
struct tw_usage;
struct tw_event;

/* The token change events of the audit trail that a
 * report shows: those observed at or after since, oldest first. */
struct tw_event_history {
        const struct tw_event *events;
        size_t n_events;
        int64_t since;
        size_t skipped; /* malformed lines the reader skipped */
};

struct tw_snapshot {
        const struct tw_config *cfg;
        const struct tw_inventory *inv;
        const struct tw_evaluation *ev;         /* NULL: not evaluated */
        const struct tw_usage *usage;           /* audit-log usage; NULL: none */
        const struct tw_copies *copies;         /* the copies as last checked; NULL: none */
        const struct tw_event_history *history; /* NULL: no audit trail (yet) */
};

#endif
