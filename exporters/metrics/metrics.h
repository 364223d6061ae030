#ifndef TW_EXPORTERS_METRICS_METRICS_H
#define TW_EXPORTERS_METRICS_METRICS_H

/*
 * The Prometheus text exposition format 0.0.4: the token inventory, its
 * findings and the agent's self-metrics rendered as one page.  Pure
 * functions; thread-safe.
 *
 * Families (the names are the contract):
 *   astro_token_info{token_id,organization,token_name,token_scope,token_kind,creator_id,
 *                    organization_id,organization_name[,creator_name]}
 *   astro_token_owner_info{token_id,organization,team,source[,<[owners] labels>]}
 *   astro_token_role_info{token_id,organization,entity_type,entity_id,entity_name,role}
 *   astro_token_expiry_timestamp_seconds{token_id,organization}  tokens that expire only
 *   astro_token_created_timestamp_seconds{token_id,organization}
 *   astro_token_last_used_timestamp_seconds{token_id,organization}  tokens that were used only
 *   astro_token_finding{token_id,organization,finding,severity}  active findings
 *   astro_token_findings{finding,severity}             every combination, 0 included
 *   astro_tokens{token_scope}
 *   tokenwatch_* self-metrics from struct tw_agent_status; with status->orgs, the
 *   collection health families carry {organization}
 * No timestamps.  No e-mail address appears unless cfg->agent.metrics_creator_names
 * asks for creator names (a user's full name, else a service key's token
 * name, else the username, which may be an e-mail address).
 */

#include <stdbool.h>
#include <stddef.h>

#include "core/snapshot.h"

#include "lib/buf.h"

struct tw_agent_status;
struct tw_config;
struct tw_inventory;
struct z_stream_s;

#define TW_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define TW_METRICS_PAGE_MAX ((size_t)256 << 20) /* 256 MiB: ~100,000 tokens fit many times over */

/* Appends the whole page to out.  snap->inv may be NULL (no collection yet:
 * the inventory families are empty); snap->ev may be NULL (not evaluated:
 * the finding families are empty); snap->cfg may be NULL (defaults).
 * 0, -ENOMEM or -E2BIG (out's maximum reached; out then holds a partial page
 * that must not be served). */
int tw_metrics_render(const struct tw_snapshot *snap, const struct tw_agent_status *st,
                      struct tw_buf *out);

/*
 * A streaming gzip output for the page, so that the plain page is never
 * whole in memory: text appended to ->text (by the renderer, or by anyone
 * else between tw_metrics_out_init() and tw_metrics_out_finish()) is
 * compressed into ->gz by tw_metrics_out_flush(), which the renderer calls
 * whenever ->text passes TW_METRICS_FLUSH_BYTES.  ->gz is one gzip member
 * (zlib deflate, TW_GZIP_LEVEL) once tw_metrics_out_finish() returned 0, and
 * ->plain_len the length of the text it inflates to.  The plain text is
 * capped at max bytes, and so is the compressed one.  Owned by one thread.
 */
#define TW_METRICS_FLUSH_BYTES ((size_t)64 << 10)

/* The zlib level of every page the daemon serves gzipped.  Measured on the
 * 10,000-token metrics page (12.2 MB) and status page (14.2 MB): levels 1 to
 * 3 (zlib's fast deflate) cost the same, about half of level 6's CPU; level
 * 2 makes a page 3 to 5 % smaller than level 1 and 10 to 20 % larger than
 * level 6 (bench/RESULTS.md). */
#define TW_GZIP_LEVEL 2

struct tw_metrics_out {
        struct tw_buf text; /* pending plain text, appended by the writer */
        struct tw_buf gz;   /* the compressed page so far */
        size_t plain_len;   /* plain bytes compressed so far */
        size_t max;         /* cap on the plain page and on the compressed one */
        struct z_stream_s *zs;
        int err; /* the first error; sticky */
};

/* Starts an empty page capped at max bytes (0: TW_METRICS_PAGE_MAX).
 * 0, -ENOMEM or -EIO; tw_metrics_out_done() is needed either way. */
int tw_metrics_out_init(struct tw_metrics_out *o, size_t max);
/* Compresses and empties ->text.  0, -ENOMEM, -E2BIG (a cap) or -EIO; an
 * error sticks (later calls return it) and the page must not be served. */
int tw_metrics_out_flush(struct tw_metrics_out *o);
/* Flushes and ends the gzip member.  0 or as tw_metrics_out_flush(). */
int tw_metrics_out_finish(struct tw_metrics_out *o);
/* Frees everything (->gz included, unless taken with tw_buf_steal()).  NULL-safe. */
void tw_metrics_out_done(struct tw_metrics_out *o);

/* As tw_metrics_render(), into o, flushing as it goes; does not finish o,
 * so more families may follow.  0 or as tw_metrics_out_flush(). */
int tw_metrics_render_out(const struct tw_snapshot *snap, const struct tw_agent_status *st,
                          struct tw_metrics_out *o);

/* Appends the astro_token_owner_info family for inv (may be NULL: no
 * samples) under cfg's [owners] (NULL: the defaults) to out; with mo (may
 * be NULL, then out is mo->text), flushes as the page grows.  Every token
 * has a series: team "" and source "none" when no source answered; each of
 * [owners] labels but team is one more label, "" when the owner has no value
 * for it.  0, -ENOMEM, -E2BIG or as tw_metrics_out_flush(). */
int tw_metrics_owner_info(const struct tw_config *cfg, const struct tw_inventory *inv,
                          struct tw_buf *out, struct tw_metrics_out *mo);

/* Appends s as a label value: \ -> \\, " -> \", newline -> \n; each byte
 * that is not part of valid UTF-8 -> U+FFFD; everything else verbatim.
 * 0, -ENOMEM or -E2BIG. */
int tw_metrics_escape_label(struct tw_buf *out, const char *s);
/* Appends s as HELP text: \ -> \\, newline -> \n, invalid UTF-8 as for labels.
 * 0, -ENOMEM or -E2BIG. */
int tw_metrics_escape_help(struct tw_buf *out, const char *s);
/* Appends a sample value: an integer when v is one (below 2^53), NaN,
 * +Inf, -Inf, else %.17g.  0, -ENOMEM or -E2BIG. */
int tw_metrics_format_value(struct tw_buf *out, double v);

/* A label of a sample line; value NULL renders as "". */
struct tw_metrics_label {
        const char *name;
        const char *value;
};
/* Appends "# HELP name help\n# TYPE name type\n" (help escaped).  0 or -errno. */
int tw_metrics_family(struct tw_buf *out, const char *name, const char *type, const char *help);
/* Appends one sample line, name{labels} value, every family of the page
 * written the one way (values escaped).  0 or -errno. */
int tw_metrics_sample(struct tw_buf *out, const char *name, const struct tw_metrics_label *labels,
                      size_t n, double v);

/* Compresses data as one gzip member (RFC 1952, zlib deflate) appended to
 * out.  0, -ENOMEM, -E2BIG or -EIO (zlib failure). */
int tw_gzip(const void *data, size_t len, struct tw_buf *out);

/* Whether an Accept-Encoding header value (NULL: absent) allows gzip:
 * "gzip" or "*" listed without q=0.  "identity" preference is ignored. */
bool tw_accepts_gzip(const char *accept_encoding);

#endif
