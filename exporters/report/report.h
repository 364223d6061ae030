#ifndef TW_EXPORTERS_REPORT_REPORT_H
#define TW_EXPORTERS_REPORT_REPORT_H

/*
 * The security review report: the inventory and its findings rendered as
 * JSON (a stable contract: fields may be added, never renamed), CSV
 * (RFC 4180), Markdown (GitHub) or an aligned table for terminals.
 * Pure functions of the snapshot; thread-safe.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"

struct tw_buf;

enum tw_report_format {
        TW_REPORT_TABLE,
        TW_REPORT_JSON,
        TW_REPORT_CSV,
        TW_REPORT_MARKDOWN,
        TW_REPORT_HTML,
};

/* How rows are grouped: `report --group-by team` orders tokens by
 * their owner's team (tokens without one last), keeping each format's order
 * within a team. */
enum tw_report_group {
        TW_REPORT_GROUP_NONE,
        TW_REPORT_GROUP_TEAM,
};

struct tw_report_layout {
        enum tw_report_group group_by;
};

/* "none" or "team".  -EINVAL for anything else. */
int tw_report_group_from_string(const char *s, enum tw_report_group *ret);

/* "table", "json", "csv", "markdown" (or "md"), "html".  -EINVAL for anything else. */
int tw_report_format_from_string(const char *s, enum tw_report_format *ret);

/* Appends the whole report to out; on failure out is left as it was.
 * Tokens appear in inventory order in JSON and CSV, worst first (severity,
 * then soonest expiry) in table and Markdown.  snap->ev may be NULL (no
 * findings), snap->cfg may be NULL (no policy line).  0, -EINVAL (NULL snap,
 * inventory or out), -ENOMEM or -E2BIG (out->max reached). */
int tw_report_render(const struct tw_snapshot *snap, enum tw_report_format fmt, struct tw_buf *out);
/* As tw_report_render(), with options (NULL: the defaults). */
int tw_report_render_opts(const struct tw_snapshot *snap, enum tw_report_format fmt,
                          const struct tw_report_layout *opts, struct tw_buf *out);

/* Where tw_report_write() sends the report: write() gets it in pieces, in
 * order, and returns 0 or a negative errno (which stops the report and is
 * returned).  ctx is passed through. */
struct tw_report_sink {
        int (*write)(void *ctx, const char *data, size_t len);
        void *ctx;
};

/* A sink's write for a FILE * ctx (e.g. stdout): fwrite(), -EIO when short. */
int tw_report_write_stdio(void *ctx, const char *data, size_t len);

/* The report of tw_report_render(), byte for byte, sent to sink instead of
 * kept: JSON is written while it is rendered, one token at a time, in pieces
 * of about 64 KiB, so its memory does not grow with the inventory; the other
 * formats are rendered whole (at most TW_REPORT_MAX bytes) and written once.
 * Unlike tw_report_render(), a failure may leave part of the report written.
 * 0, -EINVAL (NULL snap, inventory or sink), -ENOMEM, -E2BIG, or the sink's
 * error. */
int tw_report_write(const struct tw_snapshot *snap, enum tw_report_format fmt,
                    const struct tw_report_sink *sink);
/* As tw_report_write(), with options (NULL: the defaults). */
int tw_report_write_opts(const struct tw_snapshot *snap, enum tw_report_format fmt,
                         const struct tw_report_layout *opts, const struct tw_report_sink *sink);

#define TW_REPORT_MAX ((size_t)512 << 20)

struct tw_org_status;

/* What the daemon's live view adds to the HTML report. */
struct tw_live_status {
        int64_t rendered_at;     /* now */
        int64_t data_at;         /* when the data shown was collected */
        bool last_collection_ok; /* false: the data is the last good one */
        int64_t refresh_seconds; /* the page reloads itself this often; 0: never */
        /* Each organization's last collection, whose failure the page
         * names (core/status.h); NULL: none known. */
        const struct tw_org_status *orgs;
        size_t n_orgs;
};

/* The HTML report as the daemon's status page (/): the same view with a
 * banner saying how old the data was when the page was rendered, whether
 * the last collection failed and why, and links to /metrics, /healthz and
 * /readyz; a <meta> refresh reloads it every refresh_seconds (no script:
 * the page's policy allows none).  Appends to out; flush (may
 * be NULL) is called whenever out holds 64 KiB or more and must take and
 * empty it (the daemon compresses as it goes, so the page is never whole in
 * memory).  Without flush, a failure leaves out as it was.  0, -EINVAL,
 * -ENOMEM, -E2BIG, or flush's error. */
/* The Content-Security-Policy of the HTML report (its <meta>), for the
 * server to send as a header too: default-src 'none' and the stylesheet's
 * hash.  0 or a negative errno (buf too small: -E2BIG). */
int tw_report_html_csp(char *buf, size_t size);
int tw_report_render_live_html(const struct tw_snapshot *snap, const struct tw_live_status *st,
                               struct tw_buf *out, int (*flush)(void *ctx), void *flush_ctx);

#endif
