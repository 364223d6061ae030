#include "collectors/astro/astro.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "core/config/config.h"
#include "core/credential.h"
#include "core/inventory.h"
#include "lib/timeutil.h"
#include "collectors/astro/parse.h"
#include "lib/http/http.h"

#define PAGE_LIMIT 1000  /* the documented maximum */
#define MAX_PAGES 100000 /* a server that never stops paging is a bug, not a loop */
#define ERR_MAX 2048
#define ITEM_ERRORS_MAX 10 /* items left out named per listing; the rest are counted */

struct collect;

/* One paged walk of one endpoint with one filter. */
struct listing {
        struct collect *c;
        enum tw_listing_kind kind;
        char *name;     /* "tokens workspace=<id>": names it in errors */
        char *base_url; /* without offset/limit */
        const char *endpoint;
        const char *items_key;
        long offset;
        long pages;
        /* a 403 on the organization-wide token listing falls back to the
         * credential's own workspaces */
        bool org_wide_tokens;
        /* after the deployments listing: list each listed workspace's
         * deployment tokens */
        bool then_deployment_tokens;
        /* the first id of the previous page: a server that ignores offset
         * would otherwise be paged until MAX_PAGES */
        char *prev_first_id;
        long items_left_out;
};

struct collect {
        const struct tw_astro_config *a;
        const struct tw_credential_info *cred;
        struct tw_transport *t;
        struct tw_inventory *inv;
        char *tokens_base, *users_base, *platform_base;
        struct listing **listings;
        size_t n_listings;
        int fatal; /* -ENOMEM */
        /* A refused credential or an unreachable host fails every listing
         * alike: said once, in one error, not once per listing. */
        bool said_rejected, said_unreachable;
};

static void listing_free(struct listing *l)
{
        if (!l)
                return;
        free(l->name);
        free(l->base_url);
        free(l->prev_first_id);
        free(l);
}

static void on_page(void *userdata, const struct tw_http_result *res);

static int submit_page(struct listing *l)
{
        char url[4096];
        int n;

        n = snprintf(url, sizeof(url), "%s%coffset=%ld&limit=%d", l->base_url,
                     strchr(l->base_url, '?') ? '&' : '?', l->offset, PAGE_LIMIT);
        if (n < 0 || (size_t)n >= sizeof(url))
                return -E2BIG;
        return tw_transport_get(l->c->t, url, l->endpoint, on_page, l);
}

/* Starts a listing; the collect keeps it until the end. */
static int start_listing(struct collect *c, enum tw_listing_kind kind, const char *name,
                         const char *base, const char *path, const char *query)
{
        struct listing *l = NULL, **tmp;
        struct tw_buf url;
        static const char *const endpoints[] = {"workspaces", "deployments", "users", "tokens"};
        int r;

        tw_buf_init(&url, 4000);
        r = tw_buf_printf(&url, "%s/organizations/%s/%s%s%s", base, c->inv->organization_id, path,
                          query ? "?" : "", query ? query : "");
        if (r < 0)
                goto fail;
        tmp = realloc(c->listings, (c->n_listings + 1) * sizeof(*tmp));
        l = calloc(1, sizeof(*l));
        if (tmp)
                c->listings = tmp;
        if (!tmp || !l) {
                r = -ENOMEM;
                goto fail;
        }
        l->c = c;
        l->kind = kind;
        l->endpoint = endpoints[kind];
        l->items_key = endpoints[kind];
        l->name = strdup(name);
        l->base_url = tw_buf_steal(&url);
        if (!l->name || !l->base_url) {
                r = -ENOMEM;
                goto fail;
        }
        c->listings[c->n_listings++] = l;
        r = submit_page(l);
        if (r < 0)
                c->fatal = r;
        return r;
fail:
        tw_buf_done(&url);
        listing_free(l);
        c->fatal = r == -ENOMEM ? r : c->fatal;
        return r;
}

/* Marks l failed; message (NULL: none, already said) becomes an error of
 * the listing named name (NULL: l's). */
