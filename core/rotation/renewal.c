/* One renewal: its fields and its next action (core/rotation/renewal.h). */
#include "core/rotation/renewal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/copies.h"
#include "core/rotation/rotation.h"
#include "lib/secret.h"
#include "lib/timeutil.h"

static const char *const step_names[_TW_RENEWAL_STEP_MAX] = {
        [TW_RENEWAL_INTENT] = "intent",     [TW_RENEWAL_ISSUING] = "issuing",
        [TW_RENEWAL_ISSUED] = "issued",     [TW_RENEWAL_DELIVERED] = "delivered",
        [TW_RENEWAL_VERIFIED] = "verified", [TW_RENEWAL_RETIRED] = "retired",
};

static const char *const delivery_names[_TW_DELIVERY_MAX] = {
        [TW_DELIVERY_PENDING] = "pending",
        [TW_DELIVERY_WRITING] = "writing",
        [TW_DELIVERY_DONE] = "delivered",
        [TW_DELIVERY_CONFLICT] = "conflict",
};

const char *tw_renewal_step_to_string(enum tw_renewal_step s)
{
        return (unsigned)s < _TW_RENEWAL_STEP_MAX ? step_names[s] : "unknown";
}

const char *tw_delivery_to_string(enum tw_delivery s)
{
        return (unsigned)s < _TW_DELIVERY_MAX ? delivery_names[s] : "unknown";
}

int tw_renewal_set_str(char **field, const char *value)
{
        char *copy = value ? strdup(value) : NULL;

        if (value && !copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
        return 0;
}

static void role_done(struct tw_role *r)
{
        free(r->entity_type);
        free(r->entity_id);
        free(r->role);
        free(r->deployment_id);
}

static void copy_done(struct tw_renewal_copy *c)
{
        free(c->name);
        free(c->type);
        free(c->version);
        free(c->delivered_version);
}

void tw_renewal_drop_value(struct tw_renewal *r)
{
        tw_secret_free(r->value);
        r->value = NULL;
}

void tw_renewal_done(struct tw_renewal *r)
{
        if (!r)
                return;
        free(r->organization);
        free(r->organization_id);
        free(r->old.id);
        free(r->old.name);
        free(r->old.description);
        free(r->old.scope);
        free(r->old.entity_id);
        free(r->old.role);
        for (size_t i = 0; i < r->old.n_extra_roles; i++)
                role_done(&r->old.extra_roles[i]);
        free(r->old.extra_roles);
        for (size_t i = 0; i < r->n_known_ids; i++)
                free(r->known_ids[i]);
        free(r->known_ids);
        free(r->issuer_id);
        free(r->new_id);
        tw_renewal_drop_value(r);
        for (size_t i = 0; i < r->n_copies; i++)
                copy_done(&r->copies[i]);
        free(r->copies);
        free(r->last_error);
        tw_renewal_init(r);
}

void tw_renewal_init(struct tw_renewal *r)
{
        memset(r, 0, sizeof(*r));
        r->old.end_at = r->old.issued_at = TW_NO_TIME;
        r->started_at = r->issue_started_at = r->new_end_at = TW_NO_TIME;
        r->delivered_at = r->verified_at = r->retired_at = r->next_attempt = TW_NO_TIME;
        r->held_at = TW_NO_TIME;
}

static int role_copy(struct tw_role *dst, const struct tw_role *src)
{
        memset(dst, 0, sizeof(*dst));
        if (tw_renewal_set_str(&dst->entity_type, src->entity_type) < 0 ||
            tw_renewal_set_str(&dst->entity_id, src->entity_id) < 0 ||
            tw_renewal_set_str(&dst->role, src->role) < 0 ||
            tw_renewal_set_str(&dst->deployment_id, src->deployment_id) < 0) {
                role_done(dst);
                return -ENOMEM;
        }
        return 0;
}

int tw_renewal_set_token(struct tw_renewal *r, const struct tw_token *t, int64_t now)
{
        struct tw_renewal_token *o = &r->old;
        const struct tw_role *own = NULL;
        int rr = 0;

        for (size_t i = 0; i < t->n_roles && !own; i++)
                if (t->scope && t->roles[i].entity_type &&
                    strcmp(t->roles[i].entity_type, t->scope) == 0)
                        own = &t->roles[i];
        if (!own || !own->role || !t->name)
                return -EINVAL;
        if (tw_renewal_set_str(&o->id, t->id) < 0 || tw_renewal_set_str(&o->name, t->name) < 0 ||
            tw_renewal_set_str(&o->description, t->description ? t->description : "") < 0 ||
            tw_renewal_set_str(&o->scope, t->scope) < 0 ||
            tw_renewal_set_str(&o->role, own->role) < 0 ||
            tw_renewal_set_str(&o->entity_id,
                               strcmp(t->scope, "ORGANIZATION") == 0 ? NULL : own->entity_id) < 0)
                return -ENOMEM;
        o->extra_roles = t->n_roles > 1 ? calloc(t->n_roles - 1, sizeof(*o->extra_roles)) : NULL;
        if (t->n_roles > 1 && !o->extra_roles)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_roles && rr == 0; i++)
                if (&t->roles[i] != own &&
                    (rr = role_copy(&o->extra_roles[o->n_extra_roles], &t->roles[i])) == 0)
                        o->n_extra_roles++;
        o->expiry_days = t->expiry_period_days;
        o->end_at = t->end_at;
        o->issued_at = tw_token_issued_at(t, now);
        return rr;
}

