#ifndef TW_CORE_EVALUATE_RULES_H
#define TW_CORE_EVALUATE_RULES_H

/*
 * Internal to the evaluator (core/evaluate*.c): one function per finding
 * kind.  Each judges one token: it sets *ret_severity (TW_SEVERITY_NONE: no
 * finding of that kind) and, for a finding, appends the message to msg
 * (empty on entry).  0, -ENOMEM or -E2BIG.
 */

#include <stddef.h>
#include <stdint.h>

#include "core/evaluate/evaluate.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"

struct tw_buf;
struct tw_policy;
struct tw_usage;

struct tw_eval_ctx {
        const struct tw_inventory *inv;
        const struct tw_policy *policy;
        const struct tw_usage *usage; /* NULL: no audit-log usage */
        int64_t now;
        /* Tokens whose orphan check a failed listing of that kind prevented. */
        size_t unchecked[_TW_LISTING_KIND_MAX];
};

int tw_rule_expired(struct tw_eval_ctx *c, const struct tw_token *t, enum tw_severity *ret_severity,
                    struct tw_buf *msg);
int tw_rule_expiring(struct tw_eval_ctx *c, const struct tw_token *t,
                     enum tw_severity *ret_severity, struct tw_buf *msg);
int tw_rule_no_expiry(struct tw_eval_ctx *c, const struct tw_token *t,
                      enum tw_severity *ret_severity, struct tw_buf *msg);
int tw_rule_unused(struct tw_eval_ctx *c, const struct tw_token *t, enum tw_severity *ret_severity,
                   struct tw_buf *msg);
int tw_rule_never_used(struct tw_eval_ctx *c, const struct tw_token *t,
                       enum tw_severity *ret_severity, struct tw_buf *msg);
int tw_rule_orphaned(struct tw_eval_ctx *c, const struct tw_token *t,
                     enum tw_severity *ret_severity, struct tw_buf *msg);
int tw_rule_over_privileged(struct tw_eval_ctx *c, const struct tw_token *t,
                            enum tw_severity *ret_severity, struct tw_buf *msg);
/* core/evaluate/usage.c: none without usage. */
int tw_rule_new_source(struct tw_eval_ctx *c, const struct tw_token *t,
                       enum tw_severity *ret_severity, struct tw_buf *msg);

/* The lowest role of entity_type allowing every operation token t performed
 * (tw_usage_lowest_role), or NULL: no usage, or no suggestion. */
const char *tw_eval_least_role(const struct tw_eval_ctx *c, const struct tw_token *t,
                               const char *entity_type);
/* Appends " Operations it performed (audit logs, N kinds): "OP" xN, ... and
 * K more." (the most called first), or nothing without usage. */
int tw_eval_add_evidence(const struct tw_eval_ctx *c, const struct tw_token *t, struct tw_buf *msg);

/* Appends s in double quotes, cut (at a UTF-8 boundary, marked "...") after
 * TW_MESSAGE_NAME_MAX bytes so that one hostile name cannot swell a message. */
#define TW_MESSAGE_NAME_MAX 128
int tw_message_add_quoted(struct tw_buf *msg, const char *s);
/* Appends 'Token "NAME"'. */
int tw_message_add_token(struct tw_buf *msg, const struct tw_token *t);
/* Appends " Fix: <astro command>." when the CLI has a command for t's scope. */
int tw_message_add_fix(struct tw_buf *msg, const struct tw_token *t, enum tw_fix_action action);

#endif
