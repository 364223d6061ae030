#include "core/inventory.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/timeutil.h"

struct tw_inventory *tw_inventory_new(const char *organization_id, const char *api_version)
{
        struct tw_inventory *inv = calloc(1, sizeof(*inv));

        if (!inv)
                return NULL;
        inv->organization_id = strdup(organization_id ? organization_id : "");
        inv->api_version = strdup(api_version ? api_version : "v1");
        inv->credential.expires_at = TW_NO_TIME;
        if (!inv->organization_id || !inv->api_version) {
                tw_inventory_free(inv);
                return NULL;
        }
        for (int i = 0; i < _TW_LISTING_KIND_MAX; i++)
                inv->listed[i] = inv->all_pages[i] = true;
        tw_strmap_init(&inv->workspace_index);
        tw_strmap_init(&inv->deployment_index);
        tw_strmap_init(&inv->user_index);
        tw_strmap_init(&inv->token_index);
        tw_strmap_init(&inv->subjects);
        tw_strmap_init(&inv->member_index);
        tw_arena_init(&inv->arena);
        return inv;
}

void tw_subject_free(struct tw_subject *s)
{
        if (!s)
                return;
        free(s->id);
        free(s->subject_type);
        free(s->username);
        free(s->full_name);
        free(s->api_token_name);
        free(s);
}

const char *tw_subject_name(const struct tw_subject *s)
{
        if (!s)
                return NULL;
        if (s->full_name && *s->full_name)
                return s->full_name;
        if (s->username && *s->username)
                return s->username;
        if (s->api_token_name && *s->api_token_name)
                return s->api_token_name;
        return s->id;
}

void tw_token_done(struct tw_token *t)
{
        if (!t)
                return;
        free(t->id);
        free(t->name);
        free(t->description);
        free(t->short_token);
        free(t->scope);
        free(t->kind);
        for (size_t i = 0; i < t->n_roles; i++) {
                free(t->roles[i].entity_type);
                free(t->roles[i].entity_id);
                free(t->roles[i].role);
                free(t->roles[i].deployment_id);
        }
        free(t->roles);
        tw_subject_free(t->created_by);
        tw_subject_free(t->updated_by);
        memset(t, 0, sizeof(*t));
}

void tw_workspace_done(struct tw_workspace *w)
{
        free(w->id);
        free(w->name);
        memset(w, 0, sizeof(*w));
}

void tw_deployment_done(struct tw_deployment *d)
{
        free(d->id);
        free(d->name);
        free(d->workspace_id);
        memset(d, 0, sizeof(*d));
}

void tw_user_done(struct tw_user *u)
{
        free(u->id);
        free(u->username);
        free(u->full_name);
        free(u->status);
        memset(u, 0, sizeof(*u));
}

void tw_inventory_free(struct tw_inventory *inv)
{
        if (!inv)
                return;
        /* the objects' strings live in the arena */
        for (size_t i = 0; i < inv->n_errors; i++) {
                free(inv->errors[i].listing);
                free(inv->errors[i].message);
        }
        free(inv->workspaces);
        free(inv->deployments);
        free(inv->users);
        free(inv->tokens);
        free(inv->errors);
        tw_strmap_done(&inv->workspace_index);
        tw_strmap_done(&inv->deployment_index);
        tw_strmap_done(&inv->user_index);
        tw_strmap_done(&inv->token_index);
        tw_strmap_done(&inv->subjects);
        tw_strmap_done(&inv->member_index);
        tw_arena_done(&inv->arena);
        free(inv->credential.token_id);
        free(inv->organization_id);
        for (size_t i = 0; i < inv->n_orgs; i++) {
                free(inv->orgs[i].id);
                free(inv->orgs[i].name);
                free(inv->orgs[i].display_name);
        }
        free(inv->orgs);
        free(inv->api_version);
        free(inv);
}

#define DUP(f) (c.f = tw_arena_strdup(a, o->f, &failed))
#define INTERN(f) (c.f = tw_arena_intern(a, o->f, &failed))

static bool same_subject(const struct tw_subject *a, const struct tw_subject *b)
{
        /* interned: equal strings are the same pointer */
        return a->id == b->id && a->subject_type == b->subject_type && a->username == b->username &&
               a->full_name == b->full_name && a->api_token_name == b->api_token_name;
}

/* The arena copy of a subject; a few people and automation keys create most
 * tokens, so equal subjects share one copy (found through their id). */