static void listing_failed_as(struct listing *l, const char *name, const char *message)
{
        struct collect *c = l->c;

        if (message && tw_inventory_add_error(c->inv, name ? name : l->name, message) < 0)
                c->fatal = -ENOMEM;
        c->inv->listed[l->kind] = false;
        c->inv->all_pages[l->kind] = false;
}

static void listing_failed(struct listing *l, const char *message)
{
        listing_failed_as(l, NULL, message);
}

/* Whether a token of this scope is wanted by the config. */
static bool want_scope(const struct tw_astro_config *a, const char *scope)
{
        if (strcmp(scope, "ORGANIZATION") == 0)
                return a->include_organization_tokens;
        if (strcmp(scope, "DEPLOYMENT") == 0)
                return a->include_deployment_tokens;
        return true;
}

union item {
        struct tw_workspace w;
        struct tw_deployment d;
        struct tw_user u;
        struct tw_token t;
};

/* One parsed item, or why it did not parse. */
struct parsed {
        union item o;
        char *why;     /* NULL: o holds the parsed object */
        bool parsed;   /* o or why was set */
        bool consumed; /* o handed to the inventory or freed */
};

static int parse_item(enum tw_listing_kind kind, const cJSON *item, union item *o,
                      struct tw_buf *why)
{
        switch (kind) {
        case TW_LISTING_WORKSPACES:
                return tw_astro_parse_workspace(item, &o->w, why);
        case TW_LISTING_DEPLOYMENTS:
                return tw_astro_parse_deployment(item, &o->d, why);
        case TW_LISTING_USERS:
                return tw_astro_parse_user(item, &o->u, why);
        default:
                return tw_astro_parse_token(item, &o->t, why);
        }
}

/* Hands a parsed object to the inventory (which takes it on every path):
 * 0 (added, a duplicate, or a token of an unwanted scope) or -ENOMEM. */
static int add_parsed(struct listing *l, union item *o)
{
        struct tw_inventory *inv = l->c->inv;
        int r;

        if (l->kind == TW_LISTING_WORKSPACES)
                r = tw_inventory_add_workspace(inv, &o->w);
        else if (l->kind == TW_LISTING_DEPLOYMENTS)
                r = tw_inventory_add_deployment(inv, &o->d);
        else if (l->kind == TW_LISTING_USERS)
                r = tw_inventory_add_user(inv, &o->u);
        else if (want_scope(l->c->a, o->t.scope))
                r = tw_inventory_add_token(inv, &o->t);
        else {
                tw_token_done(&o->t);
                r = 0;
        }
        return r == -EEXIST ? 0 : r; /* a duplicate across pages or listings */
}

static void parsed_done(enum tw_listing_kind kind, struct parsed *p)
{
        if (!p->why && !p->consumed) {
                if (kind == TW_LISTING_WORKSPACES)
                        tw_workspace_done(&p->o.w);
                else if (kind == TW_LISTING_DEPLOYMENTS)
                        tw_deployment_done(&p->o.d);
                else if (kind == TW_LISTING_USERS)
                        tw_user_done(&p->o.u);
                else
                        tw_token_done(&p->o.t);
        }
        free(p->why);
}

/* Leaves out one item that did not parse: it is named in errors and makes
 * the listings of its kind incomplete (so nothing they would have held
 * counts as gone), while the other items stay.  0 or -ENOMEM. */
static int item_failed(struct listing *l, size_t index, const char *why)
{
        static const char *const nouns[] = {"workspace", "deployment", "user", "token"};
        struct tw_inventory *inv = l->c->inv;
        struct tw_buf msg;
        int r;

        inv->listed[l->kind] = false;
        if (l->items_left_out++ >= ITEM_ERRORS_MAX)
                return 0; /* counted in one line at the end */
        tw_buf_init(&msg, ERR_MAX);
        tw_buf_printf(&msg, "%s (page at offset %ld, item %zu): the %s is left out", why, l->offset,
                      index, nouns[l->kind]);
        r = tw_inventory_add_error(inv, l->name, msg.ptr ? msg.ptr : why) < 0 ? -ENOMEM : 0;
        tw_buf_done(&msg);
        return r;
}

/* Refuses a page that starts with the same id as the one before: the server
 * ignored offset, and paging on would repeat it until MAX_PAGES. */
