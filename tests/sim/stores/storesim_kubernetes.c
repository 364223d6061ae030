/*
 * The Kubernetes Secret API fake (core/v1).
 *
 * Implements, under /api/v1/namespaces/{ns}/secrets (every namespace exists):
 *   GET    ""          a SecretList
 *   POST   ""          create; 201; 409 AlreadyExists
 *   GET    /{name}     the Secret: data (base64), metadata.resourceVersion, uid,
 *                      creationTimestamp, annotations, managedFields (one entry per
 *                      manager, named after the User-Agent, with its last write time)
 *   PUT    /{name}     replace data, stringData, annotations, labels; a
 *                      metadata.resourceVersion other than the current one is a 409
 *                      Conflict (none: an unconditional update, as Secrets allow)
 *   PATCH  /{name}     application/merge-patch+json or strategic-merge-patch+json:
 *                      data/stringData/annotations/labels merged (null removes a key),
 *                      metadata.resourceVersion a precondition (409 on mismatch)
 *   DELETE /{name}     200 Status Success
 * Every write takes a new resourceVersion (one counter for the server).
 *
 * Errors are Status objects with Kubernetes' reasons and messages: 401
 * Unauthorized (no or a wrong bearer token), 403 Forbidden naming the verb
 * for the read credential, 404 NotFound 'secrets "x" not found', 409
 * Conflict 'Operation cannot be fulfilled on secrets "x": the object has
 * been modified; please apply your changes to the latest version and try
 * again', 400 BadRequest for a name that does not match the URL or data
 * that is not base64, 415 for other patch types.  Rate limit: 429
 * TooManyRequests with Retry-After and details.retryAfterSeconds.
 *
 * Not implemented: JSON patch (application/json-patch+json: 415) and
 * server-side apply, generateName, immutable Secrets, label selectors and
 * watches, namespaces that do not exist, other resources.
 */
#include "storesim_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/secret.h"
#include "lib/timeutil.h"

static const char *reason_of(int code)
{
        switch (code) {
        case 400:
                return "BadRequest";
        case 401:
                return "Unauthorized";
        case 403:
                return "Forbidden";
        case 404:
                return "NotFound";
        case 409:
                return "Conflict";
        case 415:
                return "UnsupportedMediaType";
        case 422:
                return "Invalid";
        case 429:
                return "TooManyRequests";
        default:
                return "InternalError";
        }
}

/* A Status answer; reason NULL: the code's; name NULL: no details. */
static void k_status(struct store_reply *rp, int code, const char *reason, const char *msg,
                     const char *name)
{
        cJSON *o = cJSON_CreateObject(), *d;

        cJSON_AddStringToObject(o, "kind", "Status");
        cJSON_AddStringToObject(o, "apiVersion", "v1");
        cJSON_AddObjectToObject(o, "metadata");
        cJSON_AddStringToObject(o, "status", code < 300 ? "Success" : "Failure");
        cJSON_AddStringToObject(o, "message", msg);
        cJSON_AddStringToObject(o, "reason", reason ? reason : reason_of(code));
        if (name) {
                d = cJSON_AddObjectToObject(o, "details");
                cJSON_AddStringToObject(d, "name", name);
                cJSON_AddStringToObject(d, "kind", "secrets");
        }
        cJSON_AddNumberToObject(o, "code", code);
        store_reply_json(rp, code, o);
        cJSON_Delete(o);
}

static void k_error(struct store_req *rq, struct store_reply *rp, int status, const char *msg)
{
        (void)rq;
        k_status(rp, status, NULL, msg, NULL);
}

static const char *k_credential(struct MHD_Connection *conn)
{
        const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");

        if (h && strncmp(h, "Bearer ", 7) == 0)
                return h + 7;
        return h ? "" : NULL;
}

