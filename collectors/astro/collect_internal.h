/* The collection's insides, shared by collect.c (the listings, paging,
 * failures) and items.c (a page's items into the inventory). */
#ifndef TW_COLLECTORS_ASTRO_COLLECT_INTERNAL_H
#define TW_COLLECTORS_ASTRO_COLLECT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "collectors/astro/astro.h"
#include "collectors/astro/parse.h"
#include "core/inventory.h"

struct tw_buf;
struct tw_transport;
struct tw_credential_info;

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

/* Adds the items of one page to the inventory; an item that does not parse
 * is left out (and named, up to ITEM_ERRORS_MAX).  A page none of whose
 * items parse fails as a whole: -EINVAL, the first reason in err.  0,
 * -EBADMSG (the page is not valid JSON, or repeats the previous one), or
 * -ENOMEM. */
int collect_add_items(struct listing *l, struct tw_page *page, struct tw_buf *err);

#endif
