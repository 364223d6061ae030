/*
 * The HashiCorp Vault KV version 2 fake.
 *
 * Implements, under /v1/{mount}/ (mount "secret" always, others once a
 * locator names them; in every namespace, chosen by X-Vault-Namespace):
 *   GET    data/{path}[?version=N]  {"data": {"data", "metadata"}}; 404 {"errors":[]} if
 *                                   none, 404 with data null and the metadata when
 *                                   that version is deleted
 *   POST   data/{path}  (or PUT)    {"data": {...}, "options": {"cas": N}}: a new version;
 *                                   400 "check-and-set parameter did not match the
 *                                   current version" (cas 0: only if absent), "check-and-
 *                                   set parameter required for this call" (cas_required),
 *                                   "no data provided"; 200 {"data": {version, ...}}
 *   DELETE data/{path}              soft-deletes the current version; 204
 *   GET    metadata/{path}          current_version, oldest_version, created_time,
 *                                   updated_time, custom_metadata, versions, ...
 *   POST   metadata/{path}          custom_metadata (replaced), max_versions,
 *                                   cas_required: no new version; 204
 *   DELETE metadata/{path}          every version and the metadata; 204
 * max_versions (default 10) older versions are dropped.
 *
 * Errors as Vault words them: 403 {"errors":["permission denied"]} without
 * or with a wrong X-Vault-Token; 403 {"errors":["1 error occurred:\n\t*
 * permission denied\n\n"]} when the read credential writes; 404 "no handler
 * for route" for an unknown mount; 405 for PATCH and LIST (not implemented).
 * Rate limit: 429 "rate limit quota exceeded" with Retry-After and the
 * X-Ratelimit-* headers.
 *
 * Not implemented: PATCH (JSON merge patch) of data or metadata, LIST,
 * undelete/destroy, delete_version_after, namespaces in the path (only the
 * header), KV version 1.
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

#define DEFAULT_MAX_VERSIONS 10
#define CAS_MISMATCH "check-and-set parameter did not match the current version"

static void v_errors(struct store_reply *rp, int status, const char *msg)
{
        cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "errors");

        if (msg)
                cJSON_AddItemToArray(arr, cJSON_CreateString(msg));
        store_reply_json(rp, status, o);
        cJSON_Delete(o);
}

static void v_error(struct store_req *rq, struct store_reply *rp, int status, const char *msg)
{
        (void)rq;
        v_errors(rp, status, msg);
}

static const char *v_credential(struct MHD_Connection *conn)
{
        const char *t = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Vault-Token");
        const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");

        if (t)
                return t;
        if (h && strncmp(h, "Bearer ", 7) == 0)
                return h + 7;
        return NULL;
}

static void v_rate_limited(struct store_req *rq, struct store_reply *rp, int limit, int64_t reset)
{
        char msg[512];
        int64_t wait = reset - tw_now();

        snprintf(msg, sizeof(msg), "request path \"%s\": rate limit quota exceeded",
                 rq->path + (strncmp(rq->path, "/v1/", 4) == 0 ? 4 : 0));
        v_errors(rp, 429, msg);
        rp->retry_after = (int)(wait > 0 ? wait : 1);
        store_add_header(rp, "X-Ratelimit-Limit", "%d", limit);
        store_add_header(rp, "X-Ratelimit-Remaining", "0");
        store_add_header(rp, "X-Ratelimit-Reset", "%d", rp->retry_after);
        rp->rate_limited = true;
}

/* The mounts of a namespace ("" is the root), "secret" always among them. */
static cJSON *mounts(struct tw_storesim *s, const char *ns)
{
        cJSON *m = store_obj(store_obj(store_obj(s->state, "namespaces"), ns ? ns : ""), "mounts");

        store_obj(store_obj(m, "secret"), "secrets");
        return m;
}

/* The secrets of the mount that prefixes rest ("m/data/p"), with *ret_kind
 * ("data" or "metadata") and *ret_path pointing into rest; NULL if none. */