static int check_new_page(struct listing *l, const cJSON *first, struct tw_buf *err)
{
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(first, "id");
        char *copy;

        if (!cJSON_IsString(id))
                return 0; /* the parser will name the problem */
        if (l->prev_first_id && strcmp(l->prev_first_id, id->valuestring) == 0) {
                tw_buf_adds(err, "the API returned the previous page again (it ignored offset); "
                                 "stopping this listing");
                return -EBADMSG;
        }
        copy = strdup(id->valuestring);
        if (!copy)
                return -ENOMEM;
        free(l->prev_first_id);
        l->prev_first_id = copy;
        return 0;
}

/* Parses every item of the page, one small tree at a time, into objs (n
 * of them): all of them before any is used, since a syntax error in any
 * item makes the whole page invalid.  *ret_good counts those that parsed
 * as objects; the others hold why not.  0, -EBADMSG (page or first id
 * refused, said in err) or -ENOMEM. */
static int parse_items(struct listing *l, struct tw_page *page, struct parsed *objs,
                       size_t *ret_good, struct tw_buf *err)
{
        struct tw_buf why;
        size_t i = 0;
        cJSON *item = NULL;
        int r;

        tw_buf_init(&why, ERR_MAX);
        *ret_good = 0;
        while ((r = tw_page_next(page, &item, err)) == 0 && item) {
                if (i == 0 && (r = check_new_page(l, item, err)) < 0)
                        break;
                tw_buf_reset(&why);
                r = parse_item(l->kind, item, &objs[i].o, &why);
                cJSON_Delete(item);
                item = NULL;
                if (r == -ENOMEM)
                        break;
                if (r < 0 && !(objs[i].why = tw_buf_steal(&why))) {
                        r = -ENOMEM;
                        break;
                }
                *ret_good += r == 0;
                objs[i].parsed = true;
                i++;
                r = 0;
        }
        cJSON_Delete(item);
        tw_buf_done(&why);
        return r;
}

/* Adds the items of one page; an item that does not parse is left out
 * (item_failed).  A page none of whose items parse fails as a whole
 * (-EINVAL, the first reason in err): the API more likely changed than
 * every object broke, and the last good data is worth more than none. */
static int add_items(struct listing *l, struct tw_page *page, struct tw_buf *err)
{
        size_t n = page->n_items, good = 0;
        struct parsed *objs;
        int r;

        objs = calloc(n ? n : 1, sizeof(*objs));
        if (!objs)
                return -ENOMEM;
        r = parse_items(l, page, objs, &good, err);
        if (r < 0)
                goto out;
        if (n > 0 && good == 0) {
                tw_buf_adds(err, objs[0].why);
                r = -EINVAL;
                goto out;
        }
        for (size_t j = 0; j < n && r == 0; j++) {
                if (objs[j].why) {
                        r = item_failed(l, j, objs[j].why);
                } else {
                        objs[j].consumed = true;
                        r = add_parsed(l, &objs[j].o);
                }
        }
out:
        for (size_t j = 0; j < n; j++)
                if (objs[j].parsed)
                        parsed_done(l->kind, &objs[j]);
        free(objs);
        return r;
}

static void http_failure(struct listing *l, const struct tw_http_result *res, struct tw_buf *msg);
static bool collection_failure(struct listing *l, const struct tw_http_result *res,
                               struct tw_buf *msg);
static void start_fallback_token_listings(struct collect *c);
static void start_deployment_token_listings(struct collect *c);

