#ifndef TW_EXPORTERS_TRAIL_TRAIL_H
#define TW_EXPORTERS_TRAIL_TRAIL_H

/*
 * The audit trail's writer: after each collection, the changes since the
 * previous listing (core/events.h) are appended to the audit file
 * (state_dir/audit.jsonl, rotated by size) and the new listing is saved
 * (state_dir/audit-listing.json), so that a restart neither loses a change
 * nor replays one:
 *
 *   1. the new listing is saved together with the events still to append;
 *   2. the events are appended (fsync);
 *   3. the listing is saved again without them.
 * A crash after 1 is finished at the next open: the pending events that the
 * audit file does not hold yet are appended then.
 *
 * The listing file is written when there are events, and otherwise at most
 * hourly: between events only lastUsedAt moves, and it only judges whether
 * a token was in use.
 *
 * A listing that missed tokens (a failed page) keeps the previous record of
 * the tokens it missed, so they neither count as deleted now nor as created
 * when they come back.  Not thread-safe: one caller, the daemon's cycle.
 */

#include <stddef.h>
#include <stdint.h>

#include "core/events.h"
#include "lib/jsonl.h"

struct tw_buf;
struct tw_evaluation;
struct tw_inventory;

#define TW_TRAIL_FILE "audit.jsonl"
#define TW_TRAIL_LISTING_FILE "audit-listing.json"
#define TW_AUDITLOG_LINE_MAX (1024 * 1024)

struct tw_trail_options {
        const char *state_dir; /* must exist */
        struct tw_event_policy policy;
        struct tw_jsonl_rotation rotation;
};

struct tw_trail;

/*
 * Opens the trail: loads the previous listing and finishes an interrupted
 * record.  A corrupt listing file is moved aside (its new path appended to
 * note, which may be NULL, for the caller to log) and the trail starts from
 * no listing: the next collection is a baseline.  -ENOMEM, or -errno when
 * state_dir cannot be read or written (a message in note).
 */
int tw_trail_open(const struct tw_trail_options *o, int64_t now, struct tw_trail **ret_trail,
                  struct tw_buf *note);
void tw_trail_free(struct tw_trail *t);

/*
 * Records one collection: the events since the previous listing (into
 * *ret_events, which the caller frees with tw_events_done(); may be NULL),
 * appended to the audit file, and the new listing saved.  A collection
 * whose token listing failed altogether records nothing.  0, -ENOMEM, or
 * -errno from the files (then nothing is lost: the next record retries the
 * same transition).
 */
int tw_trail_record(struct tw_trail *t, const struct tw_inventory *inv,
                    const struct tw_evaluation *ev, int64_t now, struct tw_events *ret_events);

/*
 * Records events that no listing shows: tokenwatch's own renewals
 * (renewed, renewal_failed, retire_held), appended to the audit file and
 * counted.  A renewed event with replaced_by marks the old token in the
 * saved listing as replaced, so that its deletion (the renewal's last step)
 * is recorded as a record (severity none, replaced_by set) and never as a
 * token deleted while in use.  0, -ENOMEM, or -errno from the files.
 */
int tw_trail_note(struct tw_trail *t, const struct tw_events *ev);

/* Takes new policy and rotation settings (a reload); the files stay. */
void tw_trail_set_options(struct tw_trail *t, const struct tw_trail_options *o);

/* Appends the astro_token_events_total{event,severity} counter family
 * (events recorded since the agent started; severity info, warning or
 * critical; every pair, zeros included) in the Prometheus text format.
 * 0, -ENOMEM, -E2BIG. */
int tw_trail_metrics(const struct tw_trail *t, struct tw_buf *out);

/* Events recorded since open, per kind, all severities. */
void tw_trail_counts(const struct tw_trail *t, uint64_t ret_counts[_TW_EVENT_KIND_MAX]);

#endif
