/*
 * The GitLab CI/CD variables fake (REST API v4), projects and groups.
 *
 * Implements, under /api/v4/projects/{id} and /api/v4/groups/{id} ({id}
 * numeric or the URL-encoded path, "acme%2Fdags"):
 *   GET    /variables                 every variable (one page)
 *   POST   /variables                 create: key, value, variable_type, protected,
 *                                     masked, masked_and_hidden, raw,
 *                                     environment_scope, description; 201
 *   GET    /variables/{key}           the variable (a hidden one's value is null)
 *   PUT    /variables/{key}           update the given fields; 200
 *   DELETE /variables/{key}           204
 * with ?filter[environment_scope]= choosing among variables that share a key
 * (without it, several: 409 "There are multiple variables with provided
 * parameters. Please use 'filter[environment_scope]'").
 *
 * Errors as GitLab words them: 401 {"message":"401 Unauthorized"} (no or a
 * wrong PRIVATE-TOKEN / Bearer); 403 {"message":"403 Forbidden"} for the
 * read credential on every call (a Developer may not use variables); 404
 * "404 Project Not Found", "404 Group Not Found", "404 Variable Not Found";
 * 400 {"error":"key is missing"} / "value is missing", {"message":{"key":
 * ["(KEY) has already been taken"]}}, {"message":{"key":["can contain only
 * letters, digits and '_'."]}}, and {"message":{"value":["is invalid"]}} for
 * a masked value that is shorter than 8 characters, spans lines or holds a
 * space.  Rate limit: 429 "Retry later" with Retry-After and the RateLimit-*
 * headers.
 *
 * Not implemented: form-encoded bodies (JSON only), pagination headers,
 * instance-level variables, changing masked_and_hidden after creation (it
 * is kept).
 */
#include "storesim_internal.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/secret.h"
#include "lib/timeutil.h"

#define MULTIPLE                                                             \
        "There are multiple variables with provided parameters. Please use " \
        "'filter[environment_scope]'"

static void gl_message(struct store_reply *rp, int status, const char *key, const char *msg)
{
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, key, msg);
        store_reply_json(rp, status, o);
        cJSON_Delete(o);
}

/* {"message": {field: [msg]}}: a validation error. */
static void gl_invalid(struct store_reply *rp, const char *field, const char *msg)
{
        cJSON *o = cJSON_CreateObject(), *m = cJSON_AddObjectToObject(o, "message");
        cJSON *arr = cJSON_AddArrayToObject(m, field);

        cJSON_AddItemToArray(arr, cJSON_CreateString(msg));
        store_reply_json(rp, 400, o);
        cJSON_Delete(o);
}

static void gl_error(struct store_req *rq, struct store_reply *rp, int status, const char *msg)
{
        char text[160];

        (void)rq;
        snprintf(text, sizeof(text), "%d %s", status, msg);
        gl_message(rp, status, "message", text);
}

static const char *gl_credential(struct MHD_Connection *conn)
{
        const char *t = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "PRIVATE-TOKEN");
        const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");

        if (t)
                return t;
        if (h && strncmp(h, "Bearer ", 7) == 0)
                return h + 7;
        return h ? "" : NULL;
}

static void gl_rate_limited(struct store_req *rq, struct store_reply *rp, int limit, int64_t reset)
{
        char date[TW_RFC3339_LEN];

        (void)rq;
        store_reply_text(rp, 429, "Retry later\n");
        store_add_header(rp, "RateLimit-Limit", "%d", limit);
        store_add_header(rp, "RateLimit-Observed", "%d", limit + 1);
        store_add_header(rp, "RateLimit-Remaining", "0");
        store_add_header(rp, "RateLimit-Reset", "%lld", (long long)reset);
        store_add_header(rp, "RateLimit-ResetTime", "%s", tw_time_format(reset, date));
        rp->retry_after = (int)(reset - tw_now() > 0 ? reset - tw_now() : 1);
        rp->rate_limited = true;
}

