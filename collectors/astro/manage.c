/*
 * The Astro API token writes a renewal needs: one request at a time, paced
 * under Astro's POST and DELETE limits, 429s waited out, and create/rotate
 * never sent twice on an unknown outcome (see manage.h).
 */
#include "collectors/astro/manage.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/astro/parse.h"
#include "core/config/config.h"
#include "core/config/values.h"
#include "lib/buf.h"
#include "lib/http/client.h"
#include "lib/http/retry.h"
#include "lib/json.h"
#include "lib/secret.h"
#include "lib/timeutil.h"

#define MAX_PAGES 10000
#define BODY_MAX ((size_t)8 << 20) /* one token object, or a page of 1000 */

struct tw_astro_manage {
        struct tw_astro_manage_options o;
        char *tokens_base; /* ".../v1/organizations/<org>/tokens" */
        char *orgs_url;    /* ".../v1/organizations" */
        char *bearer;      /* the credential: wiped on free */
        bool beta;         /* v1beta1: "type" for "scope" */
        struct tw_http_client *http;
        int64_t next_post_ns, next_delete_ns; /* pacing: no start before */
        uint64_t rng;
};

/* One call. */
struct req {
        const char *method;
        const char *what; /* "create the token", for messages */
        const char *url;
        const char *body;   /* NULL: none */
        bool repeatable;    /* may be sent again when its outcome is unknown */
        const char *bearer; /* NULL: the client's credential */
        const char *scope;  /* the token's, for a 403's message; NULL: unknown */
};

const char *tw_astro_role_to_manage(const char *scope)
{
        if (scope && (strcmp(scope, "WORKSPACE") == 0 || strcmp(scope, "DEPLOYMENT") == 0))
                return "WORKSPACE_OWNER of the token's workspace (or ORGANIZATION_OWNER)";
        return "ORGANIZATION_OWNER";
}

int tw_astro_manage_new(const struct tw_astro_manage_options *o, struct tw_astro_manage **ret)
{
        const struct tw_http_client_options ho = {
                .user_agent = o->user_agent,
                .timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 30000,
                .max_body = BODY_MAX,
                .whole_body = true,
        };
        struct tw_astro_manage *m;
        char *tokens = NULL, *orgs = NULL;
        struct tw_buf b;
        int r;

        if (!o->astro || !o->organization_id || !o->bearer || !*o->bearer)
                return -EINVAL;
        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->o = *o;
        m->o.bearer = NULL;
        m->beta = o->astro->api_version && strcmp(o->astro->api_version, "v1beta1") == 0;
        m->rng = o->seed ? o->seed : 0x9e3779b97f4a7c15ULL;
        tokens = tw_astro_api_base(o->astro, "tokens");
        orgs = tw_astro_api_base(o->astro, "workspaces");
        tw_buf_init(&b, 4096);
        r = tokens && orgs
                    ? tw_buf_printf(&b, "%s/organizations/%s/tokens", tokens, o->organization_id)
                    : -ENOMEM;
        if (r == 0 && !(m->tokens_base = tw_buf_steal(&b)))
                r = -ENOMEM;
        tw_buf_init(&b, 4096);
        if (r == 0)
                r = tw_buf_printf(&b, "%s/organizations", orgs);
        if (r == 0 && !(m->orgs_url = tw_buf_steal(&b)))
                r = -ENOMEM;
        if (r == 0 && !(m->bearer = strdup(o->bearer)))
                r = -ENOMEM;
        if (r == 0)
                r = tw_http_client_new(&ho, &m->http);
        tw_buf_done(&b);
        free(tokens);
        free(orgs);
        if (r < 0) {
                tw_astro_manage_free(m);
                return r == -E2BIG ? -EINVAL : r;
        }
        *ret = m;
        return 0;
}

void tw_astro_manage_free(struct tw_astro_manage *m)
{
        if (!m)
                return;
        tw_http_client_free(m->http);
        tw_secret_free(m->bearer);
        free(m->tokens_base);
        free(m->orgs_url);
        free(m);
}