static cJSON *route(cJSON *all, const char *rest, const char **ret_kind, const char **ret_path)
{
        cJSON *m, *best = NULL;
        size_t best_len = 0;

        cJSON_ArrayForEach (m, all) {
                size_t n = strlen(m->string);

                if (strncmp(rest, m->string, n) != 0 || rest[n] != '/' || n <= best_len)
                        continue;
                if (strncmp(rest + n + 1, "data/", 5) == 0) {
                        *ret_kind = "data";
                        *ret_path = rest + n + 6;
                } else if (strncmp(rest + n + 1, "metadata/", 9) == 0) {
                        *ret_kind = "metadata";
                        *ret_path = rest + n + 10;
                } else {
                        continue;
                }
                best = cJSON_GetObjectItemCaseSensitive(m, "secrets");
                best_len = n;
        }
        return best && **ret_path ? best : NULL;
}

static void wrap(struct store_req *rq, struct store_reply *rp, int status, cJSON *data)
{
        cJSON *o = cJSON_CreateObject();
        char id[48];

        snprintf(id, sizeof(id), "6c7b0d5e-0000-4000-8000-%012llu", (unsigned long long)rq->seq);
        cJSON_AddStringToObject(o, "request_id", id);
        cJSON_AddStringToObject(o, "lease_id", "");
        cJSON_AddBoolToObject(o, "renewable", false);
        cJSON_AddNumberToObject(o, "lease_duration", 0);
        cJSON_AddItemToObject(o, "data", data ? data : cJSON_CreateNull());
        cJSON_AddNullToObject(o, "wrap_info");
        cJSON_AddNullToObject(o, "warnings");
        cJSON_AddNullToObject(o, "auth");
        cJSON_AddStringToObject(o, "mount_type", "kv");
        store_reply_json(rp, status, o);
        cJSON_Delete(o);
}

static int current(const cJSON *sec)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(sec, "current_version");

        return cJSON_IsNumber(v) ? v->valueint : 0;
}

/* A secret's entry, created empty (current_version 0) when create. */
static cJSON *entry(cJSON *secrets, const char *path, bool create)
{
        cJSON *sec = cJSON_GetObjectItemCaseSensitive(secrets, path);
        char now[64];

        if (sec || !create)
                return sec;
        store_time(now, sizeof(now), true);
        sec = store_obj(secrets, path);
        cJSON_AddNumberToObject(sec, "current_version", 0);
        cJSON_AddNumberToObject(sec, "oldest_version", 0);
        cJSON_AddNumberToObject(sec, "max_versions", 0);
        cJSON_AddBoolToObject(sec, "cas_required", false);
        cJSON_AddStringToObject(sec, "created_time", now);
        cJSON_AddStringToObject(sec, "updated_time", now);
        cJSON_AddNullToObject(sec, "custom_metadata");
        store_obj(sec, "versions");
        return sec;
}

/* The metadata of one version as the data endpoints show it. */
static cJSON *version_meta(const cJSON *sec, int n)
{
        char k[16];
        const cJSON *v;
        cJSON *o = cJSON_CreateObject(), *cm;

        snprintf(k, sizeof(k), "%d", n);
        v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sec, "versions"), k);
        cJSON_AddStringToObject(o, "created_time", store_str(v, "created_time"));
        cm = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(sec, "custom_metadata"), 1);
        cJSON_AddItemToObject(o, "custom_metadata", cm ? cm : cJSON_CreateNull());
        cJSON_AddStringToObject(o, "deletion_time", store_str(v, "deletion_time"));
        cJSON_AddBoolToObject(o, "destroyed", store_bool(v, "destroyed", false));
        cJSON_AddNumberToObject(o, "version", n);
        return o;
}

