/* Several organizations' inventories as one: the evaluator and
 * every exporter read one inventory; its tokens say which organization
 * they belong to. */
#include "core/inventory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/timeutil.h"

/* strdup that keeps NULL; sets *failed on -ENOMEM. */
static char *dup(const char *s, int *failed)
{
        char *c;

        if (!s)
                return NULL;
        c = strdup(s);
        if (!c)
                *failed = 1;
        return c;
}

static struct tw_subject *dup_subject(const struct tw_subject *o, int *failed)
{
        struct tw_subject *c;

        if (!o)
                return NULL;
        c = calloc(1, sizeof(*c));
        if (!c) {
                *failed = 1;
                return NULL;
        }
        c->id = dup(o->id, failed);
        c->subject_type = dup(o->subject_type, failed);
        c->username = dup(o->username, failed);
        c->full_name = dup(o->full_name, failed);
        c->api_token_name = dup(o->api_token_name, failed);
        return c;
}

/* A heap copy of o, as a collector makes one, for tw_inventory_add_token. */
static int dup_token(const struct tw_token *o, struct tw_token *c)
{
        int failed = 0;

        *c = *o;
        c->id = dup(o->id, &failed);
        c->name = dup(o->name, &failed);
        c->description = dup(o->description, &failed);
        c->short_token = dup(o->short_token, &failed);
        c->scope = dup(o->scope, &failed);
        c->kind = dup(o->kind, &failed);
        c->roles = o->n_roles ? calloc(o->n_roles, sizeof(*c->roles)) : NULL;
        if (o->n_roles && !c->roles) {
                c->n_roles = 0;
                failed = 1;
        }
        for (size_t i = 0; c->roles && i < o->n_roles; i++) {
                c->roles[i].entity_type = dup(o->roles[i].entity_type, &failed);
                c->roles[i].entity_id = dup(o->roles[i].entity_id, &failed);
                c->roles[i].role = dup(o->roles[i].role, &failed);
                c->roles[i].deployment_id = dup(o->roles[i].deployment_id, &failed);
        }
        c->created_by = dup_subject(o->created_by, &failed);
        c->updated_by = dup_subject(o->updated_by, &failed);
        if (failed) {
                tw_token_done(c);
                return -ENOMEM;
        }
        return 0;
}

/* -EEXIST (a duplicate, dropped) is not an error here. */
static int added(int r)
{
        return r == -EEXIST ? 0 : r;
}

static int merge_objects(struct tw_inventory *m, const struct tw_inventory *p, size_t org)
{
        int r = 0, failed = 0;

        for (size_t i = 0; r == 0 && i < p->n_workspaces; i++) {
                struct tw_workspace w = {dup(p->workspaces[i].id, &failed),
                                         dup(p->workspaces[i].name, &failed)};

                r = failed ? (tw_workspace_done(&w), -ENOMEM)
                           : added(tw_inventory_add_workspace(m, &w));
        }
        for (size_t i = 0; r == 0 && i < p->n_deployments; i++) {
                const struct tw_deployment *o = &p->deployments[i];
                struct tw_deployment d = {dup(o->id, &failed), dup(o->name, &failed),
                                          dup(o->workspace_id, &failed)};

                r = failed ? (tw_deployment_done(&d), -ENOMEM)
                           : added(tw_inventory_add_deployment(m, &d));
        }
        for (size_t i = 0; r == 0 && i < p->n_users; i++) {
                const struct tw_user *o = &p->users[i];
                struct tw_user u = {dup(o->id, &failed), dup(o->username, &failed),
                                    dup(o->full_name, &failed), dup(o->status, &failed)};

                r = failed ? (tw_user_done(&u), -ENOMEM)
                           : added(tw_inventory_add_member(m, org, &u));
        }
        for (size_t i = 0; r == 0 && i < p->n_tokens; i++) {
                struct tw_token t;

                r = dup_token(&p->tokens[i], &t);
                t.org = org;
                if (r == 0)
                        r = added(tw_inventory_add_token(m, &t));
        }
        return r;
}

static int merge_errors(struct tw_inventory *m, const struct tw_inventory_part *part, bool prefix)
{
        const struct tw_inventory *p = part->inv;
        const char *org = part->name ? part->name : p->organization_id;
        struct tw_buf listing;
        int r = 0;

        tw_buf_init(&listing, 64 * 1024);
        for (size_t i = 0; r == 0 && i < p->n_errors; i++) {
                if (!prefix) {
                        r = tw_inventory_add_error(m, p->errors[i].listing, p->errors[i].message);
                        continue;
                }
                tw_buf_reset(&listing);
                r = tw_buf_printf(&listing, "%s: %s", org, p->errors[i].listing);
                if (r == 0)
                        r = tw_inventory_add_error(m, listing.ptr, p->errors[i].message);
        }
        tw_buf_done(&listing);
        return r;
}