static struct tw_subject *compact_subject(struct tw_arena *a, struct tw_strmap *subjects,
                                          const struct tw_subject *o, int *fail)
{
        struct tw_subject c = {0}, *ret;
        int failed = 0;
        size_t v;

        if (!o)
                return NULL;
        INTERN(id);
        INTERN(subject_type);
        INTERN(username);
        INTERN(full_name);
        INTERN(api_token_name);
        if (failed) {
                *fail = 1;
                return NULL;
        }
        if (c.id && tw_strmap_get(subjects, c.id, &v) &&
            same_subject((const struct tw_subject *)(uintptr_t)v, &c))
                return (struct tw_subject *)(uintptr_t)v;
        ret = tw_arena_alloc(a, sizeof(*ret));
        if (!ret) {
                *fail = 1;
                return NULL;
        }
        *ret = c;
        /* the first of an id is the one shared; -EEXIST (another subject
         * of that id came first) just shares nothing */
        if (c.id && tw_strmap_put(subjects, c.id, (size_t)(uintptr_t)ret) == -ENOMEM)
                *fail = 1;
        return ret;
}

/* Moves a token's strings into the arena and frees the originals. */
static int compact_token(struct tw_inventory *inv, struct tw_token *o)
{
        struct tw_arena *a = &inv->arena;
        struct tw_token c = *o;
        int failed = 0;

        DUP(id);
        DUP(name);
        DUP(description);
        DUP(short_token);
        INTERN(scope);
        INTERN(kind);
        c.roles = o->n_roles ? tw_arena_alloc(a, o->n_roles * sizeof(*c.roles)) : NULL;
        if (o->n_roles && !c.roles)
                failed = 1;
        for (size_t i = 0; c.roles && i < o->n_roles; i++) {
                c.roles[i].entity_type = tw_arena_intern(a, o->roles[i].entity_type, &failed);
                c.roles[i].entity_id = tw_arena_intern(a, o->roles[i].entity_id, &failed);
                c.roles[i].role = tw_arena_intern(a, o->roles[i].role, &failed);
                c.roles[i].deployment_id = tw_arena_intern(a, o->roles[i].deployment_id, &failed);
        }
        c.created_by = compact_subject(a, &inv->subjects, o->created_by, &failed);
        c.updated_by = compact_subject(a, &inv->subjects, o->updated_by, &failed);
        tw_token_done(o);
        if (failed)
                return -ENOMEM;
        *o = c;
        return 0;
}

static int compact_workspace(struct tw_inventory *inv, struct tw_workspace *o)
{
        struct tw_arena *a = &inv->arena;
        struct tw_workspace c = *o;
        int failed = 0;

        DUP(id);
        DUP(name);
        tw_workspace_done(o);
        if (failed)
                return -ENOMEM;
        *o = c;
        return 0;
}

static int compact_deployment(struct tw_inventory *inv, struct tw_deployment *o)
{
        struct tw_arena *a = &inv->arena;
        struct tw_deployment c = *o;
        int failed = 0;

        DUP(id);
        DUP(name);
        INTERN(workspace_id);
        tw_deployment_done(o);
        if (failed)
                return -ENOMEM;
        *o = c;
        return 0;
}

static int compact_user(struct tw_inventory *inv, struct tw_user *o)
{
        struct tw_arena *a = &inv->arena;
        struct tw_user c = *o;
        int failed = 0;

        DUP(id);
        DUP(username);
        DUP(full_name);
        INTERN(status);
        tw_user_done(o);
        if (failed)
                return -ENOMEM;
        *o = c;
        return 0;
}

#undef DUP
#undef INTERN

#define ADD_ITEM(inv, arr, n, cap, index, item, done, compact)                     \
        do {                                                                       \
                int r_;                                                            \
                if (!(item)->id) {                                                 \
                        done(item);                                                \
                        return -EINVAL;                                            \
                }                                                                  \
                if (tw_strmap_get(&(inv)->index, (item)->id, NULL)) {              \
                        done(item);                                                \
                        return -EEXIST;                                            \
                }                                                                  \
                r_ = tw_array_reserve((void **)&(inv)->arr, (inv)->n, &(inv)->cap, \
                                      sizeof(*(item)));                            \
                if (r_ < 0) {                                                      \
                        done(item);                                                \
                        return r_;                                                 \
                }                                                                  \
                r_ = compact((inv), (item)); /* frees the originals */             \
                if (r_ >= 0)                                                       \
                        r_ = tw_strmap_put(&(inv)->index, (item)->id, (inv)->n);   \
                if (r_ < 0) {                                                      \
                        memset((item), 0, sizeof(*(item)));                        \
                        return r_;                                                 \
                }                                                                  \
                (inv)->arr[(inv)->n++] = *(item);                                  \
                memset((item), 0, sizeof(*(item)));                                \
                return 0;                                                          \
        } while (0)

