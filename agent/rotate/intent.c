/* Step 1, the intent: the token as Astro has it now, its copies and their
 * versions, and the tokens bearing its name; refused when a copy may not be
 * written.  Nothing is written anywhere but the journal. */
#include "agent/rotate/rotate_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/astro/manage.h"
#include "core/config/config.h"
#include "core/inventory.h"
#include "core/rotation/rotation.h"
#include "lib/timeutil.h"

#define SKEW 5 /* seconds between a store's clock and Astro's */

bool rotate_may_write(const struct tw_renewal *r, const char *type,
                      const struct tw_deliver_state *st, struct tw_buf *err)
{
        if (!st->exists || strcmp(type, "exec") == 0)
                return true; /* nothing to overwrite, or nothing to know */
        if (st->readable) {
                if (st->holds_jwt && strcmp(st->api_token_id, r->old.id) == 0)
                        return true;
                if (st->holds_jwt)
                        tw_buf_printf(err, "it holds the value of another token (%s)",
                                      st->api_token_id[0] ? st->api_token_id : "no apiTokenId");
                else
                        tw_buf_adds(err, "it holds something that is not an Astro API token");
                return false;
        }
        if (st->managed_token_id[0] && strcmp(st->managed_token_id, r->old.id) == 0)
                return true;
        if (st->updated_at != TW_NO_TIME && r->old.issued_at != TW_NO_TIME &&
            st->updated_at + SKEW >= r->old.issued_at)
                return true;
        tw_buf_adds(err, "it was last written before the token's current value was issued, so "
                         "it may hold another token");
        return false;
}

/* The listing filter that finds a token of t's scope (and its twin). */
static void list_filter(const struct tw_renewal_token *t, const char **key, const char **id)
{
        *key = *id = NULL;
        if (t->entity_id && strcmp(t->scope, "WORKSPACE") == 0)
                *key = "workspaceId", *id = t->entity_id;
        else if (t->entity_id && strcmp(t->scope, "DEPLOYMENT") == 0)
                *key = "deploymentId", *id = t->entity_id;
}

struct named {
        const char *name;
        char **ids;
        size_t n;
        int err;
};

static int collect_named(void *userdata, const struct tw_token *t)
{
        struct named *c = userdata;
        char **v;

        if (strcmp(t->name, c->name) != 0)
                return 0;
        v = realloc(c->ids, (c->n + 1) * sizeof(*v));
        if (!v || !(v[c->n] = strdup(t->id))) {
                if (v)
                        c->ids = v;
                return -ENOMEM;
        }
        c->ids = v;
        c->n++;
        return 0;
}

/* The ids of the tokens named like the old one (itself included). */
static int known_ids(struct rotate_run *x)
{
        struct named c = {.name = x->r.old.name};
        const char *key, *id;
        int r;

        list_filter(&x->r.old, &key, &id);
        r = tw_astro_token_list(x->m, key, id, collect_named, &c, NULL, &x->err);
        if (r < 0) {
                for (size_t i = 0; i < c.n; i++)
                        free(c.ids[i]);
                free(c.ids);
                return r;
        }
        x->r.known_ids = c.ids;
        x->r.n_known_ids = c.n;
        return 0;
}

/* Checks one copy and adds it to the intent; a copy that may not be
 * written is refused (-EPERM) unless adopt. */
static int add_copy(struct rotate_run *x, const struct tw_copy_config *c)
{
        struct tw_deliver_target t;
        struct tw_deliver_state st;
        struct tw_buf why;
        bool may;
        int r = rotate_target(c, &t, &x->err);

        if (r < 0)
                return r;
        r = rotate_check(x, &t, &st);
        tw_deliver_target_done(&t);
        if (r < 0)
                return r;
        tw_buf_init(&why, 1024);
        may = rotate_may_write(&x->r, c->type, &st, &why);
        if (!may && !c->adopt) {
                tw_buf_printf(&x->err,
                              "[deliver.%s] may not be overwritten: %s; tokenwatch did not write "
                              "it (set adopt = true in [deliver.%s] to let a renewal take it over)",
                              c->name, why.ptr ? why.ptr : "", c->name);
                tw_buf_done(&why);
                return -EPERM;
        }
        tw_buf_done(&why);
        return tw_renewal_add_copy(&x->r, c->name, c->type, st.exists, st.version, st.updated_at,
                                   !may);
}

