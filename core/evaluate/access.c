/* The access rules: orphaned and over_privileged tokens (with the least
 * role the audit logs show a token needs, core/evaluate/usage.c). */
#include "core/evaluate/rules.h"

#include <string.h>

#include "lib/buf.h"
#include "core/config/config.h"
#include "core/roles.h"
#include "core/evaluate/evaluate.h"

/* A message lists at most this many reasons, then "and N more". */
#define MAX_REASONS 10
#define LIST_MAX ((size_t)64 << 10)

/* Reasons joined with "; ", counting those past MAX_REASONS. */
struct reasons {
        struct tw_buf buf;
        size_t n;
};

/* Starts the next reason; false when it is past MAX_REASONS (count it only). */
static bool reason_next(struct reasons *rs, int *r)
{
        if (rs->n++ >= MAX_REASONS)
                return false;
        if (rs->n > 1)
                *r = tw_buf_adds(&rs->buf, "; ");
        return *r >= 0;
}

/* Appends the reasons (and "and N more") to msg. */
static int reasons_flush(struct reasons *rs, struct tw_buf *msg)
{
        int r = tw_buf_add(msg, rs->buf.ptr ? rs->buf.ptr : "", rs->buf.len);

        if (r >= 0 && rs->n > MAX_REASONS)
                r = tw_buf_printf(msg, "; and %zu more", rs->n - MAX_REASONS);
        return r;
}

static bool streq(const char *a, const char *b)
{
        return a && b && strcmp(a, b) == 0;
}

/* Appends a subject for people: "jane@example.com (id)" or "id". */
static int add_subject(struct tw_buf *b, const struct tw_subject *s, const char *label)
{
        int r = 0;

        if (label) {
                r = tw_message_add_quoted(b, label);
                if (r >= 0)
                        r = tw_buf_printf(b, " (%s)", s->id);
                return r;
        }
        return tw_buf_adds(b, s->id);
}

/* Adds the reason a departed creator of t gives, if any: a user is looked
 * up among the members of t's own organization. */
static int judge_creator(struct tw_eval_ctx *c, const struct tw_token *t,
                         const struct tw_subject *s, struct reasons *rs)
{
        const struct tw_user *u;
        int r = 0;

        if (streq(s->subject_type, "USER")) {
                if (!c->inv->listed[TW_LISTING_USERS]) {
                        c->unchecked[TW_LISTING_USERS]++;
                        return 0;
                }
                u = tw_inventory_org_user(c->inv, t, s->id);
                if (u && !streq(u->status, "INACTIVE") && !streq(u->status, "BANNED"))
                        return 0;
                if (!reason_next(rs, &r))
                        return r;
                r = tw_buf_adds(&rs->buf, "its creator, user ");
                if (r >= 0)
                        r = add_subject(&rs->buf, s, s->username ? s->username : s->full_name);
                if (r >= 0)
                        r = u ? tw_buf_printf(&rs->buf, ", is %s", u->status)
                              : tw_buf_adds(&rs->buf,
                                            ", is no longer a member of the organization");
        } else if (streq(s->subject_type, "SERVICEKEY")) {
                if (!c->inv->listed[TW_LISTING_TOKENS]) {
                        c->unchecked[TW_LISTING_TOKENS]++;
                        return 0;
                }
                if (tw_inventory_token(c->inv, s->id) || !reason_next(rs, &r))
                        return r;
                r = tw_buf_adds(&rs->buf, "it was created by API token ");
                if (r >= 0)
                        r = add_subject(&rs->buf, s, s->api_token_name);
                if (r >= 0)
                        r = tw_buf_adds(&rs->buf, ", which no longer exists");
        }
        return r;
}

/* Adds a reason for each role pointing at a workspace or deployment that is gone. */
static int judge_roles(struct tw_eval_ctx *c, const struct tw_token *t, struct reasons *rs)
{
        bool skipped[_TW_LISTING_KIND_MAX] = {false};
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
                if (!gone || !reason_next(rs, &r))
                        continue;
                r = tw_buf_printf(&rs->buf, "its %s role points at %s %s, which no longer exists",
                                  role->role ? role->role : "(unnamed)",
                                  k == TW_LISTING_WORKSPACES ? "workspace" : "deployment",
                                  role->entity_id);
        }
        return r;
}

int tw_rule_orphaned(struct tw_eval_ctx *c, const struct tw_token *t,
                     enum tw_severity *ret_severity, struct tw_buf *msg)
{
        struct reasons rs = {.n = 0};
        int r = 0;

        *ret_severity = TW_SEVERITY_NONE;
        tw_buf_init(&rs.buf, LIST_MAX);
        if (t->created_by && t->created_by->id)
                r = judge_creator(c, t, t->created_by, &rs);
        if (r >= 0)
                r = judge_roles(c, t, &rs);
        if (r < 0 || rs.n == 0)
                goto out;

