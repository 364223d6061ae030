#include "collectors/astro/parse.h"

#include <errno.h>
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
