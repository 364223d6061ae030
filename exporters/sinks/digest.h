#ifndef TW_EXPORTERS_SINKS_DIGEST_H
#define TW_EXPORTERS_SINKS_DIGEST_H

/*
 * Digest bodies (issue 12, [webhook.NAME] digest = ...): one message per
 * sink and period from a core/notify/digest.h digest, one builder per format that
 * takes digests.  Pure, like the event builders (exporters/sinks/sinks.h):
 * no clock, thread-safe; names, teams and messages are escaped as the event
 * bodies escape them.
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

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
struct tw_buf;
struct tw_digest;
struct tw_sink_ctx;
struct tw_sink_format;

#define TW_DIGEST_CHAT_MAX 100 /* finding lines a chat message shows */

typedef int (*tw_sink_digest_fn)(const struct tw_sink_ctx *ctx, const struct tw_digest *d,
                                 const char *key, struct cJSON **ret_json);

/* The digest builder of format f, or NULL (then *ret_why, if given, says
 * why the format takes none). */
tw_sink_digest_fn tw_sink_digest_builder(const struct tw_sink_format *f, const char **ret_why);

int tw_sink_generic_digest(const struct tw_sink_ctx *ctx, const struct tw_digest *d,
                           const char *key, struct cJSON **ret_json);
int tw_sink_slack_digest(const struct tw_sink_ctx *ctx, const struct tw_digest *d, const char *key,
                         struct cJSON **ret_json);
int tw_sink_teams_digest(const struct tw_sink_ctx *ctx, const struct tw_digest *d, const char *key,
                         struct cJSON **ret_json);

/* Helpers for the chat digests. */
typedef int (*tw_sink_escape_fn)(struct tw_buf *b, const char *s);
/* Slack mrkdwn and Teams Markdown escaping (sink_slack.c, sink_teams.c). */
int tw_sink_slack_escape(struct tw_buf *b, const char *s);
int tw_sink_teams_escape(struct tw_buf *b, const char *s);
/* "tokenwatch digest: 3 findings (1 critical, 2 warning)", or "...:
 * nothing to report" (plain text). */
int tw_sink_digest_title(const struct tw_digest *d, struct tw_buf *out);
/* The stale-data note, or nothing when the data is fresh (plain text). */
int tw_sink_digest_stale(const struct tw_digest *d, struct tw_buf *out);
/* "Critical, team data-eng (2)" for group g (team escaped with esc). */
int tw_sink_digest_heading(const struct tw_digest *d, size_t g, tw_sink_escape_fn esc,
                           struct tw_buf *out);
/* One finding line, user data on one line and escaped with esc: NAME (ID):
 * KIND, expiry DATE, workspace WS. */
int tw_sink_digest_line(const struct tw_sink_ctx *ctx, const struct tw_digest *d, size_t i,
                        tw_sink_escape_fn esc, struct tw_buf *out);

#endif
