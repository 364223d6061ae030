#ifndef TW_CORE_EVENTS_H
#define TW_CORE_EVENTS_H

/*
 * The audit trail's first source: what changed between two token listings.
 *
 * A listing is the compact record of every token one complete collection
 * saw (what a diff needs, nothing more), made from an inventory and its
 * evaluation, persisted in state_dir between runs (so a restart neither loses
 * a change nor replays one), and compared with the next one:
 *
 *   struct tw_listing *cur;
 *   tw_listing_from(inv, ev, &cur);
 *   tw_events_diff(prev, cur, tw_inventory_complete(inv), &policy, now, &events);
 *
 * Everything here is pure (now is a parameter; no I/O, no logging) and
 * thread-safe: inputs are only read.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/evaluate/finding.h"

struct tw_buf;
struct tw_evaluation;
struct tw_inventory;

enum tw_event_kind {
        TW_EVENT_CREATED,
        TW_EVENT_DELETED,
        TW_EVENT_ROTATED,
        TW_EVENT_ROLES_CHANGED,
        TW_EVENT_RENAMED,
        TW_EVENT_DESCRIPTION_CHANGED,
        TW_EVENT_EXPIRED,
        TW_EVENT_CREATOR_DEPARTED,
        /* tokenwatch's own renewals (agent/rotate), not seen in a listing: */
        TW_EVENT_RENEWED,        /* info: every copy holds a new value (after: the new id) */
        TW_EVENT_RENEWAL_FAILED, /* critical: a step failed (detail: why, the next attempt) */
        TW_EVENT_RETIRE_HELD,    /* warning: the replaced token is still used (detail: by what) */
        _TW_EVENT_KIND_MAX,
};

/* One token as a listing remembers it.  Strings are owned by the listing. */
struct tw_listed_token {
        char *id;
        char *name;
        char *description;
        char *short_token;
        char *scope;
        char *organization_id; /* the token's organization; NULL in listings saved before */
        char *roles;           /* canonical: "ENTITY_TYPE:entity_id=ROLE" sorted, joined by ", " */
        int64_t start_at;
        int64_t end_at;          /* TW_NO_TIME: never expires */
        int64_t last_used_at;    /* TW_NO_TIME: never used */
        int64_t last_rotated_at; /* TW_NO_TIME: unknown */
        bool creator_departed;   /* the evaluator found it orphaned */
        bool no_expiry;          /* the evaluator flagged it: no expiry */
        bool over_privileged;    /* the evaluator flagged it: role above the ceiling */
        char *replaced_by;       /* a renewal replaced it by this token (its deletion is
                                    no alarm); NULL: none */
};

struct tw_listing {
        int64_t observed_at;            /* the collection's time */
        struct tw_listed_token *tokens; /* sorted by id */
        size_t n_tokens;
};

struct tw_event {
        enum tw_event_kind kind;
        /* NONE: a record only; WARNING: notify (a new token without expiry or
         * above the ceiling); CRITICAL: a token deleted or expired while in use. */
        enum tw_severity severity;
        int64_t observed_at;
        char *token_id;
        char *token_name;
        char *scope;
        char *organization_id; /* NULL: unknown (a listing saved before organizations) */
        char *before;          /* NULL where the kind has no before/after */
        char *after;
        char *detail;      /* for a person, e.g. "last used 2 hours before" */
        char *replaced_by; /* renewed (replace), and the replaced token's deleted: the
                              token that replaces it; NULL otherwise */
};

struct tw_events {
        struct tw_event *events; /* in token id order, then kind */
        size_t n_events;
};

struct tw_event_policy {
        /* A token last used within this many seconds before it was deleted or
         * expired was in use: its pipelines are failing now (critical). */
        int64_t in_use_window;
};

/* Builds the listing of inv (tokens sorted by id) with the evaluator's
 * orphaned / no-expiry / over-privileged judgement of each token (suppressed
 * findings count: the event records the fact, routing decides).
 * ev may be NULL (no flags).  -EINVAL, -ENOMEM. */
int tw_listing_from(const struct tw_inventory *inv, const struct tw_evaluation *ev,
                    struct tw_listing **ret_listing);
void tw_listing_free(struct tw_listing *l);
/* A deep copy of src into *dst (overwritten).  0, or -ENOMEM (then *dst
 * holds nothing to free). */
int tw_listed_token_copy(struct tw_listed_token *dst, const struct tw_listed_token *src);
/* Sorts the tokens by id (after adding some).  0, or -EBADMSG for a duplicate id. */
int tw_listing_sort(struct tw_listing *l);
/* The token with that id, or NULL (binary search). */
const struct tw_listed_token *tw_listing_find(const struct tw_listing *l, const char *id);

/*
 * The events that turn prev into cur, observed at now:
 *  - created: in cur, not in prev (none at all when prev is NULL: the first
 *    listing is the baseline, not a burst of creations); warning when the new
 *    token has no expiry or is over-privileged;
 *  - deleted: in prev, not in cur, only when cur_complete (a failed or partial
 *    listing never deletes); critical when last used within the window;
 *  - rotated: a newer lastRotatedAt, or a changed startAt or shortToken;
 *  - roles_changed, renamed, description_changed: before -> after;
 *  - expired: endAt crossed between prev's observation and now (a deleted
 *    token reports deleted, not expired); critical when in use;
 *  - creator_departed: newly judged orphaned.
 * A deleted token that a renewal replaced (its listed record's replaced_by)
 * is a record only (severity NONE), with replaced_by set: its deletion is
 * the renewal's last step, not an outage.
 * -EINVAL, -ENOMEM.  *ret_events is written on success only.
 */
int tw_events_diff(const struct tw_listing *prev, const struct tw_listing *cur, bool cur_complete,
                   const struct tw_event_policy *policy, int64_t now, struct tw_events *ret_events);
void tw_events_done(struct tw_events *e);

/* Whether an event is pushed to sinks at all: a warning or critical one,
 * or a renewal done (an info notice that a sink routes by its `changes`
 * alone: PagerDuty and Alertmanager resolve the failure with it). */
bool tw_event_pushed(const struct tw_event *e);

const char *tw_event_kind_to_string(enum tw_event_kind k);
/* -EINVAL for an unknown name. */
int tw_event_kind_from_string(const char *s, enum tw_event_kind *ret);

/* Serialisation (cJSON).  A listing as one JSON document for state_dir; an
 * event as one JSON object on one line (JSONL, no newline appended).
 * Readers take untrusted bytes: -EBADMSG for malformed input (wrong types,
 * missing ids, times out of range), never a crash; -ENOMEM; -E2BIG. */
int tw_listing_to_json(const struct tw_listing *l, struct tw_buf *out);
int tw_listing_from_json(const char *json, size_t len, struct tw_listing **ret_listing);
int tw_event_to_json(const struct tw_event *e, struct tw_buf *out);
int tw_event_from_json(const char *json, size_t len, struct tw_event *ret_event);
void tw_event_done(struct tw_event *e);

#endif
