/*
 * GitHub Actions secrets: a repository's, an environment's or an
 * organization's.  The value is sealed with libsodium's crypto_box_seal to
 * the container's public key (fetched before each write, and once more when
 * GitHub says the key changed); GitHub never gives it back, so a check
 * sees only created_at/updated_at.  An organization secret keeps its
 * visibility and selected repositories.  Headers as GitHub asks:
 * Authorization: Bearer, Accept: application/vnd.github+json,
 * X-GitHub-Api-Version: 2022-11-28, a User-Agent.  A 403 with Retry-After
 * or x-ratelimit-remaining: 0 is a rate limit, not a refusal.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exporters/deliver/deliver_common_internal.h"
#include "exporters/deliver/stores_internal.h"
#include "lib/buf.h"
#include "lib/secret.h"
#include "lib/timeutil.h"

#define DEFAULT_API "https://api.github.com"
#define MAX_IDS 1000

static const char *const keys[] = {"api_url",
                                   "credential_file",
                                   "ca_file",
                                   "timeout",
                                   "repository",
                                   "environment",
                                   "github_org",
                                   "visibility",
                                   "selected_repository_ids",
                                   "secret",
                                   NULL};

/* One write or check: the target, its credential headers, the base URL. */
struct gh {
        struct tw_deliver_ctx *c;
        const struct tw_deliver_target *t;
        struct curl_slist *headers;
        struct tw_buf base; /* .../secrets */
        struct tw_buf url;
        struct tw_buf *err;
};

static int gh_validate(const struct tw_deliver_target *t, struct tw_buf *err)
{
        const char *s = t->secret, *r = t->repository, *v = t->visibility;

        if (!s || !*s ||
            strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123"
                      "456789_") != strlen(s) ||
            (*s >= '0' && *s <= '9') || strncasecmp(s, "GITHUB_", 7) == 0)
                return tw_deliver_error(err, t, -EINVAL,
                                        "secret must be a GitHub secret name (letters, digits, "
                                        "_; not starting with a digit or GITHUB_)");
        if (!r == !t->github_org)
                return tw_deliver_error(err, t, -EINVAL,
                                        "set exactly one of repository and github_org");
        if (r && (!strchr(r, '/') || strchr(r, '/') == r || !strchr(r, '/')[1] ||
                  strchr(strchr(r, '/') + 1, '/')))
                return tw_deliver_error(err, t, -EINVAL, "repository must be owner/name");
        if (t->environment && !r)
                return tw_deliver_error(err, t, -EINVAL, "environment needs repository");
        if ((v || t->selected_repository_ids) && !t->github_org)
                return tw_deliver_error(err, t, -EINVAL,
                                        "visibility and selected_repository_ids need github_org");
        if (v && strcmp(v, "all") != 0 && strcmp(v, "private") != 0 && strcmp(v, "selected") != 0)
                return tw_deliver_error(err, t, -EINVAL,
                                        "visibility must be all, private or selected");
        if (t->selected_repository_ids && (!v || strcmp(v, "selected") != 0 ||
                                           strspn(t->selected_repository_ids, "0123456789, ") !=
                                                   strlen(t->selected_repository_ids)))
                return tw_deliver_error(err, t, -EINVAL,
                                        "selected_repository_ids must be numbers and needs "
                                        "visibility selected");
        if (!t->credential_file)
                return tw_deliver_error(err, t, -EINVAL, "credential_file is missing");
        return 0;
}

/* The secrets URL of the target into b. */
static int base_url(const struct tw_deliver_target *t, struct tw_buf *b)
{
        char *root = tw_deliver_api_root(t, DEFAULT_API), owner[256];
        const char *slash;
        int r;

        if (!root)
                return -ENOMEM;
        r = tw_buf_adds(b, root);
        free(root);
        if (r == 0 && t->github_org) {
                r = tw_buf_adds(b, "/orgs/");
                r = r ? r : tw_deliver_add_escaped(b, t->github_org, false);
                return r ? r : tw_buf_adds(b, "/actions/secrets");
        }
        slash = strchr(t->repository, '/');
        snprintf(owner, sizeof(owner), "%.*s", (int)(slash - t->repository), t->repository);
        r = r ? r : tw_buf_adds(b, "/repos/");
        r = r ? r : tw_deliver_add_escaped(b, owner, false);
        r = r ? r : tw_buf_addc(b, '/');
        r = r ? r : tw_deliver_add_escaped(b, slash + 1, false);
        if (t->environment) {
                r = r ? r : tw_buf_adds(b, "/environments/");
                r = r ? r : tw_deliver_add_escaped(b, t->environment, false);
                return r ? r : tw_buf_adds(b, "/secrets");
        }
        return r ? r : tw_buf_adds(b, "/actions/secrets");
}

