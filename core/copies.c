/* Copies of tokens' values: which token a [deliver.NAME] holds, when a
 * token's value was issued, and how people name a copy and write it. */
#include "core/copies.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "core/config/copies.h"
#include "core/inventory.h"
#include "lib/buf.h"
#include "lib/suggest.h"
#include "lib/timeutil.h"

#define MAX_IDS_LISTED 3

void tw_copy_state_init(struct tw_copy_state *s)
{
        memset(s, 0, sizeof(*s));
        s->status = TW_COPY_STATE_UNCHECKED;
        s->checked_at = TW_NO_TIME;
        s->known_at = TW_NO_TIME;
        s->updated_at = TW_NO_TIME;
        s->iat = TW_NO_TIME;
}

int64_t tw_token_issued_at(const struct tw_token *t, int64_t now)
{
        int64_t at = TW_NO_TIME;

        if (t->last_rotated_at != TW_NO_TIME)
                at = t->last_rotated_at;
        if (t->created_at != TW_NO_TIME && t->created_at > at)
                at = t->created_at;
        if (t->start_at != TW_NO_TIME && t->start_at <= now && t->start_at > at)
                at = t->start_at;
        return at;
}

/* Copy c's organization: an index in inv->orgs, ANY_ORG for an inventory
 * without organizations (one collection's), or NO_ORG when inv does not
 * hold it. */
#define ANY_ORG SIZE_MAX
#define NO_ORG (SIZE_MAX - 1)

static size_t org_of(const struct tw_inventory *inv, const struct tw_copy_config *c)
{
        if (inv->n_orgs == 0)
                return ANY_ORG;
        for (size_t i = 0; i < inv->n_orgs; i++)
                if (!c->astro || (inv->orgs[i].name && strcmp(inv->orgs[i].name, c->astro) == 0))
                        return i;
        return NO_ORG;
}

static bool in_org(const struct tw_token *t, size_t org)
{
        return org == ANY_ORG || t->org == org;
}

/* How people name the organization: its display name, else its id. */
static const char *org_name(const struct tw_inventory *inv, size_t org)
{
        if (org == ANY_ORG)
                return inv->organization_id ? inv->organization_id : "";
        return inv->orgs[org].display_name ? inv->orgs[org].display_name : inv->orgs[org].id;
}

/* No token named c->token: why, with the nearest name. */
static int unknown(const struct tw_inventory *inv, const struct tw_copy_config *c, size_t org,
                   struct tw_buf *why)
{
        struct tw_suggest near;

        tw_suggest_init(&near, c->token);
        for (size_t i = 0; i < inv->n_tokens; i++)
                if (in_org(&inv->tokens[i], org) && inv->tokens[i].name)
                        tw_suggest_add(&near, inv->tokens[i].name);
        tw_buf_printf(why, "no token of organization %s has the id or name \"%s\"",
                      org_name(inv, org), c->token);
        if (tw_suggest_best(&near))
                tw_buf_printf(why, " (did you mean \"%s\"?)", tw_suggest_best(&near));
        if (!inv->listed[TW_LISTING_TOKENS])
                tw_buf_adds(why, "; the token listing was incomplete");
        return -ENOENT;
}

int tw_copy_resolve(const struct tw_inventory *inv, const struct tw_copy_config *c,
                    size_t *ret_token, struct tw_buf *why)
{
        size_t org = org_of(inv, c), found = SIZE_MAX, n = 0;
        const struct tw_token *t;

        if (org == NO_ORG)
                return -ESRCH;
        if (!c->token)
                return -EINVAL;
        t = tw_inventory_token(inv, c->token);
        if (t && in_org(t, org)) {
                *ret_token = (size_t)(t - inv->tokens);
                return 0;
        }
        for (size_t i = 0; i < inv->n_tokens; i++)
                if (in_org(&inv->tokens[i], org) && inv->tokens[i].name &&
                    strcmp(inv->tokens[i].name, c->token) == 0 && n++ == 0)
                        found = i;
        if (n == 1) {
                *ret_token = found;
                return 0;
        }
        if (n == 0)
                return unknown(inv, c, org, why);
        tw_buf_printf(why, "%zu tokens of organization %s are named \"%s\" (", n,
                      org_name(inv, org), c->token);
        for (size_t i = found, k = 0; i < inv->n_tokens && k < MAX_IDS_LISTED; i++)
                if (in_org(&inv->tokens[i], org) && inv->tokens[i].name &&
                    strcmp(inv->tokens[i].name, c->token) == 0)
                        tw_buf_printf(why, "%s%s", k++ ? ", " : "", inv->tokens[i].id);
        tw_buf_printf(why, "%s): name the token by its id", n > MAX_IDS_LISTED ? ", ..." : "");
        return -ENOTUNIQ;
}
