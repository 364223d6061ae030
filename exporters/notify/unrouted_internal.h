#ifndef TW_EXPORTERS_NOTIFY_UNROUTED_INTERNAL_H
#define TW_EXPORTERS_NOTIFY_UNROUTED_INTERNAL_H

/*
 * Findings that no sink receives: internal to the notifier
 * (exporters/notify/notify.c).  Each cycle the notifier hands over its
 * evaluation and its sinks' filters; an active finding (unsuppressed, at
 * least a warning) that no filter routes (tw_notify_filter_routes) is unrouted.
 * One that was not unrouted in the previous cycle is counted in total and
 * logged (a warning naming token, finding and team; at most 10 lines a
 * cycle, then how many more), so that the administrator sees a finding
 * every sink's min_severity, kinds, workspaces, teams or match leaves out.
 *
 * Not thread-safe: the notifier holds its lock around these calls.
 */

#include <stddef.h>
#include <stdint.h>

struct tw_buf;
struct tw_evaluation;
struct tw_inventory;
struct tw_notify_filter;

struct tw_unrouted {
        char **keys; /* "token_id\nkind" of the last cycle's unrouted findings, sorted */
        size_t n;
        uint64_t total; /* findings that became unrouted, since start */
};

void tw_unrouted_done(struct tw_unrouted *u);
/* Takes this cycle's findings; 0 or -ENOMEM (u unchanged). */
int tw_unrouted_update(struct tw_unrouted *u, const struct tw_inventory *inv,
                       const struct tw_evaluation *ev, const struct tw_notify_filter *flts,
                       size_t n_flts);
/* Appends tokenwatch_notifications_unrouted (gauge) and
 * tokenwatch_notifications_unrouted_total (counter).  0 or -errno. */
int tw_unrouted_metrics(const struct tw_unrouted *u, struct tw_buf *out);

#endif