void tw_astro_issued_done(struct tw_astro_issued *i)
{
        if (!i)
                return;
        tw_token_done(&i->token);
        tw_secret_free(i->value);
        memset(i, 0, sizeof(*i));
}

/* Waits until a request of this method may start under Astro's write
 * limits: starts at least 1.1/rate apart, so that no window of a second
 * holds more than rate of them even when their arrivals jitter. */
static int pace(struct tw_astro_manage *m, const char *method)
{
        bool post = strcmp(method, "POST") == 0, del = strcmp(method, "DELETE") == 0;
        double rate = post ? (m->o.post_rate > 0 ? m->o.post_rate : 10)
                           : (m->o.delete_rate > 0 ? m->o.delete_rate : 5);
        int64_t *next = post ? &m->next_post_ns : &m->next_delete_ns, now = tw_mono_ns();
        int r = 0;

        if (!post && !del)
                return 0;
        if (*next > now)
                r = tw_nap_ms((*next - now + 999999) / 1000000, m->o.cancel);
        *next = tw_mono_ns() + (int64_t)(1.1e9 / rate);
        return r;
}

/* The message and errno of an answer that is not a success. */
static int fail_status(const struct req *q, const struct tw_http_result *res, struct tw_buf *err)
{
        int r = res->status == 400   ? -EINVAL
                : res->status == 401 ? -EACCES
                : res->status == 403 ? -EPERM
                : res->status == 404 ? -ENOENT
                : res->status == 429 ? -EAGAIN
                                     : -EPROTO;

        tw_buf_printf(err, "cannot %s: HTTP %ld", q->what, res->status);
        if (res->body_len && res->status != 200 && res->status != 201) {
                tw_buf_adds(err, ": ");
                tw_astro_describe_error(res->body, res->body_len, err);
        }
        if (r == -EACCES)
                tw_buf_adds(err, " (the managing credential was refused: invalid, expired or "
                                 "revoked)");
        else if (r == -EPERM)
                tw_buf_printf(err, " (the managing credential needs %s)",
                              tw_astro_role_to_manage(q->scope));
        else if (r == -EAGAIN)
                tw_buf_adds(err, " (still rate limited after the retries)");
        return r;
}

static int fail_transport(const struct req *q, const struct tw_http_result *res, int r,
                          struct tw_buf *err)
{
        tw_buf_printf(err, "cannot %s: %s", q->what,
                      res->error_text ? res->error_text : strerror(-r));
        if (res->hint)
                tw_buf_printf(err, " (%s)", res->hint);
        return r;
}

/* create/rotate whose answer did not come: it may have committed. */
static int fail_unknown(const struct req *q, const struct tw_http_result *res, struct tw_buf *err)
{
        tw_buf_printf(err, "%s: the outcome is unknown (", q->what);
        if (res->status)
                tw_buf_printf(err, "HTTP %ld", res->status);
        else
                tw_buf_adds(err, res->error_text ? res->error_text : "no answer");
        tw_buf_adds(err, "): the write may have happened");
        return -EIO;
}

static int make_headers(const struct tw_astro_manage *m, const struct req *q,
                        struct curl_slist **ret)
{
        struct curl_slist *h = NULL;
        int r;

        r = tw_http_header_add(&h, "Authorization: Bearer %s", q->bearer ? q->bearer : m->bearer);
        if (r == 0)
                r = tw_http_header_add(&h, "Accept: application/json");
        if (r == 0 && q->body)
                r = tw_http_header_add(&h, "Content-Type: application/json");
        *ret = h;
        return r;
}

/* Performs q with the retries manage.h describes: 0 with res->status 2xx,
 * or a negative errno with a message in err.  res's body is valid until
 * the next call. */
static int perform(struct tw_astro_manage *m, const struct req *q, struct tw_http_result *res,
                   struct tw_buf *err)
{
        const struct tw_backoff bo = {.base_ms = m->o.backoff_base_ms,
                                      .max_ms = m->o.backoff_max_ms,
                                      .jitter = TW_JITTER_FULL};
        int max = m->o.max_retries == 0 ? 5 : m->o.max_retries < 0 ? 0 : m->o.max_retries;
        int64_t max_wait = m->o.max_wait_s > 0 ? m->o.max_wait_s : 60, delay;
        struct curl_slist *h = NULL;
        int r = make_headers(m, q, &h);

