#include "collectors/astro/parse.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/values.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/timeutil.h"
#include "lib/utf8.h"

#define MESSAGE_MAX 300

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
                        while (rd->pos < rd->len && rd->s[rd->pos] != '"')
                                rd->pos += rd->s[rd->pos] == '\\' ? 2 : 1;
                        if (rd->pos++ >= rd->len)
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

int tw_astro_parse_page(const char *body, size_t len, const char *items_key, struct tw_page *ret,
                        struct tw_buf *err)
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

/* Field access with a message naming the object and field on failure. */
struct obj {
        const cJSON *json;
        const char *what; /* "token", "user", ... */
        const char *id;   /* for messages, once known */
        struct tw_buf *err;
};

static int field_error(const struct obj *o, const char *name, const char *problem)
{
        tw_buf_printf(o->err, "%s%s%s%s: field \"%s\" %s", o->what, o->id ? " \"" : "",
                      o->id ? o->id : "", o->id ? "\"" : "", name, problem);
        return -EINVAL;
}

/* Copies a string field into *ret (NULL when absent or null and !required). */
static int str_field(const struct obj *o, const char *name, bool required, char **ret)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o->json, name);

        if (!v || cJSON_IsNull(v)) {
                if (required)
                        return field_error(o, name, "is missing");
                *ret = NULL;
                return 0;
        }
        if (!cJSON_IsString(v))
                return field_error(o, name, "is not a string");
        *ret = strdup(v->valuestring);
        return *ret ? 0 : -ENOMEM;
}

/* A required id: it goes into request URLs and Astro CLI commands, so it
 * must be 1..64 of [A-Za-z0-9_-] (the id itself is not quoted back). */
static int id_field(const struct obj *o, const char *name, bool required, char **ret)
{
        int r = str_field(o, name, required, ret);

        if (r < 0 || !*ret || tw_is_valid_id(*ret))
                return r;
        free(*ret);
        *ret = NULL;
        return field_error(o, name, "is not a valid id");
}

/* Whether entity ids of this type are Astro object ids (others, such as a
 * DAG's, are names we never put into a URL or command). */
static bool entity_has_id(const char *entity_type)
{
        return entity_type &&
               (strcmp(entity_type, "ORGANIZATION") == 0 || strcmp(entity_type, "WORKSPACE") == 0 ||
                strcmp(entity_type, "DEPLOYMENT") == 0);
}

static int time_field(const struct obj *o, const char *name, bool required, int64_t *ret)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o->json, name);

        if (!v || cJSON_IsNull(v)) {
                if (required)
                        return field_error(o, name, "is missing");
                *ret = TW_NO_TIME;
                return 0;
        }
        if (!cJSON_IsString(v))
                return field_error(o, name, "is not a string");
        if (tw_time_parse(v->valuestring, ret) < 0)
                return field_error(o, name, "is not an RFC 3339 date-time");
        return 0;
}

