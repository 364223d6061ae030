/* The messages made of reasons: orphaned, over_privileged (with the
 * operations cited as evidence) and new_source. */
#include "core/evaluate/message_internal.h"

#include <errno.h>
#include <string.h>

#include "core/evaluate/evaluate.h"
#include "core/inventory.h"
#include "lib/buf.h"

static bool streq(const char *a, const char *b)
{
        return a && b && strcmp(a, b) == 0;
}

/* Appends a subject for people: '"jane@example.com" (id)' or "id". */
static int add_subject(struct tw_buf *b, const struct tw_subject *s, const char *label)
{
        int r;

        if (!label)
                return tw_buf_adds(b, s->id);
        r = tw_message_add_quoted(b, label);
        return r < 0 ? r : tw_buf_printf(b, " (%s)", s->id);
}

/* One reason of an orphaned token. */
static int add_orphan_reason(struct tw_buf *b, const struct tw_token *t,
                             const struct tw_finding_reason *rs)
{
        const struct tw_subject *s = t->created_by;
        const struct tw_role *role;
        int r;

        switch (rs->kind) {
        case TW_REASON_CREATOR_USER:
                if (!s || !s->id)
                        return -EINVAL;
                r = tw_buf_adds(b, "its creator, user ");
                if (r >= 0)
                        r = add_subject(b, s, s->username ? s->username : s->full_name);
                if (r >= 0)
                        r = rs->text
                                    ? tw_buf_printf(b, ", is %s", rs->text)
                                    : tw_buf_adds(b, ", is no longer a member of the organization");
                return r;
        case TW_REASON_CREATOR_TOKEN:
                if (!s || !s->id)
                        return -EINVAL;
                r = tw_buf_adds(b, "it was created by API token ");
                if (r >= 0)
                        r = add_subject(b, s, s->api_token_name);
                return r < 0 ? r : tw_buf_adds(b, ", which no longer exists");
        case TW_REASON_ENTITY_GONE:
                if (rs->role >= t->n_roles)
                        return -EINVAL;
                role = &t->roles[rs->role];
                return tw_buf_printf(b, "its %s role points at %s %s, which no longer exists",
                                     role->role ? role->role : "(unnamed)",
                                     streq(role->entity_type, "WORKSPACE") ? "workspace"
                                                                           : "deployment",
                                     role->entity_id ? role->entity_id : "?");
        default:
                return -EINVAL;
        }
}

/* One role above its ceiling: "it holds R in workspace "W" (id), above the
 * ceiling C" and what the token's operations say of it. */
static int add_privilege(struct tw_buf *b, const struct tw_inventory *inv, const struct tw_token *t,
                         const struct tw_finding_reason *rs)
{
        const struct tw_role *role;
        const char *entity_name;
        int r;

        if (rs->kind != TW_REASON_ROLE_ABOVE || rs->role >= t->n_roles || !rs->ceiling)
                return -EINVAL;
        role = &t->roles[rs->role];
        r = tw_buf_printf(b, "it holds %s", role->role ? role->role : "?");
        if (r >= 0 && !streq(role->entity_type, "ORGANIZATION")) {
                entity_name = tw_inventory_entity_name(inv, role);
                r = tw_buf_printf(b, " in %s ",
                                  streq(role->entity_type, "WORKSPACE") ? "workspace"
                                                                        : "deployment");
                if (r >= 0 && entity_name) {
                        r = tw_message_add_quoted(b, entity_name);
                        if (r >= 0)
                                r = tw_buf_addc(b, ' ');
                }
                if (r >= 0)
                        r = tw_buf_printf(b, entity_name ? "(%s)" : "%s",
                                          role->entity_id ? role->entity_id : "?");
        }
        if (r >= 0)
                r = tw_buf_printf(b, ", above the ceiling %s", rs->ceiling);
        if (r >= 0 && rs->need && rs->need == rs->target)
                r = tw_buf_printf(b, ", and every operation it performed is allowed by %s",
                                  rs->need);
        else if (r >= 0 && rs->need)
                r = tw_buf_printf(b,
                                  ", but the operations it performed need %s, so lowering it "
                                  "to the ceiling may break its pipelines",
                                  rs->need);
        return r;
}

