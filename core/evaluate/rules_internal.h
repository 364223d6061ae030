#ifndef TW_CORE_EVALUATE_RULES_INTERNAL_H
#define TW_CORE_EVALUATE_RULES_INTERNAL_H

/*
 * Internal to the evaluator (the files of core/evaluate): one function per finding
 * kind.  Each judges one token and, for a finding, sets f->severity (left
 * TW_SEVERITY_NONE: no finding of that kind) and the data its message is
 * made of (core/evaluate/finding.h); the caller has set f->token, f->kind and
 * the suppression fields.  Reasons are appended with tw_eval_add_reason();
 * the caller drops those of a token that got no finding.  0 or -ENOMEM.
 */

#include <stddef.h>
#include <stdint.h>

#include "core/evaluate/evaluate.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"

struct tw_copies;
struct tw_policy;
struct tw_usage;

struct tw_eval_ctx {
        const struct tw_inventory *inv;
        const struct tw_policy *policy;
        const struct tw_usage *usage;   /* NULL: no audit-log usage */
        const struct tw_copies *copies; /* NULL: no copies */
        int64_t now;
        /* Tokens whose orphan check a failed listing of that kind prevented. */
        size_t unchecked[_TW_LISTING_KIND_MAX];
        struct tw_evaluation *ev; /* the one being built: its reasons and arena */
        size_t cap_reasons;
};

/* A message lists at most this many reasons (roles, creators), then "and N more". */
#define TW_EVAL_MAX_REASONS 10

typedef int (*tw_rule_fn)(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f);

int tw_rule_expired(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f);
int tw_rule_expiring(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f);
int tw_rule_no_expiry(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f);
int tw_rule_unused(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f);
int tw_rule_never_used(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f);
int tw_rule_orphaned(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f);
int tw_rule_over_privileged(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f);
/* core/evaluate/usage.c: none without usage. */
int tw_rule_new_source(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f);

/* core/evaluate/copies.c: the copies' verdicts (ev->copies), made once
 * before the tokens are judged, then the two rules that read them. */
int tw_eval_judge_copies(struct tw_eval_ctx *c);
int tw_rule_stale_copy(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f);
int tw_rule_missing_copy(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f);

/* A zeroed reason of that kind appended to the evaluation, or NULL on
 * -ENOMEM.  The pointer is valid until the next call. */
struct tw_finding_reason *tw_eval_add_reason(struct tw_eval_ctx *c, enum tw_reason_kind kind);

/* The lowest role of entity_type allowing every operation token t performed
 * (tw_usage_lowest_role), or NULL: no usage, or no suggestion. */
const char *tw_eval_least_role(const struct tw_eval_ctx *c, const struct tw_token *t,
                               const char *entity_type);
/* Appends to f the operations token t performed (the most called first, at
 * most five) as OPERATION reasons, and their number of kinds; nothing
 * without usage.  0 or -ENOMEM. */
int tw_eval_add_evidence(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f);

#endif
