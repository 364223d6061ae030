#ifndef TW_CORE_NOTIFY_STATE_H
#define TW_CORE_NOTIFY_STATE_H

/*
 * The notification state machine: a pure function of (old state, the
 * evaluation and its inventory, each sink's filters, now) giving the new
 * state and the events to send.  No clock, no I/O, no logging; thread-safe
 * (inputs are only read).
 *
 * The state holds, per sink, one entry per notified (token, finding family):
 * the family is the finding kind, except that `expired` belongs to the
 * `expiring` family, so expiring -> expired is an escalation of one entry.
 *
 * For each sink, a finding counts when it is unsuppressed, its kind is in
 * the sink's kinds mask, its severity is at least min_severity, (when the
 * sink lists workspaces) its token has a role in one of them and (when the
 * sink lists teams or matches) its token's owner passes
 * tw_notify_filter_routes_owner().  Then:
 *   counted, no entry                      -> FIRING
 *   entry, kind changed or severity higher -> ESCALATED
 *   entry, severity lower                  -> CHANGED (not a notification)
 *   entry, unchanged, repeat_interval due  -> REMINDER
 *   entry, unchanged otherwise             -> ACTIVE (not a notification)
 *   entry, no longer counted               -> RESOLVED
 * A finding that becomes suppressed is no longer counted, so an open alert
 * resolves; a finding that was suppressed from the start never notifies, and
 * when its suppression lapses it fires like a new one.  When the inventory is
 * incomplete (a listing failed) nothing resolves that cycle: a missing token
 * may only be missing from the failed page.
 *
 * Stale data (the API could not be listed; the last good inventory was
 * re-evaluated at now): what time alone changes still escalates (a token
 * that expired meanwhile is EXPIRED), everything still counted stays
 * ACTIVE, but nothing resolves and nothing is downgraded (CHANGED): the
 * entry is kept as it was.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/evaluate/finding.h"
#include "core/notify/event.h"
#include "lib/arena.h"

struct cJSON;
struct tw_inventory;
struct tw_owner_policy;
struct tw_token;

struct tw_notify_entry {
        const char *token_id;
        const char *token_name;
        enum tw_finding_kind kind; /* the current kind (expired or expiring for that family) */
        enum tw_severity severity;
        const char *message; /* the finding for a person (tw_finding_message()) */
        const char *fix;     /* its Astro CLI command (tw_finding_fix()); "" none */
        int64_t since;       /* first fired */
        int64_t changed_at;  /* kind or severity last changed (== since if never) */
        int64_t last_sent;   /* last FIRING, ESCALATED or REMINDER */
        /* The owner labels when it first fired (filter.owner_labels), kept
         * while it lives so an alert's label set never changes: "key=value"
         * lines, team first; "" for none. */
        const char *owner;
        /* The token's organization id when it first fired, so that a
         * deleted token's resolve names it too; "" unknown (older states). */
        const char *organization;
};

/* The last expiry stage notified to a sink for a token (core/notify/state_stages.h). */
struct tw_notify_stage_mark {
        const char *token_id;
        int64_t end_at; /* the expiry it was for: another end_at starts over */
        int64_t lead;   /* the stage's lead time, seconds before end_at */
};

struct tw_notify_sink_state {
        const char *name;
        struct tw_notify_entry *entries; /* sorted by token id, then family */
        size_t n_entries;
        struct tw_notify_stage_mark *marks; /* sorted by token id */
        size_t n_marks;
};

struct tw_notify_state {
        struct tw_notify_sink_state *sinks;
        size_t n_sinks;
        /* Every string of the state (sink names, entries, marks): one
         * allocation per 64 KiB, not six per entry.  A state built by hand
         * (tests) may leave it empty and point at strings it keeps alive. */
        struct tw_arena arena;
};

/* A sink's view of the findings. */
struct tw_notify_filter {
        const char *name;
        enum tw_severity min_severity;
        unsigned kinds;          /* bit (1u << kind); 0 means all */
        char *const *workspaces; /* ids or names; NULL/0: every token */
        size_t n_workspaces;
        int64_t repeat_interval; /* seconds; 0: no reminders */
        /* Owner routing, borrowed: */
        char *const *teams; /* owner teams; NULL/0: every team */
        size_t n_teams;
        char *const *match; /* "key=value" owner matches; NULL/0: none */
        size_t n_match;
        const struct tw_owner_policy *owners; /* resolves owners; NULL: the defaults */
        bool keep_owner;                      /* record entries' owner labels (alertmanager) */
        char *const *owner_labels;            /* which: [owners] labels; NULL/0: team only */
        size_t n_owner_labels;
        const struct tw_stages *stages; /* staged expiry notices; NULL or none: off */
};

/* Whether the sink whose filter is flt routes finding f of inv: what the
 * state machine counts (see above).  The digest (core/notify/digest.h) uses it. */
bool tw_notify_filter_routes(const struct tw_notify_filter *flt, const struct tw_inventory *inv,
                             const struct tw_finding *f);
/*
 * Whether t's owner (tw_owner_resolve() under flt->owners) passes flt's
 * teams and match: its team is one of teams (ASCII case-insensitive), and
 * for each key named in match, its value for that key equals one of the
 * values given for it (alternatives within a key, all keys required).  The
 * value of "team" is the resolved team, of "contact" the resolved contact,
 * of another key the description's pair; an empty value matches nothing.
 * True when flt lists neither teams nor matches.
 */
bool tw_notify_filter_routes_owner(const struct tw_notify_filter *flt,
                                   const struct tw_inventory *inv, const struct tw_token *t);
/* t's owner labels as an entry keeps them (see struct tw_notify_entry): team
 * (when resolved), then each of flt->owner_labels but team that has a value,
 * as "key=value\n" lines.  *ret is new ("" for none).  -ENOMEM. */
int tw_notify_owner_labels(const struct tw_notify_filter *flt, const struct tw_inventory *inv,
                           const struct tw_token *t, char **ret);
/*
 * One step.  old may be NULL (no state yet); sinks of old not named in
 * filters are dropped silently, new sinks start empty.  inv and ev must
 * match (ev->n_tokens == inv->n_tokens).  stale: see above.  On success
 * *ret_state is a new state and *ret_events the events (free both).
 * -EINVAL, -ENOMEM.
 */
int tw_notify_state_step(const struct tw_notify_state *old, const struct tw_inventory *inv,
                         const struct tw_evaluation *ev, const struct tw_notify_filter *filters,
                         size_t n_filters, int64_t now, bool stale,
                         struct tw_notify_state **ret_state, struct tw_notify_events *ret_events);

/* Gives the sink named name in s the entries it has in old (none if old
 * has no such sink): its events of this step are undone, to come again at
 * the next.  -ENOENT (no such sink in s), -ENOMEM. */
int tw_notify_state_revert_sink(struct tw_notify_state *s, const struct tw_notify_state *old,
                                const char *name);

void tw_notify_state_free(struct tw_notify_state *s);
const struct tw_notify_sink_state *tw_notify_state_sink(const struct tw_notify_state *s,
                                                        const char *name);

/* The state as a JSON object {"sinks": {NAME: [entry...]}}; NULL on -ENOMEM. */
struct cJSON *tw_notify_state_to_json(const struct tw_notify_state *s);
/* The inverse; -EBADMSG if the JSON has the wrong shape, -ENOMEM. */
int tw_notify_state_from_json(const struct cJSON *j, struct tw_notify_state **ret_state);

#endif
