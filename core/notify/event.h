#ifndef TW_CORE_NOTIFY_EVENT_H
#define TW_CORE_NOTIFY_EVENT_H

/*
 * A notification event: what the state machine (core/notify/state.h) and
 * the staged expiry notices (core/notify/state_stages.h) tell a sink.
 *
 * An event carries copies, never the token: a RESOLVED event may be about a
 * token that is gone from the inventory (its entry comes from the persisted
 * notification state), so everything a sink shows is copied into the event
 * when it is made, and one code path renders every event.  Pure; an events
 * list is owned by one thread at a time.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/evaluate/finding.h"
#include "lib/arena.h"

struct cJSON;
struct tw_inventory;
struct tw_token;

enum tw_notify_event_type {
        TW_NOTIFY_FIRING,
        TW_NOTIFY_ESCALATED,
        TW_NOTIFY_RESOLVED,
        TW_NOTIFY_REMINDER,
        TW_NOTIFY_CHANGED, /* severity lowered: only Alertmanager needs it */
        TW_NOTIFY_ACTIVE,  /* still firing: only Alertmanager needs it */
        TW_NOTIFY_STAGE,   /* an expiry lead time crossed (core/notify/state_stages.h) */
        _TW_NOTIFY_EVENT_MAX,
};

/* "firing", "escalated", "resolved", "reminder", "changed", "active", "stage". */
const char *tw_notify_event_to_string(enum tw_notify_event_type t);
/* True for the events a push sink (generic, slack, teams, pagerduty) sends
 * (STAGE: only the formats that send stages). */
bool tw_notify_event_notifies(enum tw_notify_event_type t);

/* The family a kind belongs to (expired -> expiring). */
enum tw_finding_kind tw_notify_family(enum tw_finding_kind k);

struct tw_notify_event {
        size_t sink; /* index into the filters given to tw_notify_state_step() */
        enum tw_notify_event_type type;
        enum tw_finding_kind kind;
        enum tw_severity severity;
        enum tw_finding_kind prev_kind; /* ESCALATED/CHANGED: before */
        enum tw_severity prev_severity;
        int64_t since;            /* the entry's first firing */
        int64_t changed_at;       /* the entry's last kind/severity change */
        int64_t at;               /* now */
        int64_t lead;             /* STAGE: the lead time crossed (seconds before expiry) */
        char idempotency_key[40]; /* stable hex id of (sink, token, kind, event, at) */
        /* Copies (in a list, its arena's): */
        const char *token_id;
        const char *token_name;
        const char *message;      /* the finding for a person, without the fix */
        const char *fix;          /* the Astro CLI command that fixes it; "" none */
        const char *owner;        /* the entry's owner labels ("" none) */
        const char *organization; /* the token's organization id ("" unknown) */
        /* What the inventory said of the token when the event was made
         * (tw_notify_event_set_token()); listed is false for a token gone
         * from it, and then the rest is unknown: */
        bool listed;
        const char *scope;        /* NULL: unknown */
        const char *workspace;    /* its workspace's name, else id; NULL: none */
        const char *creator;      /* tw_subject_name() of its creator; NULL: none */
        int64_t expires_at;       /* TW_NO_TIME: never */
        struct cJSON *token_json; /* tw_token_json(), for the events push sinks send
                                     (tw_notify_event_notifies()); NULL otherwise */
};

struct tw_notify_events {
        struct tw_notify_event *events; /* per sink, in entry order */
        size_t n, cap;
        struct tw_arena arena; /* the events' strings */
};

/* Fills ev->idempotency_key from (sink, token, kind, event type, at). */
void tw_notify_event_key(struct tw_notify_event *ev, const char *sink);

/* Sets ev's token fields (listed, organization, scope, workspace, creator,
 * expires_at, and token_json when json) from t of inv.  The strings are
 * borrowed from inv until tw_notify_events_push() copies them; token_json is
 * new.  0 or -ENOMEM. */
int tw_notify_event_set_token(struct tw_notify_event *ev, const struct tw_inventory *inv,
                              const struct tw_token *t, bool json);

/* Appends a copy of ev to evs (initialised to zeros): its strings are
 * copied into evs's arena and its token_json is taken, on every path.
 * 0 or -ENOMEM. */
int tw_notify_events_push(struct tw_notify_events *evs, const struct tw_notify_event *ev);
/* Frees the events, their token_json and the arena; evs is empty again. */
void tw_notify_events_done(struct tw_notify_events *evs);

/* The name (else the id) of the workspace token t belongs to (through its
 * first workspace or deployment role), or NULL. */
const char *tw_notify_token_workspace(const struct tw_inventory *inv, const struct tw_token *t);

#endif