        r = tw_message_add_token(msg, t);
        if (r >= 0)
                r = tw_buf_adds(msg, " is orphaned: ");
        if (r >= 0)
                r = reasons_flush(&rs, msg);
        if (r >= 0)
                r = tw_buf_addc(msg, '.');
        if (r >= 0)
                r = tw_message_add_fix(msg, t, TW_FIX_DELETE);
        if (r >= 0)
                *ret_severity = TW_SEVERITY_WARNING;
out:
        tw_buf_done(&rs.buf);
        return r;
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

/* What the token's usage says of one role above its ceiling: the role to
 * set (the least its operations need when that is at or below the ceiling,
 * else the ceiling) and the note for the reason (NULL: no suggestion). */
static const char *least_role(const struct tw_eval_ctx *c, const struct tw_token *t,
                              const struct tw_role *role, const char *ceiling,
                              const char **ret_need)
{
        const char *need = tw_eval_least_role(c, t, role->entity_type);
        int rank = tw_role_rank(role->entity_type, need);

        *ret_need = rank >= 0 ? need : NULL;
        if (*ret_need && rank >= tw_role_rank(role->entity_type, ceiling))
                return need;
        return ceiling;
}

/* Adds the reason and the fix for one role above its ceiling; *ret_evidence
 * is set when the reason cites the token's usage. */
static int add_privilege(struct tw_eval_ctx *c, const struct tw_token *t,
                         const struct tw_role *role, const char *ceiling, struct reasons *rs,
                         struct reasons *fixes, bool *ret_evidence)
{
        const char *entity_name, *need;
        const char *target = least_role(c, t, role, ceiling, &need);
        int r = 0;

        if (reason_next(rs, &r)) {
                r = tw_buf_printf(&rs->buf, "it holds %s", role->role);
                if (r >= 0 && !streq(role->entity_type, "ORGANIZATION")) {
                        entity_name = tw_inventory_entity_name(c->inv, role);
                        r = tw_buf_printf(&rs->buf, " in %s ",
                                          streq(role->entity_type, "WORKSPACE") ? "workspace"
                                                                                : "deployment");
                        if (r >= 0 && entity_name) {
                                r = tw_message_add_quoted(&rs->buf, entity_name);
                                if (r >= 0)
                                        r = tw_buf_addc(&rs->buf, ' ');
                        }
                        if (r >= 0)
                                r = tw_buf_printf(&rs->buf, entity_name ? "(%s)" : "%s",
                                                  role->entity_id ? role->entity_id : "?");
                }
                if (r >= 0)
                        r = tw_buf_printf(&rs->buf, ", above the ceiling %s", ceiling);
                if (r >= 0 && need && need == target)
                        r = tw_buf_printf(&rs->buf,
                                          ", and every operation it performed is allowed by %s",
                                          need);
                else if (r >= 0 && need)
                        r = tw_buf_printf(&rs->buf,
                                          ", but the operations it performed need %s, so "
                                          "lowering it to the ceiling may break its pipelines",
                                          need);
                if (need)
                        *ret_evidence = true;
        }
        if (r >= 0 && reason_next(fixes, &r))
                r = tw_token_fix_command(t, TW_FIX_UPDATE_ROLE, role, target, &fixes->buf);
        return r;
}

int tw_rule_over_privileged(struct tw_eval_ctx *c, const struct tw_token *t,
                            enum tw_severity *ret_severity, struct tw_buf *msg)
{
        struct reasons rs = {.n = 0}, fixes = {.n = 0};
        enum tw_severity sev = TW_SEVERITY_NONE;
        bool evidence = false;
        int r = 0;

        *ret_severity = TW_SEVERITY_NONE;
        tw_buf_init(&rs.buf, LIST_MAX);
        tw_buf_init(&fixes.buf, LIST_MAX);
        for (size_t i = 0; i < t->n_roles && r >= 0; i++) {
                const struct tw_role *role = &t->roles[i];
                const char *ceiling = ceiling_for(c->policy, role->entity_type);
                int rank = tw_role_rank(role->entity_type, role->role);
                int max = tw_role_rank(role->entity_type, ceiling);

                /* unknown and custom roles, and unknown ceilings, have no order */
                if (rank < 0 || max < 0 || rank >= max)
                        continue;
                if (streq(role->role, "ORGANIZATION_OWNER"))
                        sev = TW_SEVERITY_CRITICAL;
                else if (sev < TW_SEVERITY_WARNING)
                        sev = TW_SEVERITY_WARNING;
                r = add_privilege(c, t, role, ceiling, &rs, &fixes, &evidence);
        }
        if (r < 0 || sev == TW_SEVERITY_NONE)
                goto out;

        r = tw_message_add_token(msg, t);
        if (r >= 0)
                r = tw_buf_adds(msg, " is over-privileged: ");
        if (r >= 0)
                r = reasons_flush(&rs, msg);
        if (r >= 0)
                r = tw_buf_addc(msg, '.');
        if (r >= 0 && evidence)
                r = tw_eval_add_evidence(c, t, msg);
        if (r >= 0)
                r = tw_buf_adds(msg, " Fix: ");
        if (r >= 0)
                r = reasons_flush(&fixes, msg);
        if (r >= 0)
                r = tw_buf_addc(msg, '.');
        if (r >= 0)
                *ret_severity = sev;
out:
        tw_buf_done(&rs.buf);
        tw_buf_done(&fixes.buf);
        return r;
}
