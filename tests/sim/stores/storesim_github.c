/*
 * The GitHub Actions secrets fake (REST API version 2022-11-28).
 *
 * Implements, for repository, environment and organization secrets:
 *   GET    .../secrets/public-key       {"key_id", "key"}: a real X25519 key pair
 *   GET    .../secrets                  {"total_count", "secrets": [...]}
 *   GET    .../secrets/{name}           {name, created_at, updated_at[, visibility,
 *                                        selected_repositories_url]}: never the value
 *   PUT    .../secrets/{name}           {"encrypted_value", "key_id"[, "visibility",
 *                                        "selected_repository_ids"]}: the sealed box is
 *                                        opened (crypto_box_seal_open) and the plaintext
 *                                        kept; 201 created, 204 updated
 *   DELETE .../secrets/{name}           204
 *   GET    /orgs/{org}/actions/secrets/{name}/repositories
 * under /repos/{owner}/{repo}/actions, /repos/{owner}/{repo}/environments/{env}
 * and /orgs/{org}/actions.  Owner, repository and organization names are
 * case-insensitive; secret names are kept upper-case.
 *
 * Errors as GitHub words them where known ({"message", "documentation_url",
 * "status"}): 401 "Bad credentials" / "Requires authentication"; 403
 * "Resource not accessible by personal access token" (read credential
 * writing); 403 without a User-Agent; 400 for an X-GitHub-Api-Version other
 * than 2022-11-28; 404 "Not Found" for a repository, environment,
 * organization or secret that does not exist; 422 for a missing key_id or
 * encrypted_value, a key_id that is not the current key's, a ciphertext
 * that does not open, a value over 48 KB, a bad secret name, an
 * organization secret without a valid visibility.  The exact 422 messages
 * beyond the missing key_id are unknown: these are ours.
 *
 * Primary rate limit: the x-ratelimit-limit/-remaining/-used/-reset/-resource
 * headers on every answer, 403 "API rate limit exceeded" with remaining 0
 * past it.  Secondary limits are faults: a status 403 or 429 fault answers
 * "You have exceeded a secondary rate limit" with its Retry-After.
 *
 * Not implemented: pagination (every list is one page), setting an
 * organization secret's repositories apart from its PUT, Dependabot and
 * Codespaces secrets, variables.  Unknown and chosen strictly: an
 * organization PUT with visibility "selected" and no selected_repository_ids
 * leaves the secret with no repositories (a client that forgets them cuts
 * access, and a test sees it).
 */
#include "storesim_internal.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/secret.h"

#define DOCS "https://docs.github.com/rest"
#define MAX_VALUE (48 * 1024)

/* Where a request or locator points: the container and the secret name. */
struct gh_where {
        cJSON *box;     /* the repository, environment or organization; NULL if none */
        cJSON *repo;    /* the repository (env: its repository) */
        bool org;       /* an organization's secrets */
        char name[256]; /* upper-cased; "" for the container or a list */
        char org_name[128];
};

static void gh_error(struct store_req *rq, struct store_reply *rp, int status, const char *msg)
{
        cJSON *o = cJSON_CreateObject();
        char st[8];

        (void)rq;
        if (strcmp(msg, "injected fault") == 0 && (status == 403 || status == 429))
                msg = "You have exceeded a secondary rate limit. Please wait a few minutes "
                      "before you try again.";
        snprintf(st, sizeof(st), "%d", status);
        cJSON_AddStringToObject(o, "message", msg);
        cJSON_AddStringToObject(o, "documentation_url", DOCS);
        cJSON_AddStringToObject(o, "status", st);
        store_reply_json(rp, status, o);
        cJSON_Delete(o);
}

static const char *gh_credential(struct MHD_Connection *conn)
{
        const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");

        if (h && strncmp(h, "Bearer ", 7) == 0)
                return h + 7;
        if (h && strncmp(h, "token ", 6) == 0)
                return h + 6;
        return h ? "" : NULL;
}

static void gh_rate_limited(struct store_req *rq, struct store_reply *rp, int limit, int64_t reset)
{
        (void)limit, (void)reset;
        gh_error(rq, rp, 403,
                 "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for "
                 "help, please include the request ID.");
        rp->rate_limited = true;
}