/* Adds version current+1 holding data (taken); drops the oldest past max. */
static int add_version(cJSON *sec, cJSON *data)
{
        cJSON *versions = store_obj(sec, "versions"), *v = cJSON_CreateObject();
        int n = current(sec) + 1, max;
        char k[16], now[64];

        store_time(now, sizeof(now), true);
        snprintf(k, sizeof(k), "%d", n);
        cJSON_AddItemToObject(v, "data", data);
        cJSON_AddStringToObject(v, "created_time", now);
        cJSON_AddStringToObject(v, "deletion_time", "");
        cJSON_AddBoolToObject(v, "destroyed", false);
        cJSON_AddItemToObject(versions, k, v);
        cJSON_ReplaceItemInObjectCaseSensitive(sec, "current_version", cJSON_CreateNumber(n));
        cJSON_ReplaceItemInObjectCaseSensitive(sec, "updated_time", cJSON_CreateString(now));
        max = cJSON_GetObjectItemCaseSensitive(sec, "max_versions")->valueint;
        max = max > 0 ? max : DEFAULT_MAX_VERSIONS;
        while (cJSON_GetArraySize(versions) > max) {
                cJSON *oldest = versions->child;
                cJSON *d = cJSON_GetObjectItemCaseSensitive(oldest, "data");

                for (cJSON *kv = d ? d->child : NULL; kv; kv = kv->next)
                        if (cJSON_IsString(kv))
                                tw_wipe(kv->valuestring, strlen(kv->valuestring));
                cJSON_DeleteItemFromObjectCaseSensitive(versions, oldest->string);
        }
        cJSON_ReplaceItemInObjectCaseSensitive(sec, "oldest_version",
                                               cJSON_CreateNumber(atoi(versions->child->string)));
        return n;
}

static void read_data(struct store_req *rq, struct store_reply *rp, cJSON *sec)
{
        char *q = store_query(rq->conn, "version"), k[16];
        int n = q && atoi(q) > 0 ? atoi(q) : current(sec);
        const cJSON *v;
        cJSON *d;
        bool gone;

        free(q);
        snprintf(k, sizeof(k), "%d", n);
        v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sec, "versions"), k);
        if (!v) {
                v_errors(rp, 404, NULL);
                return;
        }
        gone = store_bool(v, "destroyed", false) || *store_str(v, "deletion_time");
        d = cJSON_CreateObject();
        cJSON_AddItemToObject(
                d, "data",
                gone ? cJSON_CreateNull()
                     : cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(v, "data"), 1));
        cJSON_AddItemToObject(d, "metadata", version_meta(sec, n));
        wrap(rq, rp, gone ? 404 : 200, d);
}

static void write_data(struct store_req *rq, struct store_reply *rp, cJSON *secrets,
                       const char *path)
{
        cJSON *body = cJSON_ParseWithLength(rq->body, rq->body_len), *sec;
        const cJSON *data = cJSON_GetObjectItemCaseSensitive(body, "data");
        const cJSON *cas = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(body, "options"), "cas");
        cJSON *existing = cJSON_GetObjectItemCaseSensitive(secrets, path);
        int n;

        if (!cJSON_IsObject(data)) {
                v_errors(rp, 400, "no data provided");
        } else if (!cas && store_bool(existing, "cas_required", false)) {
                v_errors(rp, 400, "check-and-set parameter required for this call");
        } else if (cas && (!cJSON_IsNumber(cas) || cas->valueint != current(existing))) {
                v_errors(rp, 400, CAS_MISMATCH);
        } else {
                sec = entry(secrets, path, true);
                n = add_version(sec, cJSON_Duplicate(data, 1));
                rq->s->stats.writes++;
                wrap(rq, rp, 200, version_meta(sec, n));
        }
        cJSON_Delete(body);
}

static void read_metadata(struct store_req *rq, struct store_reply *rp, const cJSON *sec)
{
        cJSON *d = cJSON_Duplicate(sec, 1), *v;

        cJSON_ArrayForEach (v, cJSON_GetObjectItemCaseSensitive(d, "versions"))
                cJSON_DeleteItemFromObjectCaseSensitive(v, "data");
        cJSON_AddStringToObject(d, "delete_version_after", "0s");
        wrap(rq, rp, 200, d);
}

