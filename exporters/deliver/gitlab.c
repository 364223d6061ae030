/*
 * GitLab CI/CD variables of a project or a group.  The value can be read
 * back (unless the variable is "masked and hidden": then only that it
 * exists), so a check says which token and which issue the pipelines hold.
 * A write keeps the variable's flags; a new variable is created masked
 * (a JWT qualifies: one line, 8 characters or more, no spaces) and raw.
 * filter[environment_scope] picks one of several variables sharing a key.
 * The concurrency token is the value's fingerprint: GitLab has none.
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

#define DEFAULT_API "https://gitlab.com"

static const char *const keys[] = {"api_url",  "credential_file",   "ca_file",
                                   "timeout",  "project",           "group",
                                   "variable", "environment_scope", NULL};

static int gl_validate(const struct tw_deliver_target *t, struct tw_buf *err)
{
        const char *v = t->variable;

        if (!v || !*v || strlen(v) > 255 ||
            strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
                    strlen(v))
                return tw_deliver_error(err, t, -EINVAL,
                                        "variable must be a GitLab variable key (letters, "
                                        "digits, _)");
        if (!t->project == !t->group)
                return tw_deliver_error(err, t, -EINVAL, "set exactly one of project and group");
        if (!t->credential_file)
                return tw_deliver_error(err, t, -EINVAL, "credential_file is missing");
        return 0;
}

/* {root}/api/v4/{projects|groups}/{id}/variables into b. */
static int base_url(const struct tw_deliver_target *t, struct tw_buf *b)
{
        char *root = tw_deliver_api_root(t, DEFAULT_API);
        size_t n;
        int r;

        if (!root)
                return -ENOMEM;
        n = strlen(root);
        r = tw_buf_adds(b, root);
        if (r == 0 && !(n >= 7 && strcmp(root + n - 7, "/api/v4") == 0))
                r = tw_buf_adds(b, "/api/v4");
        free(root);
        if (r == 0)
                r = tw_buf_adds(b, t->project ? "/projects/" : "/groups/");
        if (r == 0)
                r = tw_deliver_add_escaped(b, t->project ? t->project : t->group, false);
        return r ? r : tw_buf_adds(b, "/variables");
}

/* The URL of the variable (filtered by scope) into b. */
static int var_url(const struct tw_deliver_target *t, struct tw_buf *b)
{
        int r = base_url(t, b);

        if (r == 0)
                r = tw_buf_addc(b, '/');
        if (r == 0)
                r = tw_deliver_add_escaped(b, t->variable, false);
        if (r == 0 && t->environment_scope) {
                r = tw_buf_adds(b, "?filter%5Benvironment_scope%5D=");
                if (r == 0)
                        r = tw_deliver_add_escaped(b, t->environment_scope, false);
        }
        return r;
}

static int headers(const struct tw_deliver_target *t, struct curl_slist **h, struct tw_buf *err)
{
        char *cred = NULL;
        int r = tw_deliver_credential(t, t->credential_file, 0, &cred, err);

        if (r < 0)
                return r;
        r = tw_deliver_header(h, "PRIVATE-TOKEN: %s", cred);
        tw_secret_free(cred);
        if (r == 0)
                r = tw_deliver_header(h, "Accept: application/json");
        if (r == 0)
                r = tw_deliver_header(h, "Content-Type: application/json");
        return r;
}

/* Performs method on url; a message for anything but an answer. */
static int call(struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                const struct curl_slist *h, const char *method, const char *url, const char *body,
                struct tw_http_result *res, struct tw_buf *err)
{
        const struct tw_deliver_call call = {.method = method,
                                             .url = url,
                                             .headers = h,
                                             .body = body,
                                             .len = body ? strlen(body) : 0,
                                             .ca_file = t->ca_file};
        char what[64];
        int r = tw_deliver_http(c, &call, res);

        snprintf(what, sizeof(what), "%s .../variables%s", method,
                 strcmp(method, "POST") == 0 ? "" : "/KEY");
        return r < 0 ? tw_deliver_fail_call(c, err, t, what, r, res) : 0;
}

/* The variable into st and, when it exists, *ret_var (the caller frees it
 * with tw_deliver_json_free). */
static int lookup(struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                  const struct curl_slist *h, struct tw_deliver_state *st, cJSON **ret_var,
                  struct tw_buf *err)
{
        struct tw_http_result res;
        struct tw_buf url;
        const cJSON *value;
        cJSON *j = NULL;
        int r;

        tw_deliver_state_init(st);
        *ret_var = NULL;
        tw_buf_init(&url, 8192);
        r = var_url(t, &url);
        if (r == 0)
                r = call(c, t, h, "GET", url.ptr, NULL, &res, err);
        tw_buf_done(&url);
        if (r < 0)
                return r;
        if (res.status == 404 && strstr(res.body, "Variable Not Found"))
                return 0;
        if (res.status == 409)
                return tw_deliver_error(err, t, -EINVAL,
                                        "several variables share the key %s: set "
                                        "environment_scope",
                                        t->variable);
        if (res.status != 200)
                return tw_deliver_fail(err, t, "GET .../variables/KEY", &res, NULL,
                                       res.status == 403 ? "the credential needs the Maintainer "
                                                           "role (project) or Owner (group)"
                                                         : NULL);
        j = tw_deliver_json(&res);
        tw_deliver_wipe_body(&res);
        value = cJSON_GetObjectItemCaseSensitive(j, "value");
        if (!j || (!cJSON_IsString(value) && !cJSON_IsNull(value))) {
                tw_deliver_json_free(j);
                return tw_deliver_error(err, t, -EBADMSG, "GET .../variables/KEY: no value");
        }
        st->exists = true;
        if (cJSON_IsString(value)) {
                r = tw_deliver_inspect(value->valuestring, strlen(value->valuestring), st);
                snprintf(st->version, sizeof(st->version), "%.32s", st->fingerprint);
        } else {
                snprintf(st->detail, sizeof(st->detail), "masked and hidden: not readable");
                snprintf(st->version, sizeof(st->version), "hidden");
        }
        *ret_var = j;
        return r;
}