static void gh_done(struct gh *g)
{
        tw_deliver_headers_free(g->headers);
        tw_buf_done(&g->base);
        tw_buf_done(&g->url);
}

static int gh_init(struct gh *g, struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                   struct tw_buf *err)
{
        char *cred = NULL;
        int r;

        memset(g, 0, sizeof(*g));
        g->c = c;
        g->t = t;
        g->err = err;
        tw_buf_init(&g->base, 8192);
        tw_buf_init(&g->url, 8192);
        r = tw_deliver_credential(t, t->credential_file, 0, &cred, err);
        if (r < 0)
                return r;
        r = tw_deliver_header(&g->headers, "Authorization: Bearer %s", cred);
        tw_secret_free(cred);
        r = r ? r : tw_deliver_header(&g->headers, "Accept: application/vnd.github+json");
        r = r ? r : tw_deliver_header(&g->headers, "X-GitHub-Api-Version: 2022-11-28");
        r = r ? r : tw_deliver_header(&g->headers, "Content-Type: application/json");
        r = r ? r : base_url(t, &g->base);
        return r == -E2BIG ? tw_deliver_error(err, t, -EINVAL, "the URL is too long") : r;
}

/* method on base + suffix ("/NAME", "/public-key", ...). */
static int call(struct gh *g, const char *method, const char *suffix, const char *body,
                struct tw_http_result *res)
{
        struct tw_deliver_call call = {.method = method,
                                       .headers = g->headers,
                                       .body = body,
                                       .len = body ? strlen(body) : 0,
                                       .ca_file = g->t->ca_file,
                                       .rate_limit_403 = true};
        char what[64];
        int r;

        tw_buf_reset(&g->url);
        if (tw_buf_adds(&g->url, g->base.ptr) < 0 || tw_buf_adds(&g->url, suffix) < 0)
                return tw_deliver_error(g->err, g->t, -EINVAL, "the URL is too long");
        call.url = g->url.ptr;
        r = tw_deliver_http(g->c, &call, res);
        snprintf(what, sizeof(what), "%s .../secrets%s", method,
                 strcmp(suffix, "/public-key") == 0 || strchr(suffix + 1, '/') ? suffix : "/NAME");
        return r < 0 ? tw_deliver_fail_call(g->c, g->err, g->t, what, r, res) : 0;
}

/* The secret's metadata into st (and an organization secret's visibility
 * into vis); a missing secret is exists=false, a missing container -ENOENT. */
static int lookup(struct gh *g, struct tw_deliver_state *st, char *vis, size_t vsize)
{
        struct tw_http_result res;
        char suffix[300];
        cJSON *j;
        int r;

        tw_deliver_state_init(st);
        snprintf(vis, vsize, "%s", g->t->visibility ? g->t->visibility : "private");
        snprintf(suffix, sizeof(suffix), "/%s", g->t->secret);
        r = call(g, "GET", suffix, NULL, &res);
        if (r < 0)
                return r;
        if (res.status == 404) {
                r = call(g, "GET", "/public-key", NULL, &res);
                if (r == 0 && res.status != 200)
                        r = tw_deliver_fail(g->err, g->t, "GET .../secrets/public-key", &res, NULL,
                                            g->t->github_org
                                                    ? "no such organization, or the credential "
                                                      "cannot see it"
                                                    : "no such repository or environment, or "
                                                      "the credential cannot see it");
                return r;
        }
        if (res.status != 200)
                return tw_deliver_fail(g->err, g->t, "GET .../secrets/NAME", &res, NULL, NULL);
        j = tw_deliver_json(&res);
        if (!j || !tw_deliver_json_str(j, "updated_at")) {
                cJSON_Delete(j);
                return tw_deliver_error(g->err, g->t, -EBADMSG,
                                        "GET .../secrets/NAME: an answer without updated_at");
        }
        st->exists = true;
        tw_deliver_time(tw_deliver_json_str(j, "updated_at"), &st->updated_at);
        snprintf(st->version, sizeof(st->version), "%s", tw_deliver_json_str(j, "updated_at"));
        if (g->t->github_org && tw_deliver_json_str(j, "visibility")) {
                snprintf(vis, vsize, "%s", tw_deliver_json_str(j, "visibility"));
                snprintf(st->detail, sizeof(st->detail), "visibility %s", vis);
        }
        cJSON_Delete(j);
        return 0;
}

