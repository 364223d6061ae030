/*
 * HashiCorp Vault KV version 2: one key of a secret.  A write reads the
 * secret, changes that one key, keeps the others, and writes a new version
 * with check-and-set (cas = the version read, 0 when absent): a version
 * written in between is Vault's 400 "check-and-set parameter did not match
 * the current version", reported as -EBUSY and never retried over.  The
 * token id is noted in the secret's custom_metadata
 * ("tokenwatch-token-id", "managed-by": "tokenwatch"), which writes no
 * version.  X-Vault-Token authenticates; X-Vault-Namespace when set.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporters/deliver/deliver_common_internal.h"
#include "exporters/deliver/stores_internal.h"
#include "lib/buf.h"
#include "lib/secret.h"

#define DEFAULT_API "https://127.0.0.1:8200"
#define NOTE_KEY "tokenwatch-token-id"
#define CAS_MISMATCH "check-and-set parameter did not match"

static const char *const keys[] = {"api_url", "credential_file", "ca_file",
                                   "timeout", "mount",           "path",
                                   "key",     "namespace",       NULL};

struct v {
        struct tw_deliver_ctx *c;
        const struct tw_deliver_target *t;
        struct curl_slist *h;
        struct tw_buf *err;
};

static int v_validate(const struct tw_deliver_target *t, struct tw_buf *err)
{
        if (!t->path || !*t->path || t->path[0] == '/')
                return tw_deliver_error(err, t, -EINVAL,
                                        "path must name the secret, relative to the mount");
        if (!t->key || !*t->key)
                return tw_deliver_error(err, t, -EINVAL, "key is missing");
        if (t->mount && (!*t->mount || t->mount[0] == '/'))
                return tw_deliver_error(err, t, -EINVAL, "mount must be a mount path");
        if (!t->credential_file)
                return tw_deliver_error(err, t, -EINVAL, "credential_file is missing");
        return 0;
}

/* {root}/v1/{mount}/{kind}/{path} into b. */
static int url_of(const struct tw_deliver_target *t, const char *kind, struct tw_buf *b)
{
        char *root = tw_deliver_api_root(t, DEFAULT_API);
        int r;

        if (!root)
                return -ENOMEM;
        r = tw_buf_printf(b, "%s/v1/", root);
        free(root);
        if (r == 0)
                r = tw_deliver_add_escaped(b, t->mount ? t->mount : "secret", true);
        if (r == 0)
                r = tw_buf_printf(b, "/%s/", kind);
        return r ? r : tw_deliver_add_escaped(b, t->path, true);
}

static int v_init(struct v *v, struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                  struct tw_buf *err)
{
        char *cred = NULL;
        int r;

        memset(v, 0, sizeof(*v));
        v->c = c;
        v->t = t;
        v->err = err;
        r = tw_deliver_credential(t, t->credential_file, 0, &cred, err);
        if (r < 0)
                return r;
        r = tw_deliver_header(&v->h, "X-Vault-Token: %s", cred);
        tw_secret_free(cred);
        if (r == 0 && t->namespace)
                r = tw_deliver_header(&v->h, "X-Vault-Namespace: %s", t->namespace);
        if (r == 0)
                r = tw_deliver_header(&v->h, "Content-Type: application/json");
        return r;
}

/* method on mount/kind/path; *ret_json: the answer's object (or NULL). */
static int call(struct v *v, const char *method, const char *kind, const char *body,
                struct tw_http_result *res, cJSON **ret_json)
{
        struct tw_buf url;
        char what[64];
        int r;

        *ret_json = NULL;
        tw_buf_init(&url, 8192);
        r = url_of(v->t, kind, &url);
        snprintf(what, sizeof(what), "%s .../%s/PATH", method, kind);
        if (r == 0) {
                const struct tw_deliver_call call = {.method = method,
                                                     .url = url.ptr,
                                                     .headers = v->h,
                                                     .body = body,
                                                     .len = body ? strlen(body) : 0,
                                                     .ca_file = v->t->ca_file};

                r = tw_deliver_http(v->c, &call, res);
                if (r < 0)
                        r = tw_deliver_fail_call(v->c, v->err, v->t, what, r, res);
        }
        tw_buf_done(&url);
        if (r == 0) {
                *ret_json = tw_deliver_json(res);
                if (res->status == 200) /* it may hold values; an error does not */
                        tw_deliver_wipe_body(res);
        }
        return r;
}

static const char *const permission_hint =
        "the token is wrong or expired, or its policy does not allow this path";

/* The note in custom_metadata into st; *ret_meta: the metadata (or NULL
 * when there is none or the policy hides it). */