static void k_rate_limited(struct store_req *rq, struct store_reply *rp, int limit, int64_t reset)
{
        cJSON *d;
        int64_t wait = reset - tw_now();

        (void)rq, (void)limit;
        k_status(rp, 429, NULL, "Too many requests, please try again later.", NULL);
        rp->retry_after = (int)(wait > 0 ? wait : 1);
        /* details.retryAfterSeconds, as the API server sends it */
        d = cJSON_Parse(rp->body);
        cJSON_AddItemToObject(d, "details", cJSON_CreateObject());
        cJSON_AddNumberToObject(cJSON_GetObjectItem(d, "details"), "retryAfterSeconds",
                                rp->retry_after);
        store_reply_json(rp, 429, d);
        cJSON_Delete(d);
        rp->rate_limited = true;
}

static cJSON *secrets_of(struct tw_storesim *s, const char *ns)
{
        return store_obj(store_obj(store_obj(s->state, "namespaces"), ns), "secrets");
}

static void set(cJSON *o, const char *key, cJSON *v)
{
        cJSON_DeleteItemFromObjectCaseSensitive(o, key);
        if (v)
                cJSON_AddItemToObject(o, key, v);
}

/* A new resourceVersion and the manager's write time in managedFields. */
static void touch(struct tw_storesim *s, cJSON *secret, const char *user_agent)
{
        cJSON *meta = store_obj(secret, "metadata"), *mf, *e, *found = NULL;
        char rv[32], manager[64], now[64];

        snprintf(rv, sizeof(rv), "%ld", s->next_id++);
        set(meta, "resourceVersion", cJSON_CreateString(rv));
        snprintf(manager, sizeof(manager), "%s", user_agent ? user_agent : "unknown");
        manager[strcspn(manager, "/ ")] = '\0';
        store_time(now, sizeof(now), false);
        mf = cJSON_GetObjectItemCaseSensitive(meta, "managedFields");
        if (!cJSON_IsArray(mf)) {
                mf = cJSON_CreateArray();
                set(meta, "managedFields", mf);
        }
        cJSON_ArrayForEach (e, mf)
                if (store_str(e, "manager") && strcmp(store_str(e, "manager"), manager) == 0)
                        found = e;
        if (!found) {
                found = cJSON_CreateObject();
                cJSON_AddStringToObject(found, "manager", manager);
                cJSON_AddStringToObject(found, "operation", "Update");
                cJSON_AddStringToObject(found, "apiVersion", "v1");
                cJSON_AddStringToObject(found, "fieldsType", "FieldsV1");
                cJSON_AddObjectToObject(found, "fieldsV1");
                cJSON_AddItemToArray(mf, found);
        }
        set(found, "time", cJSON_CreateString(now));
}

/* Checks that every data value is base64; a message or NULL. */
static const char *bad_data(const cJSON *data)
{
        const cJSON *kv;

        cJSON_ArrayForEach (kv, data) {
                char *out = NULL;
                size_t n;

                if (cJSON_IsNull(kv))
                        continue;
                if (!cJSON_IsString(kv) || store_b64_decode(kv->valuestring, &out, &n) < 0)
                        return "illegal base64 data in Secret data";
                tw_wipe(out, n);
                free(out);
        }
        return NULL;
}

/* Merges src into dst: null removes a key (merge patch). */
static void merge_map(cJSON *dst, const cJSON *src, bool b64)
{
        const cJSON *kv;

        cJSON_ArrayForEach (kv, src) {
                char *enc = NULL;

                if (cJSON_IsNull(kv)) {
                        cJSON_DeleteItemFromObjectCaseSensitive(dst, kv->string);
                        continue;
                }
                if (!cJSON_IsString(kv))
                        continue;
                enc = b64 ? store_b64_encode(kv->valuestring, strlen(kv->valuestring)) : NULL;
                set(dst, kv->string, cJSON_CreateString(b64 ? (enc ? enc : "") : kv->valuestring));
                free(enc);
        }
}