/* The project or group named by id (numeric or path); create: by path. */
static cJSON *namespace_of(struct tw_storesim *s, const char *kind, const char *id, bool create)
{
        cJSON *all = store_obj(s->state, kind), *it;
        char key[512];
        size_t digits = strspn(id, "0123456789");

        if (*id && digits == strlen(id)) {
                cJSON_ArrayForEach (it, all)
                        if (cJSON_GetObjectItemCaseSensitive(it, "id")->valuedouble == atof(id))
                                return it;
                return NULL;
        }
        snprintf(key, sizeof(key), "%s", id);
        for (char *p = key; *p; p++)
                *p = (char)tolower((unsigned char)*p);
        it = cJSON_GetObjectItemCaseSensitive(all, key);
        if (it || !create || !*id)
                return it;
        it = store_obj(all, key);
        cJSON_AddNumberToObject(it, "id", (double)s->next_id++);
        cJSON_AddStringToObject(it, "path", id);
        cJSON_AddArrayToObject(it, "variables");
        return it;
}

static bool masked_ok(const char *v)
{
        return v && strlen(v) >= 8 && !strpbrk(v, " \t\r\n");
}

/* The variables of ns with key (and scope, if given): the count, the first. */
static int matching(cJSON *ns, const char *key, const char *scope, cJSON **ret)
{
        cJSON *v;
        int n = 0;

        *ret = NULL;
        cJSON_ArrayForEach (v, cJSON_GetObjectItemCaseSensitive(ns, "variables")) {
                if (strcmp(store_str(v, "key"), key) != 0 ||
                    (scope && strcmp(store_str(v, "environment_scope"), scope) != 0))
                        continue;
                if (!n++)
                        *ret = v;
        }
        return n;
}

/* The variable as GitLab answers it. */
static cJSON *shown(const cJSON *v)
{
        cJSON *o = cJSON_Duplicate(v, 1);

        if (store_bool(v, "hidden", false)) {
                cJSON_DeleteItemFromObjectCaseSensitive(o, "value");
                cJSON_AddNullToObject(o, "value");
        }
        return o;
}

static void reply_var(struct store_reply *rp, int status, const cJSON *v)
{
        cJSON *o = shown(v);

        store_reply_json(rp, status, o);
        cJSON_Delete(o);
}

static void set(cJSON *v, const char *key, cJSON *value)
{
        if (!value)
                return;
        cJSON_DeleteItemFromObjectCaseSensitive(v, key);
        cJSON_AddItemToObject(v, key, value);
}

/* Copies the settable fields of body into v (wiping a replaced value). */
static void apply(cJSON *v, const cJSON *body)
{
        static const char *const bools[] = {"protected", "masked", "raw"};
        static const char *const strs[] = {"variable_type", "environment_scope", "description"};
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(body, "value");
        cJSON *old = cJSON_GetObjectItemCaseSensitive(v, "value");

        if (cJSON_IsString(value)) {
                if (cJSON_IsString(old))
                        tw_wipe(old->valuestring, strlen(old->valuestring));
                set(v, "value", cJSON_CreateString(value->valuestring));
        }
        for (size_t i = 0; i < 3; i++) {
                const cJSON *b = cJSON_GetObjectItemCaseSensitive(body, bools[i]);

                if (cJSON_IsBool(b))
                        set(v, bools[i], cJSON_CreateBool(cJSON_IsTrue(b)));
        }
        for (size_t i = 0; i < 3; i++) {
                const char *str = store_str(body, strs[i]);

                if (str)
                        set(v, strs[i], cJSON_CreateString(str));
        }
}

/* A new variable of key with GitLab's defaults. */
static cJSON *new_var(const char *key, const cJSON *body)
{
        cJSON *v = cJSON_CreateObject();
        bool hidden = store_bool(body, "masked_and_hidden", false);

        cJSON_AddStringToObject(v, "variable_type", "env_var");
        cJSON_AddStringToObject(v, "key", key);
        cJSON_AddStringToObject(v, "value", "");
        cJSON_AddBoolToObject(v, "protected", false);
        cJSON_AddBoolToObject(v, "masked", hidden);
        cJSON_AddBoolToObject(v, "hidden", hidden);
        cJSON_AddBoolToObject(v, "raw", false);
        cJSON_AddStringToObject(v, "environment_scope", "*");
        cJSON_AddNullToObject(v, "description");
        apply(v, body);
        return v;
}