static int subject_field(const struct obj *o, const char *name, struct tw_subject **ret)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o->json, name);
        struct obj so = {.json = v, .what = name, .err = o->err};
        struct tw_subject *s;
        int r;

        *ret = NULL;
        if (!v || cJSON_IsNull(v))
                return 0;
        if (!cJSON_IsObject(v))
                return field_error(o, name, "is not an object");
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if ((r = str_field(&so, "id", true, &s->id)) < 0 ||
            (r = str_field(&so, "subjectType", false, &s->subject_type)) < 0 ||
            (r = str_field(&so, "username", false, &s->username)) < 0 ||
            (r = str_field(&so, "fullName", false, &s->full_name)) < 0 ||
            (r = str_field(&so, "apiTokenName", false, &s->api_token_name)) < 0) {
                if (r == -EINVAL)
                        tw_buf_printf(o->err, " (in %s \"%s\")", o->what, o->id ? o->id : "?");
                tw_subject_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

static int roles_field(const struct obj *o, struct tw_token *t)
{
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o->json, "roles"), *item;
        int r, n;

        if (!arr || cJSON_IsNull(arr))
                return 0;
        if (!cJSON_IsArray(arr))
                return field_error(o, "roles", "is not an array");
        n = cJSON_GetArraySize(arr);
        if (n == 0)
                return 0;
        t->roles = calloc((size_t)n, sizeof(*t->roles));
        if (!t->roles)
                return -ENOMEM;
        cJSON_ArrayForEach (item, arr) {
                struct obj ro = {.json = item, .what = "role", .err = o->err};
                struct tw_role *role = &t->roles[t->n_roles];

                if (!cJSON_IsObject(item))
                        return field_error(o, "roles", "holds a non-object");
                t->n_roles++; /* counted first so a failure frees what was set */
                if ((r = str_field(&ro, "entityType", true, &role->entity_type)) < 0 ||
                    (r = entity_has_id(role->entity_type)
                                 ? id_field(&ro, "entityId", true, &role->entity_id)
                                 : str_field(&ro, "entityId", true, &role->entity_id)) < 0 ||
                    (r = str_field(&ro, "role", true, &role->role)) < 0 ||
                    (r = id_field(&ro, "deploymentId", false, &role->deployment_id)) < 0) {
                        if (r == -EINVAL)
                                tw_buf_printf(o->err, " (in token \"%s\")", o->id ? o->id : "?");
                        return r;
                }
        }
        return 0;
}

int tw_astro_parse_token(const cJSON *json, struct tw_token *ret, struct tw_buf *err)
{
        struct tw_token t = {0};
        struct obj o = {.json = json, .what = "token", .err = err};
        const cJSON *v;
        int r;

        if (!cJSON_IsObject(json)) {
                tw_buf_adds(err, "token is not a JSON object");
                return -EINVAL;
        }
        if ((r = id_field(&o, "id", true, &t.id)) < 0)
                goto fail;
        o.id = t.id;
        if ((r = str_field(&o, "name", true, &t.name)) < 0 ||
            (r = str_field(&o, "description", false, &t.description)) < 0 ||
            (r = str_field(&o, "shortToken", false, &t.short_token)) < 0 ||
            (r = str_field(&o, "kind", false, &t.kind)) < 0)
                goto fail;
        /* v1 says "scope", v1beta1 "type": accept either. */
        v = cJSON_GetObjectItemCaseSensitive(json, "scope");
        r = str_field(&o, v && !cJSON_IsNull(v) ? "scope" : "type", true, &t.scope);
        if (r < 0) {
                if (r == -EINVAL)
                        tw_buf_adds(err, " (nor \"scope\")");
                goto fail;
        }
        if ((r = time_field(&o, "startAt", false, &t.start_at)) < 0 ||
            (r = time_field(&o, "endAt", false, &t.end_at)) < 0 ||
            (r = time_field(&o, "createdAt", true, &t.created_at)) < 0 ||
            (r = time_field(&o, "updatedAt", false, &t.updated_at)) < 0 ||
            (r = time_field(&o, "lastUsedAt", false, &t.last_used_at)) < 0 ||
            (r = time_field(&o, "lastRotatedAt", false, &t.last_rotated_at)) < 0)
                goto fail;
        if (t.start_at == TW_NO_TIME)
                t.start_at = t.created_at;
        v = cJSON_GetObjectItemCaseSensitive(json, "expiryPeriodInDays");
        if (v && !cJSON_IsNull(v)) {
                double d;

                if (tw_json_number(v, 0, 100000, &d) < 0) {
                        r = field_error(&o, "expiryPeriodInDays", "is not a number of days");
                        goto fail;
                }
                t.expiry_period_days = (int)d;
        }
        if ((r = roles_field(&o, &t)) < 0 ||
            (r = subject_field(&o, "createdBy", &t.created_by)) < 0 ||
            (r = subject_field(&o, "updatedBy", &t.updated_by)) < 0)
                goto fail;
        if (!t.description && !(t.description = strdup(""))) {
                r = -ENOMEM;
                goto fail;
        }
        *ret = t;
        return 0;
fail:
        tw_token_done(&t);
        return r;
}

