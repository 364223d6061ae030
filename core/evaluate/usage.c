/*
 * The rules that read the audit-log usage index: new_source, and the
 * least-privilege evidence of over_privileged.
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
#include "core/evaluate/rules_internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/config/config.h"
#include "core/roles.h"
#include "core/usage/usage.h"
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

/* Lists the new sources of one kind as reasons; *n counts them all. */
static int list_new(struct tw_eval_ctx *c, const struct tw_token_usage *u,
                    const struct tw_usage_source *src, size_t n_src, uint64_t dropped,
                    enum tw_reason_kind kind, uint32_t *n)
{
        struct tw_finding_reason *rs;
        int failed = 0;

        if (dropped)
                return 0;
        for (size_t i = 0; i < n_src && !failed; i++) {
                if (!source_is_new(u, &src[i], c->policy->new_source_after,
                                   c->policy->new_source_for, c->now))
                        continue;
                if ((*n)++ >= MAX_LISTED)
                        continue;
                rs = tw_eval_add_reason(c, kind);
                if (!rs)
                        return -ENOMEM;
                rs->text =
                        tw_arena_strdup(&c->ev->arena, src[i].value ? src[i].value : "", &failed);
                rs->at = src[i].first_ms / 1000;
                rs->count = src[i].count;
        }
        return failed ? -ENOMEM : 0;
}

int tw_rule_new_source(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f)
{
        const struct tw_token_usage *u = usage_of(c, t);
        int64_t after = c->policy->new_source_after;
        uint32_t n = 0;
        int r;

        if (!u || after == TW_OFF || after <= 0 || c->policy->new_source_for <= 0)
                return 0;
        r = list_new(c, u, u->ips, u->n_ips, u->ips_dropped, TW_REASON_SOURCE_IP, &n);
        if (r >= 0)
                r = list_new(c, u, u->agents, u->n_agents, u->agents_dropped,
                             TW_REASON_SOURCE_AGENT, &n);
        if (r < 0 || n == 0)
                return r;
        f->severity = TW_SEVERITY_WARNING;
        f->fix = TW_FIX_ROTATE;
        f->at = u->first_ms / 1000;
        f->after = after;
        f->n_reasons = n < MAX_LISTED ? n : MAX_LISTED;
        f->n_more = n - f->n_reasons;
        return 0;
}

const char *tw_eval_least_role(const struct tw_eval_ctx *c, const struct tw_token *t,
                               const char *entity_type)
{
        const struct tw_token_usage *u = usage_of(c, t);

        return u ? tw_usage_lowest_role(u, entity_type) : NULL;
}

int tw_eval_add_evidence(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f)
{
        const struct tw_token_usage *u = usage_of(c, t);
        size_t picked[MAX_EVIDENCE], n = 0;
        struct tw_finding_reason *rs;
        int failed = 0;

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
        for (size_t j = 0; j < n && !failed; j++) {
                rs = tw_eval_add_reason(c, TW_REASON_OPERATION);
                if (!rs)
                        return -ENOMEM;
                rs->text = tw_arena_intern(&c->ev->arena, u->ops[picked[j]].op, &failed);
                rs->count = u->ops[picked[j]].count;
        }
        f->n_evidence = (uint32_t)n;
        f->n_ops = u->n_ops > UINT32_MAX ? UINT32_MAX : (uint32_t)u->n_ops;
        return failed ? -ENOMEM : 0;
}