/* Whether the copies and the strategy allow a renewal at all; why in err. */
static int check_copies(struct rotate_run *x, const struct tw_copy_config **copies, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                if (x->strategy == TW_ROTATION_REPLACE &&
                    strcmp(copies[i]->token, x->r.old.id) == 0) {
                        tw_buf_printf(&x->err,
                                      "[deliver.%s] names the token by its id, which a "
                                      "replacement changes: name it by its name (token = %s) or "
                                      "use strategy rotate",
                                      copies[i]->name, x->r.old.name);
                        return -EINVAL;
                }
                if (strcmp(copies[i]->token, x->r.old.id) != 0 && x->r.n_known_ids > 1) {
                        tw_buf_printf(&x->err,
                                      "[deliver.%s] names the token by its name, which %zu "
                                      "tokens bear: name it by its id",
                                      copies[i]->name, x->r.n_known_ids);
                        return -ENOTUNIQ;
                }
        }
        return 0;
}

/* The renewal of token t, with everything but the copies' states. */
static int build(struct rotate_run *x, const struct tw_token *t, int64_t now)
{
        struct tw_renewal *r = &x->r;
        unsigned failures = r->failures;
        char *last = r->last_error;
        bool manual = x->journaled ? r->manual : x->o->manual;
        int rr;

        r->last_error = NULL;
        tw_renewal_done(r);
        r->failures = failures;
        r->last_error = last;
        r->manual = manual;
        rr = tw_renewal_set_token(r, t, now);
        if (rr == -EINVAL)
                tw_buf_printf(&x->err,
                              "the token %s has no role of its own scope (%s): a twin "
                              "could not be made like it",
                              t->id, t->scope);
        if (rr < 0)
                return rr;
        r->strategy = x->strategy;
        r->expiry_days =
                x->cfg->rotation.expiry_days ? x->cfg->rotation.expiry_days : t->expiry_period_days;
        r->retire_after = x->cfg->rotation.retire_after;
        r->started_at = now;
        if (tw_renewal_set_str(&r->organization, x->astro->name ? x->astro->name : "") < 0 ||
            tw_renewal_set_str(&r->organization_id, x->organization_id) < 0 ||
            tw_renewal_set_str(&r->issuer_id, x->issuer_id) < 0)
                return -ENOMEM;
        return 0;
}

/* Whether a run of the daemon should renew t now (a manual run always does). */
static bool wanted(struct rotate_run *x, const struct tw_token *t, size_t n_copies, int64_t now)
{
        return x->o->manual || x->r.manual ||
               tw_rotation_due(t, n_copies > 0, &x->cfg->rotation.before, now, NULL);
}

int rotate_intent(struct rotate_run *x, const char *token_id)
{
        const struct tw_copy_config **copies = NULL;
        struct tw_token t = {0};
        int64_t now = tw_now();
        size_t n = 0;
        int r;

        r = tw_astro_token_get(x->m, token_id, &t, &x->err);
        if (r == -ENOENT && !x->o->manual && !x->r.manual)
                return -ESTALE;
        if (r < 0)
                return r;
        r = rotate_copies_of(x, &t, &copies, &n);
        if (r == 0 && !wanted(x, &t, n, now))
                r = -ESTALE;
        if (r == 0 && n == 0) {
                tw_buf_printf(&x->err,
                              "no [deliver.NAME] section names the token %s (%s): tokenwatch "
                              "renews only tokens whose copies it knows",
                              t.id, t.name);
                r = -ENOENT;
        }
        if (r == 0)
                r = build(x, &t, now);
        if (r == 0)
                r = known_ids(x);
        if (r == 0)
                r = check_copies(x, copies, n);
        for (size_t i = 0; r == 0 && i < n; i++)
                r = add_copy(x, copies[i]);
        if (r == 0) {
                x->r.step = TW_RENEWAL_INTENT;
                x->r.next_attempt = TW_NO_TIME;
                r = rotate_journal_save(x, "intent");
        }
        free(copies);
        tw_token_done(&t);
        return r;
}