static int gl_check(struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                    struct tw_deliver_state *ret, struct tw_buf *err)
{
        struct curl_slist *h = NULL;
        cJSON *var = NULL;
        int r = headers(t, &h, err);

        if (r == 0)
                r = lookup(c, t, h, ret, &var, err);
        tw_deliver_json_free(var);
        tw_deliver_headers_free(h);
        return r;
}

static bool maskable(const char *v)
{
        return strlen(v) >= 8 && !strpbrk(v, " \t\r\n");
}

/* The body of the PUT (the variable's flags kept) or the POST. */
static char *body_of(const struct tw_deliver_target *t, const cJSON *var, const char *value)
{
        static const char *const keep[] = {"variable_type", "protected", "masked", "raw",
                                           "description"};
        cJSON *b = cJSON_CreateObject();
        char *text;

        if (!b)
                return NULL;
        if (var) {
                for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
                        const cJSON *f = cJSON_GetObjectItemCaseSensitive(var, keep[i]);

                        if (f && !cJSON_IsNull(f))
                                cJSON_AddItemToObject(b, keep[i], cJSON_Duplicate(f, 1));
                }
        } else {
                cJSON_AddStringToObject(b, "key", t->variable);
                cJSON_AddStringToObject(b, "variable_type", "env_var");
                cJSON_AddBoolToObject(b, "protected", false);
                cJSON_AddBoolToObject(b, "masked", maskable(value));
                cJSON_AddBoolToObject(b, "raw", true);
                cJSON_AddStringToObject(b, "environment_scope",
                                        t->environment_scope ? t->environment_scope : "*");
        }
        cJSON_AddStringToObject(b, "value", value);
        text = cJSON_PrintUnformatted(b);
        tw_deliver_json_free(b);
        return text;
}

/* PUT (var: the existing variable) or POST the value; the answer into st. */
static int store(struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                 const struct curl_slist *h, const cJSON *var, const char *value,
                 struct tw_deliver_state *st, struct tw_buf *err)
{
        struct tw_http_result res;
        struct tw_buf url;
        char *body = body_of(t, var, value);
        int r = body ? 0 : -ENOMEM;

        tw_buf_init(&url, 8192);
        if (r == 0)
                r = var ? var_url(t, &url) : base_url(t, &url);
        if (r == 0)
                r = call(c, t, h, var ? "PUT" : "POST", url.ptr, body, &res, err);
        tw_secret_free(body);
        tw_buf_done(&url);
        if (r < 0)
                return r;
        if (res.status == 200 || res.status == 201) {
                tw_deliver_wipe_body(&res);
                tw_deliver_state_init(st);
                st->exists = st->written = true;
                r = tw_deliver_inspect(value, strlen(value), st);
                snprintf(st->version, sizeof(st->version), "%.32s", st->fingerprint);
                return r;
        }
        if ((var && res.status == 404) ||
            (!var && res.status == 400 && strstr(res.body, "already been taken")))
                return tw_deliver_error(err, t, -EBUSY,
                                        "the variable was %s since it was checked: someone else "
                                        "changed it",
                                        var ? "deleted" : "created");
        return tw_deliver_fail(err, t, var ? "PUT .../variables/KEY" : "POST .../variables", &res,
                               value, NULL);
}

static int gl_write(struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                    const struct tw_deliver_write *w, struct tw_deliver_state *ret_after,
                    struct tw_buf *err)
{
        struct tw_deliver_state cur;
        struct curl_slist *h = NULL;
        cJSON *var = NULL;
        int r = headers(t, &h, err);

        if (r == 0)
                r = lookup(c, t, h, &cur, &var, err);
        if (r == 0 && w->expect &&
            (w->expect->exists != cur.exists || strcmp(w->expect->version, cur.version) != 0))
                r = tw_deliver_error(err, t, -EBUSY,
                                     "the variable changed since it was checked: someone else "
                                     "wrote it");
        if (r == 0 && cur.exists && tw_deliver_state_holds(&cur, w->value)) {
                *ret_after = cur; /* already there: nothing to write */
        } else if (r == 0) {
                r = store(c, t, h, var, w->value, ret_after, err);
        }
        tw_deliver_json_free(var);
        tw_deliver_headers_free(h);
        return r;
}

static void gl_plan(const struct tw_deliver_target *t, struct tw_buf *out)
{
        struct tw_buf b;

        tw_buf_init(&b, 8192);
        if (var_url(t, &b) < 0)
                tw_buf_adds(&b, "(a URL too long)");
        tw_buf_printf(out, "GET %s (the value, unchanged since the check)\n", b.ptr);
        tw_buf_printf(out, "PUT %s (the new value, its flags kept)\n", b.ptr);
        tw_buf_reset(&b);
        if (base_url(t, &b) == 0)
                tw_buf_printf(out, "or, when it does not exist: POST %s (masked, raw)\n", b.ptr);
        tw_buf_done(&b);
}

const struct tw_deliver_ops tw_deliver_gitlab = {
        .type = "gitlab",
        .keys = keys,
        .readable = true,
        .validate = gl_validate,
        .check = gl_check,
        .write = gl_write,
        .plan = gl_plan,
};
