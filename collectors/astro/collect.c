/* The Astro API collection of one organization: its listings (paged, in
 * parallel on one transport), their failures, and the plan of what to list
 * (items.c adds what each page holds). */
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

#include "collectors/astro/collect_internal.h"

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
                     strchr(l->base_url, '?') ? '&' : '?', l->offset, TW_ASTRO_PAGE_LIMIT);
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
        r = tw_astro_parse_page(res->body, res->body_len, l->items_key, TW_ASTRO_PAGE_LIMIT, &page,
                                &msg);
        if (r == 0 && l->kind == TW_LISTING_TOKENS && l->offset == 0 && page.total > 0)
                /* room for the whole listing at once, not by doubling */
                tw_inventory_reserve_tokens(c->inv, (size_t)page.total);
        if (r == 0)
                r = collect_add_items(l, &page, &msg);
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
