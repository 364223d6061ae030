/* A page of an Astro API listing, read one item at a time (see
 * collectors/astro/parse.h): the envelope member by member, the items
 * array delimited and counted, each item parsed by cJSON on its own. */
#include "collectors/astro/parse.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/json.h"

void tw_page_done(struct tw_page *page)
{
        if (!page)
                return;
        memset(page, 0, sizeof(*page));
}

static int get_count(const cJSON *root, const char *name, long *ret, struct tw_buf *err)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);
        double d;

        if (!cJSON_IsNumber(v)) {
                tw_buf_printf(err, "response has no numeric \"%s\"", name);
                return -EBADMSG;
        }
        if (tw_json_number(v, 0, 1e12, &d) < 0 || d != floor(d)) {
                tw_buf_printf(err, "response has an invalid \"%s\"", name);
                return -EBADMSG;
        }
        *ret = (long)d;
        return 0;
}

/* True when body ends inside a string or an open object/array: cut short
 * (cJSON's error position cannot tell, it stops at the last byte). */
static bool looks_truncated(const char *body, size_t len)
{
        bool in_string = false, escaped = false;
        long depth = 0;

        for (size_t i = 0; i < len; i++) {
                char c = body[i];

                if (escaped) {
                        escaped = false;
                } else if (in_string) {
                        escaped = c == '\\';
                        in_string = c != '"';
                } else if (c == '"') {
                        in_string = true;
                } else if (c == '{' || c == '[') {
                        depth++;
                } else if ((c == '}' || c == ']') && --depth < 0) {
                        return false;
                }
        }
        return in_string || depth > 0;
}

/* A page body being read. */
struct reader {
        const char *s;
        size_t len, pos;
};

/* Whitespace as cJSON reads it inside a document: any byte up to ' '. */
static bool is_ws(char c)
{
        return (unsigned char)c <= ' ';
}

static void skip_ws(struct reader *rd)
{
        while (rd->pos < rd->len && is_ws(rd->s[rd->pos]))
                rd->pos++;
}

/* Whether only what a person calls whitespace follows (as after a
 * document: cJSON's own reading stops at its end). */
static bool at_end(struct reader *rd)
{
        while (rd->pos < rd->len && rd->s[rd->pos] && strchr(" \t\r\n", rd->s[rd->pos]))
                rd->pos++;
        return rd->pos == rd->len;
}

static bool take(struct reader *rd, char c)
{
        skip_ws(rd);
        if (rd->pos >= rd->len || rd->s[rd->pos] != c)
                return false;
        rd->pos++;
        return true;
}

/* Parses one JSON value at the reader's position with cJSON and moves past
 * it; NULL if there is none.  The caller deletes the tree. */
static cJSON *parse_value(struct reader *rd)
{
        const char *end = NULL;
        cJSON *v;

        skip_ws(rd);
        /* what may start a value: cJSON itself would also skip a byte-order
         * mark here, which is only allowed at the start of a document */
        if (rd->pos >= rd->len || !strchr("{[\"-0123456789tfn", rd->s[rd->pos]) || !rd->s[rd->pos])
                return NULL;
        v = cJSON_ParseWithLengthOpts(rd->s + rd->pos, rd->len - rd->pos, &end, false);
        if (v)
                rd->pos = (size_t)(end - rd->s);
        return v;
}

/* Moves past the string whose '"' was just taken: to the next quote that
 * an odd run of backslashes does not escape.  Most of a page is strings,
 * and memchr finds their ends several times faster than a byte loop.
 * false if the string does not end. */
static bool skip_string(struct reader *rd)
{
        for (;;) {
                const char *from = rd->s + rd->pos, *q = memchr(from, '"', rd->len - rd->pos);
                size_t backslashes = 0;

                if (!q)
                        return false;
                while (q - backslashes > from && q[-1 - (ptrdiff_t)backslashes] == '\\')
                        backslashes++;
                rd->pos = (size_t)(q - rd->s) + 1;
                if (backslashes % 2 == 0)
                        return true;
        }
}

/* Moves past the array whose '[' was just taken, counting its elements,
 * without building them: strings (with their escapes) and nesting are
 * followed, the elements themselves are checked by cJSON when
 * tw_page_next() parses them.  false if the array does not end. */
static bool skip_array(struct reader *rd, size_t *ret_n)
{
        size_t depth = 1, n = 0;
        bool in_value = false;

        while (rd->pos < rd->len) {
                char c = rd->s[rd->pos++];

                if (c == '"') {
                        if (!skip_string(rd))
                                return false;
                } else if (c == '[' || c == '{') {
                        depth++;
                } else if (c == ']' || c == '}') {
                        if (--depth == 0) {
                                *ret_n = n + in_value;
                                return c == ']';
                        }
                        continue;
                } else if (c == ',' && depth == 1) {
                        n++;
                        in_value = false;
                        continue;
                } else if (is_ws(c)) {
                        continue;
                }
                if (depth == 1 || (depth == 2 && !in_value))
                        in_value = true;
        }
        return false;
}

