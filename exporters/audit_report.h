#ifndef TW_EXPORTERS_AUDIT_REPORT_H
#define TW_EXPORTERS_AUDIT_REPORT_H

/*
 * The audit command's output: the token events of the audit trail (oldest
 * first) as a terminal table, JSON, CSV (RFC 4180, formula-guarded) or
 * GitHub Markdown.  Every string is user data and is escaped for its format.
 * Pure; thread-safe.
 */

#include <stddef.h>
#include <stdint.h>

#include "exporters/report.h"

struct tw_buf;
struct tw_event;

struct tw_audit_view {
        const struct tw_event *events;
        size_t n_events;
        int64_t generated_at;
        int64_t since;        /* TW_NO_TIME: the whole trail */
        const char *token_id; /* NULL: every token */
        size_t skipped;       /* malformed lines the reader skipped */
};

/* Appends the view to out.  0, -EINVAL, -ENOMEM, -E2BIG. */
int tw_audit_render(const struct tw_audit_view *v, enum tw_report_format fmt, struct tw_buf *out);

#endif