int tw_inventory_add_workspace(struct tw_inventory *inv, struct tw_workspace *w)
{
        ADD_ITEM(inv, workspaces, n_workspaces, cap_workspaces, workspace_index, w,
                 tw_workspace_done, compact_workspace);
}

int tw_inventory_add_deployment(struct tw_inventory *inv, struct tw_deployment *d)
{
        ADD_ITEM(inv, deployments, n_deployments, cap_deployments, deployment_index, d,
                 tw_deployment_done, compact_deployment);
}

int tw_inventory_add_user(struct tw_inventory *inv, struct tw_user *u)
{
        ADD_ITEM(inv, users, n_users, cap_users, user_index, u, tw_user_done, compact_user);
}

int tw_inventory_add_token(struct tw_inventory *inv, struct tw_token *t)
{
        ADD_ITEM(inv, tokens, n_tokens, cap_tokens, token_index, t, tw_token_done, compact_token);
}

/* The membership key "<org>\n<id>": in the arena a (kept), else in buf
 * (size bytes) or on the heap when it does not fit; NULL on -ENOMEM. */
static char *member_key(struct tw_arena *a, size_t org, const char *id, char *buf, size_t size)
{
        int n = snprintf(buf, size, "%zu\n%s", org, id);
        char *k;

        if (n < 0)
                return NULL;
        if (!a && (size_t)n < size)
                return buf;
        k = a ? tw_arena_alloc(a, (size_t)n + 1) : malloc((size_t)n + 1);
        if (k)
                snprintf(k, (size_t)n + 1, "%zu\n%s", org, id);
        return k;
}

int tw_inventory_add_member(struct tw_inventory *inv, size_t org, struct tw_user *u)
{
        const char *key;
        int r;

        if (!u->id) {
                tw_user_done(u);
                return -EINVAL;
        }
        r = tw_array_reserve((void **)&inv->users, inv->n_users, &inv->cap_users, sizeof(*u));
        if (r < 0) {
                tw_user_done(u);
                return r;
        }
        r = compact_user(inv, u); /* frees the originals */
        key = r < 0 ? NULL : member_key(&inv->arena, org, u->id, NULL, 0);
        if (!key) {
                memset(u, 0, sizeof(*u));
                return r < 0 ? r : -ENOMEM;
        }
        r = tw_strmap_put(&inv->member_index, key, inv->n_users);
        if (r == 0 && !tw_strmap_get(&inv->user_index, u->id, NULL))
                r = tw_strmap_put(&inv->user_index, u->id, inv->n_users);
        if (r == 0)
                inv->users[inv->n_users++] = *u;
        memset(u, 0, sizeof(*u));
        return r;
}

int tw_inventory_add_error(struct tw_inventory *inv, const char *listing, const char *message)
{
        struct tw_listing_error e = {0};
        int r;

        r = tw_array_reserve((void **)&inv->errors, inv->n_errors, &inv->cap_errors, sizeof(e));
        if (r < 0)
                return r;
        e.listing = strdup(listing ? listing : "");
        e.message = strdup(message ? message : "");
        if (!e.listing || !e.message) {
                free(e.listing);
                free(e.message);
                return -ENOMEM;
        }
        inv->errors[inv->n_errors++] = e;
        return 0;
}

bool tw_inventory_complete(const struct tw_inventory *inv)
{
        return inv->n_errors == 0;
}

#define LOOKUP(inv, arr, index, id)                           \
        do {                                                  \
                size_t i_;                                    \
                if (!tw_strmap_get(&(inv)->index, (id), &i_)) \
                        return NULL;                          \
                return &(inv)->arr[i_];                       \
        } while (0)

const struct tw_workspace *tw_inventory_workspace(const struct tw_inventory *inv, const char *id)
{
        LOOKUP(inv, workspaces, workspace_index, id);
}

