#ifndef TW_CORE_INVENTORY_H
#define TW_CORE_INVENTORY_H

/*
 * The token inventory: everything one collection learned about an Astro
 * organization.  Collectors fill it; the evaluator and the exporters only read
 * it.  Once a collection finishes the inventory is immutable and may be read
 * from any number of threads.
 *
 * Every string is heap-allocated and owned by the object that holds it.
 * Optional strings are NULL when the API did not send them; enum-like fields
 * (scope, kind, role, status) keep whatever string the API sent, known or not.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/strmap.h"

struct tw_role {
        char *entity_type; /* ORGANIZATION, WORKSPACE, DEPLOYMENT, DAG, ... */
        char *entity_id;
        char *role;
        char *deployment_id; /* optional */
};

struct tw_subject {
        char *id;
        char *subject_type;   /* USER or SERVICEKEY (or anything newer) */
        char *username;       /* optional: users only */
        char *full_name;      /* optional */
        char *api_token_name; /* optional: service keys only */
};

struct tw_token {
        char *id;
        char *name;
        char *description;
        char *short_token;
        char *scope; /* ORGANIZATION, WORKSPACE, DEPLOYMENT, ... */
        char *kind;  /* optional: STANDARD, DIRECT_ACCESS, ... */
        int64_t start_at;
        int64_t end_at; /* TW_NO_TIME: never expires */
        int64_t created_at;
        int64_t updated_at;
        int64_t last_used_at;    /* TW_NO_TIME: never used */
        int64_t last_rotated_at; /* TW_NO_TIME: unknown or never */
        int expiry_period_days;  /* 0: not sent */
        struct tw_role *roles;
        size_t n_roles;
        struct tw_subject *created_by; /* NULL: not sent */
        struct tw_subject *updated_by; /* NULL: not sent */
        size_t org;                    /* index in inv->orgs (0 with none) */
};

struct tw_workspace {
        char *id;
        char *name;
};

struct tw_deployment {
        char *id;
        char *name;
        char *workspace_id;
};

struct tw_user {
        char *id;
        char *username;
        char *full_name;
        char *status; /* ACTIVE, INACTIVE, PENDING, BANNED, ... (optional) */
};

/* One listing (a paged walk of one endpoint with one filter) that failed. */
struct tw_listing_error {
        char *listing; /* e.g. "tokens workspace=<id>" */
        char *message; /* for a person; never holds a secret */
};

/* What the agent knows of its own credential (from the JWT payload). */
struct tw_credential {
        char *token_id;     /* apiTokenId, or NULL */
        int64_t expires_at; /* exp, or TW_NO_TIME */
        bool rejected;      /* the API answered 401: invalid, expired or revoked */
};

/* One organization of a merged inventory. */
struct tw_inventory_org {
        char *id;           /* the organization id */
        char *name;         /* the [astro.NAME] NAME, or NULL for [astro] */
        char *display_name; /* for people, or NULL */
        bool fresh;         /* its data is from this collection, not an older one */
        int64_t collected_at;
};

enum tw_listing_kind {
        TW_LISTING_WORKSPACES,
        TW_LISTING_DEPLOYMENTS,
        TW_LISTING_USERS,
        TW_LISTING_TOKENS,
        _TW_LISTING_KIND_MAX,
};

struct tw_inventory {
        char *organization_id;
        char *api_version; /* "v1" or "v1beta1" */
        int64_t collected_at;
        struct tw_credential credential;

        struct tw_workspace *workspaces;
        size_t n_workspaces, cap_workspaces;
        struct tw_deployment *deployments;
        size_t n_deployments, cap_deployments;
        struct tw_user *users;
        size_t n_users, cap_users;
        struct tw_token *tokens;
        size_t n_tokens, cap_tokens;
        struct tw_listing_error *errors;
        size_t n_errors, cap_errors;
        /* The organizations a merged inventory covers (tokens point here by
         * org); none for one collection's inventory: organization_id. */
        struct tw_inventory_org *orgs;
        size_t n_orgs;

        /* Whether every listing of that kind succeeded: the evaluator must
         * not call a creator "gone" when the users could not be listed. */
        bool listed[_TW_LISTING_KIND_MAX];
        /* Whether every page of every listing of that kind was read: true
         * while listed[] is false means only single objects that did not
         * parse were left out (each named in errors), the rest is current. */
        bool all_pages[_TW_LISTING_KIND_MAX];

        struct tw_strmap workspace_index, deployment_index, user_index, token_index;
        /* A merged inventory's memberships: "<org index>\n<user id>" -> index in
         * users (each organization's own copy of a user); empty otherwise. */
        struct tw_strmap member_index;
        /* Holds every string of the objects added (see tw_inventory_add_*). */
        struct tw_arena arena;
        /* While tokens are added: a subject per id, so that tokens with the
         * same creator share one copy (tw_inventory_sort drops it). */
        struct tw_strmap subjects;
};