static void gh_decorate(struct store_reply *rp, int limit, int used, int64_t reset)
{
        store_add_header(rp, "x-ratelimit-limit", "%d", limit);
        store_add_header(rp, "x-ratelimit-remaining", "%d", used >= limit ? 0 : limit - used);
        store_add_header(rp, "x-ratelimit-used", "%d", used);
        store_add_header(rp, "x-ratelimit-reset", "%lld", (long long)reset);
        store_add_header(rp, "x-ratelimit-resource", "core");
}

static void lower(char *s)
{
        for (; *s; s++)
                *s = (char)tolower((unsigned char)*s);
}

/* A new key pair into box["key"]. */
static int new_key(struct tw_storesim *s, cJSON *box)
{
        unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES];
        char *p, *k, id[32];
        cJSON *key = cJSON_CreateObject();

        if (sodium_init() < 0 || !key)
                return -ENOMEM;
        crypto_box_keypair(pk, sk);
        p = store_b64_encode((const char *)pk, sizeof(pk));
        k = store_b64_encode((const char *)sk, sizeof(sk));
        sodium_memzero(sk, sizeof(sk));
        snprintf(id, sizeof(id), "%lld", 3380204578043523000LL + s->next_id++);
        cJSON_AddStringToObject(key, "key_id", id);
        cJSON_AddStringToObject(key, "pk", p ? p : "");
        cJSON_AddStringToObject(key, "sk", k ? k : "");
        tw_secret_free(k);
        free(p);
        cJSON_DeleteItemFromObjectCaseSensitive(box, "key");
        cJSON_AddItemToObject(box, "key", key);
        return 0;
}

/* box[key] created with a key pair and an empty "secrets" (and an id). */
static cJSON *container(struct tw_storesim *s, cJSON *parent, const char *key, bool create)
{
        cJSON *box = cJSON_GetObjectItemCaseSensitive(parent, key);

        if (box || !create)
                return box;
        box = store_obj(parent, key);
        if (!box)
                return NULL;
        cJSON_AddNumberToObject(box, "id", (double)s->next_id++);
        store_obj(box, "secrets");
        if (new_key(s, box) < 0)
                return NULL;
        return box;
}

/* Resolves repo "O/R" [env] or org into w (create: make what is missing). */
static int resolve(struct tw_storesim *s, const char *kind, const char *a, const char *env,
                   bool create, struct gh_where *w)
{
        char key[256];

        memset(w, 0, sizeof(*w));
        snprintf(key, sizeof(key), "%s", a);
        lower(key);
        if (strcmp(kind, "org") == 0) {
                w->org = true;
                snprintf(w->org_name, sizeof(w->org_name), "%s", a);
                w->box = container(s, store_obj(s->state, "orgs"), key, create);
        } else {
                if (!strchr(key, '/'))
                        return -EINVAL;
                w->repo = container(s, store_obj(s->state, "repos"), key, create);
                if (w->repo && !store_str(w->repo, "full_name"))
                        cJSON_AddStringToObject(w->repo, "full_name", a);
                w->box = w->repo;
                if (env && w->repo)
                        w->box = container(s, store_obj(w->repo, "environments"), env, create);
        }
        return 0;
}

static bool valid_name(const char *n)
{
        if (!*n || isdigit((unsigned char)*n) || strncasecmp(n, "GITHUB_", 7) == 0)
                return false;
        return strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") ==
               strlen(n);
}

/* The metadata GitHub shows of a secret: never the value. */
static cJSON *metadata(struct store_req *rq, const struct gh_where *w, const char *name,
                       const cJSON *sec)
{
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "name", name);
        cJSON_AddStringToObject(o, "created_at", store_str(sec, "created_at"));
        cJSON_AddStringToObject(o, "updated_at", store_str(sec, "updated_at"));
        if (w->org) {
                const char *vis = store_str(sec, "visibility");
                char url[512];

                cJSON_AddStringToObject(o, "visibility", vis ? vis : "private");
                if (vis && strcmp(vis, "selected") == 0) {
                        snprintf(url, sizeof(url), "%s/orgs/%s/actions/secrets/%s/repositories",
                                 rq->s->url, w->org_name, name);
                        cJSON_AddStringToObject(o, "selected_repositories_url", url);
                }
        }
        return o;
}

