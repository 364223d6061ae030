/* Step 2, issue: the twin is created (replace) or the token rotated in
 * place, ISSUING journaled before the request and the value journaled as
 * soon as it comes; a lost answer is recovered without ever leaving two
 * twins. */
#include "agent/rotate/rotate_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/astro/manage.h"
#include "core/inventory.h"
#include "lib/timeutil.h"

/* Journals the new token and its value: from here the value is never lost. */
static int issued(struct rotate_run *x, const struct tw_astro_issued *is)
{
        struct tw_renewal *r = &x->r;

        if (tw_renewal_set_str(&r->new_id, is->token.id) < 0 ||
            tw_renewal_set_str(&r->value, is->value) < 0)
                return -ENOMEM;
        r->new_end_at = is->token.end_at;
        r->roles_done = r->strategy == TW_ROTATION_ROTATE || r->old.n_extra_roles == 0;
        r->step = TW_RENEWAL_ISSUED;
        return rotate_journal_save(x, "issued");
}

int rotate_issue(struct rotate_run *x)
{
        struct tw_renewal *r = &x->r;
        const struct tw_astro_create c = {.name = r->old.name,
                                          .description = r->old.description,
                                          .scope = r->old.scope,
                                          .entity_id = r->old.entity_id,
                                          .role = r->old.role,
                                          .expiry_days = r->expiry_days};
        struct tw_astro_issued is = {0};
        int rr;

        r->issue_started_at = tw_now();
        r->step = TW_RENEWAL_ISSUING;
        rr = rotate_journal_save(x, "issuing");
        if (rr < 0)
                return rr;
        if (r->strategy == TW_ROTATION_ROTATE)
                rr = tw_astro_token_rotate(x->m, r->old.id, r->old.scope, &is, &x->err);
        else
                rr = tw_astro_token_create(x->m, &c, &is, &x->err);
        if (rr == 0) {
                rr = issued(x, &is);
        } else if (rr != -EIO) {
                /* A definite no: nothing was made; the intent stands. */
                r->step = TW_RENEWAL_INTENT;
        }
        tw_astro_issued_done(&is);
        return rr;
}

struct twins {
        struct rotate_run *x;
        char **ids;
        size_t n;
};

static int collect_twin(void *userdata, const struct tw_token *t)
{
        struct twins *w = userdata;
        char **v;

        if (!tw_renewal_is_twin(&w->x->r, t))
                return 0;
        v = realloc(w->ids, (w->n + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        w->ids = v;
        if (!(v[w->n] = strdup(t->id)))
                return -ENOMEM;
        w->n++;
        return 0;
}

/* Deletes every twin whose value the journal does not hold. */
static int delete_twins(struct rotate_run *x)
{
        const struct tw_renewal_token *o = &x->r.old;
        struct twins w = {.x = x};
        const char *key = NULL, *id = NULL;
        int r;

        if (o->entity_id && strcmp(o->scope, "WORKSPACE") == 0)
                key = "workspaceId", id = o->entity_id;
        else if (o->entity_id && strcmp(o->scope, "DEPLOYMENT") == 0)
                key = "deploymentId", id = o->entity_id;
        r = tw_astro_token_list(x->m, key, id, collect_twin, &w, NULL, &x->err);
        for (size_t i = 0; r == 0 && i < w.n; i++) {
                r = tw_astro_token_delete(x->m, w.ids[i], o->scope, &x->err);
                if (r == -ENOENT)
                        r = 0;
        }
        for (size_t i = 0; i < w.n; i++)
                free(w.ids[i]);
        free(w.ids);
        return r;
}

int rotate_recover(struct rotate_run *x)
{
        int r = 0;

        /* A rotation whose value was lost is simply repeated (the lost
         * value was never delivered); a twin whose value was lost goes. */
        if (x->r.strategy == TW_ROTATION_REPLACE)
                r = delete_twins(x);
        if (r < 0)
                return r;
        x->r.step = TW_RENEWAL_INTENT;
        return rotate_journal_save(x, "recovered");
}

int rotate_roles(struct rotate_run *x)
{
        struct tw_renewal *r = &x->r;
        struct tw_role *roles = calloc(r->old.n_extra_roles + 1, sizeof(*roles));
        int rr;

        if (!roles)
                return -ENOMEM;
        /* The roles call replaces them all: the token's own role comes first. */
        roles[0] = (struct tw_role){.entity_type = r->old.scope,
                                    .entity_id = r->old.entity_id ? r->old.entity_id
                                                                  : r->organization_id,
                                    .role = r->old.role};
        for (size_t i = 0; i < r->old.n_extra_roles; i++)
                roles[i + 1] = r->old.extra_roles[i];
        rr = tw_astro_token_set_roles(x->m, r->new_id, r->old.scope, roles,
                                      r->old.n_extra_roles + 1, &x->err);
        free(roles);
        if (rr < 0)
                return rr;
        r->roles_done = true;
        return rotate_journal_save(x, "roles");
}