static void do_create(struct store_req *rq, struct store_reply *rp, cJSON *ns, const cJSON *body)
{
        const char *key = store_str(body, "key"), *scope = store_str(body, "environment_scope");
        char msg[320];
        cJSON *v, *same;

        if (!key) {
                gl_message(rp, 400, "error", "key is missing");
                return;
        }
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(body, "value"))) {
                gl_message(rp, 400, "error", "value is missing");
                return;
        }
        if (!*key || strlen(key) > 255 ||
            strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
                    strlen(key)) {
                gl_invalid(rp, "key", "can contain only letters, digits and '_'.");
                return;
        }
        if (matching(ns, key, scope ? scope : "*", &same) > 0) {
                snprintf(msg, sizeof(msg), "(%s) has already been taken", key);
                gl_invalid(rp, "key", msg);
                return;
        }
        v = new_var(key, body);
        if (store_bool(v, "masked", false) && !masked_ok(store_str(v, "value"))) {
                cJSON_Delete(v);
                gl_invalid(rp, "value", "is invalid");
                return;
        }
        cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(ns, "variables"), v);
        rq->s->stats.writes++;
        reply_var(rp, 201, v);
}

static void do_update(struct store_req *rq, struct store_reply *rp, cJSON *v, const cJSON *body)
{
        cJSON *copy = cJSON_Duplicate(v, 1);

        apply(copy, body);
        if (store_bool(copy, "masked", false) && !masked_ok(store_str(copy, "value"))) {
                cJSON_Delete(copy);
                gl_invalid(rp, "value", "is invalid");
                return;
        }
        cJSON_Delete(copy);
        apply(v, body);
        rq->s->stats.writes++;
        reply_var(rp, 200, v);
}

static void on_variable(struct store_req *rq, struct store_reply *rp, cJSON *ns, const char *key,
                        const cJSON *body)
{
        char *scope = store_query(rq->conn, "filter[environment_scope]");
        cJSON *v = NULL, *vars = cJSON_GetObjectItemCaseSensitive(ns, "variables");
        int n = matching(ns, key, scope, &v), i = 0;
        cJSON *it;

        free(scope);
        if (n == 0) {
                gl_message(rp, 404, "message", "404 Variable Not Found");
                return;
        }
        if (n > 1) {
                gl_message(rp, 409, "message", MULTIPLE);
                return;
        }
        if (strcmp(rq->method, "GET") == 0) {
                reply_var(rp, 200, v);
                return;
        }
        if (strcmp(rq->method, "PUT") == 0) {
                do_update(rq, rp, v, body);
                return;
        }
        cJSON_ArrayForEach (it, vars) {
                if (it == v)
                        break;
                i++;
        }
        cJSON_DeleteItemFromArray(vars, i);
        rq->s->stats.writes++;
        store_reply_empty(rp, 204);
}

static void gl_handle(struct store_req *rq, struct store_reply *rp)
{
        char *seg[6];
        int n = store_split(rq->path, seg, 6);
        bool writes = strcmp(rq->method, "POST") == 0 || strcmp(rq->method, "PUT") == 0;
        cJSON *ns = NULL, *body = NULL;
        bool project = n >= 4 && strcmp(seg[2], "projects") == 0;

        if (n < 5 || n > 6 || strcmp(seg[0], "api") != 0 || strcmp(seg[1], "v4") != 0 ||
            (!project && strcmp(seg[2], "groups") != 0) || strcmp(seg[4], "variables") != 0) {
                gl_message(rp, 404, "error", "404 Not Found");
        } else if (rq->auth == STORE_AUTH_NONE || rq->auth == STORE_AUTH_BAD) {
                gl_message(rp, 401, "message", "401 Unauthorized");
        } else if (rq->auth == STORE_AUTH_READ) {
                gl_message(rp, 403, "message", "403 Forbidden");
        } else if (!(ns = namespace_of(rq->s, project ? "projects" : "groups", seg[3], false))) {
                gl_message(rp, 404, "message",
                           project ? "404 Project Not Found" : "404 Group Not Found");
        } else if (writes &&
                   !cJSON_IsObject(body = cJSON_ParseWithLength(rq->body, rq->body_len))) {
                gl_message(rp, 400, "error", "400 Bad request - the body is not a JSON object");
        } else if (n == 5 && strcmp(rq->method, "POST") == 0) {
                do_create(rq, rp, ns, body);
        } else if (n == 5 && strcmp(rq->method, "GET") == 0) {
                cJSON *arr = cJSON_CreateArray(), *v;

                cJSON_ArrayForEach (v, cJSON_GetObjectItemCaseSensitive(ns, "variables"))
                        cJSON_AddItemToArray(arr, shown(v));
                store_reply_json(rp, 200, arr);
                cJSON_Delete(arr);
        } else if (n == 6 && (strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "PUT") == 0 ||
                              strcmp(rq->method, "DELETE") == 0)) {
                on_variable(rq, rp, ns, seg[5], body);
        } else {
                gl_message(rp, 405, "error", "405 Method Not Allowed");
        }
        cJSON_Delete(body);
        store_segs_free(seg, n > 0 ? n : 0);
}