static void write_metadata(struct store_req *rq, struct store_reply *rp, cJSON *secrets,
                           const char *path)
{
        cJSON *body = cJSON_ParseWithLength(rq->body, rq->body_len), *sec, *kv;
        cJSON *cm = cJSON_GetObjectItemCaseSensitive(body, "custom_metadata");
        const cJSON *max = cJSON_GetObjectItemCaseSensitive(body, "max_versions");
        const cJSON *req = cJSON_GetObjectItemCaseSensitive(body, "cas_required");

        cJSON_ArrayForEach (kv, cm) {
                if (!cJSON_IsString(kv)) {
                        v_errors(rp, 400, "custom_metadata values must be strings");
                        cJSON_Delete(body);
                        return;
                }
        }
        sec = entry(secrets, path, true);
        if (cJSON_IsObject(cm))
                cJSON_ReplaceItemInObjectCaseSensitive(sec, "custom_metadata",
                                                       cJSON_Duplicate(cm, 1));
        if (cJSON_IsNumber(max))
                cJSON_ReplaceItemInObjectCaseSensitive(sec, "max_versions",
                                                       cJSON_CreateNumber(max->valueint));
        if (cJSON_IsBool(req))
                cJSON_ReplaceItemInObjectCaseSensitive(sec, "cas_required",
                                                       cJSON_CreateBool(cJSON_IsTrue(req)));
        rq->s->stats.writes++;
        store_reply_empty(rp, 204);
        cJSON_Delete(body);
}

/* Soft-deletes the current version. */
static void delete_data(struct store_req *rq, struct store_reply *rp, cJSON *sec)
{
        char k[16], now[64];
        cJSON *v;

        snprintf(k, sizeof(k), "%d", current(sec));
        v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sec, "versions"), k);
        if (v) {
                store_time(now, sizeof(now), true);
                cJSON_ReplaceItemInObjectCaseSensitive(v, "deletion_time", cJSON_CreateString(now));
                rq->s->stats.writes++;
        }
        store_reply_empty(rp, 204);
}

static void v_handle(struct store_req *rq, struct store_reply *rp)
{
        const char *m = rq->method, *kind = NULL, *path = NULL;
        const char *ns =
                MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "X-Vault-Namespace");
        bool write = strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "DELETE") == 0;
        char *rest = strncmp(rq->path, "/v1/", 4) == 0
                             ? store_unescape(rq->path + 4, strlen(rq->path + 4), false)
                             : NULL;
        char nsbuf[256];
        cJSON *secrets, *sec;

        snprintf(nsbuf, sizeof(nsbuf), "%s", ns ? ns + strspn(ns, "/") : "");
        while (*nsbuf && nsbuf[strlen(nsbuf) - 1] == '/')
                nsbuf[strlen(nsbuf) - 1] = '\0';
        secrets = rest ? route(mounts(rq->s, nsbuf), rest, &kind, &path) : NULL;
        if (rq->auth == STORE_AUTH_NONE || rq->auth == STORE_AUTH_BAD) {
                v_errors(rp, 403, "permission denied");
        } else if (!secrets) {
                char msg[512];

                snprintf(msg, sizeof(msg), "no handler for route \"%s\". route entry not found.",
                         rest ? rest : rq->path);
                v_errors(rp, 404, msg);
        } else if (write && rq->auth != STORE_AUTH_FULL) {
                v_errors(rp, 403, "1 error occurred:\n\t* permission denied\n\n");
        } else if (!write && strcmp(m, "GET") != 0) {
                v_errors(rp, 405, "1 error occurred:\n\t* unsupported operation\n\n");
        } else if (strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0) {
                if (strcmp(kind, "data") == 0)
                        write_data(rq, rp, secrets, path);
                else
                        write_metadata(rq, rp, secrets, path);
        } else if (!(sec = cJSON_GetObjectItemCaseSensitive(secrets, path))) {
                if (strcmp(m, "DELETE") == 0)
                        store_reply_empty(rp, 204);
                else
                        v_errors(rp, 404, NULL);
        } else if (strcmp(m, "DELETE") == 0 && strcmp(kind, "data") == 0) {
                delete_data(rq, rp, sec);
        } else if (strcmp(m, "DELETE") == 0) {
                cJSON_DeleteItemFromObjectCaseSensitive(secrets, path);
                rq->s->stats.writes++;
                store_reply_empty(rp, 204);
        } else if (strcmp(kind, "data") == 0) {
                read_data(rq, rp, sec);
        } else {
                read_metadata(rq, rp, sec);
        }
        free(rest);
}

