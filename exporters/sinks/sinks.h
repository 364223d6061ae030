#ifndef TW_EXPORTERS_SINKS_SINKS_H
#define TW_EXPORTERS_SINKS_SINKS_H

/*
 * Sink formats: what a [webhook.NAME] sink's `format = ...` means.  One
 * file per format (exporters/sinks/generic.c, slack.c, ...) holds its
 * builders: findings, token changes and digests; one row per format in
 * sinks.c's table says how the notifier and the sink use it, and which of
 * them the format has.  Helpers the builders share are in sinks_common.c,
 * below them.  Adding a format: a file, its prototypes below, a row, a test
 * file (tests/unit/test_sink_NAME.c).
 *
 * Builders are pure functions of (context, events): no clock, thread-safe;
 * they return cJSON trees the caller prints and deletes.  Names and
 * messages are user data: cJSON escapes them for JSON, and the chat
 * formats escape their markup (Slack mrkdwn, Teams Markdown) so that a
 * token name cannot become a link or formatting.
 *
 *   generic       {"event","organization_id","sent_at","idempotency_key",
 *                  "token":{...},"finding":{"kind","severity","message","fix","since"}}
 *                  ("fix": the Astro CLI command, null when there is none)
 *   slack         incoming webhook: "text" plus "blocks"
 *   teams         Workflows webhook: {"type":"message","attachments":[Adaptive Card]}
 *   pagerduty     Events API v2: routing_key, event_action trigger|resolve,
 *                 dedup_key "tokenwatch:<org>:<token_id>:<family>" (expired
 *                 shares expiring's key so the incident escalates in place)
 *   alertmanager  POST /api/v2/alerts array, built from every event of one
 *                 sink and cycle (see tw_sink_alertmanager_build())
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/notify/state.h"

struct cJSON;
struct tw_event;
struct tw_inventory;

struct tw_sink_ctx {
        const char *organization_id;
        const struct tw_inventory *inv; /* workspace names; may be NULL */
        int64_t now;                    /* "sent_at" */
        const char *routing_key;        /* pagerduty (a secret: only in the body) */
        int64_t alert_ttl;              /* alertmanager: firing alerts end at now + alert_ttl */
};

/*
 * Builds one body.  Per-event formats get one event (n == 1) whose type
 * satisfies tw_notify_event_notifies(); batch formats get every event of
 * one sink and cycle.  *ret_coalesce (may be NULL) tells whether a later
 * body supersedes this one (an Alertmanager refresh that resolves nothing).
 * -EINVAL (an event the format does not send), -ENOMEM.
 */
typedef int (*tw_sink_build_fn)(const struct tw_sink_ctx *ctx, const struct tw_notify_event *evs,
                                size_t n, struct cJSON **ret_json, bool *ret_coalesce);

/*
 * Builds the body of one token change event (core/events.h, severity
 * warning or critical), delivered with idempotency key key.  Pure.
 *   generic       {"type":"token_change","event":KIND,"severity",...,"token":{id,name,scope},
 *                  "before","after","detail","observed_at"}
 *   slack, teams  a message like a finding's (names escaped the same way)
 *   pagerduty     a trigger, dedup_key "tokenwatch:<org>:<token_id>:change:<kind>"
 *   alertmanager  an array of one alert: alertname TokenDeletedWhileInUse,
 *                 TokenExpiredWhileInUse (critical ones) or TokenChange; labels
 *                 event, severity, token_id, token_name, organization_id;
 *                 startsAt observed_at, endsAt TW_SINK_CHANGE_ALERT_TTL later
 * tokenwatch's renewals are change events too: renewal_failed (critical),
 * retire_held (warning) and renewed (info: pushed although its severity is
 * none, tw_event_pushed()); PagerDuty triggers renewal_failed and resolves
 * it with renewed (dedup_key "...:change:renewal"), Alertmanager fires
 * TokenRenewalFailed and ends that alert with renewed.
 * -EINVAL (an event not pushed: severity NONE), -ENOMEM.
 */
typedef int (*tw_sink_change_fn)(const struct tw_sink_ctx *ctx, const struct tw_event *ev,
                                 const char *key, struct cJSON **ret_json);
#define TW_SINK_CHANGE_ALERT_TTL 3600 /* a change alert ends an hour after it was observed */

/*
 * Builds the digest body ([webhook.NAME] digest = ...) of one sink and
 * period from a core/notify/digest.h digest.  Pure, like the event
 * builders; names, teams and messages are escaped as the event bodies
 * escape them.
 *
 *   generic  {"event":"digest","organization_id","sent_at","idempotency_key",
 *             "period","stale","data_from","counts":{"total","critical","warning"},
 *             "groups":[{"severity","team","count","findings":[{"token":{"id","name",
 *             "workspace","expires_at"},"kind","severity","message","fix"}]}]}
 *             (team, workspace and fix null when none; every finding listed)
 *   slack    "text" plus blocks: a header, a stale-data note, one section per
 *            (severity, team) group (a long group ends with "...and N more")
 *   teams    one Adaptive Card: a title, a stale-data note, per group a
 *            heading and a list (at most TW_DIGEST_CHAT_MAX lines in all)
 * An empty digest is sent too ("nothing to report"): a daily all-clear tells
 * the team the agent is alive.  Alertmanager (alerts, not messages) and
 * PagerDuty (one incident per finding: a digest would open an incident that
 * nothing resolves) take no digests.
 */