        /* A request that must not be sent twice never rides a reused
         * connection: libcurl repeats those by itself when they close
         * unanswered (lib/http/client.h). */
        if (r == 0)
                r = tw_http_client_fresh(m->http, !q->repeatable);

        for (int attempt = 0; r == 0; attempt++) {
                bool limited;

                r = pace(m, q->method);
                if (r < 0)
                        break;
                r = tw_http_request(m->http, q->method, q->url, h, q->body,
                                    q->body ? strlen(q->body) : 0, 0, m->o.cancel, res);
                limited = r == 0 && res->status == 429;
                if (r == 0 && res->status >= 200 && res->status < 300)
                        break;
                if (!limited && res->verdict != TW_HTTP_RETRY) {
                        r = r < 0 ? fail_transport(q, res, r, err) : fail_status(q, res, err);
                        break;
                }
                if (!limited && !q->repeatable && !tw_http_unreachable(res)) {
                        r = fail_unknown(q, res, err);
                        break;
                }
                delay = tw_retry_backoff_ms(&bo, attempt + 1, 0, tw_splitmix64, &m->rng);
                if (limited && res->retry_after_s > 0)
                        delay = res->retry_after_s * 1000;
                if (attempt >= max || delay > max_wait * 1000) {
                        r = r < 0 ? fail_transport(q, res, r, err) : fail_status(q, res, err);
                        break;
                }
                r = tw_nap_ms(delay, m->o.cancel);
                if (r < 0)
                        tw_buf_printf(err, "cannot %s: cancelled", q->what);
        }
        tw_http_headers_free(h);
        return r;
}

/* Parses an answer holding a token and its value; wipes the body. */
static int parse_issued(const struct req *q, const struct tw_http_result *res,
                        struct tw_astro_issued *ret, struct tw_buf *err)
{
        cJSON *j = cJSON_ParseWithLength(res->body, res->body_len);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "token");
        struct tw_astro_issued out = {0};
        int r;

        tw_wipe((char *)res->body, res->body_len);
        if (!cJSON_IsObject(j) || !cJSON_IsString(v) || !*v->valuestring) {
                tw_buf_printf(err, "%s: the answer holds no token value", q->what);
                r = -EBADMSG;
                goto out;
        }
        r = tw_astro_parse_token(j, &out.token, err);
        if (r < 0) {
                tw_buf_printf(err, " (%s)", q->what);
                goto out;
        }
        out.value = strdup(v->valuestring);
        if (!out.value) {
                tw_token_done(&out.token);
                r = -ENOMEM;
                goto out;
        }
        *ret = out;
out:
        tw_json_delete_wiped(j);
        return r;
}

static char *url_of(const struct tw_astro_manage *m, const char *id, const char *suffix)
{
        struct tw_buf b;

        tw_buf_init(&b, 8192);
        if (tw_buf_printf(&b, "%s%s%s%s", m->tokens_base, id ? "/" : "", id ? id : "",
                          suffix ? suffix : "") < 0) {
                tw_buf_done(&b);
                return NULL;
        }
        return tw_buf_steal(&b);
}

/* The ids that go into a URL: what the parser accepts as an id. */
static bool bad_id(const char *id, struct tw_buf *err)
{
        if (id && tw_is_valid_id(id))
                return false;
        tw_buf_adds(err, "not a valid token id");
        return true;
}

static char *create_body(const struct tw_astro_manage *m, const struct tw_astro_create *c)
{
        cJSON *o = cJSON_CreateObject();
        char *text = NULL;

        if (o && cJSON_AddStringToObject(o, "name", c->name) &&
            cJSON_AddStringToObject(o, "description", c->description ? c->description : "") &&
            cJSON_AddStringToObject(o, "role", c->role) &&
            cJSON_AddStringToObject(o, m->beta ? "type" : "scope", c->scope) &&
            (!c->entity_id || cJSON_AddStringToObject(o, "entityId", c->entity_id)) &&
            (c->expiry_days <= 0 ||
             cJSON_AddNumberToObject(o, "tokenExpiryPeriodInDays", c->expiry_days)))
                text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        return text;
}

