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
#include "storesim_github.h"

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
                why = gh_open_box(w, body, &value);
        if (why) {
                gh_error(rq, rp, 422, why);
                goto out;
        }
        sec = gh_store_secret(w->box, w->name, value, &created);
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
                ok = gh_resolve(rq->s, "org", seg[1], NULL, false, w) == 0;
        } else if (n >= 5 && strcmp(seg[0], "repos") == 0 && strcmp(seg[3], "actions") == 0 &&
                   strcmp(seg[4], "secrets") == 0) {
                char repo[256];

                base = 5;
                snprintf(repo, sizeof(repo), "%s/%s", seg[1], seg[2]);
                ok = gh_resolve(rq->s, "repo", repo, NULL, false, w) == 0;
        } else if (n >= 6 && strcmp(seg[0], "repos") == 0 && strcmp(seg[3], "environments") == 0 &&
                   strcmp(seg[5], "secrets") == 0) {
                char repo[256];

                base = 6;
                snprintf(repo, sizeof(repo), "%s/%s", seg[1], seg[2]);
                ok = gh_resolve(rq->s, "repo", repo, seg[4], false, w) == 0;
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
