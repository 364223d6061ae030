#ifndef TW_COLLECTORS_ASTRO_PARSE_H
#define TW_COLLECTORS_ASTRO_PARSE_H

/*
 * Parsing Astro API responses (both API generations) into inventory objects.
 * Pure functions: no I/O, thread-safe.  Every failure appends one message
 * for a person to err and returns -EBADMSG (not JSON, a truncated body, a
 * wrong envelope), -EINVAL (a field missing or of the wrong type) or -ENOMEM.
 */

#include <stddef.h>

#include <cjson/cJSON.h>

#include "core/inventory.h"

struct tw_buf;

struct tw_page {
        cJSON *root;        /* owns the parsed document */
        const cJSON *items; /* the array under the items key */
        long limit, offset, total;
};

/* Parses a paginated body {"limit","offset","totalCount","<items_key>":[...]}. */
int tw_astro_parse_page(const char *body, size_t len, const char *items_key, struct tw_page *ret,
                        struct tw_buf *err);
void tw_page_done(struct tw_page *page);

/* One object each.  Unknown enum values are kept as strings; the API
 * generation's "scope" (v1) or "type" (v1beta1) are both accepted.  The ids
 * that go into request URLs or Astro CLI commands (an object's id, a
 * deployment's workspaceId, a role's entityId of an ORGANIZATION, WORKSPACE
 * or DEPLOYMENT and its deploymentId) must pass tw_is_valid_id, else
 * -EINVAL. */
int tw_astro_parse_token(const cJSON *obj, struct tw_token *ret, struct tw_buf *err);
int tw_astro_parse_workspace(const cJSON *obj, struct tw_workspace *ret, struct tw_buf *err);
int tw_astro_parse_deployment(const cJSON *obj, struct tw_deployment *ret, struct tw_buf *err);
int tw_astro_parse_user(const cJSON *obj, struct tw_user *ret, struct tw_buf *err);

/* Appends s, a string the API sent, for a person: cut at max bytes on a
 * character boundary (marked "..."), control characters (C0, DEL, C1) as
 * spaces, each byte of a malformed UTF-8 sequence as '?', so it stays one
 * line of valid UTF-8. */
void tw_astro_add_clean(struct tw_buf *out, const char *s, size_t max);

/* An error body {"message","requestId","statusCode"}: appends
 * "<message> (requestId <id>)" to out, the message cut at 300 bytes (the id
 * at 80) on a UTF-8 character boundary, control characters made spaces and
 * malformed UTF-8 made '?', so what is appended is one line of valid UTF-8.
 * Appends nothing for another body. */
void tw_astro_describe_error(const char *body, size_t len, struct tw_buf *out);

#endif