/* Applies the writable parts of body to secret (replace: PUT's semantics). */
static void apply(cJSON *secret, const cJSON *body, bool replace)
{
        const cJSON *bm = cJSON_GetObjectItemCaseSensitive(body, "metadata");
        cJSON *meta = store_obj(secret, "metadata");
        static const char *const maps[] = {"annotations", "labels"};

        if (replace)
                set(secret, "data", cJSON_CreateObject());
        merge_map(store_obj(secret, "data"), cJSON_GetObjectItemCaseSensitive(body, "data"), false);
        merge_map(store_obj(secret, "data"), cJSON_GetObjectItemCaseSensitive(body, "stringData"),
                  true);
        for (size_t i = 0; i < 2; i++) {
                const cJSON *src = cJSON_GetObjectItemCaseSensitive(bm, maps[i]);

                if (replace)
                        set(meta, maps[i], NULL);
                if (cJSON_IsObject(src))
                        merge_map(store_obj(meta, maps[i]), src, false);
        }
}

static cJSON *new_secret(struct tw_storesim *s, const char *ns, const char *name)
{
        cJSON *o = cJSON_CreateObject(), *meta;
        char uid[64], now[64];

        snprintf(uid, sizeof(uid), "5f0c4a1e-0000-4000-8000-%012ld", s->next_id++);
        store_time(now, sizeof(now), false);
        cJSON_AddStringToObject(o, "kind", "Secret");
        cJSON_AddStringToObject(o, "apiVersion", "v1");
        meta = cJSON_AddObjectToObject(o, "metadata");
        cJSON_AddStringToObject(meta, "name", name);
        cJSON_AddStringToObject(meta, "namespace", ns);
        cJSON_AddStringToObject(meta, "uid", uid);
        cJSON_AddStringToObject(meta, "creationTimestamp", now);
        cJSON_AddObjectToObject(o, "data");
        cJSON_AddStringToObject(o, "type", "Opaque");
        return o;
}

static void reply_secret(struct store_reply *rp, int code, const cJSON *secret)
{
        cJSON *o = cJSON_Duplicate(secret, 1);

        store_reply_json(rp, code, o);
        cJSON_Delete(o);
}

/* The write of rq (POST, PUT, PATCH) on secrets[name]. */
static void k_write(struct store_req *rq, struct store_reply *rp, const char *ns, const char *name)
{
        cJSON *secrets = secrets_of(rq->s, ns), *cur = NULL, *body = NULL;
        const char *ct = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Content-Type");
        const char *ua = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "User-Agent");
        bool patch = strcmp(rq->method, "PATCH") == 0, post = strcmp(rq->method, "POST") == 0;
        const char *bname, *rv, *why;
        char msg[512];

        if (patch && (!ct || (strncmp(ct, "application/merge-patch+json", 28) != 0 &&
                              strncmp(ct, "application/strategic-merge-patch+json", 38) != 0))) {
                k_status(rp, 415, NULL,
                         "the body of the request was in an unknown format - accepted media types "
                         "include: application/merge-patch+json, "
                         "application/strategic-merge-patch+json",
                         NULL);
                return;
        }
        body = cJSON_ParseWithLength(rq->body, rq->body_len);
        bname = store_str(cJSON_GetObjectItemCaseSensitive(body, "metadata"), "name");
        rv = store_str(cJSON_GetObjectItemCaseSensitive(body, "metadata"), "resourceVersion");
        if (post)
                name = bname;
        cur = name ? cJSON_GetObjectItemCaseSensitive(secrets, name) : NULL;
        if (!cJSON_IsObject(body)) {
                k_status(rp, 400, NULL, "the request body is not a JSON object", NULL);
        } else if (!name || !*name) {
                k_status(rp, 422, NULL, "Secret \"\" is invalid: metadata.name: Required value",
                         NULL);
        } else if (!post && !patch && bname && strcmp(bname, name) != 0) {
                snprintf(msg, sizeof(msg),
                         "the name of the object (%s) does not match the name on the URL (%s)",
                         bname, name);
                k_status(rp, 400, NULL, msg, name);
        } else if ((why = bad_data(cJSON_GetObjectItemCaseSensitive(body, "data")))) {
                k_status(rp, 400, NULL, why, name);
        } else if (post && cur) {
                snprintf(msg, sizeof(msg), "secrets \"%s\" already exists", name);
                k_status(rp, 409, "AlreadyExists", msg, name);
        } else if (!post && !cur) {
                snprintf(msg, sizeof(msg), "secrets \"%s\" not found", name);
                k_status(rp, 404, NULL, msg, name);
        } else if (!post && rv &&
                   strcmp(rv, store_str(cJSON_GetObjectItemCaseSensitive(cur, "metadata"),
                                        "resourceVersion")) != 0) {
                snprintf(msg, sizeof(msg),
                         "Operation cannot be fulfilled on secrets \"%s\": the object has been "
                         "modified; please apply your changes to the latest version and try again",
                         name);
                k_status(rp, 409, NULL, msg, name);
        } else {
                if (post) {
                        cur = new_secret(rq->s, ns, name);
                        cJSON_AddItemToObject(secrets, name, cur);
                }
                apply(cur, body, !patch);
                touch(rq->s, cur, ua);
                rq->s->stats.writes++;
                reply_secret(rp, post ? 201 : 200, cur);
        }
        cJSON_Delete(body);
}