static int read_note(struct v *v, struct tw_deliver_state *st, cJSON **ret_meta)
{
        struct tw_http_result res;
        cJSON *j = NULL, *cm;
        int r = call(v, "GET", "metadata", NULL, &res, &j);

        *ret_meta = NULL;
        if (r < 0 || res.status != 200) {
                tw_deliver_json_free(j);
                return r;
        }
        cm = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "data"),
                                              "custom_metadata");
        snprintf(st->managed_token_id, sizeof(st->managed_token_id), "%s",
                 tw_deliver_json_str(cm, NOTE_KEY) ? tw_deliver_json_str(cm, NOTE_KEY) : "");
        *ret_meta = j;
        return 0;
}

/* The secret into st and its data into *ret_data (the caller frees it with
 * tw_deliver_json_free; an empty object when absent). */
static int lookup(struct v *v, struct tw_deliver_state *st, cJSON **ret_data)
{
        struct tw_http_result res;
        cJSON *j = NULL, *d, *meta, *version, *value, *md = NULL;
        int r;

        tw_deliver_state_init(st);
        *ret_data = NULL;
        r = call(v, "GET", "data", NULL, &res, &j);
        if (r < 0)
                return r;
        d = cJSON_GetObjectItemCaseSensitive(j, "data");
        meta = cJSON_GetObjectItemCaseSensitive(d, "metadata");
        version = cJSON_GetObjectItemCaseSensitive(meta, "version");
        if (res.status == 404 && (meta || !cJSON_GetArraySize(cJSON_GetObjectItem(j, "errors")))) {
                /* absent, or its current version deleted: cas must name that version */
                snprintf(st->version, sizeof(st->version), "%d",
                         cJSON_IsNumber(version) ? version->valueint : 0);
                *ret_data = cJSON_CreateObject();
        } else if (res.status != 200 || !cJSON_IsObject(cJSON_GetObjectItem(d, "data")) ||
                   !cJSON_IsNumber(version)) {
                tw_deliver_json_free(j);
                if (res.status == 200)
                        return tw_deliver_error(v->err, v->t, -EBADMSG,
                                                "GET .../data/PATH: not a KV version 2 secret");
                return tw_deliver_fail(v->err, v->t, "GET .../data/PATH", &res, NULL,
                                       res.status == 403   ? permission_hint
                                       : res.status == 404 ? "no KV version 2 mount there"
                                                           : NULL);
        } else {
                snprintf(st->version, sizeof(st->version), "%d", version->valueint);
                tw_deliver_time(tw_deliver_json_str(meta, "created_time"), &st->updated_at);
                value = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(d, "data"), v->t->key);
                if (cJSON_IsString(value)) {
                        st->exists = true;
                        r = tw_deliver_inspect(value->valuestring, strlen(value->valuestring), st);
                }
                *ret_data = cJSON_DetachItemFromObjectCaseSensitive(d, "data");
        }
        tw_deliver_json_free(j);
        if (r == 0)
                r = read_note(v, st, &md);
        tw_deliver_json_free(md);
        if (r < 0 || !*ret_data) {
                tw_deliver_json_free(*ret_data);
                *ret_data = NULL;
                return r < 0 ? r : -ENOMEM;
        }
        return 0;
}

static int v_check(struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                   struct tw_deliver_state *ret, struct tw_buf *err)
{
        struct v v;
        cJSON *data = NULL;
        int r = v_init(&v, c, t, err);

        if (r == 0)
                r = lookup(&v, ret, &data);
        tw_deliver_json_free(data);
        tw_deliver_headers_free(v.h);
        return r;
}

static bool cas_mismatch(const cJSON *j)
{
        const cJSON *e;

        cJSON_ArrayForEach (e, cJSON_GetObjectItemCaseSensitive(j, "errors"))
                if (cJSON_IsString(e) && strstr(e->valuestring, CAS_MISMATCH))
                        return true;
        return false;
}

/* Writes data as the version after st->version (cas); the new version and
 * its time into st. */
static int write_data(struct v *v, cJSON *data, struct tw_deliver_state *st)
{
        struct tw_http_result res;
        cJSON *b = cJSON_CreateObject(), *o, *j = NULL, *d;
        const cJSON *ver;
        char *text = NULL;
        int r = -ENOMEM;

        o = b ? cJSON_AddObjectToObject(b, "options") : NULL;
        if (o && cJSON_AddNumberToObject(o, "cas", atoi(st->version)) &&
            cJSON_AddItemReferenceToObject(b, "data", data))
                text = cJSON_PrintUnformatted(b);
        cJSON_Delete(b); /* data is only referenced */
        if (text)
                r = call(v, "POST", "data", text, &res, &j);
        tw_secret_free(text);
        if (r < 0)
                return r;
        d = cJSON_GetObjectItemCaseSensitive(j, "data");
        ver = cJSON_GetObjectItemCaseSensitive(d, "version");
        if (res.status == 200 && cJSON_IsNumber(ver)) {
                snprintf(st->version, sizeof(st->version), "%d", ver->valueint);
                tw_deliver_time(tw_deliver_json_str(d, "created_time"), &st->updated_at);
        } else if (res.status == 400 && cas_mismatch(j)) {
                r = tw_deliver_error(v->err, v->t, -EBUSY,
                                     "a version was written since version %s was read "
                                     "(check-and-set): someone else wrote it",
                                     st->version);
        } else {
                r = tw_deliver_fail(v->err, v->t, "POST .../data/PATH", &res, NULL,
                                    res.status == 403 ? permission_hint : NULL);
        }
        tw_deliver_json_free(j);
        return r;
}

