#ifndef TW_EXPORTERS_REPORT_HTML_INTERNAL_H
#define TW_EXPORTERS_REPORT_HTML_INTERNAL_H

/*
 * Internal to the HTML report (html.c, the page, and its sections in
 * html_tables.c, html_timeline.c, html_usage.c): the render state and the
 * escaping writers they share (html_common.c, below them).  Not
 * thread-shared: one render per struct tw_html.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "core/evaluate/finding.h"
#include "exporters/report/report_internal.h"

struct tw_live_status;
struct tw_snapshot;

struct tw_html {
        const struct tw_snapshot *snap;
        const struct tw_live_status *live; /* the daemon's live view, or NULL */
        struct tw_buf *out;
        struct tw_buf tmp;   /* scratch for sanitizing */
        struct tw_buf msg;   /* a finding's message */
        const size_t *order; /* token indices, worst first */
        struct tw_report_summary sum;
        int64_t now;
        int r; /* the first error; later writes do nothing */
        /* NULL, or called when out holds 64 KiB or more: takes (and
         * empties) out, returns 0 or a negative errno. */
        int (*flush)(void *ctx);
        void *flush_ctx;
};

/* Markup, appended as is: only constants and numbers, never API text. */
void tw_html_raw(struct tw_html *h, const char *s);
void tw_html_rawf(struct tw_html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Text from the API or the config, safe in element content and in quoted
 * attributes: control characters, bidirectional overrides and isolates and
 * invalid UTF-8 become '?' (tw_report_add_terminal), then & < > " ' become
 * entities.  NULL appends nothing. */
void tw_html_text(struct tw_html *h, const char *s);

/* A name from the API in <bdi>, so right-to-left text cannot reorder what
 * stands around it; "(no name)" for NULL or "". */
void tw_html_name(struct tw_html *h, const char *s);

/* As tw_html_name(), cut to TW_HTML_NAME_WIDTH display cells ("…" ends
 * the cut) with the whole name, escaped, in a title attribute: for lists,
 * cards and the timeline, where one long name would push the rest away. */
#define TW_HTML_NAME_WIDTH 40
void tw_html_short_name(struct tw_html *h, const char *s);

/* "crit", "warn" or "ok": the CSS class of a severity. */
const char *tw_html_sev_class(enum tw_severity s);

/* A severity pill; grey and "suppressed" styling when suppressed. */
void tw_html_sev_pill(struct tw_html *h, enum tw_severity s, bool suppressed);

/* t relative to the report's time: "in 2 days", "3 days ago". */
void tw_html_delta(struct tw_html *h, int64_t t);

/* "YYYY-MM-DD", or none_text for TW_NO_TIME. */
void tw_html_date(struct tw_html *h, int64_t t, const char *none_text);

/* The head of the page (exporters/report/html_head.c): the organizations
 * as people know them (display name, else id; markup: each in <bdi>, else
 * text only, for <title>), the heading with what the report is of (in the
 * live view: the data's age and the last collection's outcome), and the
 * table of contents. */
void tw_html_org_names(struct tw_html *h, bool markup);
void tw_html_header(struct tw_html *h);
void tw_html_toc(struct tw_html *h);

/* The inline SVG timeline of expiries: tokens already expired, and the next
 * 90 days, coloured by severity, with the policy's thresholds drawn. */
void tw_html_timeline(struct tw_html *h);

/* The sections after the findings (exporters/report/html_tables.c): tokens
 * per workspace, every token, suppressions, errors. */
void tw_html_workspaces(struct tw_html *h);
void tw_html_tokens(struct tw_html *h);
void tw_html_suppressions(struct tw_html *h);
void tw_html_errors(struct tw_html *h);

/* The audit sections (exporters/report/html_usage.c): "Changes in the last
 * 30 days" (snap->history) and "Who uses each token" (snap->usage). */
void tw_html_changes(struct tw_html *h);
void tw_html_changed_by(struct tw_html *h); /* lifecycle events from the audit logs */
void tw_html_usage(struct tw_html *h);

#endif