struct tw_digest;
typedef int (*tw_sink_digest_fn)(const struct tw_sink_ctx *ctx, const struct tw_digest *d,
                                 const char *key, struct cJSON **ret_json);
#define TW_DIGEST_CHAT_MAX 100 /* finding lines a chat message shows */

struct tw_sink_format {
        const char *name;
        tw_sink_build_fn build;
        tw_sink_change_fn change; /* token change events */
        tw_sink_digest_fn digest; /* digests; NULL: the format takes none, */
        const char *no_digest;    /* and this says why */
        bool stages;              /* sends STAGE events (staged expiry notices) */
        bool batch;               /* one body per cycle from all events (alertmanager) */
        bool reminders;           /* sends REMINDER events */
        bool signs;               /* accepts secret/secret_file: X-Tokenwatch-Signature */
        bool routing_key;         /* needs routing_key(_file), put in the body at send time */
        const char *default_url;  /* when neither url nor url_file is set, or NULL */
        const char *url_path;     /* appended to URLs that do not end with it, or NULL */
};

/* The format named name (NULL: generic), or NULL if there is none. */
const struct tw_sink_format *tw_sink_format_find(const char *name);
/* The i-th format of the table, or NULL past the last. */
const struct tw_sink_format *tw_sink_format_at(size_t i);

/* The builders, one per format file. */
int tw_sink_generic_build(const struct tw_sink_ctx *ctx, const struct tw_notify_event *evs,
                          size_t n, struct cJSON **ret_json, bool *ret_coalesce);
int tw_sink_slack_build(const struct tw_sink_ctx *ctx, const struct tw_notify_event *evs, size_t n,
                        struct cJSON **ret_json, bool *ret_coalesce);
int tw_sink_teams_build(const struct tw_sink_ctx *ctx, const struct tw_notify_event *evs, size_t n,
                        struct cJSON **ret_json, bool *ret_coalesce);
int tw_sink_pagerduty_build(const struct tw_sink_ctx *ctx, const struct tw_notify_event *evs,
                            size_t n, struct cJSON **ret_json, bool *ret_coalesce);
/*
 * Alertmanager: every FIRING, ESCALATED, REMINDER and ACTIVE event is a
 * firing alert (startsAt: when it reached its current kind and severity,
 * endsAt: now + alert_ttl); every RESOLVED event a resolved alert (endsAt:
 * now); ESCALATED and CHANGED events also resolve the alert with the
 * previous labels, since kind and severity are labels.  Labels:
 * alertname="TokenwatchFinding", token_id, token_name, finding, severity,
 * organization_id, and the owner labels the event's entry keeps (ev->owner:
 * team and the configured [owners] labels, fixed when it first fired, so a
 * resolve matches its alert); annotations: summary, description, fix.
 * *ret_json is an array, empty when there are no events; *ret_coalesce is
 * false when any alert ends now.
 */
int tw_sink_alertmanager_build(const struct tw_sink_ctx *ctx, const struct tw_notify_event *evs,
                               size_t n, struct cJSON **ret_json, bool *ret_coalesce);

/* The token change builders, one per format file. */
int tw_sink_generic_change(const struct tw_sink_ctx *ctx, const struct tw_event *ev,
                           const char *key, struct cJSON **ret_json);
int tw_sink_slack_change(const struct tw_sink_ctx *ctx, const struct tw_event *ev, const char *key,
                         struct cJSON **ret_json);
int tw_sink_teams_change(const struct tw_sink_ctx *ctx, const struct tw_event *ev, const char *key,
                         struct cJSON **ret_json);
int tw_sink_pagerduty_change(const struct tw_sink_ctx *ctx, const struct tw_event *ev,
                             const char *key, struct cJSON **ret_json);
int tw_sink_alertmanager_change(const struct tw_sink_ctx *ctx, const struct tw_event *ev,
                                const char *key, struct cJSON **ret_json);

/* The digest builders of the formats that take digests. */
int tw_sink_generic_digest(const struct tw_sink_ctx *ctx, const struct tw_digest *d,
                           const char *key, struct cJSON **ret_json);
int tw_sink_slack_digest(const struct tw_sink_ctx *ctx, const struct tw_digest *d, const char *key,
                         struct cJSON **ret_json);
int tw_sink_teams_digest(const struct tw_sink_ctx *ctx, const struct tw_digest *d, const char *key,
                         struct cJSON **ret_json);

/* HMAC-SHA256 of data under key as 64 lowercase hex digits.  -EINVAL, -EIO. */
int tw_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len,
                       char ret_hex[65]);
/* The generic format's signature: "sha256=" + hex HMAC of "<timestamp>.<body>". */
int tw_sink_sign(const char *secret, int64_t timestamp, const char *body, size_t body_len,
                 char ret_sig[72]);

#endif