static int add_org(struct tw_inventory *m, const struct tw_inventory_part *part)
{
        struct tw_inventory_org *o = &m->orgs[m->n_orgs];
        int failed = 0;

        memset(o, 0, sizeof(*o));
        o->id = dup(part->inv->organization_id ? part->inv->organization_id : "", &failed);
        o->name = dup(part->name, &failed);
        o->display_name = dup(part->display_name, &failed);
        o->fresh = part->fresh;
        o->collected_at = part->inv->collected_at;
        m->n_orgs++;
        return failed ? -ENOMEM : 0;
}

int tw_inventory_adopt(struct tw_inventory *inv, const struct tw_inventory_part *part)
{
        struct tw_inventory_org *orgs = calloc(1, sizeof(*orgs));
        int r;

        if (!orgs || part->inv != inv || inv->orgs) { /* a collected inventory has no table */
                free(orgs);
                return orgs ? -EINVAL : -ENOMEM;
        }
        inv->orgs = orgs;
        r = add_org(inv, part);
        for (size_t i = 0; r == 0 && i < inv->n_tokens; i++)
                inv->tokens[i].org = 0;
        return r == 0 ? tw_inventory_sort(inv) : r;
}

int tw_inventory_merge(const struct tw_inventory_part *parts, size_t n, int64_t collected_at,
                       struct tw_inventory **ret_inv)
{
        const struct tw_credential *cred = NULL;
        struct tw_inventory *m;
        struct tw_buf ids;
        int r = 0;

        tw_buf_init(&ids, 1024 * 1024);
        for (size_t i = 0; r == 0 && i < n; i++)
                r = tw_buf_printf(&ids, "%s%s", i ? "," : "", parts[i].inv->organization_id);
        m = r == 0 ? tw_inventory_new(ids.ptr ? ids.ptr : "", n ? parts[0].inv->api_version : "v1")
                   : NULL;
        tw_buf_done(&ids);
        if (!m)
                return -ENOMEM;
        m->collected_at = collected_at;
        m->orgs = calloc(n ? n : 1, sizeof(*m->orgs));
        if (!m->orgs)
                r = -ENOMEM;
        for (size_t i = 0; r == 0 && i < n; i++) {
                const struct tw_inventory *p = parts[i].inv;

                r = add_org(m, &parts[i]);
                if (r == 0)
                        r = merge_objects(m, p, i);
                if (r == 0)
                        r = merge_errors(m, &parts[i], n > 1);
                for (int k = 0; k < _TW_LISTING_KIND_MAX; k++) {
                        m->listed[k] = m->listed[k] && p->listed[k];
                        m->all_pages[k] = m->all_pages[k] && p->all_pages[k];
                }
                /* the credential that expires first is the one to watch */
                if (!cred || (p->credential.expires_at != TW_NO_TIME &&
                              (cred->expires_at == TW_NO_TIME ||
                               p->credential.expires_at < cred->expires_at)))
                        cred = &p->credential;
        }
        if (r == 0 && cred) {
                m->credential.expires_at = cred->expires_at;
                if (cred->token_id && !(m->credential.token_id = strdup(cred->token_id)))
                        r = -ENOMEM;
        }
        if (r == 0)
                r = tw_inventory_sort(m);
        if (r < 0) {
                tw_inventory_free(m);
                return r;
        }
        *ret_inv = m;
        return 0;
}

static const struct tw_inventory_org *token_org(const struct tw_inventory *inv,
                                                const struct tw_token *t)
{
        return t && t->org < inv->n_orgs ? &inv->orgs[t->org] : NULL;
}

const char *tw_token_organization_id(const struct tw_inventory *inv, const struct tw_token *t)
{
        const struct tw_inventory_org *o = token_org(inv, t);

        if (o)
                return o->id;
        return inv->organization_id ? inv->organization_id : "";
}

const char *tw_token_organization_name(const struct tw_inventory *inv, const struct tw_token *t)
{
        const struct tw_inventory_org *o = token_org(inv, t);

        return o && o->display_name ? o->display_name : tw_token_organization_id(inv, t);
}

bool tw_token_in_organization(const struct tw_inventory *inv, const struct tw_token *t,
                              const char *org)
{
        const struct tw_inventory_org *o = token_org(inv, t);

        if (strcmp(tw_token_organization_id(inv, t), org) == 0)
                return true;
        return o && ((o->name && strcmp(o->name, org) == 0) ||
                     (o->display_name && strcmp(o->display_name, org) == 0));
}