/* " Operations it performed (audit logs, N kinds): "OP" xN, ... and K more." */
static int add_evidence(struct tw_buf *b, const struct tw_finding *f,
                        const struct tw_finding_reason *ops)
{
        int r = tw_buf_printf(b, " Operations it performed (audit logs, %u kind%s): ",
                              (unsigned)f->n_ops, f->n_ops == 1 ? "" : "s");

        for (uint32_t j = 0; r >= 0 && j < f->n_evidence; j++) {
                if (ops[j].kind != TW_REASON_OPERATION)
                        return -EINVAL;
                if (j > 0)
                        r = tw_buf_adds(b, ", ");
                if (r >= 0)
                        r = tw_message_add_quoted(b, ops[j].text);
                if (r >= 0)
                        r = tw_buf_printf(b, " x%llu", (unsigned long long)ops[j].count);
        }
        if (r >= 0 && f->n_ops > f->n_evidence)
                r = tw_buf_printf(b, " and %u more", (unsigned)(f->n_ops - f->n_evidence));
        return r < 0 ? r : tw_buf_addc(b, '.');
}

int tw_message_add_access(struct tw_buf *msg, const struct tw_inventory *inv,
                          const struct tw_token *t, const struct tw_finding *f,
                          const struct tw_finding_reason *rs)
{
        bool orphaned = f->kind == TW_FINDING_ORPHANED;
        int r;

        r = tw_buf_adds(msg, orphaned ? " is orphaned: " : " is over-privileged: ");
        for (uint32_t i = 0; i < f->n_reasons && r >= 0; i++) {
                if (i > 0)
                        r = tw_buf_adds(msg, "; ");
                if (r >= 0)
                        r = orphaned ? add_orphan_reason(msg, t, &rs[i])
                                     : add_privilege(msg, inv, t, &rs[i]);
        }
        if (r >= 0 && f->n_more)
                r = tw_buf_printf(msg, "; and %u more", (unsigned)f->n_more);
        if (r >= 0)
                r = tw_buf_addc(msg, '.');
        if (r >= 0 && !orphaned && f->n_evidence)
                r = add_evidence(msg, f, rs + f->n_reasons);
        return r;
}

/* '<what> "VALUE" first seen DATE (DELTA, N calls)'. */
static int add_source(struct tw_buf *msg, const struct tw_finding_reason *s, int64_t now)
{
        int r;

        if (s->kind != TW_REASON_SOURCE_IP && s->kind != TW_REASON_SOURCE_AGENT)
                return -EINVAL;
        r = tw_buf_adds(msg, s->kind == TW_REASON_SOURCE_IP ? "source IP " : "user agent ");
        if (r >= 0)
                r = tw_message_add_quoted(msg, s->text);
        if (r >= 0)
                r = tw_buf_adds(msg, " first seen ");
        if (r >= 0)
                r = tw_describe_date(s->at, msg);
        if (r >= 0)
                r = tw_buf_adds(msg, " (");
        if (r >= 0)
                r = tw_describe_delta(s->at, now, msg);
        if (r >= 0)
                r = tw_buf_printf(msg, ", %llu call%s)", (unsigned long long)s->count,
                                  s->count == 1 ? "" : "s");
        return r;
}

int tw_message_add_sources(struct tw_buf *msg, const struct tw_finding *f,
                           const struct tw_finding_reason *rs, int64_t now)
{
        int r = tw_buf_printf(msg, " was used from %s not seen in the ",
                              f->n_reasons + f->n_more == 1 ? "a source" : "sources");

        if (r >= 0)
                r = tw_describe_duration(f->after, msg);
        if (r >= 0)
                r = tw_buf_adds(msg, " before (its audit-log usage begins ");
        if (r >= 0)
                r = tw_describe_date(f->at, msg);
        if (r >= 0)
                r = tw_buf_adds(msg, "): ");
        for (uint32_t i = 0; i < f->n_reasons && r >= 0; i++) {
                if (i > 0)
                        r = tw_buf_adds(msg, "; ");
                if (r >= 0)
                        r = add_source(msg, &rs[i], now);
        }
        if (r >= 0 && f->n_more)
                r = tw_buf_printf(msg, "; and %u more", (unsigned)f->n_more);
        return r < 0 ? r
                     : tw_buf_adds(msg, ". If it is not one of the token's pipelines, "
                                        "rotate it.");
}