int tw_astro_token_create(struct tw_astro_manage *m, const struct tw_astro_create *c,
                          struct tw_astro_issued *ret, struct tw_buf *err)
{
        struct req q = {.method = "POST", .what = "create the token", .scope = c->scope};
        struct tw_http_result res;
        char *body = NULL, *url = NULL;
        int r;

        if (!c->name || !c->scope || !c->role)
                return -EINVAL;
        body = create_body(m, c);
        url = url_of(m, NULL, NULL);
        q.body = body;
        q.url = url;
        r = body && url ? perform(m, &q, &res, err) : -ENOMEM;
        if (r == 0)
                r = parse_issued(&q, &res, ret, err);
        free(body);
        free(url);
        return r;
}

int tw_astro_token_rotate(struct tw_astro_manage *m, const char *id, const char *scope,
                          struct tw_astro_issued *ret, struct tw_buf *err)
{
        struct req q = {.method = "POST", .what = "rotate the token", .scope = scope};
        struct tw_http_result res;
        char *url;
        int r;

        if (bad_id(id, err))
                return -EINVAL;
        url = url_of(m, id, "/rotate");
        q.url = url;
        q.body = "";
        r = url ? perform(m, &q, &res, err) : -ENOMEM;
        if (r == 0)
                r = parse_issued(&q, &res, ret, err);
        free(url);
        return r;
}

static char *roles_body(const struct tw_role *roles, size_t n)
{
        cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "roles");
        char *text = NULL;
        bool ok = a != NULL;

        for (size_t i = 0; ok && i < n; i++) {
                cJSON *r = cJSON_CreateObject();

                ok = r && cJSON_AddItemToArray(a, r) &&
                     cJSON_AddStringToObject(r, "entityType", roles[i].entity_type) &&
                     cJSON_AddStringToObject(r, "entityId", roles[i].entity_id) &&
                     cJSON_AddStringToObject(r, "role", roles[i].role) &&
                     (!roles[i].deployment_id ||
                      cJSON_AddStringToObject(r, "deploymentId", roles[i].deployment_id));
        }
        if (ok)
                text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        return text;
}

int tw_astro_token_set_roles(struct tw_astro_manage *m, const char *id, const char *scope,
                             const struct tw_role *roles, size_t n, struct tw_buf *err)
{
        struct req q = {.method = "POST",
                        .what = "set the token's roles",
                        .repeatable = true,
                        .scope = scope};
        struct tw_http_result res;
        char *body, *url;
        int r;

        if (bad_id(id, err))
                return -EINVAL;
        body = roles_body(roles, n);
        url = url_of(m, id, "/roles");
        q.body = body;
        q.url = url;
        r = body && url ? perform(m, &q, &res, err) : -ENOMEM;
        free(body);
        free(url);
        return r;
}

int tw_astro_token_delete(struct tw_astro_manage *m, const char *id, const char *scope,
                          struct tw_buf *err)
{
        struct req q = {
                .method = "DELETE", .what = "delete the token", .repeatable = true, .scope = scope};
        struct tw_http_result res;
        char *url;
        int r;

        if (bad_id(id, err))
                return -EINVAL;
        url = url_of(m, id, NULL);
        q.url = url;
        r = url ? perform(m, &q, &res, err) : -ENOMEM;
        free(url);
        return r;
}

int tw_astro_token_get(struct tw_astro_manage *m, const char *id, struct tw_token *ret,
                       struct tw_buf *err)
{
        struct req q = {.method = "GET", .what = "read the token", .repeatable = true};
        struct tw_http_result res;
        cJSON *j = NULL;
        char *url;
        int r;

