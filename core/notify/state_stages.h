#ifndef TW_CORE_NOTIFY_STATE_STAGES_H
#define TW_CORE_NOTIFY_STATE_STAGES_H

/*
 * Staged expiry notices (`expiry_notify_at = 60d, 30d, 7d, 1d`):
 * one STAGE event per sink as a token crosses each lead time before its
 * end_at, once each (core/notify/stages.h), besides the FIRING/ESCALATED events the
 * expiry thresholds drive.  Pure: no clock, no I/O.
 *
 * A sink gets a token's notice when its filter has stages and an `expiring`
 * finding of that token would count for it (tw_notify_filter_routes() with
 * the token's expiring/expired finding, or a warning one when the token is
 * not within the warning threshold yet): so kinds, workspaces and
 * min_severity apply, and a suppressed expiry sends no notice.  The notice's
 * severity is that finding's (at least warning).
 *
 * The sink state remembers, per token, the last lead notified and the end_at
 * it was for; a token whose end_at changed (rotated, extended) starts over.
 * A token first seen inside several stages gets only the innermost; when the
 * same step already fires or escalates the token's expiring family for that
 * sink, the stage is recorded but no separate notice is sent (the finding
 * says it).  Marks of tokens gone from a complete inventory are dropped.
 */

#include <stddef.h>
#include <stdint.h>

#include "core/notify/state.h"

struct tw_evaluation;
struct tw_inventory;

/*
 * Fills the marks of every sink of s (the state tw_notify_state_step() just
 * returned, sinks in filter order) from old's, and appends the STAGE events
 * to *ret (initialised by the caller; free with tw_notify_events_done()).
 * fired: the step's events (FIRING/ESCALATED there suppress a notice).
 * -EINVAL, -ENOMEM.
 */
int tw_notify_state_stages(struct tw_notify_state *s, const struct tw_notify_state *old,
                           const struct tw_inventory *inv, const struct tw_evaluation *ev,
                           const struct tw_notify_filter *filters, size_t n_filters,
                           const struct tw_notify_events *fired, int64_t now,
                           struct tw_notify_events *ret);

#endif