static void reply_list(struct store_req *rq, struct store_reply *rp, const struct gh_where *w)
{
        cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "secrets"), *sec;

        cJSON_ArrayForEach (sec, cJSON_GetObjectItemCaseSensitive(w->box, "secrets"))
                cJSON_AddItemToArray(arr, metadata(rq, w, sec->string, sec));
        cJSON_AddNumberToObject(o, "total_count", cJSON_GetArraySize(arr));
        store_reply_json(rp, 200, o);
        cJSON_Delete(o);
}

static void reply_key(struct store_reply *rp, const struct gh_where *w)
{
        const cJSON *key = cJSON_GetObjectItemCaseSensitive(w->box, "key");
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "key_id", store_str(key, "key_id"));
        cJSON_AddStringToObject(o, "key", store_str(key, "pk"));
        store_reply_json(rp, 200, o);
        cJSON_Delete(o);
}

static void reply_repositories(struct store_req *rq, struct store_reply *rp, const cJSON *sec)
{
        cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "repositories");
        const cJSON *id, *repo;

        cJSON_ArrayForEach (id, cJSON_GetObjectItemCaseSensitive(sec, "selected_repository_ids")) {
                cJSON *r = cJSON_CreateObject();

                cJSON_AddNumberToObject(r, "id", id->valuedouble);
                cJSON_ArrayForEach (repo, cJSON_GetObjectItemCaseSensitive(rq->s->state, "repos")) {
                        const cJSON *rid = cJSON_GetObjectItemCaseSensitive(repo, "id");

                        if (cJSON_IsNumber(rid) && rid->valuedouble == id->valuedouble)
                                cJSON_AddStringToObject(r, "full_name",
                                                        store_str(repo, "full_name"));
                }
                cJSON_AddItemToArray(arr, r);
        }
        cJSON_AddNumberToObject(o, "total_count", cJSON_GetArraySize(arr));
        store_reply_json(rp, 200, o);
        cJSON_Delete(o);
}

/* Opens the sealed box of body for w's key into *ret (the caller wipes and
 * frees it); a 422 message on failure. */
static const char *open_box(const struct gh_where *w, const cJSON *body, char **ret)
{
        const cJSON *key = cJSON_GetObjectItemCaseSensitive(w->box, "key");
        const char *ev = store_str(body, "encrypted_value"), *kid = store_str(body, "key_id");
        char *c = NULL, *pk = NULL, *sk = NULL, *m = NULL;
        size_t clen = 0, pklen = 0, sklen = 0;
        const char *why = NULL;

        if (!ev)
                return "Invalid request.\n\n\"encrypted_value\" wasn't supplied.";
        if (!kid)
                return "Invalid request.\n\n\"key_id\" wasn't supplied.";
        if (strcmp(kid, store_str(key, "key_id")) != 0)
                return "Invalid request.\n\nThe key_id does not match the current public key.";
        if (store_b64_decode(ev, &c, &clen) < 0 || clen < crypto_box_SEALBYTES ||
            store_b64_decode(store_str(key, "pk"), &pk, &pklen) < 0 ||
            store_b64_decode(store_str(key, "sk"), &sk, &sklen) < 0) {
                why = "Invalid request.\n\nencrypted_value is not a sealed box.";
                goto out;
        }
        if (clen - crypto_box_SEALBYTES > MAX_VALUE) {
                why = "Invalid request.\n\nSecret value is too large (48 KB maximum).";
                goto out;
        }
        m = calloc(1, clen - crypto_box_SEALBYTES + 1);
        if (!m || crypto_box_seal_open((unsigned char *)m, (unsigned char *)c, clen,
                                       (unsigned char *)pk, (unsigned char *)sk) != 0) {
                why = "Invalid request.\n\nencrypted_value could not be decrypted with the "
                      "current public key.";
                free(m);
                m = NULL;
        }
out:
        free(c);
        free(pk);
        if (sk)
                sodium_memzero(sk, sklen);
        free(sk);
        *ret = m;
        return why;
}

