#include "core/evaluate/evaluate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "core/config/config.h"
#include "core/evaluate/rules_internal.h"
#include "core/inventory.h"
#include "lib/timeutil.h"

#define ERROR_MAX ((size_t)4 << 10)

static const tw_rule_fn rules[] = {
        [TW_FINDING_EXPIRED] = tw_rule_expired,
        [TW_FINDING_EXPIRING] = tw_rule_expiring,
        [TW_FINDING_NO_EXPIRY] = tw_rule_no_expiry,
        [TW_FINDING_UNUSED] = tw_rule_unused,
        [TW_FINDING_NEVER_USED] = tw_rule_never_used,
        [TW_FINDING_ORPHANED] = tw_rule_orphaned,
        [TW_FINDING_OVER_PRIVILEGED] = tw_rule_over_privileged,
        [TW_FINDING_NEW_SOURCE] = tw_rule_new_source,
        [TW_FINDING_STALE_COPY] = tw_rule_stale_copy,
        [TW_FINDING_MISSING_COPY] = tw_rule_missing_copy,
};

_Static_assert(sizeof(rules) / sizeof(rules[0]) == _TW_FINDING_KIND_MAX, "a rule for every kind");

/* Growable arrays of the evaluation under construction. */
struct builder {
        struct tw_evaluation *ev;
        size_t cap_findings, cap_notes, cap_errors;
};

/* Appends an error built from msg. */
static int add_error(struct builder *b, const struct tw_buf *msg)
{
        struct tw_evaluation *ev = b->ev;
        const char *s;
        int r, failed = 0;

        r = tw_array_reserve((void **)&ev->errors, ev->n_errors, &b->cap_errors,
                             sizeof(*ev->errors));
        if (r < 0)
                return r;
        s = tw_arena_strdup(&ev->arena, msg->ptr ? msg->ptr : "", &failed);
        if (failed)
                return -ENOMEM;
        ev->errors[ev->n_errors++] = s;
        return 0;
}

static int add_note(struct builder *b, const struct tw_suppression *s, bool stale)
{
        struct tw_evaluation *ev = b->ev;
        struct tw_suppression_note n = {.until = s->until, .stale = stale};
        int r, failed = 0;

        r = tw_array_reserve((void **)&ev->notes, ev->n_notes, &b->cap_notes, sizeof(*ev->notes));
        if (r < 0)
                return r;
        n.token_id = tw_arena_strdup(&ev->arena, s->token_id ? s->token_id : "", &failed);
        n.reason = tw_arena_strdup(&ev->arena, s->reason ? s->reason : "", &failed);
        if (!s->all_kinds)
                n.kind = tw_finding_kind_to_string(s->kind);
        if (failed)
                return -ENOMEM;
        ev->notes[ev->n_notes++] = n;
        return 0;
}

/* Runs every rule on token i: one finding per kind that applies. */
static int judge_token(struct builder *b, struct tw_eval_ctx *c, size_t i)
{
        const struct tw_token *t = &c->inv->tokens[i];
        struct tw_evaluation *ev = b->ev;
        int r;

        ev->token_first[i] = ev->n_findings;
        for (int k = 0; k < _TW_FINDING_KIND_MAX; k++) {
                struct tw_finding f = {
                        .token = i,
                        .kind = (enum tw_finding_kind)k,
                        .severity = TW_SEVERITY_NONE,
                        .at = TW_NO_TIME,
                        .first_reason = ev->n_reasons,
                        .suppressed_until = TW_NO_TIME,
                };

                r = rules[k](c, t, &f);
                if (r < 0)
                        return r;
                if (f.severity == TW_SEVERITY_NONE) {
                        ev->n_reasons = f.first_reason; /* what the rule listed goes */
                        continue;
                }
                r = tw_array_reserve((void **)&ev->findings, ev->n_findings, &b->cap_findings,
                                     sizeof(*ev->findings));
                if (r < 0)
                        return r;
                ev->findings[ev->n_findings++] = f;
        }
        ev->token_count[i] = ev->n_findings - ev->token_first[i];
        return 0;
}

/* Errors for the orphan checks that failed listings prevented. */
static int add_unchecked_errors(struct builder *b, const struct tw_eval_ctx *c, struct tw_buf *msg)
{
        static const char *const what[_TW_LISTING_KIND_MAX] = {
                [TW_LISTING_USERS] = "the organization's users could not be listed, so the USER "
                                     "creators of %zu token(s) were not checked",
                [TW_LISTING_TOKENS] =
                        "the token listing is incomplete, so the SERVICEKEY creators of "
                        "%zu token(s) were not checked",
                [TW_LISTING_WORKSPACES] = "the workspaces could not be listed, so the workspace "
                                          "roles of %zu token(s) were not checked",
                [TW_LISTING_DEPLOYMENTS] = "the deployments could not be listed, so the deployment "
                                           "roles of %zu token(s) were not checked",
        };
        static const enum tw_listing_kind order[] = {TW_LISTING_USERS, TW_LISTING_TOKENS,
                                                     TW_LISTING_WORKSPACES, TW_LISTING_DEPLOYMENTS};
        int r = 0;

        for (size_t i = 0; i < sizeof(order) / sizeof(order[0]) && r >= 0; i++) {
                if (c->unchecked[order[i]] == 0)
                        continue;
                tw_buf_reset(msg);
                r = tw_buf_adds(msg, "orphan detection incomplete: ");
                if (r >= 0)
                        r = tw_buf_printf(msg, what[order[i]], c->unchecked[order[i]]);
                if (r >= 0)
                        r = add_error(b, msg);
        }
        return r;
}

