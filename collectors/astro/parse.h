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

/* A page read one item at a time: a page of 1,000 tokens is 2.3 MB of
 * JSON, and a tree of all of it another 2 MB while the last good inventory
 * and the next are both alive (bench/RESULTS.md). */
struct tw_page {
        const char *body; /* borrowed: the response body, alive while the page is read */
        size_t len;
        size_t items_at, items_end; /* the items array: after its '[', after its ']' */
        size_t n_items;             /* how many the array holds */
        size_t next, left;          /* where tw_page_next() goes on; items it has not read */
        long limit, offset, total;
};

/* Checks a paginated body {"limit","offset","totalCount","<items_key>":[...]}:
 * the envelope is parsed member by member (the first of a name counts, as
 * for cJSON's lookup), the items array is delimited and counted but not
 * parsed.  Syntax errors inside an item are found by tw_page_next(), so a
 * caller reads every item before it uses any. */
/* The API's documented maximum page size: what tokenwatch asks for. */
#define TW_ASTRO_PAGE_LIMIT 1000
/* A page of more than max_items items (more than was asked for) is refused
 * with -EBADMSG before any item is read: its size is the server's fault, and
 * callers size their work by it. */
int tw_astro_parse_page(const char *body, size_t len, const char *items_key, size_t max_items,
                        struct tw_page *ret, struct tw_buf *err);
/* The next item of the page as a tree of its own (the caller deletes it),
 * or *ret_item NULL after the last.  -EBADMSG (with the same message as
 * tw_astro_parse_page) if the item, or what separates it from the next, is
 * not valid JSON: the page as a whole is not; later calls then return no
 * more items. */
int tw_page_next(struct tw_page *page, cJSON **ret_item, struct tw_buf *err);
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