int tw_astro_parse_workspace(const cJSON *json, struct tw_workspace *ret, struct tw_buf *err)
{
        struct tw_workspace w = {0};
        struct obj o = {.json = json, .what = "workspace", .err = err};
        int r;

        if ((r = id_field(&o, "id", true, &w.id)) < 0)
                goto fail;
        o.id = w.id;
        if ((r = str_field(&o, "name", true, &w.name)) < 0)
                goto fail;
        *ret = w;
        return 0;
fail:
        tw_workspace_done(&w);
        return r;
}

int tw_astro_parse_deployment(const cJSON *json, struct tw_deployment *ret, struct tw_buf *err)
{
        struct tw_deployment d = {0};
        struct obj o = {.json = json, .what = "deployment", .err = err};
        int r;

        if ((r = id_field(&o, "id", true, &d.id)) < 0)
                goto fail;
        o.id = d.id;
        if ((r = str_field(&o, "name", true, &d.name)) < 0 ||
            (r = id_field(&o, "workspaceId", false, &d.workspace_id)) < 0)
                goto fail;
        *ret = d;
        return 0;
fail:
        tw_deployment_done(&d);
        return r;
}

int tw_astro_parse_user(const cJSON *json, struct tw_user *ret, struct tw_buf *err)
{
        struct tw_user u = {0};
        struct obj o = {.json = json, .what = "user", .err = err};
        int r;

        if ((r = str_field(&o, "id", true, &u.id)) < 0)
                goto fail;
        o.id = u.id;
        if ((r = str_field(&o, "username", false, &u.username)) < 0 ||
            (r = str_field(&o, "fullName", false, &u.full_name)) < 0 ||
            (r = str_field(&o, "status", false, &u.status)) < 0)
                goto fail;
        *ret = u;
        return 0;
fail:
        tw_user_done(&u);
        return r;
}

/* Appends s cut at max bytes on a character boundary (marked "..."), with
 * control characters (C0, DEL, C1) as spaces and each byte of a malformed
 * UTF-8 sequence as '?': a message for a person stays one line of UTF-8. */
void tw_astro_add_clean(struct tw_buf *out, const char *s, size_t max)
{
        size_t i = 0, n;
        uint32_t cp;

        for (; s[i]; i += n ? n : 1) {
                n = tw_utf8_decode(s + i, SIZE_MAX, &cp);
                if (i + (n ? n : 1) > max)
                        break;
                if (n == 0)
                        tw_buf_addc(out, '?');
                else if (tw_utf8_is_control(cp))
                        tw_buf_addc(out, ' ');
                else
                        tw_buf_add(out, s + i, n);
        }
        if (s[i])
                tw_buf_adds(out, "...");
}

void tw_astro_describe_error(const char *body, size_t len, struct tw_buf *out)
{
        const cJSON *msg, *rid;
        cJSON *root;

        if (!body || !len)
                return;
        root = cJSON_ParseWithLength(body, len);
        if (!cJSON_IsObject(root)) {
                cJSON_Delete(root);
                return;
        }
        msg = cJSON_GetObjectItemCaseSensitive(root, "message");
        rid = cJSON_GetObjectItemCaseSensitive(root, "requestId");
        if (cJSON_IsString(msg) && *msg->valuestring)
                tw_astro_add_clean(out, msg->valuestring, MESSAGE_MAX);
        if (cJSON_IsString(rid) && *rid->valuestring) {
                tw_buf_adds(out, cJSON_IsString(msg) && *msg->valuestring ? " (requestId "
                                                                          : "(requestId ");
                tw_astro_add_clean(out, rid->valuestring, 80);
                tw_buf_addc(out, ')');
        }
        cJSON_Delete(root);
}