static int gh_check(struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                    struct tw_deliver_state *ret, struct tw_buf *err)
{
        struct gh g;
        char vis[16];
        int r = gh_init(&g, c, t, err);

        if (r == 0)
                r = lookup(&g, ret, vis, sizeof(vis));
        gh_done(&g);
        return r;
}

/* The repository ids of a "selected" organization secret into ids. */
static int selected_ids(struct gh *g, bool exists, cJSON *ids)
{
        struct tw_http_result res;
        char suffix[300];
        const char *p = g->t->selected_repository_ids;
        cJSON *j, *it;
        int r;

        if (!exists) {
                while (p && *p) {
                        p += strspn(p, ", ");
                        if (*p)
                                cJSON_AddItemToArray(ids, cJSON_CreateNumber(strtod(p, NULL)));
                        p += strcspn(p, ", ");
                }
                return 0;
        }
        snprintf(suffix, sizeof(suffix), "/%s/repositories?per_page=100", g->t->secret);
        r = call(g, "GET", suffix, NULL, &res);
        if (r == 0 && res.status != 200)
                r = tw_deliver_fail(g->err, g->t, "GET .../secrets/NAME/repositories", &res, NULL,
                                    NULL);
        if (r < 0)
                return r;
        j = tw_deliver_json(&res);
        cJSON_ArrayForEach (it, cJSON_GetObjectItemCaseSensitive(j, "repositories")) {
                const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");

                if (cJSON_IsNumber(id) && cJSON_GetArraySize(ids) < MAX_IDS)
                        cJSON_AddItemToArray(ids, cJSON_CreateNumber(id->valuedouble));
        }
        cJSON_Delete(j);
        return 0;
}

/* The value sealed to the container's current key, into body. */
static int seal(struct gh *g, const char *value, cJSON *body)
{
        struct tw_http_result res;
        unsigned char *box = NULL;
        char *pk = NULL, *b64 = NULL;
        size_t pklen = 0, n = strlen(value);
        cJSON *j = NULL;
        int r = call(g, "GET", "/public-key", NULL, &res);

        if (r == 0 && res.status != 200)
                r = tw_deliver_fail(g->err, g->t, "GET .../secrets/public-key", &res, NULL, NULL);
        if (r < 0)
                return r;
        j = tw_deliver_json(&res);
        if (!tw_deliver_json_str(j, "key_id") || !tw_deliver_json_str(j, "key") ||
            tw_deliver_b64_decode(tw_deliver_json_str(j, "key"), &pk, &pklen) < 0 ||
            pklen != crypto_box_PUBLICKEYBYTES) {
                r = tw_deliver_error(g->err, g->t, -EBADMSG,
                                     "GET .../secrets/public-key: not an X25519 public key");
                goto out;
        }
        box = malloc(crypto_box_SEALBYTES + n);
        r = !box || sodium_init() < 0 ? -ENOMEM : 0;
        if (r == 0 &&
            crypto_box_seal(box, (const unsigned char *)value, n, (const unsigned char *)pk) != 0)
                r = tw_deliver_error(g->err, g->t, -EINVAL, "the public key does not seal");
        r = r ? r : tw_deliver_b64_encode(box, crypto_box_SEALBYTES + n, &b64);
        if (r == 0) {
                cJSON_DeleteItemFromObjectCaseSensitive(body, "encrypted_value");
                cJSON_DeleteItemFromObjectCaseSensitive(body, "key_id");
                cJSON_AddStringToObject(body, "encrypted_value", b64);
                cJSON_AddStringToObject(body, "key_id", tw_deliver_json_str(j, "key_id"));
        }
out:
        if (box)
                tw_wipe(box, crypto_box_SEALBYTES + n);
        free(box);
        tw_secret_free(b64);
        free(pk);
        cJSON_Delete(j);
        return r;
}