/* Marks the findings of token i that s covers as suppressed. */
static int suppress(struct tw_evaluation *ev, size_t i, const struct tw_suppression *s)
{
        for (size_t j = ev->token_first[i]; j < ev->token_first[i] + ev->token_count[i]; j++) {
                struct tw_finding *f = &ev->findings[j];
                const char *reason;
                int failed = 0;

                if (!s->all_kinds && f->kind != s->kind)
                        continue;
                if (f->suppressed && f->suppressed_until >= s->until)
                        continue;
                reason = tw_arena_intern(&ev->arena, s->reason ? s->reason : "", &failed);
                if (failed)
                        return -ENOMEM;
                f->suppressed = true;
                f->suppressed_until = s->until;
                f->suppressed_reason = reason;
        }
        return 0;
}

static int apply_suppressions(struct builder *b, const struct tw_inventory *inv,
                              const struct tw_suppression *supp, size_t n_supp, int64_t now)
{
        int r = 0;

        for (size_t k = 0; k < n_supp && r >= 0; k++) {
                const struct tw_suppression *s = &supp[k];
                const struct tw_token *t =
                        s->token_id ? tw_inventory_token(inv, s->token_id) : NULL;

                if (!t && inv->listed[TW_LISTING_TOKENS])
                        r = add_note(b, s, true);
                else if (s->until == TW_NO_TIME || s->until <= now)
                        r = add_note(b, s, false);
                else if (t)
                        r = suppress(b->ev, (size_t)(t - inv->tokens), s);
        }
        return r;
}

static void count(struct tw_evaluation *ev)
{
        for (size_t j = 0; j < ev->n_findings; j++) {
                const struct tw_finding *f = &ev->findings[j];

                if (f->suppressed)
                        ev->suppressed_count++;
                else
                        ev->active[f->kind][f->severity]++;
        }
}

int tw_evaluate(const struct tw_inventory *inv, const struct tw_policy *policy,
                const struct tw_suppression *supp, size_t n_supp, int64_t now,
                struct tw_evaluation **ret_eval)
{
        return tw_evaluate_usage(inv, policy, supp, n_supp, NULL, now, ret_eval);
}

int tw_evaluate_usage(const struct tw_inventory *inv, const struct tw_policy *policy,
                      const struct tw_suppression *supp, size_t n_supp,
                      const struct tw_usage *usage, int64_t now, struct tw_evaluation **ret_eval)
{
        struct tw_eval_inputs in = {.usage = usage};

        return tw_evaluate_with(inv, policy, supp, n_supp, &in, now, ret_eval);
}

/* Errors for the copies that could not be judged (after the others). */
static int add_copy_errors(struct builder *b, struct tw_buf *msg)
{
        struct tw_evaluation *ev = b->ev;
        int r = 0;

        for (size_t i = 0; i < ev->n_copies && r >= 0; i++) {
                const struct tw_copy_verdict *v = &ev->copies[i];

                if (!v->problem)
                        continue;
                tw_buf_reset(msg);
                r = tw_buf_printf(msg, "copy [deliver.%s] (%s) %s: %s%s", v->name, v->where,
                                  v->verdict == TW_COPY_UNRESOLVED ? "names no single token"
                                                                   : "could not be checked",
                                  v->problem,
                                  v->verdict == TW_COPY_UNRESOLVED ||
                                                  v->verdict == TW_COPY_CHECK_FAILED
                                          ? ""
                                          : " (judged from its last good check)");
                if (r >= 0)
                        r = add_error(b, msg);
                if (r >= 0)
                        ev->n_copy_errors++;
        }
        return r;
}

int tw_evaluate_with(const struct tw_inventory *inv, const struct tw_policy *policy,
                     const struct tw_suppression *supp, size_t n_supp,
                     const struct tw_eval_inputs *in, int64_t now, struct tw_evaluation **ret_eval)
{
        struct tw_eval_ctx c = {.inv = inv,
                                .policy = policy,
                                .usage = in ? in->usage : NULL,
                                .copies = in ? in->copies : NULL,
                                .now = now};
        struct builder b = {.ev = NULL};
        struct tw_buf msg;
        size_t n;
        int r;

        if (!inv || !policy || !ret_eval || (n_supp && !supp))
                return -EINVAL;
        tw_buf_init(&msg, ERROR_MAX);
        r = -ENOMEM;
        b.ev = calloc(1, sizeof(*b.ev));
        if (!b.ev)
                goto out;
        tw_arena_init(&b.ev->arena);
        c.ev = b.ev;
        b.ev->now = now;
        b.ev->n_tokens = inv->n_tokens;
        n = inv->n_tokens ? inv->n_tokens : 1;
        b.ev->token_first = calloc(n, sizeof(*b.ev->token_first));
        b.ev->token_count = calloc(n, sizeof(*b.ev->token_count));
        if (!b.ev->token_first || !b.ev->token_count)
                goto out;

        r = tw_eval_judge_copies(&c);
        for (size_t i = 0; i < inv->n_tokens && r >= 0; i++)
                r = judge_token(&b, &c, i);
        if (r >= 0)
                r = add_unchecked_errors(&b, &c, &msg);
        if (r >= 0)
                r = add_copy_errors(&b, &msg);
        if (r >= 0)
                r = apply_suppressions(&b, inv, supp, n_supp, now);
        if (r < 0)
                goto out;
        count(b.ev);
        *ret_eval = b.ev;
        b.ev = NULL;
out:
        tw_buf_done(&msg);
        tw_evaluation_free(b.ev);
        return r;
}
