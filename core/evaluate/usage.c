/*
 * The rules that read the audit-log usage index:
 * new_source, and the least-privilege evidence of over_privileged.
 *
 * new_source, precisely.  For a token with usage u and a source s (a source
 * IP or a user agent) first seen at f = s.first:
 *  - s is new when u's history began at least new_source_after before f
 *    (u.first <= f - N): the audit logs cover the N days before f for this
 *    token, and s does not appear in them.  With a shorter history nothing
 *    is claimed (we would not know).
 *  - when sources of that kind were dropped from the bounded index
 *    (ips_dropped / agents_dropped), a source seen before may have been
 *    forgotten and come back with a new first time: nothing is claimed for
 *    that kind either.
 *  - the finding is active while f <= now < f + new_source_for.
 * One warning per token lists its new sources (at most MAX_LISTED).
 */
#include "core/evaluate/rules.h"

#include <stdbool.h>
#include <string.h>

#include "core/config/config.h"
#include "core/roles.h"
#include "core/usage/usage.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#define MAX_LISTED 5
#define MAX_EVIDENCE 5

static const struct tw_token_usage *usage_of(const struct tw_eval_ctx *c, const struct tw_token *t)
{
        return c->usage && t->id ? tw_usage_find(c->usage, t->id) : NULL;
}

/* Whether source s of token usage u is new at now (see the top). */
static bool source_is_new(const struct tw_token_usage *u, const struct tw_usage_source *s,
                          int64_t after, int64_t active_for, int64_t now)
{
        int64_t f = s->first_ms / 1000;

        if (u->first_ms == TW_NO_TIME || s->first_ms == TW_NO_TIME || s->first_ms < u->first_ms)
                return false;
        if (s->first_ms - u->first_ms < after * 1000)
                return false;
        return f <= now && now - f < active_for;
}

/* Appends '<what> "VALUE" first seen DATE (DELTA, N calls)'. */
static int add_source(struct tw_buf *msg, const char *what, const struct tw_usage_source *s,
                      int64_t now)
{
        int r = tw_buf_printf(msg, "%s ", what);

        if (r >= 0)
                r = tw_message_add_quoted(msg, s->value);
        if (r >= 0)
                r = tw_buf_adds(msg, " first seen ");
        if (r >= 0)
                r = tw_describe_date(s->first_ms / 1000, msg);
        if (r >= 0)
                r = tw_buf_adds(msg, " (");
        if (r >= 0)
                r = tw_describe_delta(s->first_ms / 1000, now, msg);
        if (r >= 0)
                r = tw_buf_printf(msg, ", %llu call%s)", (unsigned long long)s->count,
                                  s->count == 1 ? "" : "s");
        return r;
}

/* Lists the new sources of one kind into msg; *n counts them all. */
static int list_new(struct tw_eval_ctx *c, const struct tw_token_usage *u,
                    const struct tw_usage_source *src, size_t n_src, uint64_t dropped,
                    const char *what, size_t *n, struct tw_buf *msg)
{
        int r = 0;

        if (dropped)
                return 0;
        for (size_t i = 0; i < n_src && r >= 0; i++) {
                if (!source_is_new(u, &src[i], c->policy->new_source_after,
                                   c->policy->new_source_for, c->now))
                        continue;
                if ((*n)++ >= MAX_LISTED)
                        continue;
                if (*n > 1)
                        r = tw_buf_adds(msg, "; ");
                if (r >= 0)
                        r = add_source(msg, what, &src[i], c->now);
        }
        return r;
}

int tw_rule_new_source(struct tw_eval_ctx *c, const struct tw_token *t,
                       enum tw_severity *ret_severity, struct tw_buf *msg)
{
        const struct tw_token_usage *u = usage_of(c, t);
        int64_t after = c->policy->new_source_after;
        struct tw_buf list;
        size_t n = 0;
        int r;

        *ret_severity = TW_SEVERITY_NONE;
        if (!u || after == TW_OFF || after <= 0 || c->policy->new_source_for <= 0)
                return 0;
        tw_buf_init(&list, (size_t)64 << 10);
        r = list_new(c, u, u->ips, u->n_ips, u->ips_dropped, "source IP", &n, &list);
        if (r >= 0)
                r = list_new(c, u, u->agents, u->n_agents, u->agents_dropped, "user agent", &n,
                             &list);
        if (r < 0 || n == 0)
                goto out;
        r = tw_message_add_token(msg, t);
        if (r >= 0)
                r = tw_buf_printf(msg, " was used from %s not seen in the ",
                                  n == 1 ? "a source" : "sources");
        if (r >= 0)
                r = tw_describe_duration(after, msg);
        if (r >= 0)
                r = tw_buf_adds(msg, " before (its audit-log usage begins ");
        if (r >= 0)
                r = tw_describe_date(u->first_ms / 1000, msg);
        if (r >= 0)
                r = tw_buf_adds(msg, "): ");
        if (r >= 0)
                r = tw_buf_add(msg, list.ptr ? list.ptr : "", list.len);
        if (r >= 0 && n > MAX_LISTED)
                r = tw_buf_printf(msg, "; and %zu more", n - MAX_LISTED);
        if (r >= 0)
                r = tw_buf_adds(msg, ". If it is not one of the token's pipelines, rotate it.");
        if (r >= 0)
                r = tw_message_add_fix(msg, t, TW_FIX_ROTATE);
        if (r >= 0)
                *ret_severity = TW_SEVERITY_WARNING;
out:
        tw_buf_done(&list);
        return r;
}

const char *tw_eval_least_role(const struct tw_eval_ctx *c, const struct tw_token *t,
                               const char *entity_type)
{
        const struct tw_token_usage *u = usage_of(c, t);

        return u ? tw_usage_lowest_role(u, entity_type) : NULL;
}

int tw_eval_add_evidence(const struct tw_eval_ctx *c, const struct tw_token *t, struct tw_buf *msg)
{
        const struct tw_token_usage *u = usage_of(c, t);
        size_t picked[MAX_EVIDENCE], n = 0;
        int r;

        if (!u || u->n_ops == 0)
                return 0;
        /* the most called first (ties: the first kept) */
        for (n = 0; n < MAX_EVIDENCE && n < u->n_ops; n++) {
                size_t best = SIZE_MAX;

                for (size_t i = 0; i < u->n_ops; i++) {
                        bool taken = false;

                        for (size_t j = 0; j < n; j++)
                                taken |= picked[j] == i;
                        if (!taken && (best == SIZE_MAX || u->ops[i].count > u->ops[best].count))
                                best = i;
                }
                picked[n] = best;
        }
        r = tw_buf_printf(msg, " Operations it performed (audit logs, %zu kind%s): ", u->n_ops,
                          u->n_ops == 1 ? "" : "s");
        for (size_t j = 0; r >= 0 && j < n; j++) {
                const struct tw_usage_op *op = &u->ops[picked[j]];

                if (j > 0)
                        r = tw_buf_adds(msg, ", ");
                if (r >= 0)
                        r = tw_message_add_quoted(msg, op->op);
                if (r >= 0)
                        r = tw_buf_printf(msg, " x%llu", (unsigned long long)op->count);
        }
        if (r >= 0 && u->n_ops > n)
                r = tw_buf_printf(msg, " and %zu more", u->n_ops - n);
        if (r >= 0)
                r = tw_buf_addc(msg, '.');
        return r;
}