/* Checks an organization PUT's visibility; a 422 message or NULL. */
static const char *org_visibility(const cJSON *body)
{
        const char *v = store_str(body, "visibility");
        const cJSON *ids = cJSON_GetObjectItemCaseSensitive(body, "selected_repository_ids");

        if (!v ||
            (strcmp(v, "all") != 0 && strcmp(v, "private") != 0 && strcmp(v, "selected") != 0))
                return "Invalid request.\n\nFor 'properties/visibility', it is not one of "
                       "[\"all\", \"private\", \"selected\"].";
        if (ids && (!cJSON_IsArray(ids) || strcmp(v, "selected") != 0))
                return "Invalid request.\n\nselected_repository_ids can only be set when "
                       "visibility is selected.";
        return NULL;
}

/* Stores value as secret name of w (updating created/updated times). */
static cJSON *store_secret(cJSON *box, const char *name, const char *value, bool *ret_created)
{
        cJSON *secrets = store_obj(box, "secrets"), *sec;
        char now[64];

        store_time(now, sizeof(now), false);
        sec = cJSON_GetObjectItemCaseSensitive(secrets, name);
        *ret_created = !sec;
        if (!sec) {
                sec = store_obj(secrets, name);
                cJSON_AddStringToObject(sec, "created_at", now);
        }
        cJSON_DeleteItemFromObjectCaseSensitive(sec, "updated_at");
        cJSON_AddStringToObject(sec, "updated_at", now);
        {
                cJSON *old = cJSON_GetObjectItemCaseSensitive(sec, "value");

                if (cJSON_IsString(old))
                        tw_wipe(old->valuestring, strlen(old->valuestring));
        }
        cJSON_DeleteItemFromObjectCaseSensitive(sec, "value");
        cJSON_AddStringToObject(sec, "value", value);
        return sec;
}

static void do_put(struct store_req *rq, struct store_reply *rp, const struct gh_where *w)
{
        cJSON *body = cJSON_ParseWithLength(rq->body, rq->body_len), *sec;
        const char *why = NULL;
        char *value = NULL;
        bool created = false;

        if (!cJSON_IsObject(body)) {
                gh_error(rq, rp, 400, "Problems parsing JSON");
                goto out;
        }
        if (!valid_name(w->name))
                why = "Invalid request.\n\nSecret names can only contain alphanumeric "
                      "characters ([a-z], [A-Z], [0-9]) or underscores (_), must not start "
                      "with a number or GITHUB_.";
        if (!why && w->org)
                why = org_visibility(body);
        if (!why)
                why = open_box(w, body, &value);
        if (why) {
                gh_error(rq, rp, 422, why);
                goto out;
        }
        sec = store_secret(w->box, w->name, value, &created);
        if (w->org) {
                cJSON *ids = cJSON_GetObjectItemCaseSensitive(body, "selected_repository_ids");

                cJSON_DeleteItemFromObjectCaseSensitive(sec, "visibility");
                cJSON_AddStringToObject(sec, "visibility", store_str(body, "visibility"));
                cJSON_DeleteItemFromObjectCaseSensitive(sec, "selected_repository_ids");
                cJSON_AddItemToObject(sec, "selected_repository_ids",
                                      ids ? cJSON_Duplicate(ids, 1) : cJSON_CreateArray());
        }
        rq->s->stats.writes++;
        if (created)
                store_reply_text(rp, 201, "{}");
        else
                store_reply_empty(rp, 204);
        rp->content_type = NULL;
out:
        tw_secret_free(value);
        cJSON_Delete(body);
}

