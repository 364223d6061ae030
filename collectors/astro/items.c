/* A page's items into the inventory: each parsed on its own, all of them
 * before any is used (a syntax error anywhere makes the page invalid), the
 * ones that do not parse left out and named. */
#include "collectors/astro/collect_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config.h"
#include "lib/buf.h"

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
int collect_add_items(struct listing *l, struct tw_page *page, struct tw_buf *err)
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