static void k_list(struct tw_storesim *s, struct store_reply *rp, const char *ns)
{
        cJSON *o = cJSON_CreateObject(), *items, *it, *meta;
        char rv[32];

        snprintf(rv, sizeof(rv), "%ld", s->next_id);
        cJSON_AddStringToObject(o, "kind", "SecretList");
        cJSON_AddStringToObject(o, "apiVersion", "v1");
        meta = cJSON_AddObjectToObject(o, "metadata");
        cJSON_AddStringToObject(meta, "resourceVersion", rv);
        items = cJSON_AddArrayToObject(o, "items");
        cJSON_ArrayForEach (it, secrets_of(s, ns))
                cJSON_AddItemToArray(items, cJSON_Duplicate(it, 1));
        store_reply_json(rp, 200, o);
        cJSON_Delete(o);
}

static const char *verb_of(const char *method)
{
        return strcmp(method, "POST") == 0    ? "create"
               : strcmp(method, "PUT") == 0   ? "update"
               : strcmp(method, "PATCH") == 0 ? "patch"
                                              : "delete";
}

static void k_handle(struct store_req *rq, struct store_reply *rp)
{
        char *seg[6], msg[512];
        int n = store_split(rq->path, seg, 6);
        const char *m = rq->method, *name = n == 6 ? seg[5] : NULL;
        cJSON *cur;

        if (rq->auth == STORE_AUTH_NONE || rq->auth == STORE_AUTH_BAD) {
                k_status(rp, 401, NULL, "Unauthorized", NULL);
        } else if (n < 5 || strcmp(seg[0], "api") != 0 || strcmp(seg[1], "v1") != 0 ||
                   strcmp(seg[2], "namespaces") != 0 || strcmp(seg[4], "secrets") != 0) {
                k_status(rp, 404, NULL, "the server could not find the requested resource", NULL);
        } else if (strcmp(m, "GET") != 0 && rq->auth != STORE_AUTH_FULL) {
                snprintf(msg, sizeof(msg),
                         "secrets \"%s\" is forbidden: User \"system:serviceaccount:tokenwatch:"
                         "reader\" cannot %s resource \"secrets\" in API group \"\" in the "
                         "namespace \"%s\"",
                         name ? name : "", verb_of(m), seg[3]);
                k_status(rp, 403, NULL, msg, name);
        } else if (!name && strcmp(m, "GET") == 0) {
                k_list(rq->s, rp, seg[3]);
        } else if (strcmp(m, "POST") == 0 && !name) {
                k_write(rq, rp, seg[3], NULL);
        } else if (!name) {
                k_status(rp, 405, "MethodNotAllowed", "the server does not allow this method",
                         NULL);
        } else if (strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0) {
                k_write(rq, rp, seg[3], name);
        } else if (!(cur = cJSON_GetObjectItemCaseSensitive(secrets_of(rq->s, seg[3]), name))) {
                snprintf(msg, sizeof(msg), "secrets \"%s\" not found", name);
                k_status(rp, 404, NULL, msg, name);
        } else if (strcmp(m, "GET") == 0) {
                reply_secret(rp, 200, cur);
        } else if (strcmp(m, "DELETE") == 0) {
                cJSON_DeleteItemFromObjectCaseSensitive(secrets_of(rq->s, seg[3]), name);
                rq->s->stats.writes++;
                k_status(rp, 200, "", "", name);
        } else {
                k_status(rp, 405, "MethodNotAllowed", "the server does not allow this method",
                         name);
        }
        store_segs_free(seg, n > 0 ? n : 0);
}