/* Parses the route of rq into w and the action; false after a 404. */
static bool route(struct store_req *rq, struct store_reply *rp, struct gh_where *w,
                  const char **ret_tail)
{
        char *seg[8];
        int n = store_split(rq->path, seg, 8), base;
        bool ok = false;

        if (n >= 4 && strcmp(seg[0], "orgs") == 0 && strcmp(seg[2], "actions") == 0 &&
            strcmp(seg[3], "secrets") == 0) {
                base = 4;
                ok = resolve(rq->s, "org", seg[1], NULL, false, w) == 0;
        } else if (n >= 5 && strcmp(seg[0], "repos") == 0 && strcmp(seg[3], "actions") == 0 &&
                   strcmp(seg[4], "secrets") == 0) {
                char repo[256];

                base = 5;
                snprintf(repo, sizeof(repo), "%s/%s", seg[1], seg[2]);
                ok = resolve(rq->s, "repo", repo, NULL, false, w) == 0;
        } else if (n >= 6 && strcmp(seg[0], "repos") == 0 && strcmp(seg[3], "environments") == 0 &&
                   strcmp(seg[5], "secrets") == 0) {
                char repo[256];

                base = 6;
                snprintf(repo, sizeof(repo), "%s/%s", seg[1], seg[2]);
                ok = resolve(rq->s, "repo", repo, seg[4], false, w) == 0;
        }
        ok = ok && w->box && n - base <= (w->org ? 2 : 1);
        if (ok && n > base) {
                snprintf(w->name, sizeof(w->name), "%s", seg[base]);
                for (char *p = w->name; *p; p++)
                        *p = (char)toupper((unsigned char)*p);
        }
        *ret_tail = ok && n == base + 2 ? "repositories" : NULL;
        ok = ok && (n != base + 2 || strcmp(seg[base + 1], "repositories") == 0);
        store_segs_free(seg, n > 0 ? n : 0);
        if (!ok)
                gh_error(rq, rp, 404, "Not Found");
        return ok;
}

/* Checks the headers GitHub checks; false after answering. */
static bool headers_ok(struct store_req *rq, struct store_reply *rp)
{
        const char *v =
                MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "X-GitHub-Api-Version");

        if (!MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "User-Agent")) {
                store_reply_text(rp, 403,
                                 "Request forbidden by administrative rules. Please make sure "
                                 "your request has a User-Agent header.\n");
                return false;
        }
        if (v && strcmp(v, "2022-11-28") != 0) {
                gh_error(rq, rp, 400, "Unsupported 'X-GitHub-Api-Version' header.");
                return false;
        }
        if (rq->auth == STORE_AUTH_NONE || rq->auth == STORE_AUTH_BAD) {
                gh_error(rq, rp, 401,
                         rq->auth == STORE_AUTH_NONE ? "Requires authentication"
                                                     : "Bad credentials");
                return false;
        }
        return true;
}

static void gh_handle(struct store_req *rq, struct store_reply *rp)
{
        struct gh_where w;
        const char *tail = NULL, *m = rq->method;
        cJSON *sec;

        if (!headers_ok(rq, rp) || !route(rq, rp, &w, &tail))
                return;
        sec = w.name[0] ? cJSON_GetObjectItemCaseSensitive(
                                  cJSON_GetObjectItemCaseSensitive(w.box, "secrets"), w.name)
                        : NULL;
        if (strcmp(m, "GET") != 0 && rq->auth != STORE_AUTH_FULL) {
                gh_error(rq, rp, 403, "Resource not accessible by personal access token");
        } else if (strcmp(m, "GET") == 0 && !w.name[0]) {
                reply_list(rq, rp, &w);
        } else if (strcmp(m, "GET") == 0 && strcmp(w.name, "PUBLIC-KEY") == 0 && !tail) {
                reply_key(rp, &w);
        } else if (strcmp(m, "PUT") == 0 && w.name[0] && !tail) {
                do_put(rq, rp, &w);
        } else if (!sec) {
                gh_error(rq, rp, 404, "Not Found");
        } else if (strcmp(m, "GET") == 0 && tail) {
                reply_repositories(rq, rp, sec);
        } else if (strcmp(m, "GET") == 0) {
                cJSON *o = metadata(rq, &w, w.name, sec);

                store_reply_json(rp, 200, o);
                cJSON_Delete(o);
        } else if (strcmp(m, "DELETE") == 0 && !tail) {
                cJSON_DeleteItemFromObjectCaseSensitive(
                        cJSON_GetObjectItemCaseSensitive(w.box, "secrets"), w.name);
                rq->s->stats.writes++;
                store_reply_empty(rp, 204);
        } else {
                gh_error(rq, rp, 404, "Not Found");
        }
}