static void on_page(void *userdata, const struct tw_http_result *res)
{
        struct listing *l = userdata;
        struct collect *c = l->c;
        struct tw_page page = {0};
        struct tw_buf msg;
        size_t n;
        int r;

        tw_buf_init(&msg, ERR_MAX);
        if (res->error || res->status != 200) {
                if (l->org_wide_tokens && res->status == 403 && c->cred->claims.n_workspace_ids) {
                        start_fallback_token_listings(c);
                        goto out;
                }
                if (!collection_failure(l, res, &msg)) {
                        http_failure(l, res, &msg);
                        listing_failed(l, msg.ptr);
                }
                goto out;
        }
        tw_buf_printf(&msg, "page at offset %ld: ", l->offset);
        r = tw_astro_parse_page(res->body, res->body_len, l->items_key, &page, &msg);
        if (r == 0 && l->kind == TW_LISTING_TOKENS && l->offset == 0 && page.total > 0)
                /* room for the whole listing at once, not by doubling */
                tw_inventory_reserve_tokens(c->inv, (size_t)page.total);
        if (r == 0)
                r = add_items(l, &page, &msg);
        if (r == -ENOMEM) {
                c->fatal = r;
                goto out;
        }
        if (r < 0) {
                listing_failed(l, msg.ptr);
                goto out;
        }
        n = page.n_items;
        l->offset += (long)n;
        if (n > 0 && l->offset < page.total && ++l->pages >= MAX_PAGES) {
                tw_buf_reset(&msg);
                tw_buf_printf(&msg, "stopped after %d pages at offset %ld of totalCount %ld",
                              MAX_PAGES, l->offset, page.total);
                listing_failed(l, msg.ptr);
                goto out;
        }
        if (n > 0 && l->offset < page.total) {
                r = submit_page(l);
                if (r < 0)
                        c->fatal = r;
                goto out;
        }
        if (l->then_deployment_tokens)
                start_deployment_token_listings(c);
out:
        tw_page_done(&page);
        tw_buf_done(&msg);
}

/* Describes an HTTP or transport failure, with a hint for a person. */
static void http_failure(struct listing *l, const struct tw_http_result *res, struct tw_buf *msg)
{
        if (res->error == -E2BIG) {
                tw_buf_adds(msg, "response larger than the body cap");
                return;
        }
        if (res->error) {
                tw_buf_printf(msg, "%s after %d attempt%s",
                              res->error_text ? res->error_text : strerror(-res->error),
                              res->attempts, res->attempts == 1 ? "" : "s");
                if (res->hint)
                        tw_buf_printf(msg, " - %s", res->hint);
                return;
        }
        tw_buf_printf(msg, "HTTP %ld", res->status);
        if (res->attempts > 1)
                tw_buf_printf(msg, " after %d attempts", res->attempts);
        tw_buf_adds(msg, ": ");
        tw_astro_describe_error(res->body, res->body_len, msg);
        if (res->status == 403 && l->org_wide_tokens)
                tw_buf_adds(msg, " - a Workspace or Deployment API token cannot list the whole "
                                 "organization: use an Organization API token, or name the "
                                 "workspaces in [astro] workspaces");
        else if (res->status == 403)
                tw_buf_adds(msg, " - the API token lacks the permission for this listing");
        else if (res->status == 404 && strstr(l->name, "workspace="))
                tw_buf_adds(msg, " - no such workspace in this organization");
}

void tw_astro_describe_refusal(const struct tw_astro_config *a, const struct tw_http_result *res,
                               struct tw_buf *out)
{
        char source[128];
        struct tw_buf why;

        tw_credential_source(a, source, sizeof(source));
        tw_buf_init(&why, ERR_MAX);
        tw_astro_describe_error(res->body, res->body_len, &why);
        tw_buf_printf(out,
                      "the Astro API refused the credential in %s (HTTP %ld%s%s): create a new "
                      "API token and put it in %s",
                      source, res->status, why.ptr ? ": " : "", why.ptr ? why.ptr : "", source);
        tw_buf_done(&why);
}

void tw_astro_describe_unreachable(const struct tw_astro_config *a,
                                   const struct tw_http_result *res, struct tw_buf *out)
{
        char sbuf[80];
        const char *sec = tw_astro_section(a, sbuf, sizeof(sbuf));

        tw_buf_printf(out, "%s (after %d attempt%s): ",
                      res->error_text ? res->error_text : strerror(-res->error), res->attempts,
                      res->attempts == 1 ? "" : "s");
        if (res->error == -EHOSTUNREACH)
                tw_buf_printf(out,
                              "the host name in [%s] api_url does not resolve: check its "
                              "spelling and this machine's DNS",
                              sec);
        else
                tw_buf_printf(out,
                              "nothing accepts connections at [%s] api_url: check its host "
                              "and port, and any firewall or proxy",
                              sec);
}

