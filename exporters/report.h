#ifndef TW_EXPORTERS_REPORT_H
#define TW_EXPORTERS_REPORT_H

/*
 * The security review report: the inventory and its findings rendered as
 * JSON (a stable contract: fields may be added, never renamed), CSV
 * (RFC 4180), Markdown (GitHub) or an aligned table for terminals.
 * Pure functions of the snapshot; thread-safe.
 */

#include "core/snapshot.h"

struct cJSON;
struct tw_buf;
struct tw_inventory;
struct tw_token;

enum tw_report_format {
        TW_REPORT_TABLE,
        TW_REPORT_JSON,
        TW_REPORT_CSV,
        TW_REPORT_MARKDOWN,
        TW_REPORT_HTML,
};

/* "table", "json", "csv", "markdown" (or "md"), "html".  -EINVAL for anything else. */
int tw_report_format_from_string(const char *s, enum tw_report_format *ret);

/* Appends the whole report to out; on failure out is left as it was.
 * Tokens appear in inventory order in JSON and CSV, worst first (severity,
 * then soonest expiry) in table and Markdown.  snap->ev may be NULL (no
 * findings), snap->cfg may be NULL (no policy line).  0, -EINVAL (NULL snap,
 * inventory or out), -ENOMEM or -E2BIG (out->max reached). */
int tw_report_render(const struct tw_snapshot *snap, enum tw_report_format fmt, struct tw_buf *out);

/* The JSON report's object for one token, without "findings": the one shape
 * of a token that webhook payloads share with the report.  inv (may be NULL)
 * names the roles' entities.  NULL on -ENOMEM; free with cJSON_Delete(). */
struct cJSON *tw_report_token_json(const struct tw_inventory *inv, const struct tw_token *t);

#endif
