#ifndef TW_EXPORTERS_REPORT_CHANGES_H
#define TW_EXPORTERS_REPORT_CHANGES_H

/*
 * The audit command's output: the token events of the audit trail (oldest
 * first) as a terminal table, JSON, CSV (RFC 4180, formula-guarded) or
 * GitHub Markdown.  Every string is user data and is escaped for its format.
 * Pure; thread-safe.
 */

#include <stddef.h>
#include <stdint.h>

#include "exporters/report/report.h"

struct cJSON;
struct tw_buf;
struct tw_event;
struct tw_listing;
struct tw_usage;
struct tw_usage_origin;

struct tw_audit_view {
        const struct tw_event *events;
        size_t n_events;
        int64_t generated_at;
        int64_t since;        /* TW_NO_TIME: the whole trail */
        const char *token_id; /* NULL: every token */
        size_t skipped;       /* malformed lines the reader skipped */
        /* The Astro audit logs' usage index (state_dir/audit-usage.json), or
         * NULL: then the output is Part 1's alone.  With it every format
         * also shows who uses each token (tokens last seen since `since`)
         * and who created, updated, rotated or deleted it.  User ids are
         * shown as logged; token ids are named from the listing (may be NULL). */
        const struct tw_usage *usage;
        const struct tw_listing *listing;
        /* Where usage comes from (one per organization that has something
         * to say): every format says it, even without usage. */
        const struct tw_usage_origin *origins;
        size_t n_origins;
};

/* Appends the view to out.  0, -EINVAL, -ENOMEM, -E2BIG. */
int tw_audit_render(const struct tw_audit_view *v, enum tw_report_format fmt, struct tw_buf *out);

/* The Part 2 sections (exporters/report/usage_view.c); nothing without
 * v->usage but where usage comes from (JSON "usage_source", CSV a
 * "usage_source" block, the text formats a "Usage data:" line).  JSON: "usage" and "lifecycle"
 * arrays added to root.  CSV: blocks after the events, each with its header, first column "usage"
 * or "lifecycle", only when they have rows.  0, -ENOMEM, -E2BIG. */
int tw_usage_view_json(const struct tw_audit_view *v, struct cJSON *root);
int tw_usage_view_csv(const struct tw_audit_view *v, struct tw_buf *out);
int tw_usage_view_markdown(const struct tw_audit_view *v, struct tw_buf *out);
int tw_usage_view_table(const struct tw_audit_view *v, struct tw_buf *out);

#endif