/* A failure that is not the listing's but the whole collection's: the API
 * refused the credential (401), or its host is unreachable.  Every listing
 * fails alike, so the first says why in one error ("credential" or
 * "connection") and the others only fail.  false for any other failure. */
static bool collection_failure(struct listing *l, const struct tw_http_result *res,
                               struct tw_buf *msg)
{
        struct collect *c = l->c;
        bool rejected = !res->error && res->status == 401;

        if (!rejected && !tw_http_unreachable(res))
                return false;
        if (rejected ? c->said_rejected : c->said_unreachable) {
                listing_failed_as(l, NULL, NULL);
                return true;
        }
        if (rejected) {
                c->said_rejected = true;
                c->inv->credential.rejected = true;
                tw_astro_describe_refusal(c->a, res, msg);
        } else {
                c->said_unreachable = true;
                tw_astro_describe_unreachable(c->a, res, msg);
        }
        listing_failed_as(l, rejected ? "credential" : "connection", msg->ptr);
        return true;
}

static void start_workspace_token_listing(struct collect *c, const char *ws)
{
        char name[128], query[128];

        snprintf(name, sizeof(name), "tokens workspace=%s", ws);
        snprintf(query, sizeof(query), "workspaceId=%s", ws);
        start_listing(c, TW_LISTING_TOKENS, name, c->tokens_base, "tokens", query);
}

static void start_fallback_token_listings(struct collect *c)
{
        for (size_t i = 0; i < c->cred->claims.n_workspace_ids; i++)
                start_workspace_token_listing(c, c->cred->claims.workspace_ids[i]);
}

static bool listed_workspace(const struct tw_astro_config *a, const char *ws)
{
        for (size_t i = 0; i < a->n_workspaces; i++)
                if (ws && strcmp(a->workspaces[i], ws) == 0)
                        return true;
        return false;
}

static void start_deployment_token_listings(struct collect *c)
{
        const struct tw_inventory *inv = c->inv;
        char name[128], query[128];

        for (size_t i = 0; i < inv->n_deployments; i++) {
                const struct tw_deployment *d = &inv->deployments[i];

                if (!listed_workspace(c->a, d->workspace_id))
                        continue;
                snprintf(name, sizeof(name), "tokens deployment=%s", d->id);
                snprintf(query, sizeof(query), "deploymentId=%s", d->id);
                start_listing(c, TW_LISTING_TOKENS, name, c->tokens_base, "tokens", query);
        }
}

static void plan(struct collect *c)
{
        const struct tw_astro_config *a = c->a;

        start_listing(c, TW_LISTING_WORKSPACES, "workspaces", c->platform_base, "workspaces", NULL);
        start_listing(c, TW_LISTING_USERS, "users", c->users_base, "users", NULL);
        start_listing(c, TW_LISTING_DEPLOYMENTS, "deployments", c->platform_base, "deployments",
                      NULL);
        if (!a->workspaces) {
                if (start_listing(c, TW_LISTING_TOKENS, "tokens organization", c->tokens_base,
                                  "tokens", NULL) == 0)
                        c->listings[c->n_listings - 1]->org_wide_tokens = true;
                return;
        }
        for (size_t i = 0; i < a->n_workspaces; i++)
                start_workspace_token_listing(c, a->workspaces[i]);
        if (a->include_organization_tokens)
                start_listing(c, TW_LISTING_TOKENS, "tokens organization-scope", c->tokens_base,
                              "tokens", "includeOnlyOrganizationTokens=true");
        if (a->include_deployment_tokens)
                for (size_t i = 0; i < c->n_listings; i++)
                        if (c->listings[i]->kind == TW_LISTING_DEPLOYMENTS)
                                c->listings[i]->then_deployment_tokens = true;
}

/* One error per listing for the items left out beyond those named. */
static void count_items_left_out(struct collect *c)
{
        char msg[160];

        for (size_t i = 0; i < c->n_listings; i++) {
                const struct listing *l = c->listings[i];

                if (l->items_left_out <= ITEM_ERRORS_MAX)
                        continue;
                snprintf(msg, sizeof(msg), "%ld more items did not parse and are left out",
                         l->items_left_out - ITEM_ERRORS_MAX);
                if (tw_inventory_add_error(c->inv, l->name, msg) < 0)
                        c->fatal = -ENOMEM;
        }
}