/* NS:NAME:KEY. */
static int locate(const char *at, char *ns, char *name, char *key, size_t size)
{
        char buf[1024], *p[3];
        int n = store_locator(at, buf, sizeof(buf), p, 3);

        if (n < 1 || !*p[0])
                return -EINVAL;
        snprintf(ns, size, "%s", p[0]);
        snprintf(name, size, "%s", n > 1 ? p[1] : "");
        snprintf(key, size, "%s", n > 2 ? p[2] : "");
        return 0;
}

static int k_put(struct tw_storesim *s, const char *at, const char *value, const cJSON *attrs)
{
        char ns[256], name[256], key[256];
        cJSON *secrets, *cur;
        char *enc;
        int r = locate(at, ns, name, key, sizeof(ns));

        (void)attrs;
        if (r < 0 || !value)
                return r;
        if (!*name || !*key)
                return -EINVAL;
        secrets = secrets_of(s, ns);
        cur = cJSON_GetObjectItemCaseSensitive(secrets, name);
        if (!cur) {
                cur = new_secret(s, ns, name);
                cJSON_AddItemToObject(secrets, name, cur);
        }
        enc = store_b64_encode(value, strlen(value));
        if (!enc)
                return -ENOMEM;
        set(store_obj(cur, "data"), key, cJSON_CreateString(enc));
        tw_secret_free(enc);
        touch(s, cur, "kubectl-edit");
        return 0;
}

static int k_get(struct tw_storesim *s, const char *at, char **ret_value)
{
        char ns[256], name[256], key[256];
        const char *enc;
        size_t n;

        if (locate(at, ns, name, key, sizeof(ns)) < 0)
                return -EINVAL;
        enc = store_str(cJSON_GetObjectItemCaseSensitive(
                                cJSON_GetObjectItemCaseSensitive(secrets_of(s, ns), name), "data"),
                        key);
        if (!enc)
                return -ENOENT;
        return store_b64_decode(enc, ret_value, &n);
}

static int k_remove(struct tw_storesim *s, const char *at)
{
        char ns[256], name[256], key[256];
        cJSON *secrets;

        if (locate(at, ns, name, key, sizeof(ns)) < 0)
                return -EINVAL;
        secrets = secrets_of(s, ns);
        if (!cJSON_GetObjectItemCaseSensitive(secrets, name))
                return -ENOENT;
        cJSON_DeleteItemFromObjectCaseSensitive(secrets, name);
        return 0;
}

const struct store_kind store_kubernetes = {
        .name = "kubernetes",
        .credential = k_credential,
        .handle = k_handle,
        .error = k_error,
        .rate_limited = k_rate_limited,
        .put = k_put,
        .get = k_get,
        .remove = k_remove,
};
