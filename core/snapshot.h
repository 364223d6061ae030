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

/* Where one organization's audit-log usage comes from, for the report to
 * say (exporters/report/usage_source.c words it). */
enum tw_usage_from {
        TW_USAGE_FROM_DAEMON,   /* the daemon's index in state_dir */
        TW_USAGE_FROM_READ_NOW, /* the audit logs, read by this command */
        TW_USAGE_FROM_KEPT,     /* the audit logs, read by an earlier one-shot command */
        TW_USAGE_FROM_NONE,     /* not included: note says why */
};

struct tw_usage_origin {
        const char *organization_id; /* "" when unknown */
        const char *organization;    /* how people name it; NULL: not named (the only one) */
        enum tw_usage_from from;
        int64_t since, until; /* what the index covers (s); TW_NO_TIME: unknown */
        const char *note;     /* TW_USAGE_FROM_NONE: why, and what would include it */
};

struct tw_snapshot {
        const struct tw_config *cfg;
        const struct tw_inventory *inv;
        const struct tw_evaluation *ev;         /* NULL: not evaluated */
        const struct tw_usage *usage;           /* audit-log usage; NULL: none */
        const struct tw_copies *copies;         /* the copies as last checked; NULL: none */
        const struct tw_event_history *history; /* NULL: no audit trail (yet) */
        /* Where usage comes from, one per organization that has something
         * to say; none: the report says nothing about it. */
        const struct tw_usage_origin *usage_origins;
        size_t n_usage_origins;
};

#endif
