#ifndef TW_EXPORTERS_REPORT_REPORT_INTERNAL_H
#define TW_EXPORTERS_REPORT_REPORT_INTERNAL_H

/*
 * Internal to the report renderers (the files of exporters/report): what
 * every format computes the same way — the order of tokens, the summary,
 * display names (report_common.c, owner.c) — and the text sanitizers for
 * people-facing formats (text.c).  These sit below the formats and call none
 * of them; report.c dispatches to the formats.  Pure and thread-safe.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/evaluate/finding.h"

struct tw_buf;
struct tw_snapshot;
struct tw_subject;
struct tw_token;

/* One scope and how many tokens have it ("" for a token without a scope). */
struct tw_report_scope_count {
        const char *scope;
        size_t count;
};

struct tw_report_summary {
        size_t n_tokens;
        size_t active[_TW_FINDING_KIND_MAX][_TW_SEVERITY_MAX];
        size_t suppressed[_TW_FINDING_KIND_MAX][_TW_SEVERITY_MAX];
        size_t n_active, n_suppressed;
        /* Tokens by their worst unsuppressed severity (NONE: nothing active). */
        size_t tokens_by_severity[_TW_SEVERITY_MAX];
        size_t without_expiry;
        size_t expired; /* expires_at <= generated_at */
        /* The token that expires next after generated_at, or SIZE_MAX. */
        size_t soonest;
        /* Sorted by scope name. */
        struct tw_report_scope_count *scopes;
        size_t n_scopes;
};

/* ev->now with an evaluation, else the inventory's collected_at. */
int64_t tw_report_generated_at(const struct tw_snapshot *snap);

/* The token indices worst first: worst unsuppressed severity, then soonest
 * expiry (never-expiring last), then inventory order.  *ret_order is a new
 * array of inv->n_tokens entries (caller frees).  -ENOMEM. */
int tw_report_worst_first(const struct tw_snapshot *snap, size_t **ret_order);

/* Fills *ret (release with tw_report_summary_done()).  -ENOMEM. */
int tw_report_summarize(const struct tw_snapshot *snap, struct tw_report_summary *ret);
void tw_report_summary_done(struct tw_report_summary *s);

/* The policy in one line (tw_policy_describe) or "" without a config. */
int tw_report_describe_policy(const struct tw_snapshot *snap, struct tw_buf *out);

/* Appends "YYYY-MM-DD", or none_text for TW_NO_TIME. */
int tw_report_add_date(struct tw_buf *out, int64_t t, const char *none_text);

/*
 * Text for terminals: appends s with every control character (C0, DEL, C1),
 * bidirectional override, invalid UTF-8 byte and newline replaced by '?', so a
 * hostile name can neither break the layout nor send terminal escapes.  Width
 * is counted in terminal cells over UTF-8 codepoints: 2 for East Asian wide
 * characters and emoji, 0 for combining marks, joiners and variation
 * selectors, 1 otherwise (no locale, no wcwidth()).  At most max_width cells
 * are appended; a wider text is cut to fit max_width - 1 and ends in "…".
 * *ret_width (may be NULL) gets the width appended.  NULL s appends nothing.
 * 0, -ENOMEM, -E2BIG.
 */
int tw_report_add_terminal(struct tw_buf *out, const char *s, size_t max_width, size_t *ret_width);

/* The display width of s as tw_report_add_terminal() counts it. */
size_t tw_report_text_width(const char *s);

/* Appends one RFC 4180 CSV field and its separator (",", or CRLF when last):
 * CR, LF and tab as blanks, every other control character, bidirectional
 * override, isolate or mark and invalid UTF-8 byte as '?', and a leading
 * apostrophe for a cell a spreadsheet would run as a formula (=, +, -, @
 * after blanks).  NULL s is an empty field. */
int tw_report_add_csv_cell(struct tw_buf *out, const char *s, bool last);

struct tw_report_sink;
struct tw_report_layout;

/* JSON goes to a sink as it is rendered (the others render into a buffer).
 * opts may be NULL (the defaults). */
int tw_report_write_json(const struct tw_snapshot *snap, const struct tw_report_layout *opts,
                         const struct tw_report_sink *sink);
int tw_report_render_csv(const struct tw_snapshot *snap, const struct tw_report_layout *opts,
                         struct tw_buf *out);
int tw_report_render_markdown(const struct tw_snapshot *snap, const struct tw_report_layout *opts,
                              struct tw_buf *out);
int tw_report_render_table(const struct tw_snapshot *snap, const struct tw_report_layout *opts,
                           struct tw_buf *out);
int tw_report_render_html(const struct tw_snapshot *snap, const struct tw_report_layout *opts,
                          struct tw_buf *out);

/*
 * The owner (exporters/report/owner.c), resolved under snap->cfg's
 * [owners] (the defaults without a config).  Owner values are safe in any
 * format (core/owner.h); the renderers escape them anyway.
 */
struct cJSON;
struct tw_owner;
/* Token i's owner; source none and no team when none answers. */
void tw_report_owner(const struct tw_snapshot *snap, size_t token, struct tw_owner *ret);
/* Appends "team (source)", or "-" without an owner. */
int tw_report_owner_text(const struct tw_snapshot *snap, size_t token, struct tw_buf *out);
/* Adds "owner": {"team", "source", "contact", "keys": {key: value}} to tok
 * (team and contact null when absent).  -ENOMEM. */
int tw_report_owner_json(const struct tw_snapshot *snap, size_t token, struct cJSON *tok);
/* Appends the CSV cells owner,owner_source (neither last). */
int tw_report_owner_csv(const struct tw_snapshot *snap, size_t token, struct tw_buf *out);
/*
 * Where the audit-log usage comes from (exporters/report/usage_source.c):
 * "audit logs read now, 30 days to <time>", "the daemon's index as of
 * <time>", "audit logs read by an earlier one-shot command, ..." or "not
 * included: <why>", each prefixed with its organization's name when there
 * are several, joined by "; ".  Nothing at all without origins.
 */
struct tw_html;
struct tw_usage_origin;
/* The origins of organization_id only (NULL: every one), unescaped.  0,
 * -ENOMEM, -E2BIG. */
int tw_report_usage_source_text(const struct tw_usage_origin *o, size_t n,
                                const char *organization_id, struct tw_buf *out);
/* "usage_source": an array of {organization_id, organization, source
 * ("daemon", "audit_logs", "kept", "none"), from, to, text}, or null. */
int tw_report_usage_source_json(const struct tw_usage_origin *o, size_t n, struct cJSON *root);
/* "Usage data: ...\n" for a terminal. */
int tw_report_usage_source_table(const struct tw_usage_origin *o, size_t n, struct tw_buf *out);
/* "\nUsage data: ...\n", escaped for Markdown. */
int tw_report_usage_source_markdown(const struct tw_usage_origin *o, size_t n, struct tw_buf *out);
/* <p class="usage-source">Usage data: ...</p> of h->snap's origins. */
void tw_html_usage_source(struct tw_html *h);

/* The rows' order: tw_report_worst_first() (worst_first) or inventory
 * order, then grouped by team when opts asks.  Caller frees.  -ENOMEM. */
int tw_report_order(const struct tw_snapshot *snap, const struct tw_report_layout *opts,
                    bool worst_first, size_t **ret_order);

#endif
