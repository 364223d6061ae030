/* The time-based rules: expired, expiring, no_expiry, unused, never_used. */
#include "core/evaluate/rules_internal.h"

#include "core/config/config.h"
#include "lib/timeutil.h"

int tw_rule_expired(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f)
{
        if (t->end_at == TW_NO_TIME || t->end_at > c->now)
                return 0;
        f->severity = TW_SEVERITY_CRITICAL;
        f->fix = TW_FIX_ROTATE;
        f->at = t->end_at;
        return 0;
}

int tw_rule_expiring(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f)
{
        const struct tw_threshold *th;
        int64_t crit, warn, remaining, secs;

        if (t->end_at == TW_NO_TIME || t->end_at <= c->now)
                return 0;
        remaining = t->end_at - c->now;
        crit = tw_threshold_seconds(&c->policy->expiry_critical, t);
        warn = tw_threshold_seconds(&c->policy->expiry_warning, t);
        if (crit != TW_OFF && remaining <= crit) {
                f->severity = TW_SEVERITY_CRITICAL;
                th = &c->policy->expiry_critical;
                secs = crit;
        } else if (warn != TW_OFF && remaining <= warn) {
                f->severity = TW_SEVERITY_WARNING;
                th = &c->policy->expiry_warning;
                secs = warn;
        } else {
                return 0;
        }
        f->fix = TW_FIX_ROTATE;
        f->at = t->end_at;
        f->after = secs;
        f->percent = th->percent ? th->percentage : 0;
        return 0;
}

int tw_rule_no_expiry(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f)
{
        if (!c->policy->require_expiry || t->end_at != TW_NO_TIME)
                return 0;
        f->severity = TW_SEVERITY_WARNING;
        f->fix = TW_FIX_DELETE;
        return 0;
}

/* The finding the unused and never-used rules share: idle since `since`,
 * more than `after` ago. */
static int idle(struct tw_finding *f, int64_t since, int64_t after)
{
        f->severity = TW_SEVERITY_WARNING;
        f->fix = TW_FIX_DELETE;
        f->at = since;
        f->after = after;
        return 0;
}

int tw_rule_unused(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f)
{
        int64_t after = c->policy->unused_after;

        /* last_used_at < now - after, written so that it cannot overflow */
        if (after == TW_OFF || t->last_used_at == TW_NO_TIME || c->now - t->last_used_at <= after)
                return 0;
        return idle(f, t->last_used_at, after);
}

int tw_rule_never_used(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f)
{
        int64_t after = c->policy->never_used_after;

        if (after == TW_OFF || t->last_used_at != TW_NO_TIME || t->created_at == TW_NO_TIME ||
            c->now - t->created_at <= after)
                return 0;
        return idle(f, t->created_at, after);
}