const struct tw_deployment *tw_inventory_deployment(const struct tw_inventory *inv, const char *id)
{
        LOOKUP(inv, deployments, deployment_index, id);
}

const struct tw_user *tw_inventory_user(const struct tw_inventory *inv, const char *id)
{
        LOOKUP(inv, users, user_index, id);
}

const struct tw_user *tw_inventory_org_user(const struct tw_inventory *inv,
                                            const struct tw_token *t, const char *id)
{
        char buf[192], *key;
        size_t i;
        bool found;

        if (!inv || !id)
                return NULL;
        if (inv->member_index.n == 0) /* one organization's inventory */
                return tw_inventory_user(inv, id);
        if (!t || !(key = member_key(NULL, t->org, id, buf, sizeof(buf))))
                return NULL;
        found = tw_strmap_get(&inv->member_index, key, &i);
        if (key != buf)
                free(key);
        return found ? &inv->users[i] : NULL;
}

const struct tw_token *tw_inventory_token(const struct tw_inventory *inv, const char *id)
{
        LOOKUP(inv, tokens, token_index, id);
}

const char *tw_inventory_entity_name(const struct tw_inventory *inv, const struct tw_role *role)
{
        const struct tw_workspace *w;
        const struct tw_deployment *d;

        if (!role->entity_type || !role->entity_id)
                return NULL;
        if (strcmp(role->entity_type, "WORKSPACE") == 0) {
                w = tw_inventory_workspace(inv, role->entity_id);
                return w ? w->name : NULL;
        }
        if (strcmp(role->entity_type, "DEPLOYMENT") == 0) {
                d = tw_inventory_deployment(inv, role->entity_id);
                return d ? d->name : NULL;
        }
        return NULL;
}

static int cmp_token(const void *a, const void *b)
{
        return strcmp(((const struct tw_token *)a)->id, ((const struct tw_token *)b)->id);
}

static int cmp_workspace(const void *a, const void *b)
{
        return strcmp(((const struct tw_workspace *)a)->id, ((const struct tw_workspace *)b)->id);
}

void tw_inventory_reserve_tokens(struct tw_inventory *inv, size_t n)
{
        struct tw_token *p;

        if (n > TW_INVENTORY_RESERVE_MAX || inv->n_tokens + n <= inv->cap_tokens)
                return;
        p = realloc(inv->tokens, (inv->n_tokens + n) * sizeof(*p));
        if (!p)
                return;
        inv->tokens = p;
        inv->cap_tokens = inv->n_tokens + n;
}

/* Shrinks an array of n elements and capacity *cap to n (kept at 1 for 0,
 * so that a later append still grows it). */
static void trim(void **arr, size_t n, size_t *cap, size_t elem_size)
{
        size_t want = n ? n : 1;
        void *p;

        if (!*arr || *cap <= want)
                return;
        p = realloc(*arr, want * elem_size);
        if (!p)
                return; /* the larger block stays: nothing lost */
        *arr = p;
        *cap = want;
}

int tw_inventory_sort(struct tw_inventory *inv)
{
        if (inv->n_tokens)
                qsort(inv->tokens, inv->n_tokens, sizeof(*inv->tokens), cmp_token);
        if (inv->n_workspaces)
                qsort(inv->workspaces, inv->n_workspaces, sizeof(*inv->workspaces), cmp_workspace);
        /* the keys are the arena's strings, which did not move: only the
         * positions change */
        for (size_t i = 0; i < inv->n_tokens; i++)
                if (!tw_strmap_set(&inv->token_index, inv->tokens[i].id, i))
                        return -EINVAL;
        for (size_t i = 0; i < inv->n_workspaces; i++)
                if (!tw_strmap_set(&inv->workspace_index, inv->workspaces[i].id, i))
                        return -EINVAL;
        tw_strmap_done(&inv->subjects); /* complete: no more tokens to share with */
        trim((void **)&inv->tokens, inv->n_tokens, &inv->cap_tokens, sizeof(*inv->tokens));
        trim((void **)&inv->workspaces, inv->n_workspaces, &inv->cap_workspaces,
             sizeof(*inv->workspaces));
        trim((void **)&inv->deployments, inv->n_deployments, &inv->cap_deployments,
             sizeof(*inv->deployments));
        trim((void **)&inv->users, inv->n_users, &inv->cap_users, sizeof(*inv->users));
        return 0;
}
