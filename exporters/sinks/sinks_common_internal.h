#ifndef TW_EXPORTERS_SINKS_SINKS_COMMON_INTERNAL_H
#define TW_EXPORTERS_SINKS_SINKS_COMMON_INTERNAL_H

/*
 * Internal to the sink formats (the files of exporters/sinks): what the builders
 * share, below them (sinks_common.c calls none of them).  Pure and
 * thread-safe.
 */

#include <stddef.h>

#include "exporters/sinks/sinks.h"

struct tw_buf;
struct tw_digest;
struct tw_event;

/* The organization id of an event's token, else the context's. */
const char *tw_sink_organization(const struct tw_sink_ctx *ctx, const struct tw_notify_event *ev);
/* The same for a token change: the event's own organization, else ctx's. */
const char *tw_sink_change_organization(const struct tw_sink_ctx *ctx, const struct tw_event *ev);
/* Appends e.g. "Escalated: expiring (critical) on token \"ci\"". */
int tw_sink_summary(const struct tw_notify_event *ev, struct tw_buf *out);
/* A STAGE event's summary: "Expires in less than 30 days: token \"ci\"". */
int tw_sink_stage_summary(const struct tw_notify_event *ev, struct tw_buf *out);
/* Appends e.g. "Deleted while in use: token \"ci\"" or "Token created: \"ci\"". */
int tw_sink_change_summary(const struct tw_event *ev, struct tw_buf *out);

/* The facts a chat message shows, as (title, value) pairs, values cut at
 * 512 bytes on a UTF-8 boundary; text is the event's message, fix its fix. */
struct tw_sink_facts {
        const char *title[6];
        char value[6][512];
        size_t n;
        char *text;
        char *fix; /* NULL: none (or a resolved event) */
};
/* Fills f for ev; free with tw_sink_facts_done().  -ENOMEM. */
int tw_sink_facts_init(struct tw_sink_facts *f, const struct tw_sink_ctx *ctx,
                       const struct tw_notify_event *ev);
/* The chat facts of a change: Token, Token ID, Scope, Change, Before, After;
 * text is the detail (or the summary), fix what to do for a critical one. */
int tw_sink_change_facts_init(struct tw_sink_facts *f, const struct tw_event *ev);
void tw_sink_facts_done(struct tw_sink_facts *f);
/* Appends (title, value) to f (at most 6; value NULL shows as "-"), the
 * value cut at 512 bytes on a UTF-8 boundary with "..." marking the cut. */
void tw_sink_fact(struct tw_sink_facts *f, const char *title, const char *value);

/* The chat digests' text.  esc escapes user text for the format's markup. */
typedef int (*tw_sink_escape_fn)(struct tw_buf *b, const char *s);
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