        if (bad_id(id, err))
                return -EINVAL;
        url = url_of(m, id, NULL);
        q.url = url;
        r = url ? perform(m, &q, &res, err) : -ENOMEM;
        if (r == 0) {
                j = cJSON_ParseWithLength(res.body, res.body_len);
                r = tw_astro_parse_token(j, ret, err);
                if (r < 0)
                        tw_buf_adds(err, " (read the token)");
        }
        cJSON_Delete(j);
        free(url);
        return r;
}

/* One page of a listing: each token that parses to fn, once every item
 * has been read (a syntax error anywhere makes the whole page invalid, and
 * then fn sees none of it).  *ret_n: items. */
static int list_page(const struct tw_http_result *res, tw_astro_token_fn fn, void *userdata,
                     size_t *ret_n, long *ret_total, size_t *skipped, struct tw_buf *err)
{
        struct tw_page page = {0};
        struct tw_token *toks = NULL;
        struct tw_buf why;
        cJSON *item = NULL;
        size_t n = 0;
        int r;

        r = tw_astro_parse_page(res->body, res->body_len, "tokens", TW_ASTRO_PAGE_LIMIT, &page,
                                err);
        if (r < 0)
                return r;
        *ret_n = page.n_items;
        *ret_total = page.total;
        if (page.n_items && !(toks = calloc(page.n_items, sizeof(*toks)))) {
                tw_page_done(&page);
                return -ENOMEM;
        }
        tw_buf_init(&why, 4096);
        while (n < page.n_items && (r = tw_page_next(&page, &item, err)) == 0 && item) {
                tw_buf_reset(&why);
                r = tw_astro_parse_token(item, &toks[n], &why);
                cJSON_Delete(item);
                item = NULL;
                if (r < 0) {
                        tw_token_done(&toks[n]);
                        memset(&toks[n], 0, sizeof(toks[n]));
                }
                if (r == -ENOMEM)
                        break;
                if (r < 0) {
                        (*skipped)++;
                        r = 0;
                        continue;
                }
                n++;
        }
        cJSON_Delete(item);
        for (size_t i = 0; i < n; i++) {
                if (r >= 0)
                        r = fn(userdata, &toks[i]);
                tw_token_done(&toks[i]);
        }
        free(toks);
        tw_buf_done(&why);
        tw_page_done(&page);
        return r;
}

int tw_astro_token_list(struct tw_astro_manage *m, const char *filter, const char *id,
                        tw_astro_token_fn fn, void *userdata, size_t *ret_skipped,
                        struct tw_buf *err)
{
        struct req q = {.method = "GET", .what = "list the tokens", .repeatable = true};
        struct tw_http_result res;
        size_t skipped = 0, n = 0;
        long total = 0;
        struct tw_buf url;
        int r = 0;

        if (filter && (strcmp(filter, "workspaceId") != 0 && strcmp(filter, "deploymentId") != 0))
                return -EINVAL;
        if (filter && bad_id(id, err))
                return -EINVAL;
        tw_buf_init(&url, 8192);
        for (long offset = 0, pages = 0; r == 0 && pages < MAX_PAGES; pages++, offset += (long)n) {
                tw_buf_reset(&url);
                r = tw_buf_printf(&url, "%s?offset=%ld&limit=%d%s%s%s%s", m->tokens_base, offset,
                                  TW_ASTRO_PAGE_LIMIT, filter ? "&" : "", filter ? filter : "",
                                  filter ? "=" : "", filter ? id : "");
                q.url = url.ptr;
                if (r == 0)
                        r = perform(m, &q, &res, err);
                if (r == 0)
                        r = list_page(&res, fn, userdata, &n, &total, &skipped, err);
                if (r < 0 || n == 0 || offset + (long)n >= total)
                        break;
        }
        tw_buf_done(&url);
        if (ret_skipped)
                *ret_skipped = skipped;
        return r;
}

int tw_astro_value_check(struct tw_astro_manage *m, const char *value, struct tw_buf *err)
{
        struct req q = {.method = "GET",
                        .what = "authenticate with the new value",
                        .url = m->orgs_url,
                        .repeatable = true,
                        .bearer = value};
        struct tw_http_result res;

        if (!value || !*value)
                return -EINVAL;
        return perform(m, &q, &res, err);
}