/* A member of the envelope other than the items: kept when it is one of
 * the counts (the first of a name wins, as in cJSON's lookup). */
static int envelope_member(struct reader *rd, const char *key, cJSON *counts)
{
        cJSON *v = parse_value(rd);

        if (!v)
                return -EBADMSG;
        if ((strcmp(key, "limit") == 0 || strcmp(key, "offset") == 0 ||
             strcmp(key, "totalCount") == 0) &&
            !cJSON_GetObjectItemCaseSensitive(counts, key)) {
                if (!cJSON_AddItemToObject(counts, key, v)) {
                        cJSON_Delete(v);
                        return -ENOMEM;
                }
                return 0;
        }
        cJSON_Delete(v);
        return 0;
}

/* Reads the envelope {"<key>": value, ...}: the counts into counts, the
 * items array delimited into p.  -EBADMSG if it is not one JSON object
 * (only whitespace may follow), -ENOTDIR if it is another JSON value,
 * -ENOMEM. */
static int read_envelope(struct reader *rd, const char *items_key, cJSON *counts, struct tw_page *p)
{
        bool items_seen = false;
        cJSON *key = NULL, *other;
        int r = -EBADMSG;

        if (rd->len >= 3 && memcmp(rd->s, "\xef\xbb\xbf", 3) == 0)
                rd->pos = 3; /* a byte-order mark, as cJSON allows */
        if (!take(rd, '{')) {
                other = parse_value(rd);
                cJSON_Delete(other);
                return other && at_end(rd) ? -ENOTDIR : -EBADMSG;
        }
        if (take(rd, '}'))
                goto end;
        do {
                key = parse_value(rd);
                if (!cJSON_IsString(key) || !take(rd, ':'))
                        goto fail;
                skip_ws(rd);
                if (strcmp(key->valuestring, items_key) == 0 && !items_seen && rd->pos < rd->len &&
                    rd->s[rd->pos] == '[') {
                        items_seen = true;
                        p->items_at = ++rd->pos;
                        if (!skip_array(rd, &p->n_items))
                                goto fail;
                        p->items_end = rd->pos;
                } else {
                        /* the first member of the items' name decides:
                         * here, not an array */
                        items_seen |= strcmp(key->valuestring, items_key) == 0;
                        r = envelope_member(rd, key->valuestring, counts);
                        if (r < 0)
                                goto fail;
                        r = -EBADMSG;
                }
                cJSON_Delete(key);
                key = NULL;
        } while (take(rd, ','));
        if (!take(rd, '}'))
                goto fail;
end:
        r = at_end(rd) ? 0 : -EBADMSG;
fail:
        cJSON_Delete(key);
        return r;
}

int tw_astro_parse_page(const char *body, size_t len, const char *items_key, size_t max_items,
                        struct tw_page *ret, struct tw_buf *err)
{
        struct reader rd = {.s = body, .len = len};
        struct tw_page p = {.body = body, .len = len};
        cJSON *counts = cJSON_CreateObject();
        int r;

        if (!counts)
                return -ENOMEM;
        r = read_envelope(&rd, items_key, counts, &p);
        if (r == -ENOMEM)
                goto out;
        if (r == -EBADMSG) {
                tw_buf_printf(err, "response is not valid JSON (%zu bytes%s)", len,
                              looks_truncated(body, len) ? ", truncated" : "");
                goto out;
        }
        if (r < 0) {
                tw_buf_adds(err, "response is not a JSON object");
                r = -EBADMSG;
                goto out;
        }
        if (!p.items_at) {
                tw_buf_printf(err, "response has no \"%s\" array", items_key);
                r = -EBADMSG;
                goto out;
        }
        if (p.n_items > max_items) {
                tw_buf_printf(err,
                              "response has %zu items in one page, more than the %zu asked for",
                              p.n_items, max_items);
                r = -EBADMSG;
                goto out;
        }
        if ((r = get_count(counts, "limit", &p.limit, err)) < 0 ||
            (r = get_count(counts, "offset", &p.offset, err)) < 0 ||
            (r = get_count(counts, "totalCount", &p.total, err)) < 0)
                goto out;
        p.next = p.items_at;
        p.left = p.n_items;
        *ret = p;
out:
        cJSON_Delete(counts);
        return r;
}

int tw_page_next(struct tw_page *page, cJSON **ret_item, struct tw_buf *err)
{
        struct reader rd = {.s = page->body, .len = page->len, .pos = page->next};
        cJSON *item;

        *ret_item = NULL;
        if (!page->left)
                return 0;
        item = parse_value(&rd);
        /* the items cJSON reads and their commas must end where the
         * envelope's reading found the array's end */
        if (!item || !take(&rd, page->left > 1 ? ',' : ']') ||
            (page->left == 1 && rd.pos != page->items_end)) {
                cJSON_Delete(item);
                page->left = 0;
                tw_buf_printf(err, "response is not valid JSON (%zu bytes%s)", page->len,
                              looks_truncated(page->body, page->len) ? ", truncated" : "");
                return -EBADMSG;
        }
        page->next = rd.pos;
        page->left--;
        *ret_item = item;
        return 0;
}