int tw_renewal_add_copy(struct tw_renewal *r, const char *name, const char *type, bool existed,
                        const char *version, int64_t updated_at, bool adopted)
{
        struct tw_renewal_copy *n = realloc(r->copies, (r->n_copies + 1) * sizeof(*n)), *c;

        if (!n)
                return -ENOMEM;
        r->copies = n;
        c = &n[r->n_copies];
        memset(c, 0, sizeof(*c));
        c->existed = existed;
        c->updated_at = updated_at;
        c->write_started_at = TW_NO_TIME;
        c->adopted = adopted;
        c->state = TW_DELIVERY_PENDING;
        if (tw_renewal_set_str(&c->name, name) < 0 || tw_renewal_set_str(&c->type, type) < 0 ||
            tw_renewal_set_str(&c->version, version ? version : "") < 0) {
                copy_done(c);
                return -ENOMEM;
        }
        r->n_copies++;
        return 0;
}

/* Whether every copy holds the new value. */
static bool all_delivered(const struct tw_renewal *r, size_t *ret_first)
{
        for (size_t i = 0; i < r->n_copies; i++)
                if (r->copies[i].state != TW_DELIVERY_DONE) {
                        *ret_first = i;
                        return false;
                }
        return true;
}

void tw_renewal_next(const struct tw_renewal *r, int64_t now, struct tw_renewal_next *ret)
{
        size_t first = 0;

        memset(ret, 0, sizeof(*ret));
        if (r->next_attempt != TW_NO_TIME && now < r->next_attempt) {
                ret->action = TW_RENEWAL_DO_WAIT;
                ret->at = r->next_attempt;
                return;
        }
        switch (r->step) {
        case TW_RENEWAL_INTENT:
                ret->action = TW_RENEWAL_DO_ISSUE;
                return;
        case TW_RENEWAL_ISSUING:
                ret->action = TW_RENEWAL_DO_RECOVER;
                return;
        case TW_RENEWAL_ISSUED:
                if (r->strategy == TW_ROTATION_REPLACE && !r->roles_done &&
                    r->old.n_extra_roles > 0)
                        ret->action = TW_RENEWAL_DO_ROLES;
                else if (!all_delivered(r, &first))
                        ret->action = TW_RENEWAL_DO_DELIVER, ret->copy = first;
                else
                        ret->action = TW_RENEWAL_DO_VERIFY;
                return;
        case TW_RENEWAL_DELIVERED:
                ret->action = TW_RENEWAL_DO_VERIFY;
                return;
        case TW_RENEWAL_VERIFIED:
                if (r->strategy == TW_ROTATION_ROTATE) {
                        ret->action = TW_RENEWAL_DO_FINISH;
                } else if (now < r->delivered_at + r->retire_after) {
                        ret->action = TW_RENEWAL_DO_WAIT;
                        ret->at = r->delivered_at + r->retire_after;
                } else {
                        ret->action = TW_RENEWAL_DO_RETIRE;
                }
                return;
        default:
                ret->action = TW_RENEWAL_DO_FINISH;
                return;
        }
}

int tw_renewal_failed(struct tw_renewal *r, int64_t now, const char *why)
{
        if (r->failures < 1000)
                r->failures++;
        r->next_attempt = tw_rotation_next_attempt(r->failures, now, r->old.end_at);
        return tw_renewal_set_str(&r->last_error, why);
}

bool tw_renewal_is_twin(const struct tw_renewal *r, const struct tw_token *t)
{
        if (!t->id || !t->name || !r->old.name || strcmp(t->name, r->old.name) != 0 ||
            strcmp(t->id, r->old.id) == 0)
                return false;
        for (size_t i = 0; i < r->n_known_ids; i++)
                if (strcmp(r->known_ids[i], t->id) == 0)
                        return false;
        if (t->created_at != TW_NO_TIME && r->issue_started_at != TW_NO_TIME &&
            t->created_at < r->issue_started_at - TW_RENEWAL_CLOCK_SKEW)
                return false;
        if (r->issuer_id && t->created_by && t->created_by->id &&
            strcmp(t->created_by->id, r->issuer_id) != 0)
                return false;
        return true;
}