/* Parses a locator: repo:O/R[:NAME], env:O/R:ENV[:NAME], org:O[:NAME]. */
static int locate(struct tw_storesim *s, const char *at, bool create, struct gh_where *w)
{
        char buf[1024], *p[4];
        int n = store_locator(at, buf, sizeof(buf), p, 4), r, name_at;

        if (n >= 2 && strcmp(p[0], "repo") == 0 && n <= 3) {
                r = resolve(s, "repo", p[1], NULL, create, w);
                name_at = 2;
        } else if (n >= 3 && strcmp(p[0], "env") == 0) {
                r = resolve(s, "repo", p[1], p[2], create, w);
                name_at = 3;
        } else if (n >= 2 && strcmp(p[0], "org") == 0 && n <= 3) {
                r = resolve(s, "org", p[1], NULL, create, w);
                name_at = 2;
        } else {
                return -EINVAL;
        }
        if (r == 0 && n > name_at) {
                snprintf(w->name, sizeof(w->name), "%s", p[name_at]);
                for (char *c = w->name; *c; c++)
                        *c = (char)toupper((unsigned char)*c);
        }
        return r < 0 ? r : w->box ? 0 : -ENOENT;
}

static int gh_put(struct tw_storesim *s, const char *at, const char *value, const cJSON *attrs)
{
        struct gh_where w;
        bool created;
        int r = locate(s, at, true, &w);
        cJSON *sec;

        if (r < 0 || !value)
                return r;
        if (!w.name[0])
                return -EINVAL;
        sec = store_secret(w.box, w.name, value, &created);
        if (w.org) {
                const char *vis = store_str(attrs, "visibility");
                const cJSON *ids =
                        cJSON_GetObjectItemCaseSensitive(attrs, "selected_repository_ids");

                if (vis || created) {
                        cJSON_DeleteItemFromObjectCaseSensitive(sec, "visibility");
                        cJSON_AddStringToObject(sec, "visibility", vis ? vis : "private");
                }
                if (ids) {
                        cJSON_DeleteItemFromObjectCaseSensitive(sec, "selected_repository_ids");
                        cJSON_AddItemToObject(sec, "selected_repository_ids",
                                              cJSON_Duplicate(ids, 1));
                }
        }
        return 0;
}

/* The secret a locator names, or NULL. */
static cJSON *find(struct tw_storesim *s, const char *at, struct gh_where *w)
{
        if (locate(s, at, false, w) < 0 || !w->name[0])
                return NULL;
        return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(w->box, "secrets"),
                                                w->name);
}

static int gh_get(struct tw_storesim *s, const char *at, char **ret_value)
{
        struct gh_where w;
        const cJSON *sec = find(s, at, &w);

        if (!sec)
                return -ENOENT;
        *ret_value = strdup(store_str(sec, "value"));
        return *ret_value ? 0 : -ENOMEM;
}

static int gh_remove(struct tw_storesim *s, const char *at)
{
        struct gh_where w;

        if (!find(s, at, &w))
                return -ENOENT;
        cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(w.box, "secrets"),
                                                w.name);
        return 0;
}

int tw_storesim_github_rotate_key(struct tw_storesim *s, const char *at)
{
        struct gh_where w;
        int r;

        if (!s || s->kind != &store_github || !at)
                return -EINVAL;
        pthread_mutex_lock(&s->lock);
        r = locate(s, at, false, &w);
        if (r == 0)
                r = new_key(s, w.box);
        pthread_mutex_unlock(&s->lock);
        return r;
}

const struct store_kind store_github = {
        .name = "github",
        .credential = gh_credential,
        .handle = gh_handle,
        .error = gh_error,
        .rate_limited = gh_rate_limited,
        .decorate = gh_decorate,
        .put = gh_put,
        .get = gh_get,
        .remove = gh_remove,
        .default_rate_limit = 5000,
};
