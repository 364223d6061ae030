#ifndef TW_CORE_NOTIFY_CHANGE_H
#define TW_CORE_NOTIFY_CHANGE_H

/*
 * Token change events (core/events.h) as notifications: which sink gets
 * which event, and the idempotency key of each delivery.  Pure.
 *
 * A sink gets an event when its severity is warning or critical (NONE is a
 * record only, never pushed; but a renewal done, tw_event_pushed(), is an
 * info notice that only `changes` routes) and at least the sink's
 * min_severity, its kind
 * is in the sink's `changes` mask, and the token passes the sink's other
 * filters (workspaces): a token still listed is placed by its roles like a
 * finding's (tw_notify_filter_routes()); a deleted one by the roles it had
 * (the event's `before`).  The sink's finding `kinds` do not apply: `expired`
 * is both a finding kind and an event kind, and the two are chosen apart.
 */

#include <stdbool.h>
#include <stdint.h>

#include "core/notify/state.h"

struct tw_event;
struct tw_inventory;

bool tw_notify_change_routes(const struct tw_notify_filter *flt, unsigned changes,
                             const struct tw_inventory *inv, const struct tw_event *e);

/* 32 hex digits of SHA-256(sink, token id, event kind, observed_at): the
 * same event to the same sink always has the same key. */
void tw_notify_change_key(const char *sink, const struct tw_event *e, char ret[40]);

#endif