struct tw_inventory *tw_inventory_new(const char *organization_id, const char *api_version);
void tw_inventory_free(struct tw_inventory *inv);

/* The add functions take ownership of the object's strings on every path
 * (the caller's struct is zeroed): the object is copied into the
 * inventory's arena and the caller's heap strings are freed.  An object whose id is already present
 * is dropped and reported as -EEXIST: lists change between pages, so the first copy wins.  -ENOMEM
 * on allocation failure. */
int tw_inventory_add_workspace(struct tw_inventory *inv, struct tw_workspace *w);
int tw_inventory_add_deployment(struct tw_inventory *inv, struct tw_deployment *d);
int tw_inventory_add_user(struct tw_inventory *inv, struct tw_user *u);
int tw_inventory_add_token(struct tw_inventory *inv, struct tw_token *t);
/* A hint that about n more tokens are coming (a listing's totalCount): room
 * for them is made at once instead of by doubling.  Hints above
 * TW_INVENTORY_RESERVE_MAX, and allocation failures, are ignored. */
#define TW_INVENTORY_RESERVE_MAX ((size_t)1 << 20)
void tw_inventory_reserve_tokens(struct tw_inventory *inv, size_t n);
/* A user of organization org (an index in orgs) of a merged inventory,
 * taking u's strings as tw_inventory_add_user() does.  A user of several
 * organizations is added once per organization, each with its own status;
 * tw_inventory_user() finds the first.  -EEXIST if org has it already. */
int tw_inventory_add_member(struct tw_inventory *inv, size_t org, struct tw_user *u);
/* Records a failed listing; copies both strings. */
int tw_inventory_add_error(struct tw_inventory *inv, const char *listing, const char *message);

/* True when no listing failed. */
bool tw_inventory_complete(const struct tw_inventory *inv);

const struct tw_workspace *tw_inventory_workspace(const struct tw_inventory *inv, const char *id);
const struct tw_deployment *tw_inventory_deployment(const struct tw_inventory *inv, const char *id);
const struct tw_user *tw_inventory_user(const struct tw_inventory *inv, const char *id);
/* User id as a member of token t's own organization (in a merged inventory
 * of several, another organization's member is not one), or NULL. */
const struct tw_user *tw_inventory_org_user(const struct tw_inventory *inv,
                                            const struct tw_token *t, const char *id);
const struct tw_token *tw_inventory_token(const struct tw_inventory *inv, const char *id);

/* The name of the workspace or deployment a role points at, or NULL. */
const char *tw_inventory_entity_name(const struct tw_inventory *inv, const struct tw_role *role);

/* The organization id of a token ("" if unknown), and how people see its
 * organization: the display name, else the id. */
const char *tw_token_organization_id(const struct tw_inventory *inv, const struct tw_token *t);
const char *tw_token_organization_name(const struct tw_inventory *inv, const struct tw_token *t);
/* Whether a token belongs to organization org (an id, a NAME or a display name). */
bool tw_token_in_organization(const struct tw_inventory *inv, const struct tw_token *t,
                              const char *org);

/* One part of a merge: one organization's inventory and how it is named. */
struct tw_inventory_part {
        const struct tw_inventory *inv;
        const char *name;         /* [astro.NAME], or NULL */
        const char *display_name; /* or NULL */
        bool fresh;
};

/* A new inventory holding copies of every part's objects (core/inventory_merge.c):
 * tokens carry their part's index in orgs[], listing errors are prefixed with
 * the organization when there are several, listed[]/all_pages[] hold when
 * they hold for every part, the credential is the one expiring first, and
 * organization_id joins the parts' ids with ",".  An object already added by
 * an earlier part is dropped.  0 or -ENOMEM. */
int tw_inventory_merge(const struct tw_inventory_part *parts, size_t n, int64_t collected_at,
                       struct tw_inventory **ret_inv);

/* What tw_inventory_merge() makes of a single part, in place instead of a
 * copy: part->inv (which must be inv, without a table yet) gets its
 * organization table.  0, -EINVAL, or -ENOMEM (inv is freed as usual). */
int tw_inventory_adopt(struct tw_inventory *inv, const struct tw_inventory_part *part);

/* Sorts tokens by id (stable output for reports and metrics), updates the
 * indexes, and gives back the arrays' unused room: call it once the
 * inventory is complete.  0 or -ENOMEM. */
int tw_inventory_sort(struct tw_inventory *inv);

void tw_token_done(struct tw_token *t);
void tw_subject_free(struct tw_subject *s);

/* How every output (report, metrics, notifications) names a person or
 * service key: the full name, else the username, else the API token name,
 * else the id.  NULL for a NULL subject.  Borrowed from s. */
const char *tw_subject_name(const struct tw_subject *s);
void tw_workspace_done(struct tw_workspace *w);
void tw_deployment_done(struct tw_deployment *d);
void tw_user_done(struct tw_user *u);

#endif
