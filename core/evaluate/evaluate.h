#ifndef TW_CORE_EVALUATE_EVALUATE_H
#define TW_CORE_EVALUATE_EVALUATE_H

/*
 * The evaluator: inventory + policy + suppressions + now -> findings.
 *
 * Everything here is pure (no clock, no I/O, no logging) and thread-safe:
 * the inputs are only read.  The helpers below the evaluator are for the
 * renderers (report, alerts) so that every output names times, durations and
 * Astro CLI fixes the same way.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/evaluate/finding.h"

struct tw_buf;
struct tw_copies;
struct tw_inventory;
struct tw_policy;
struct tw_role;
struct tw_suppression;
struct tw_threshold;
struct tw_token;
struct tw_usage;

/*
 * Judges every token of inv at time now.  On success *ret_eval is a new
 * evaluation (free with tw_evaluation_free()) in which:
 *  - findings are sorted by token index, then kind; a token has at most one
 *    finding per kind, with the highest severity that applies, the facts
 *    its message is made of and the action that fixes it (finding.h:
 *    tw_finding_message() and tw_finding_fix() render them);
 *  - token_first/token_count index them per token (n_tokens == inv->n_tokens);
 *  - a finding matched by a suppression with now < until is suppressed (the
 *    latest such until and its reason are kept) and counts in suppressed_count,
 *    every other finding counts in active[kind][severity];
 *  - notes list, in supp order, each suppression naming a token not in the
 *    inventory (stale; only when inv->listed[TW_LISTING_TOKENS]) and each one
 *    whose until <= now (lapsed);
 *  - errors say which orphan checks could not be made because a listing
 *    failed (users, tokens, workspaces, deployments), with how many tokens
 *    were left unchecked.
 * supp may be NULL when n_supp is 0.  -EINVAL on NULL inputs, -ENOMEM.
 */
int tw_evaluate(const struct tw_inventory *inv, const struct tw_policy *policy,
                const struct tw_suppression *supp, size_t n_supp, int64_t now,
                struct tw_evaluation **ret_eval);

/*
 * tw_evaluate() with the audit-log usage index (core/usage/usage.h; NULL: none,
 * the same as tw_evaluate()).  Usage adds:
 *  - new_source (warning): a token used from a source IP or user agent first
 *    seen at f, when its usage history began at least
 *    policy->new_source_after before f (so the N days before f are known
 *    not to contain it) and sources of that kind were never dropped from
 *    the bounded index; active while f <= now < f + new_source_for;
 *  - least privilege: an over_privileged finding also names the lowest role
 *    that allows every operation the token performed (tw_usage_lowest_role)
 *    with the operations as evidence, and the fix sets that role when it is
 *    at or below the ceiling; no suggestion when an operation is unknown.
 */
int tw_evaluate_usage(const struct tw_inventory *inv, const struct tw_policy *policy,
                      const struct tw_suppression *supp, size_t n_supp,
                      const struct tw_usage *usage, int64_t now, struct tw_evaluation **ret_eval);

/* What the evaluator reads besides the inventory: each may be NULL. */
struct tw_eval_inputs {
        const struct tw_usage *usage;   /* the audit-log usage index: new_source, least role */
        const struct tw_copies *copies; /* the copies as last checked: stale_copy, missing_copy */
};

/*
 * tw_evaluate_usage() with every input of in (NULL: none).  Copies add:
 *  - ev->copies: one verdict per copy, in config order (finding.h);
 *  - stale_copy (critical) on a token with a copy that does not hold its
 *    current value, issued at I = the latest of lastRotatedAt, createdAt
 *    and startAt (<= now): a readable copy whose JWT names another
 *    apiTokenId, names none, or has iat + TW_COPY_SKEW < I; a readable copy
 *    that is not a JWT; an unreadable copy whose store time + TW_COPY_SKEW
 *    < I.  One reason per copy (TW_REASON_COPY), at most
 *    TW_EVAL_MAX_REASONS, then n_more;
 *  - missing_copy (critical) on a token with a copy whose secret does not
 *    exist, likewise;
 *  - an error (counted in n_copy_errors) per copy whose store could not be
 *    read, or whose token is unknown or ambiguous in its organization.
 * A copy whose organization inv does not hold is not judged.
 */
int tw_evaluate_with(const struct tw_inventory *inv, const struct tw_policy *policy,
                     const struct tw_suppression *supp, size_t n_supp,
                     const struct tw_eval_inputs *in, int64_t now, struct tw_evaluation **ret_eval);

/* The seconds a threshold amounts to for token t: its duration, or its
 * percentage of t's lifetime (end_at - start_at, truncated to whole seconds;
 * 0 when the lifetime is unknown or not positive).  TW_OFF when off. */
int64_t tw_threshold_seconds(const struct tw_threshold *th, const struct tw_token *t);

/* The Astro CLI noun for the token's scope: "organization", "workspace" or
 * "deployment"; NULL for a scope the CLI has no commands for. */
const char *tw_token_cli_scope(const struct tw_token *t);
/* The entity id of the token's first WORKSPACE (DEPLOYMENT) role, or NULL. */
const char *tw_token_workspace_id(const struct tw_token *t);
const char *tw_token_deployment_id(const struct tw_token *t);

/*
 * Appends the Astro CLI command that fixes token t, e.g.
 *   astro workspace token rotate <id> --workspace-id <ws>
 *   astro organization token delete <id>
 *   astro deployment token update <id> --deployment-id <dep> --role <new_role>
 * For TW_FIX_UPDATE_ROLE, role is the role to change (its entity type picks
 * the CLI noun and its entity id the --workspace-id/--deployment-id; NULL:
 * the token's own scope) and new_role the role to set; both are ignored for
 * the other actions.  A WORKSPACE/DEPLOYMENT token without such a role gets
 * the placeholder "<workspace-id>"/"<deployment-id>", as does an id that is
 * not a plain id (tw_is_valid_id; "<token-id>" for the token's own).  -ENOENT (nothing
 * appended) when the CLI has no command for the scope, -ENOMEM, -E2BIG.
 */
int tw_token_fix_command(const struct tw_token *t, enum tw_fix_action action,
                         const struct tw_role *role, const char *new_role, struct tw_buf *out);

/* True for a role whose name has no known order: a DEPLOYMENT or DAG role
 * that is not one of Astro's built-in roles (tw_role_rank() is -1).  Custom
 * roles are never judged over-privileged; renderers should say "custom". */
bool tw_role_is_custom(const struct tw_role *role);

/* Appends "YYYY-MM-DD HH:MM UTC". */
int tw_describe_date(int64_t t, struct tw_buf *out);
/* Appends t relative to now: "in 2 days", "3 days ago", "in 5 hours",
 * "10 minutes ago", "now" (whole units, rounded towards zero). */
int tw_describe_delta(int64_t t, int64_t now, struct tw_buf *out);
/* Appends a duration in config syntax: "30d", "42h", "90m", "45s". */
int tw_describe_duration(int64_t seconds, struct tw_buf *out);

/* Appends a one-line description of the policy for report headers, e.g.
 * "expiring: critical 7d, warning 30d; expiry required; unused after 90d;
 * never used after 14d; role ceilings: ORGANIZATION_BILLING_ADMIN,
 * WORKSPACE_OPERATOR, DEPLOYMENT_ADMIN". */
int tw_policy_describe(const struct tw_policy *policy, struct tw_buf *out);

#endif
