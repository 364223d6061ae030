#ifndef TW_EXPORTERS_METRICS_H
#define TW_EXPORTERS_METRICS_H

/*
 * The Prometheus text exposition format 0.0.4: the token inventory, its
 * findings and the agent's self-metrics rendered as one page.  Pure
 * functions; thread-safe.
 *
 * Families (the names are the contract, see issue 4):
 *   astro_token_info{token_id,token_name,token_scope,token_kind,creator_id,organization_id[,creator_name]}
 *   astro_token_role_info{token_id,entity_type,entity_id,entity_name,role}
 *   astro_token_expiry_timestamp_seconds{token_id}     tokens that expire only
 *   astro_token_created_timestamp_seconds{token_id}
 *   astro_token_last_used_timestamp_seconds{token_id}  tokens that were used only
 *   astro_token_finding{token_id,finding,severity}     active findings
 *   astro_token_findings{finding,severity}             every combination, 0 included
 *   astro_tokens{token_scope}
 *   tokenwatch_* self-metrics from struct tw_agent_status
 * No timestamps.  No e-mail address appears unless cfg->agent.metrics_creator_names
 * asks for creator names (a user's full name, else a service key's token
 * name, else the username, which may be an e-mail address).
 */

#include <stdbool.h>
#include <stddef.h>

#include "agent/snapshot.h"

struct tw_agent_status;
struct tw_buf;

#define TW_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define TW_METRICS_PAGE_MAX ((size_t)256 << 20) /* 256 MiB: ~100,000 tokens fit many times over */

/* Appends the whole page to out.  snap->inv may be NULL (no collection yet:
 * the inventory families are empty); snap->ev may be NULL (not evaluated:
 * the finding families are empty); snap->cfg may be NULL (defaults).
 * 0, -ENOMEM or -E2BIG (out's maximum reached; out then holds a partial page
 * that must not be served). */
int tw_metrics_render(const struct tw_snapshot *snap, const struct tw_agent_status *st,
                      struct tw_buf *out);

/* Appends s as a label value: \ -> \\, " -> \", newline -> \n; everything
 * else (UTF-8 included) verbatim.  0, -ENOMEM or -E2BIG. */
int tw_metrics_escape_label(struct tw_buf *out, const char *s);
/* Appends s as HELP text: \ -> \\, newline -> \n.  0, -ENOMEM or -E2BIG. */
int tw_metrics_escape_help(struct tw_buf *out, const char *s);
/* Appends a sample value: an integer when v is one (below 2^53), NaN,
 * +Inf, -Inf, else %.17g.  0, -ENOMEM or -E2BIG. */
int tw_metrics_format_value(struct tw_buf *out, double v);

/* Compresses data as one gzip member (RFC 1952, zlib deflate) appended to
 * out.  0, -ENOMEM, -E2BIG or -EIO (zlib failure). */
int tw_gzip(const void *data, size_t len, struct tw_buf *out);

/* Whether an Accept-Encoding header value (NULL: absent) allows gzip:
 * "gzip" or "*" listed without q=0.  "identity" preference is ignored. */
bool tw_accepts_gzip(const char *accept_encoding);

#endif
