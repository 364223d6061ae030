#ifndef TW_EXPORTERS_REPORT_USAGE_H
#define TW_EXPORTERS_REPORT_USAGE_H

/*
 * Internal to the report renderers: the audit trail's token changes
 * (snap->history) and the audit-log usage (snap->usage) — the sections
 * "Changes in the last 30 days" and "Who uses each token", and the JSON
 * fields "events" and "usage".  Pure and thread-safe.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct tw_buf;
struct tw_event;
struct tw_snapshot;
struct tw_token;
struct tw_token_usage;
struct tw_usage_source;

/* How far back a report looks for changes (agent/cmd/report.c loads them). */
#define TW_REPORT_HISTORY_DAYS 30

/* snap->history's events ordered by token id, then time: a token's events
 * by binary search. */
struct tw_report_history {
        const struct tw_event **by_token;
        size_t n;
};

/* 0 or -ENOMEM; empty without history.  Release with _done(). */
int tw_report_history_init(const struct tw_snapshot *snap, struct tw_report_history *h);
void tw_report_history_done(struct tw_report_history *h);
/* The events of token_id, oldest first: how many, *ret_first the first. */
size_t tw_report_history_token(const struct tw_report_history *h, const char *token_id,
                               const struct tw_event *const **ret_first);

/* The usage of token t in snap->usage, or NULL. */
const struct tw_token_usage *tw_report_token_usage(const struct tw_snapshot *snap,
                                                   const struct tw_token *t);
/* The least role t's operations need at t's scope (tw_usage_lowest_role), or NULL. */
const char *tw_report_least_role(const struct tw_token_usage *u, const struct tw_token *t);

/* Appends "VALUE (N), VALUE (N) +K more": the top k sources by count,
 * unescaped (the caller escapes for its format). */
int tw_report_sources_text(const struct tw_usage_source *src, size_t n, size_t k,
                           struct tw_buf *out);
/* Appends the top k operations by count the same way. */
int tw_report_ops_text(const struct tw_token_usage *u, size_t k, struct tw_buf *out);
/* Appends "before -> after", "after" or "before" of an event. */
int tw_report_event_change(const struct tw_event *e, struct tw_buf *out);

/* JSON: adds "events" (array, or null without history) and "usage" (object,
 * or null) to tok, the object of token i.  0 or -ENOMEM. */
int tw_report_usage_token_json(const struct tw_snapshot *snap, const struct tw_report_history *h,
                               size_t i, struct cJSON *tok);
/* JSON: adds "events" (every change since "events_since", oldest first, or
 * null), "events_since" and "usage_source" (where the usage comes from, or
 * null) to root.  0 or -ENOMEM. */
int tw_report_usage_root_json(const struct tw_snapshot *snap, struct cJSON *root);

/* The usage index's lifecycle events (who created, updated, rotated or
 * deleted a token, from the audit logs) by token id, or a creation's name. */
struct life_key;
struct tw_lifecycle_event;
struct tw_report_lifecycle {
        struct life_key *keys;
        size_t n;
};

#define TW_REPORT_LIFECYCLE_PER_TOKEN 20

/* 0 or -ENOMEM; empty without usage.  Release with _done(). */
int tw_report_lifecycle_init(const struct tw_snapshot *snap, struct tw_report_lifecycle *l);
void tw_report_lifecycle_done(struct tw_report_lifecycle *l);
/* Up to max lifecycle events of token t into out: its creation (matched by
 * name within 5 minutes of its createdAt), then those naming its id, oldest
 * first.  Returns how many. */
size_t tw_report_lifecycle_token(const struct tw_report_lifecycle *l, const struct tw_token *t,
                                 const struct tw_lifecycle_event **out, size_t max);
/* The actor's name from the inventory (a user's username, a token's name),
 * or NULL. */
const char *tw_report_actor_name(const struct tw_snapshot *snap,
                                 const struct tw_lifecycle_event *e);
/* The event's token name, else the listed token's name, or NULL. */
const char *tw_report_lifecycle_token_name(const struct tw_snapshot *snap,
                                           const struct tw_lifecycle_event *e);
/* Appends "user NAME (id)", "API token NAME (id)", the bare id, or "unknown". */
int tw_report_actor_text(const struct tw_snapshot *snap, const struct tw_lifecycle_event *e,
                         struct tw_buf *out);
/* JSON: "changed_by" per token (array, or null without usage) and
 * "lifecycle" at the top level (every event kept, oldest first, or null). */
int tw_report_lifecycle_token_json(const struct tw_snapshot *snap,
                                   const struct tw_report_lifecycle *l, const struct tw_token *t,
                                   struct cJSON *tok);
int tw_report_lifecycle_root_json(const struct tw_snapshot *snap, struct cJSON *root);

/* Markdown: the two sections, tokens in the given order (worst first). */
int tw_report_markdown_usage(const struct tw_snapshot *snap, const size_t *order,
                             struct tw_buf *out);

#endif
