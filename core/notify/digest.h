#ifndef TW_CORE_NOTIFY_DIGEST_H
#define TW_CORE_NOTIFY_DIGEST_H

/*
 * A sink's digest ([webhook.NAME] digest = ...): every active
 * finding the sink routes at one instant, grouped by severity (critical
 * first) and then by owning team (core/owner.h; findings whose owner no
 * source answers for come last, team ""), with counts.
 *
 * "Active" and "routes" are exactly what the notification state machine
 * counts for the sink (tw_notify_filter_routes()): unsuppressed, kind and
 * severity within the sink's filters, token in its workspaces.  Within a
 * group, entries are sorted by token name, then id, then kind.
 *
 * Pure: no I/O, no clock (the period is a parameter), thread-safe.  The
 * digest borrows the inventory's tokens and the evaluation's findings: keep
 * both alive while it is used.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/evaluate/finding.h"
#include "core/owner.h"

struct tw_inventory;
struct tw_notify_filter;
struct tw_token;

struct tw_digest_entry {
        const struct tw_token *token;      /* borrowed */
        const struct tw_finding *finding;  /* borrowed */
        char team[TW_OWNER_VALUE_MAX + 1]; /* "" when no owner source answered */
};

struct tw_digest_group {
        enum tw_severity severity;
        const char *team; /* the entries' team (points into entries[first]); "" none */
        size_t first, n;  /* entries[first .. first + n) */
};

struct tw_digest {
        const struct tw_inventory *inv; /* borrowed: what the entries point into */
        const struct tw_evaluation *ev; /* borrowed */
        int64_t period;    /* the firing instant this digest is for (tw_schedule_prev()) */
        bool stale;        /* built from the last good data: the API could not be listed */
        int64_t data_from; /* when that data was collected; 0: unknown */
        struct tw_digest_entry *entries; /* by severity (desc), team, name, id, kind */
        size_t n_entries;
        struct tw_digest_group *groups;
        size_t n_groups;
        size_t n_critical, n_warning;
};

/* Builds the digest of the findings flt routes (see above).  policy may be
 * NULL (the default owner keys, no rules).  ev must match inv.  *ret is
 * written on success (free with tw_digest_done()); stale and data_from are
 * left false/0 for the caller to set.  -EINVAL, -ENOMEM. */
int tw_digest_build(const struct tw_inventory *inv, const struct tw_evaluation *ev,
                    const struct tw_notify_filter *flt, const struct tw_owner_policy *policy,
                    int64_t period, struct tw_digest *ret);
void tw_digest_done(struct tw_digest *d);

/* The digest's idempotency key: 32 hex digits of SHA-256(sink, period),
 * the same across retries and restarts, different for every sink and
 * period. */
void tw_digest_key(const char *sink, int64_t period, char ret[33]);

#endif