/* Configured workspaces the API does not know become errors of their own. */
static void check_configured_workspaces(struct collect *c)
{
        char name[128];

        if (!c->inv->listed[TW_LISTING_WORKSPACES])
                return;
        for (size_t i = 0; i < c->a->n_workspaces; i++) {
                const char *ws = c->a->workspaces[i];

                if (tw_inventory_workspace(c->inv, ws))
                        continue;
                snprintf(name, sizeof(name), "workspace %s", ws);
                if (tw_inventory_add_error(c->inv, name,
                                           "not found among the organization's workspaces "
                                           "(check [astro] workspaces)") < 0)
                        c->fatal = -ENOMEM;
        }
}

struct tw_transport *tw_astro_transport_new(const struct tw_config *cfg, const char *bearer,
                                            volatile sig_atomic_t *cancel, int64_t deadline_ns)
{
        return tw_astro_transport_new_org(&cfg->astro, bearer, cancel, deadline_ns);
}

struct tw_transport *tw_astro_transport_new_org(const struct tw_astro_config *a, const char *bearer,
                                                volatile sig_atomic_t *cancel, int64_t deadline_ns)
{
        struct tw_http_options o = {
                .bearer = bearer,
                /* pin the v1 minor version we were written against */
                .extra_header = strcmp(a->api_version, "v1") == 0 ? "X-API-Version: 1.0" : NULL,
                .timeout_ms = a->request_timeout * 1000,
                .max_concurrency = a->max_concurrency,
                .rate_limit = a->rate_limit,
                .max_retries = a->max_retries,
                .cancel = cancel,
                .deadline_ns = deadline_ns,
        };

        return tw_transport_curl_new(&o);
}

int tw_astro_collect(const struct tw_config *cfg, const struct tw_credential_info *cred,
                     struct tw_transport *transport, int64_t now, struct tw_inventory **ret_inv)
{
        return tw_astro_collect_org(&cfg->astro, cred, transport, now, ret_inv);
}

int tw_astro_collect_org(const struct tw_astro_config *a, const struct tw_credential_info *cred,
                         struct tw_transport *transport, int64_t now, struct tw_inventory **ret_inv)
{
        struct collect c = {.a = a, .cred = cred, .t = transport};
        int r;

        c.inv = tw_inventory_new(cred->organization_id, a->api_version);
        c.tokens_base = tw_astro_api_base(a, "tokens");
        c.users_base = tw_astro_api_base(a, "users");
        c.platform_base = tw_astro_api_base(a, "workspaces");
        if (!c.inv || !c.tokens_base || !c.users_base || !c.platform_base) {
                r = -ENOMEM;
                goto out;
        }
        c.inv->collected_at = now;
        c.inv->credential.expires_at = cred->claims.exp;
        if (cred->claims.api_token_id &&
            !(c.inv->credential.token_id = strdup(cred->claims.api_token_id))) {
                r = -ENOMEM;
                goto out;
        }
        plan(&c);
        r = tw_transport_run(transport);
        if (r == -ECANCELED || c.fatal) {
                r = c.fatal ? c.fatal : r;
                goto out;
        }
        count_items_left_out(&c);
        check_configured_workspaces(&c);
        r = c.fatal ? c.fatal : tw_inventory_sort(c.inv);
        if (r == 0 && c.inv->credential.token_id) {
                /* The listing is the API's word on our own token's expiry;
                 * the JWT's exp is the fallback when we cannot see it. */
                const struct tw_token *own = tw_inventory_token(c.inv, c.inv->credential.token_id);

                if (own && own->end_at != TW_NO_TIME)
                        c.inv->credential.expires_at = own->end_at;
        }
        if (r < 0)
                goto out;
        *ret_inv = c.inv;
        c.inv = NULL;
        r = 0;
out:
        for (size_t i = 0; i < c.n_listings; i++)
                listing_free(c.listings[i]);
        free(c.listings);
        free(c.tokens_base);
        free(c.users_base);
        free(c.platform_base);
        tw_inventory_free(c.inv);
        return r;
}