/* Notes token_id in the secret's custom_metadata (the other entries kept). */
static int write_note(struct v *v, const char *token_id, struct tw_deliver_state *st)
{
        struct tw_http_result res;
        cJSON *meta = NULL, *cm, *b, *j = NULL;
        char *text = NULL;
        int r = read_note(v, st, &meta);

        if (r < 0 || strcmp(st->managed_token_id, token_id) == 0) {
                tw_deliver_json_free(meta);
                return r;
        }
        cm = cJSON_Duplicate(
                cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(meta, "data"),
                                                 "custom_metadata"),
                1);
        tw_deliver_json_free(meta);
        if (!cJSON_IsObject(cm)) {
                cJSON_Delete(cm);
                cm = cJSON_CreateObject();
        }
        cJSON_DeleteItemFromObjectCaseSensitive(cm, NOTE_KEY);
        cJSON_DeleteItemFromObjectCaseSensitive(cm, "managed-by");
        cJSON_AddStringToObject(cm, NOTE_KEY, token_id);
        cJSON_AddStringToObject(cm, "managed-by", "tokenwatch");
        b = cJSON_CreateObject();
        if (b && cm && cJSON_AddItemToObject(b, "custom_metadata", cm))
                text = cJSON_PrintUnformatted(b);
        else
                cJSON_Delete(cm);
        cJSON_Delete(b);
        r = text ? call(v, "POST", "metadata", text, &res, &j) : -ENOMEM;
        free(text);
        tw_deliver_json_free(j);
        if (r == 0 && res.status != 204 && res.status != 200)
                r = tw_deliver_fail(v->err, v->t, "POST .../metadata/PATH", &res, NULL,
                                    res.status == 403 ? permission_hint : NULL);
        if (r == 0)
                snprintf(st->managed_token_id, sizeof(st->managed_token_id), "%s", token_id);
        return r;
}

static int v_write(struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                   const struct tw_deliver_write *w, struct tw_deliver_state *ret_after,
                   struct tw_buf *err)
{
        struct tw_deliver_state cur;
        struct v v;
        cJSON *data = NULL;
        int r = v_init(&v, c, t, err);

        if (r == 0)
                r = lookup(&v, &cur, &data);
        if (r == 0 && w->expect && strcmp(w->expect->version, cur.version) != 0)
                r = tw_deliver_error(err, t, -EBUSY,
                                     "the secret is at version %s, not %s as checked: someone "
                                     "else wrote it",
                                     cur.version, w->expect->version);
        if (r == 0 && !(cur.exists && tw_deliver_state_holds(&cur, w->value))) {
                cJSON_DeleteItemFromObjectCaseSensitive(data, t->key);
                r = cJSON_AddStringToObject(data, t->key, w->value) ? 0 : -ENOMEM;
                if (r == 0)
                        r = write_data(&v, data, &cur);
                cur.written = r == 0;
        }
        if (r == 0 && w->token_id)
                r = write_note(&v, w->token_id, &cur);
        if (r == 0 && cur.written) {
                cur.exists = true;
                r = tw_deliver_inspect(w->value, strlen(w->value), &cur);
        }
        if (r == 0)
                *ret_after = cur;
        tw_deliver_json_free(data);
        tw_deliver_headers_free(v.h);
        return r;
}

static void v_plan(const struct tw_deliver_target *t, struct tw_buf *out)
{
        struct tw_buf b;

        tw_buf_init(&b, 8192);
        if (url_of(t, "data", &b) < 0)
                tw_buf_adds(&b, "(a URL too long)");
        tw_buf_printf(out, "GET %s (the other keys, and the version to check-and-set)\n", b.ptr);
        tw_buf_printf(out,
                      "POST %s (key %s changed, the others kept; options.cas = that "
                      "version)\n",
                      b.ptr, t->key);
        tw_buf_reset(&b);
        if (url_of(t, "metadata", &b) == 0)
                tw_buf_printf(out, "POST %s (custom_metadata %s, no new version)\n", b.ptr,
                              NOTE_KEY);
        tw_buf_done(&b);
}

const struct tw_deliver_ops tw_deliver_vault = {
        .type = "vault",
        .keys = keys,
        .readable = true,
        .validate = v_validate,
        .check = v_check,
        .write = v_write,
        .plan = v_plan,
};
