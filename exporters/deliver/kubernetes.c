/*
 * Kubernetes Secrets: one key of a Secret's data.  A write is a JSON merge
 * patch with metadata.resourceVersion as its precondition (a Secret written
 * in between is the API server's 409 Conflict, reported as -EBUSY and never
 * overwritten), or a create when the Secret does not exist.  The token id
 * is noted in the annotation tokenwatch.io/token-id.  In a pod the
 * defaults are the API server at https://kubernetes.default.svc (or
 * $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT), the service account's
 * token (read again at every call: it is rotated), its ca.crt and its
 * namespace.  The copy's time is its latest managedFields write.
 */
#include "exporters/deliver/kubernetes_internal.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exporters/deliver/deliver_common_internal.h"
#include "exporters/deliver/stores_internal.h"
#include "lib/buf.h"
#include "lib/secret.h"
#include "lib/timeutil.h"

#define NOTE "tokenwatch.io/token-id"

static const char *const keys[] = {"api_url",   "credential_file", "ca_file", "timeout",
                                   "namespace", "secret",          "key",     NULL};

static int k_validate(const struct tw_deliver_target *t, struct tw_buf *err)
{
        if (!t->secret || !*t->secret || strchr(t->secret, '/'))
                return tw_deliver_error(err, t, -EINVAL, "secret must name the Secret");
        if (!t->key || !*t->key ||
            strspn(t->key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") !=
                    strlen(t->key))
                return tw_deliver_error(err, t, -EINVAL,
                                        "key must be a Secret data key (letters, digits, -, _, .)");
        if (t->namespace && (!*t->namespace || strchr(t->namespace, '/')))
                return tw_deliver_error(err, t, -EINVAL, "namespace must be a namespace name");
        return 0;
}

void tw_k8s_where_done(struct tw_k8s_where *w)
{
        free(w->api_url);
        free(w->token_file);
        free(w->ca_file);
        free(w->namespace);
        memset(w, 0, sizeof(*w));
}

static char *join(const char *dir, const char *name)
{
        size_t n = strlen(dir) + strlen(name) + 2;
        char *p = malloc(n);

        if (p)
                snprintf(p, n, "%s/%s", dir, name);
        return p;
}

/* The first line of sa_dir/namespace, or NULL. */
static char *sa_namespace(const char *sa_dir)
{
        char *path = join(sa_dir, "namespace"), *ns = NULL;

        if (path && tw_secret_read_file_flags(path, TW_SECRET_ANY_MODE, &ns, NULL) < 0)
                ns = NULL;
        free(path);
        return ns;
}

int tw_k8s_where(const struct tw_deliver_target *t, const char *sa_dir, const char *host,
                 const char *port, struct tw_k8s_where *ret, struct tw_buf *err)
{
        struct tw_k8s_where w = {0};
        bool default_api = !t->api_url;
        char buf[512];

        if (t->api_url) {
                w.api_url = strdup(t->api_url);
        } else if (host && *host) {
                snprintf(buf, sizeof(buf), strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s",
                         host, port && *port ? port : "443");
                w.api_url = strdup(buf);
        } else {
                w.api_url = strdup("https://kubernetes.default.svc");
        }
        w.token_any_mode = !t->credential_file;
        w.token_file = t->credential_file ? strdup(t->credential_file) : join(sa_dir, "token");
        if (t->ca_file)
                w.ca_file = strdup(t->ca_file);
        else if (default_api)
                w.ca_file = join(sa_dir, "ca.crt");
        if (w.ca_file && !t->ca_file && access(w.ca_file, R_OK) != 0) {
                free(w.ca_file);
                w.ca_file = NULL;
        }
        w.namespace = t->namespace ? strdup(t->namespace) : sa_namespace(sa_dir);
        if (!w.api_url || !w.token_file || (t->ca_file && !w.ca_file) ||
            (t->namespace && !w.namespace)) {
                tw_k8s_where_done(&w);
                return -ENOMEM;
        }
        if (!w.namespace) {
                tw_k8s_where_done(&w);
                return tw_deliver_error(err, t, -EINVAL,
                                        "namespace is not set, and there is no service account "
                                        "namespace in %s (not in a pod?)",
                                        sa_dir);
        }
        *ret = w;
        return 0;
}

struct k {
        struct tw_deliver_ctx *c;
        const struct tw_deliver_target *t;
        struct tw_k8s_where w;
        struct curl_slist *h;
        struct tw_buf url; /* .../secrets */
        struct tw_buf *err;
};

static void k_done(struct k *k)
{
        tw_k8s_where_done(&k->w);
        tw_deliver_headers_free(k->h);
        tw_buf_done(&k->url);
}

static int k_init(struct k *k, struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                  struct tw_buf *err)
{
        char *token = NULL;
        int r;

        memset(k, 0, sizeof(*k));
        k->c = c;
        k->t = t;
        k->err = err;
        tw_buf_init(&k->url, 8192);
        r = tw_k8s_where(t, TW_K8S_SA_DIR, getenv("KUBERNETES_SERVICE_HOST"),
                         getenv("KUBERNETES_SERVICE_PORT"), &k->w, err);
        if (r < 0)
                return r;
        r = tw_deliver_credential(t, k->w.token_file, k->w.token_any_mode ? TW_SECRET_ANY_MODE : 0,
                                  &token, err);
        if (r < 0)
                return r;
        r = tw_deliver_header(&k->h, "Authorization: Bearer %s", token);
        tw_secret_free(token);
        if (r == 0)
                r = tw_deliver_header(&k->h, "Accept: application/json");
        while (r == 0 && k->w.api_url[0] && k->w.api_url[strlen(k->w.api_url) - 1] == '/')
                k->w.api_url[strlen(k->w.api_url) - 1] = '\0';
        if (r == 0)
                r = tw_buf_printf(&k->url, "%s/api/v1/namespaces/", k->w.api_url);
        if (r == 0)
                r = tw_deliver_add_escaped(&k->url, k->w.namespace, false);
        if (r == 0)
                r = tw_buf_adds(&k->url, "/secrets");
        return r;
}

/* method on .../secrets[/NAME] with body of content type ct. */
static int call(struct k *k, const char *method, bool named, const char *ct, const char *body,
                struct tw_http_result *res, cJSON **ret_json)
{
        struct curl_slist *h = k->h, *extra = NULL;
        struct tw_buf url;
        char what[64];
        int r = 0;

        *ret_json = NULL;
        tw_buf_init(&url, 8192);
        r = tw_buf_adds(&url, k->url.ptr);
        if (r == 0 && named)
                r = tw_buf_addc(&url, '/');
        if (r == 0 && named)
                r = tw_deliver_add_escaped(&url, k->t->secret, false);
        if (r == 0 && ct) {
                /* a copy of the headers with the content type (wiped when freed) */
                for (struct curl_slist *p = k->h; p && r == 0; p = p->next)
                        r = tw_deliver_header(&extra, "%s", p->data);
                if (r == 0)
                        r = tw_deliver_header(&extra, "Content-Type: %s", ct);
                h = extra;
        }
        snprintf(what, sizeof(what), "%s .../secrets%s", method, named ? "/NAME" : "");
        if (r == 0) {
                const struct tw_deliver_call call = {.method = method,
                                                     .url = url.ptr,
                                                     .headers = h,
                                                     .body = body,
                                                     .len = body ? strlen(body) : 0,
                                                     .ca_file = k->w.ca_file};

                r = tw_deliver_http(k->c, &call, res);
                if (r < 0)
                        r = tw_deliver_fail_call(k->c, k->err, k->t, what, r, res);
        }
        tw_deliver_headers_free(extra);
        tw_buf_done(&url);
        if (r == 0) {
                *ret_json = tw_deliver_json(res);
                if (res->status < 300)
                        tw_deliver_wipe_body(res);
        }
        return r;
}

/* What secret holds under the key into st. */
static int from_secret(const struct tw_deliver_target *t, const cJSON *secret,
                       struct tw_deliver_state *st)
{
        const cJSON *meta = cJSON_GetObjectItemCaseSensitive(secret, "metadata"), *e;
        const char *rv = tw_deliver_json_str(meta, "resourceVersion");
        const char *enc =
                tw_deliver_json_str(cJSON_GetObjectItemCaseSensitive(secret, "data"), t->key);
        const char *note =
                tw_deliver_json_str(cJSON_GetObjectItemCaseSensitive(meta, "annotations"), NOTE);
        char *value = NULL;
        size_t n = 0;
        int64_t when;
        int r = 0;

        if (!rv)
                return -EBADMSG;
        snprintf(st->version, sizeof(st->version), "%s", rv);
        snprintf(st->managed_token_id, sizeof(st->managed_token_id), "%s", note ? note : "");
        tw_deliver_time(tw_deliver_json_str(meta, "creationTimestamp"), &st->updated_at);
        cJSON_ArrayForEach (e, cJSON_GetObjectItemCaseSensitive(meta, "managedFields")) {
                tw_deliver_time(tw_deliver_json_str(e, "time"), &when);
                if (when != TW_NO_TIME && when > st->updated_at)
                        st->updated_at = when;
        }
        if (!enc)
                return 0;
        if (tw_deliver_b64_decode(enc, &value, &n) < 0)
                return -EBADMSG;
        st->exists = true;
        r = tw_deliver_inspect(value, n, st);
        tw_wipe(value, n);
        free(value);
        return r;
}

/* The Secret into st ("" version: no Secret at all). */
static int lookup(struct k *k, struct tw_deliver_state *st)
{
        struct tw_http_result res;
        cJSON *j = NULL;
        int r = call(k, "GET", true, NULL, NULL, &res, &j);

        tw_deliver_state_init(st);
        if (r == 0 && res.status == 200) {
                r = from_secret(k->t, j, st);
                if (r < 0)
                        r = tw_deliver_error(k->err, k->t, r,
                                             "GET .../secrets/NAME: not a Secret with base64 data");
        } else if (r == 0 && res.status != 404) {
                r = tw_deliver_fail(k->err, k->t, "GET .../secrets/NAME", &res, NULL,
                                    res.status == 403 ? "RBAC must allow get on this Secret"
                                                      : NULL);
        }
        tw_deliver_json_free(j);
        return r;
}

static int k_check(struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                   struct tw_deliver_state *ret, struct tw_buf *err)
{
        struct k k;
        int r = k_init(&k, c, t, err);

        if (r == 0)
                r = lookup(&k, ret);
        k_done(&k);
        return r;
}

/* The patch (rv set) or the new Secret (rv NULL). */
static char *body_of(struct k *k, const char *rv, const char *b64, const char *token_id)
{
        cJSON *o = cJSON_CreateObject(), *meta = cJSON_AddObjectToObject(o, "metadata"), *data;
        char *text;

        if (!rv) {
                cJSON_AddStringToObject(o, "apiVersion", "v1");
                cJSON_AddStringToObject(o, "kind", "Secret");
                cJSON_AddStringToObject(o, "type", "Opaque");
                cJSON_AddStringToObject(meta, "name", k->t->secret);
                cJSON_AddStringToObject(meta, "namespace", k->w.namespace);
        } else {
                cJSON_AddStringToObject(meta, "resourceVersion", rv);
        }
        if (token_id)
                cJSON_AddStringToObject(cJSON_AddObjectToObject(meta, "annotations"), NOTE,
                                        token_id);
        data = cJSON_AddObjectToObject(o, "data");
        cJSON_AddStringToObject(data, k->t->key, b64);
        text = cJSON_PrintUnformatted(o);
        tw_deliver_json_free(o);
        return text;
}

/* Creates the Secret (st->version "") or patches it at st->version. */
static int store(struct k *k, const struct tw_deliver_write *w, struct tw_deliver_state *st)
{
        struct tw_http_result res;
        bool create = !st->version[0];
        char *b64 = NULL, *body = NULL;
        cJSON *j = NULL;
        int r = tw_deliver_b64_encode(w->value, strlen(w->value), &b64);

        if (r == 0) {
                body = body_of(k, create ? NULL : st->version, b64, w->token_id);
                r = body ? 0 : -ENOMEM;
        }
        if (r == 0)
                r = call(k, create ? "POST" : "PATCH", !create,
                         create ? "application/json" : "application/merge-patch+json", body, &res,
                         &j);
        tw_secret_free(b64);
        tw_secret_free(body);
        if (r == 0 && (res.status == 200 || res.status == 201)) {
                tw_deliver_state_init(st);
                r = from_secret(k->t, j, st);
                st->written = true;
        } else if (r == 0 && res.status == 409) {
                r = tw_deliver_error(k->err, k->t, -EBUSY,
                                     create ? "the Secret was created since it was checked: "
                                              "someone else wrote it"
                                            : "the Secret changed since it was checked "
                                              "(resourceVersion): someone else wrote it");
        } else if (r == 0) {
                r = tw_deliver_fail(k->err, k->t,
                                    create ? "POST .../secrets" : "PATCH .../secrets/NAME", &res,
                                    w->value,
                                    res.status == 403 ? "RBAC must allow patch (create when it "
                                                        "is new) on this Secret"
                                                      : NULL);
        }
        tw_deliver_json_free(j);
        return r;
}

static int k_write(struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                   const struct tw_deliver_write *w, struct tw_deliver_state *ret_after,
                   struct tw_buf *err)
{
        struct tw_deliver_state cur;
        struct k k;
        int r = k_init(&k, c, t, err);

        if (r == 0)
                r = lookup(&k, &cur);
        if (r == 0 && w->expect && strcmp(w->expect->version, cur.version) != 0)
                r = tw_deliver_error(err, t, -EBUSY,
                                     "the Secret is at resourceVersion %s, not %s as checked: "
                                     "someone else wrote it",
                                     cur.version[0] ? cur.version : "(none)",
                                     w->expect->version[0] ? w->expect->version : "(none)");
        if (r == 0 && !(cur.exists && tw_deliver_state_holds(&cur, w->value) &&
                        (!w->token_id || strcmp(cur.managed_token_id, w->token_id) == 0)))
                r = store(&k, w, &cur);
        if (r == 0)
                *ret_after = cur;
        k_done(&k);
        return r;
}

static void k_plan(const struct tw_deliver_target *t, struct tw_buf *out)
{
        tw_buf_printf(out,
                      "GET {api}/api/v1/namespaces/%s/secrets/%s (its resourceVersion)\n"
                      "PATCH the same (application/merge-patch+json: data.%s, the annotation "
                      "%s, metadata.resourceVersion as the precondition), or POST .../secrets "
                      "when the Secret does not exist\n",
                      t->namespace ? t->namespace : "(the service account's)", t->secret, t->key,
                      NOTE);
}

const struct tw_deliver_ops tw_deliver_kubernetes = {
        .type = "kubernetes",
        .keys = keys,
        .readable = true,
        .validate = k_validate,
        .check = k_check,
        .write = k_write,
        .plan = k_plan,
};
