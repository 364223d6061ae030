#ifndef TW_CORE_SNAPSHOT_H
#define TW_CORE_SNAPSHOT_H

/*
 * What exporters read: one collection's inventory, its evaluation and the
 * config they were made under.  Immutable; exporters never call collectors.
 */

struct tw_config;
struct tw_inventory;
struct tw_evaluation;
struct tw_usage;

struct tw_snapshot {
        const struct tw_config *cfg;
        const struct tw_inventory *inv;
        const struct tw_evaluation *ev; /* NULL: not evaluated */
        const struct tw_usage *usage;   /* audit-log usage (issue 10); NULL: none */
};

#endif
