/* The access rules: orphaned and over_privileged tokens (with the least
 * role the audit logs show a token needs, core/evaluate/usage.c). */
#include "core/evaluate/rules_internal.h"

#include <errno.h>
#include <string.h>

#include "core/config/config.h"
#include "core/roles.h"

static bool streq(const char *a, const char *b)
{
        return a && b && strcmp(a, b) == 0;
}

/* Counts one more reason in *n; the reason is listed (a new one of that
 * kind is returned) only within TW_EVAL_MAX_REASONS, else NULL with *r 0. */
static struct tw_finding_reason *next_reason(struct tw_eval_ctx *c, uint32_t *n,
                                             enum tw_reason_kind kind, int *r)
{
        struct tw_finding_reason *rs;

        if ((*n)++ >= TW_EVAL_MAX_REASONS)
                return NULL;
        rs = tw_eval_add_reason(c, kind);
        if (!rs)
                *r = -ENOMEM;
        return rs;
}

/* Adds the reason a departed creator of t gives, if any: a user is looked
 * up among the members of t's own organization. */
static int judge_creator(struct tw_eval_ctx *c, const struct tw_token *t,
                         const struct tw_subject *s, uint32_t *n)
{
        struct tw_finding_reason *rs;
        const struct tw_user *u;
        int r = 0, failed = 0;

        if (streq(s->subject_type, "USER")) {
                if (!c->inv->listed[TW_LISTING_USERS]) {
                        c->unchecked[TW_LISTING_USERS]++;
                        return 0;
                }
                u = tw_inventory_org_user(c->inv, t, s->id);
                if (u && !streq(u->status, "INACTIVE") && !streq(u->status, "BANNED"))
                        return 0;
                rs = next_reason(c, n, TW_REASON_CREATOR_USER, &r);
                if (rs && u)
                        rs->text = tw_arena_intern(&c->ev->arena, u->status, &failed);
        } else if (streq(s->subject_type, "SERVICEKEY")) {
                if (!c->inv->listed[TW_LISTING_TOKENS]) {
                        c->unchecked[TW_LISTING_TOKENS]++;
                        return 0;
                }
                if (!tw_inventory_token(c->inv, s->id))
                        next_reason(c, n, TW_REASON_CREATOR_TOKEN, &r);
        }
        return failed ? -ENOMEM : r;
}

/* Adds a reason for each role pointing at a workspace or deployment that is gone. */
static int judge_roles(struct tw_eval_ctx *c, const struct tw_token *t, uint32_t *n)
{
        bool skipped[_TW_LISTING_KIND_MAX] = {false};
        struct tw_finding_reason *rs;
        int r = 0;

        for (size_t i = 0; i < t->n_roles && r >= 0; i++) {
                const struct tw_role *role = &t->roles[i];
                enum tw_listing_kind k;
                bool gone;

                if (!role->entity_id)
                        continue;
                if (streq(role->entity_type, "WORKSPACE")) {
                        k = TW_LISTING_WORKSPACES;
                        gone = !tw_inventory_workspace(c->inv, role->entity_id);
                } else if (streq(role->entity_type, "DEPLOYMENT")) {
                        k = TW_LISTING_DEPLOYMENTS;
                        gone = !tw_inventory_deployment(c->inv, role->entity_id);
                } else {
                        continue;
                }
                if (!c->inv->listed[k]) {
                        if (!skipped[k])
                                c->unchecked[k]++;
                        skipped[k] = true;
                        continue;
                }
                if (gone && (rs = next_reason(c, n, TW_REASON_ENTITY_GONE, &r)) != NULL)
                        rs->role = i;
        }
        return r;
}

int tw_rule_orphaned(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f)
{
        uint32_t n = 0;
        int r = 0;

        if (t->created_by && t->created_by->id)
                r = judge_creator(c, t, t->created_by, &n);
        if (r >= 0)
                r = judge_roles(c, t, &n);
        if (r < 0 || n == 0)
                return r;
        f->severity = TW_SEVERITY_WARNING;
        f->fix = TW_FIX_DELETE;
        f->n_reasons = n < TW_EVAL_MAX_REASONS ? n : TW_EVAL_MAX_REASONS;
        f->n_more = n - f->n_reasons;
        return 0;
}

/* The policy's ceiling for an entity type, or NULL. */
static const char *ceiling_for(const struct tw_policy *p, const char *entity_type)
{
        if (streq(entity_type, "ORGANIZATION"))
                return p->max_organization_role;
        if (streq(entity_type, "WORKSPACE"))
                return p->max_workspace_role;
        if (streq(entity_type, "DEPLOYMENT"))
                return p->max_deployment_role;
        return NULL;
}

/* Lists one role above its ceiling (rank max): the role to set is the
 * least its operations need when that is at or below the ceiling, else the
 * ceiling.  *ret_evidence is set when the reason cites the token's usage. */
static int add_privilege(struct tw_eval_ctx *c, const struct tw_token *t, size_t i, int max,
                         uint32_t *n, bool *ret_evidence)
{
        const struct tw_role *role = &t->roles[i];
        int need_rank =
                tw_role_rank(role->entity_type, tw_eval_least_role(c, t, role->entity_type));
        struct tw_finding_reason *rs;
        int r = 0;

        rs = next_reason(c, n, TW_REASON_ROLE_ABOVE, &r);
        if (!rs)
                return r;
        rs->role = i;
        rs->ceiling = tw_role_at(role->entity_type, (size_t)max);
        rs->need = need_rank >= 0 ? tw_role_at(role->entity_type, (size_t)need_rank) : NULL;
        rs->target = rs->need && need_rank >= max ? rs->need : rs->ceiling;
        if (rs->need)
                *ret_evidence = true;
        return 0;
}

int tw_rule_over_privileged(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f)
{
        enum tw_severity sev = TW_SEVERITY_NONE;
        bool evidence = false;
        uint32_t n = 0;
        int r = 0;

        for (size_t i = 0; i < t->n_roles && r >= 0; i++) {
                const struct tw_role *role = &t->roles[i];
                int rank = tw_role_rank(role->entity_type, role->role);
                int max =
                        tw_role_rank(role->entity_type, ceiling_for(c->policy, role->entity_type));

                /* unknown and custom roles, and unknown ceilings, have no order */
                if (rank < 0 || max < 0 || rank >= max)
                        continue;
                if (streq(role->role, "ORGANIZATION_OWNER"))
                        sev = TW_SEVERITY_CRITICAL;
                else if (sev < TW_SEVERITY_WARNING)
                        sev = TW_SEVERITY_WARNING;
                r = add_privilege(c, t, i, max, &n, &evidence);
        }
        if (r < 0 || sev == TW_SEVERITY_NONE)
                return r;
        f->severity = sev;
        f->fix = TW_FIX_UPDATE_ROLE;
        f->n_reasons = n < TW_EVAL_MAX_REASONS ? n : TW_EVAL_MAX_REASONS;
        f->n_more = n - f->n_reasons;
        return evidence ? tw_eval_add_evidence(c, t, f) : 0;
}