/* [NS@]MOUNT:PATH:KEY: the mount's secrets, the path and the key. */
static int locate(struct tw_storesim *s, const char *at, bool create, cJSON **ret_secrets,
                  char *path, size_t psize, char *key, size_t ksize)
{
        char buf[1024], *p[3], *mount, *ns = "";
        int n = store_locator(at, buf, sizeof(buf), p, 3);
        cJSON *all;

        if (n < 1 || !*p[0])
                return -EINVAL;
        mount = strchr(p[0], '@') ? strchr(p[0], '@') + 1 : p[0];
        if (mount != p[0]) {
                ns = p[0];
                mount[-1] = '\0';
        }
        all = mounts(s, ns);
        if (create)
                store_obj(store_obj(all, mount), "secrets");
        *ret_secrets = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(all, mount), "secrets");
        snprintf(path, psize, "%s", n > 1 ? p[1] : "");
        snprintf(key, ksize, "%s", n > 2 ? p[2] : "");
        return *ret_secrets ? 0 : -ENOENT;
}

/* The data of the current version (NULL if none or deleted). */
static cJSON *current_data(cJSON *sec)
{
        char k[16];
        cJSON *v;

        snprintf(k, sizeof(k), "%d", current(sec));
        v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sec, "versions"), k);
        return v && !*store_str(v, "deletion_time") ? cJSON_GetObjectItemCaseSensitive(v, "data")
                                                    : NULL;
}

static int v_put(struct tw_storesim *s, const char *at, const char *value, const cJSON *attrs)
{
        char path[512], key[256];
        cJSON *secrets, *sec, *data;
        int r = locate(s, at, true, &secrets, path, sizeof(path), key, sizeof(key));

        (void)attrs;
        if (r < 0 || !value)
                return r;
        if (!*path || !*key)
                return -EINVAL;
        sec = entry(secrets, path, true);
        data = current_data(sec) ? cJSON_Duplicate(current_data(sec), 1) : cJSON_CreateObject();
        cJSON_DeleteItemFromObjectCaseSensitive(data, key);
        cJSON_AddStringToObject(data, key, value);
        add_version(sec, data);
        return 0;
}

static int v_get(struct tw_storesim *s, const char *at, char **ret_value)
{
        char path[512], key[256];
        cJSON *secrets;
        const char *v;

        if (locate(s, at, false, &secrets, path, sizeof(path), key, sizeof(key)) < 0)
                return -ENOENT;
        v = store_str(current_data(cJSON_GetObjectItemCaseSensitive(secrets, path)), key);
        if (!v)
                return -ENOENT;
        *ret_value = strdup(v);
        return *ret_value ? 0 : -ENOMEM;
}

static int v_remove(struct tw_storesim *s, const char *at)
{
        char path[512], key[256];
        cJSON *secrets;

        if (locate(s, at, false, &secrets, path, sizeof(path), key, sizeof(key)) < 0 ||
            !cJSON_GetObjectItemCaseSensitive(secrets, path))
                return -ENOENT;
        cJSON_DeleteItemFromObjectCaseSensitive(secrets, path);
        return 0;
}

const struct store_kind store_vault = {
        .name = "vault",
        .credential = v_credential,
        .handle = v_handle,
        .error = v_error,
        .rate_limited = v_rate_limited,
        .put = v_put,
        .get = v_get,
        .remove = v_remove,
};
