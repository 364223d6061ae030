#ifndef TW_EXPORTERS_NOTIFY_PAYLOAD_H
#define TW_EXPORTERS_NOTIFY_PAYLOAD_H

/*
 * Webhook payloads, one builder per format, as cJSON trees (the caller
 * prints and deletes them).  Pure functions of (context, events); no clock,
 * thread-safe.  Names and messages are user data: cJSON escapes them, and
 * Slack's mrkdwn control characters (& < >) are escaped too.
 *
 *   generic       {"event","organization_id","sent_at","idempotency_key",
 *                  "token":{...},"finding":{"kind","severity","message"}}
 *   slack         incoming webhook: "text" plus "blocks"
 *   teams         Workflows webhook: {"type":"message","attachments":[Adaptive Card]}
 *   pagerduty     Events API v2: routing_key, event_action trigger|resolve,
 *                 dedup_key "tokenwatch:<org>:<token_id>:<family>" (expired
 *                 shares expiring's key so the incident escalates in place)
 *   alertmanager  POST /api/v2/alerts array, built from every event of one
 *                 sink and cycle (see tw_notify_payload_alertmanager())
 */

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/notify_state.h"

struct cJSON;
struct tw_buf;
struct tw_inventory;
struct tw_token;

struct tw_notify_payload_ctx {
        const char *organization_id;
        const struct tw_inventory *inv; /* workspace names; may be NULL */
        int64_t now;                    /* "sent_at" */
        const char *routing_key;        /* pagerduty (a secret: only in the body) */
        int64_t alert_ttl;              /* alertmanager: firing alerts end at now + alert_ttl */
};

/* The report's token fields (findings excluded): id, name, description,
 * short_token, scope, kind, start_at, expires_at, created_at, updated_at,
 * last_used_at, last_rotated_at (RFC 3339 or null), created_by
 * {id, subject_type, username, full_name, api_token_name} or null, roles
 * [{entity_type, entity_id, entity_name, role}].  inv may be NULL.  NULL on
 * -ENOMEM. */
struct cJSON *tw_notify_token_json(const struct tw_inventory *inv, const struct tw_token *t);

/* One push notification (generic, slack, teams or pagerduty) for ev, whose
 * type must satisfy tw_notify_event_notifies().  For an event whose token
 * is gone (ev->token NULL), the token is described by its id and name only.
 * -EINVAL for alertmanager or a non-notifying event, -ENOMEM. */
int tw_notify_payload_build(enum tw_webhook_format fmt, const struct tw_notify_payload_ctx *ctx,
                            const struct tw_notify_event *ev, struct cJSON **ret_json);

int tw_notify_payload_generic(const struct tw_notify_payload_ctx *ctx,
                              const struct tw_notify_event *ev, struct cJSON **ret_json);
int tw_notify_payload_slack(const struct tw_notify_payload_ctx *ctx,
                            const struct tw_notify_event *ev, struct cJSON **ret_json);
int tw_notify_payload_teams(const struct tw_notify_payload_ctx *ctx,
                            const struct tw_notify_event *ev, struct cJSON **ret_json);
int tw_notify_payload_pagerduty(const struct tw_notify_payload_ctx *ctx,
                                const struct tw_notify_event *ev, struct cJSON **ret_json);

/*
 * The Alertmanager alerts for one sink's events of one cycle: every FIRING,
 * ESCALATED, REMINDER and ACTIVE event is a firing alert (startsAt: when it
 * reached its current kind and severity, endsAt: now + alert_ttl); every
 * RESOLVED event a resolved alert (endsAt: now); ESCALATED and CHANGED
 * events also resolve the alert with the previous labels, since kind and
 * severity are labels.  Labels: alertname="TokenwatchFinding", token_id,
 * token_name, finding, severity, organization_id; annotations: summary,
 * description, fix.  *ret_json is an array, empty when there are no events.
 * *ret_has_resolved (may be NULL) tells whether any alert ends now.
 */
int tw_notify_payload_alertmanager(const struct tw_notify_payload_ctx *ctx,
                                   const struct tw_notify_event *evs, size_t n,
                                   struct cJSON **ret_json, int *ret_has_resolved);

/* Splits a finding message at its " Fix: " part: *ret_len is the length of
 * the text before it; *ret_fix points into msg after "Fix: " (NULL if none)
 * and *ret_fix_len is its length without the final period. */
void tw_notify_split_fix(const char *msg, size_t *ret_len, const char **ret_fix,
                         size_t *ret_fix_len);

/* HMAC-SHA256 of data under key as 64 lowercase hex digits.  -EINVAL, -EIO. */
int tw_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len,
                       char ret_hex[65]);
/* The generic format's signature: "sha256=" + hex HMAC of "<timestamp>.<body>". */
int tw_notify_sign(const char *secret, int64_t timestamp, const char *body, size_t body_len,
                   char ret_sig[72]);

/* Helpers shared by the builders. */
/* The name (else id) of the workspace the token belongs to, or NULL. */
const char *tw_notify_workspace(const struct tw_notify_payload_ctx *ctx, const struct tw_token *t);
/* Appends e.g. "Escalated: expiring (critical) on token \"ci\"". */
int tw_notify_summary(const struct tw_notify_event *ev, struct tw_buf *out);

#endif