/* PUTs the sealed value; once more with a fresh key when GitHub refuses
 * the key (422: it changed between the two calls). */
static int put(struct gh *g, const char *value, cJSON *body)
{
        struct tw_http_result res;
        char suffix[300], *text;
        int r = 0;

        snprintf(suffix, sizeof(suffix), "/%s", g->t->secret);
        for (int attempt = 0; attempt < 2; attempt++) {
                r = seal(g, value, body);
                text = r == 0 ? cJSON_PrintUnformatted(body) : NULL;
                if (r == 0 && !text)
                        r = -ENOMEM;
                if (r == 0)
                        r = call(g, "PUT", suffix, text, &res);
                tw_secret_free(text);
                if (r < 0 || res.status == 201 || res.status == 204)
                        return r;
                if (res.status != 422)
                        break;
        }
        return tw_deliver_fail(g->err, g->t, "PUT .../secrets/NAME", &res, NULL,
                               res.status == 403 ? "the credential needs Secrets: write "
                                                   "(classic: repo, or admin:org)"
                                                 : NULL);
}

static int gh_write(struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                    const struct tw_deliver_write *w, struct tw_deliver_state *ret_after,
                    struct tw_buf *err)
{
        struct tw_deliver_state cur;
        cJSON *body = cJSON_CreateObject(), *ids;
        struct gh g;
        char vis[16];
        int r = gh_init(&g, c, t, err);

        r = r ? r : body ? 0 : -ENOMEM;
        r = r ? r : lookup(&g, &cur, vis, sizeof(vis));
        if (r == 0 && w->expect &&
            (w->expect->exists != cur.exists || strcmp(w->expect->version, cur.version) != 0))
                r = tw_deliver_error(err, t, -EBUSY,
                                     "the secret changed since it was checked (updated_at %s, "
                                     "expected %s): someone else wrote it",
                                     cur.exists ? cur.version : "none",
                                     w->expect->exists ? w->expect->version : "none");
        if (r == 0 && t->github_org) {
                cJSON_AddStringToObject(body, "visibility", vis);
                if (strcmp(vis, "selected") == 0) {
                        ids = cJSON_AddArrayToObject(body, "selected_repository_ids");
                        r = ids ? selected_ids(&g, cur.exists, ids) : -ENOMEM;
                }
        }
        r = r ? r : put(&g, w->value, body);
        r = r ? r : lookup(&g, ret_after, vis, sizeof(vis));
        if (r == 0)
                ret_after->written = true;
        tw_deliver_json_free(body);
        gh_done(&g);
        return r;
}

static void gh_plan(const struct tw_deliver_target *t, struct tw_buf *out)
{
        struct tw_buf b;

        tw_buf_init(&b, 8192);
        if (base_url(t, &b) < 0)
                tw_buf_adds(&b, "(a URL too long)");
        tw_buf_printf(out, "GET %s/%s (its updated_at, unchanged since the check)\n", b.ptr,
                      t->secret);
        if (t->github_org)
                tw_buf_printf(out, "GET %s/%s/repositories (kept, when visibility is selected)\n",
                              b.ptr, t->secret);
        tw_buf_printf(out, "GET %s/public-key\n", b.ptr);
        tw_buf_printf(out, "PUT %s/%s (the value sealed to that key%s)\n", b.ptr, t->secret,
                      t->github_org ? ", its visibility kept" : "");
        tw_buf_done(&b);
}

const struct tw_deliver_ops tw_deliver_github = {
        .type = "github",
        .keys = keys,
        .readable = false,
        .validate = gh_validate,
        .check = gh_check,
        .write = gh_write,
        .plan = gh_plan,
};