/* project:PATH[:KEY[:SCOPE]] or group:...: the namespace, key and scope. */
static int locate(struct tw_storesim *s, const char *at, bool create, cJSON **ret_ns, char *key,
                  size_t ksize, char *scope, size_t ssize)
{
        char buf[1024], *p[4];
        int n = store_locator(at, buf, sizeof(buf), p, 4);
        bool project = n >= 2 && strcmp(p[0], "project") == 0;

        if (n < 2 || (!project && strcmp(p[0], "group") != 0))
                return -EINVAL;
        *ret_ns = namespace_of(s, project ? "projects" : "groups", p[1], create);
        snprintf(key, ksize, "%s", n > 2 ? p[2] : "");
        snprintf(scope, ssize, "%s", n > 3 ? p[3] : "*");
        return *ret_ns ? 0 : -ENOENT;
}

static int gl_put(struct tw_storesim *s, const char *at, const char *value, const cJSON *attrs)
{
        char key[256], scope[256];
        cJSON *ns, *v, *body;
        int r = locate(s, at, true, &ns, key, sizeof(key), scope, sizeof(scope));

        if (r < 0 || !value)
                return r;
        if (!*key)
                return -EINVAL;
        body = attrs ? cJSON_Duplicate(attrs, 1) : cJSON_CreateObject();
        set(body, "value", cJSON_CreateString(value));
        set(body, "environment_scope", cJSON_CreateString(scope));
        if (store_bool(attrs, "hidden", false))
                set(body, "masked_and_hidden", cJSON_CreateTrue());
        if (matching(ns, key, scope, &v) == 0)
                cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(ns, "variables"),
                                     new_var(key, body));
        else
                apply(v, body);
        cJSON_Delete(body);
        return 0;
}

static int gl_get(struct tw_storesim *s, const char *at, char **ret_value)
{
        char key[256], scope[256];
        cJSON *ns, *v;

        if (locate(s, at, false, &ns, key, sizeof(key), scope, sizeof(scope)) < 0 ||
            matching(ns, key, scope, &v) == 0)
                return -ENOENT;
        *ret_value = strdup(store_str(v, "value"));
        return *ret_value ? 0 : -ENOMEM;
}

static int gl_remove(struct tw_storesim *s, const char *at)
{
        char key[256], scope[256];
        cJSON *ns, *v, *it, *vars;
        int i = 0;

        if (locate(s, at, false, &ns, key, sizeof(key), scope, sizeof(scope)) < 0 ||
            matching(ns, key, scope, &v) == 0)
                return -ENOENT;
        vars = cJSON_GetObjectItemCaseSensitive(ns, "variables");
        cJSON_ArrayForEach (it, vars) {
                if (it == v)
                        break;
                i++;
        }
        cJSON_DeleteItemFromArray(vars, i);
        return 0;
}

long tw_storesim_gitlab_id(struct tw_storesim *s, const char *at)
{
        char key[256], scope[256];
        cJSON *ns = NULL;
        long id = -1;

        if (!s || s->kind != &store_gitlab)
                return -1;
        pthread_mutex_lock(&s->lock);
        if (locate(s, at, true, &ns, key, sizeof(key), scope, sizeof(scope)) == 0)
                id = (long)cJSON_GetObjectItemCaseSensitive(ns, "id")->valuedouble;
        pthread_mutex_unlock(&s->lock);
        return id;
}

const struct store_kind store_gitlab = {
        .name = "gitlab",
        .credential = gl_credential,
        .handle = gl_handle,
        .error = gl_error,
        .rate_limited = gl_rate_limited,
        .put = gl_put,
        .get = gl_get,
        .remove = gl_remove,
};
