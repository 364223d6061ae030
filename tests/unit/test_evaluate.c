/* The evaluator's rules, each at its boundary, with a fixed now. */
#include "core/evaluate/evaluate.h"

#include "helpers/evaluate_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#include <errno.h>
#include <stdio.h>

#include "core/evaluate/finding.h"

/* The finding of kind k on token i, or NULL. */
static const struct tw_finding *find(const struct tw_evaluation *ev, size_t i,
                                     enum tw_finding_kind k)
{
        for (size_t j = 0; j < ev->token_count[i]; j++)
                if (ev->findings[ev->token_first[i] + j].kind == k)
                        return &ev->findings[ev->token_first[i] + j];
        return NULL;
}

/* Checks the evaluation's invariants: order, per-token index, counts. */
static void check_invariants(const struct tw_evaluation *ev, const struct tw_inventory *inv)
{
        size_t active = 0, sum = 0;

        for (size_t j = 1; j < ev->n_findings; j++) {
                const struct tw_finding *a = &ev->findings[j - 1], *b = &ev->findings[j];

                assert_true(a->token < b->token || (a->token == b->token && a->kind < b->kind));
        }
        for (size_t i = 0; i < ev->n_tokens; i++) {
                for (size_t j = 0; j < ev->token_count[i]; j++)
                        assert_int_equal(ev->findings[ev->token_first[i] + j].token, i);
                sum += ev->token_count[i];
        }
        assert_int_equal(sum, ev->n_findings);
        for (int k = 0; k < _TW_FINDING_KIND_MAX; k++)
                for (int s = 0; s < _TW_SEVERITY_MAX; s++)
                        active += ev->active[k][s];
        assert_int_equal(active + ev->suppressed_count, ev->n_findings);
        for (size_t j = 0; j < ev->n_findings; j++) {
                /* a message for a person; the fix is never in it */
                assert_true(*ef_finding_message(ev, inv, &ev->findings[j]));
                assert_null(strstr(ef_finding_message(ev, inv, &ev->findings[j]), "Fix"));
                assert_null(strstr(ef_finding_message(ev, inv, &ev->findings[j]), "astro "));
                assert_true(ev->findings[j].severity > TW_SEVERITY_NONE);
        }
}

static void assert_has(const char *haystack, const char *needle)
{
        if (!strstr(haystack, needle))
                fail_msg("\"%s\" not found in \"%s\"", needle, haystack);
}

/* ---- time rules ---- */

struct time_case {
        const char *name;
        int64_t start, end, created, last_used; /* 0: the healthy token's value */
        void (*tweak)(struct tw_policy *p);
        enum tw_severity expect[_TW_FINDING_KIND_MAX];
        enum tw_finding_kind msg_kind;
        const char *msg_has[3];
        const char *fix; /* msg_kind's fix: the exact command */
};

#define W TW_SEVERITY_WARNING
#define C TW_SEVERITY_CRITICAL

static void crit_off(struct tw_policy *p)
{
        p->expiry_critical.off = true;
}
static void warn_off(struct tw_policy *p)
{
        p->expiry_warning.off = true;
}
static void both_off(struct tw_policy *p)
{
        crit_off(p);
        warn_off(p);
}
static void no_require(struct tw_policy *p)
{
        p->require_expiry = false;
}
static void unused_off(struct tw_policy *p)
{
        p->unused_after = TW_OFF;
}
static void never_off(struct tw_policy *p)
{
        p->never_used_after = TW_OFF;
}
static void pct_25_50(struct tw_policy *p)
{
        p->expiry_critical = (struct tw_threshold){.percent = true, .percentage = 25};
        p->expiry_warning = (struct tw_threshold){.percent = true, .percentage = 50};
}
static void pct_warn_25(struct tw_policy *p)
{
        p->expiry_warning = (struct tw_threshold){.percent = true, .percentage = 25};
}

#define SEVEN_DAYS_ENDING(e) .start = (e)-7 * DAY, .end = (e)
#define YEAR_ENDING(e) .start = (e)-365 * DAY, .end = (e)

static const struct time_case time_cases[] = {
        {"healthy token: no finding", .end = 0},
        {"expired: end_at == now",
         .end = NOW,
         .expect = {[TW_FINDING_EXPIRED] = C},
         TW_FINDING_EXPIRED,
         {"Token \"t\" expired on 2026-06-01 12:00 UTC (now)"},
         .fix = "astro organization token rotate t"},
        {"expired: end_at one second ago",
         .end = NOW - 1,
         .expect = {[TW_FINDING_EXPIRED] = C},
         TW_FINDING_EXPIRED,
         {"(1 second ago)"}},
        {"expired three days ago",
         .end = NOW - 3 * DAY,
         .expect = {[TW_FINDING_EXPIRED] = C},
         TW_FINDING_EXPIRED,
         {"2026-05-29 12:00 UTC (3 days ago)"}},
        {"expiring critical: one second left", .end = NOW + 1,
         .expect = {[TW_FINDING_EXPIRING] = C}},
        {"expiring critical: at now + 7d",
         .end = NOW + 7 * DAY,
         .expect = {[TW_FINDING_EXPIRING] = C},
         TW_FINDING_EXPIRING,
         {"expires on 2026-06-08 12:00 UTC (in 7 days)", "critical threshold (7d)"},
         .fix = "astro organization token rotate t"},
        {"expiring critical: 7d - 1s",
         .end = NOW + 7 * DAY - 1,
         .expect = {[TW_FINDING_EXPIRING] = C},
         TW_FINDING_EXPIRING,
         {"(in 6 days)"}},
        {"expiring warning: 7d + 1s",
         .end = NOW + 7 * DAY + 1,
         .expect = {[TW_FINDING_EXPIRING] = W},
         TW_FINDING_EXPIRING,
         {"warning threshold (30d)"}},
        {"expiring warning: at now + 30d", .end = NOW + 30 * DAY,
         .expect = {[TW_FINDING_EXPIRING] = W}},
        {"expiring warning: 30d - 1s", .end = NOW + 30 * DAY - 1,
         .expect = {[TW_FINDING_EXPIRING] = W}},
        {"not expiring: 30d + 1s", .end = NOW + 30 * DAY + 1},
        {"critical off: 1 day left is a warning", .end = NOW + DAY, .tweak = crit_off,
         .expect = {[TW_FINDING_EXPIRING] = W}},
        {"warning off: 20 days left is fine", .end = NOW + 20 * DAY, .tweak = warn_off},
        {"warning off: 1 day left is critical", .end = NOW + DAY, .tweak = warn_off,
         .expect = {[TW_FINDING_EXPIRING] = C}},
        {"both off: 1 day left is fine", .end = NOW + DAY, .tweak = both_off},
        {"both off: expired still expired", .end = NOW, .tweak = both_off,
         .expect = {[TW_FINDING_EXPIRED] = C}},
        {"25% of 7 days: at 42h critical",
         SEVEN_DAYS_ENDING(NOW + 42 * HOUR),
         .tweak = pct_25_50,
         .expect = {[TW_FINDING_EXPIRING] = C},
         TW_FINDING_EXPIRING,
         {"critical threshold (25% of its 7d lifetime: 42h)", "(in 1 day)"}},
        {"25% of 7 days: 42h - 1s critical", SEVEN_DAYS_ENDING(NOW + 42 * HOUR - 1),
         .tweak = pct_25_50, .expect = {[TW_FINDING_EXPIRING] = C}},
        {"25% of 7 days: 42h + 1s warning",
         SEVEN_DAYS_ENDING(NOW + 42 * HOUR + 1),
         .tweak = pct_25_50,
         .expect = {[TW_FINDING_EXPIRING] = W},
         TW_FINDING_EXPIRING,
         {"warning threshold (50% of its 7d lifetime: 84h)"}},
        {"50% of 7 days: at 84h warning", SEVEN_DAYS_ENDING(NOW + 84 * HOUR), .tweak = pct_25_50,
         .expect = {[TW_FINDING_EXPIRING] = W}},
        {"50% of 7 days: 84h + 1s fine", SEVEN_DAYS_ENDING(NOW + 84 * HOUR + 1),
         .tweak = pct_25_50},
        {"25% of a year: at 91.25d warning", YEAR_ENDING(NOW + 7884000), .tweak = pct_warn_25,
         .expect = {[TW_FINDING_EXPIRING] = W}},
        {"25% of a year: 91.25d + 1s fine", YEAR_ENDING(NOW + 7884000 + 1), .tweak = pct_warn_25},
        {"25% of a year: 8 days left, warning", YEAR_ENDING(NOW + 8 * DAY), .tweak = pct_warn_25,
         .expect = {[TW_FINDING_EXPIRING] = W}},
        {"25% of a year: 7 days left, critical by 7d", YEAR_ENDING(NOW + 7 * DAY),
         .tweak = pct_warn_25, .expect = {[TW_FINDING_EXPIRING] = C}},
        {"no expiry, required",
         .end = TW_NO_TIME,
         .expect = {[TW_FINDING_NO_EXPIRY] = W},
         TW_FINDING_NO_EXPIRY,
         {"never expires"},
         .fix = "astro organization token delete t"},
        {"no expiry, not required", .end = TW_NO_TIME, .tweak = no_require},
        {"unused: last used exactly 90d ago", .last_used = NOW - 90 * DAY},
        {"unused: last used 90d + 1s ago",
         .last_used = NOW - 90 * DAY - 1,
         .expect = {[TW_FINDING_UNUSED] = W},
         TW_FINDING_UNUSED,
         {"was last used on 2026-03-03 11:59 UTC (90 days ago), more than 90d ago"},
         .fix = "astro organization token delete t"},
        {"unused: last used 90d - 1s ago", .last_used = NOW - 90 * DAY + 1},
        {"unused off", .last_used = NOW - 1000 * DAY, .tweak = unused_off},
        {"never used: created exactly 14d ago", .created = NOW - 14 * DAY, .last_used = TW_NO_TIME},
        {"never used: created 14d + 1s ago",
         .created = NOW - 14 * DAY - 1,
         .last_used = TW_NO_TIME,
         .expect = {[TW_FINDING_NEVER_USED] = W},
         TW_FINDING_NEVER_USED,
         {"has never been used since it was created on 2026-05-18 11:59 UTC (14 days ago), more "
          "than 14d ago"},
         .fix = "astro organization token delete t"},
        {"never used: created 14d - 1s ago", .created = NOW - 14 * DAY + 1,
         .last_used = TW_NO_TIME},
        {"never used off", .created = NOW - 400 * DAY, .last_used = TW_NO_TIME, .tweak = never_off},
        {"several findings on one token", .end = NOW - DAY, .created = NOW - 100 * DAY,
         .last_used = TW_NO_TIME,
         .expect = {[TW_FINDING_EXPIRED] = C, [TW_FINDING_NEVER_USED] = W}},
        {"no expiry and unused", .end = TW_NO_TIME, .last_used = NOW - 200 * DAY,
         .expect = {[TW_FINDING_NO_EXPIRY] = W, [TW_FINDING_UNUSED] = W}},
};

static void run_time_case(void **state)
{
        const struct time_case *tc = *state;
        struct token_spec spec = HEALTHY_TOKEN("t");
        struct tw_inventory *inv = ef_base_inventory();
        struct tw_evaluation *ev = NULL;
        struct tw_policy p;
        size_t n = 0;

        if (tc->start)
                spec.start = tc->start;
        if (tc->end)
                spec.end = tc->end;
        if (tc->created)
                spec.created = tc->created;
        if (tc->last_used)
                spec.last_used = tc->last_used;
        ef_add_token(inv, &spec);
        ef_policy_default(&p);
        if (tc->tweak)
                tc->tweak(&p);

        assert_int_equal(tw_evaluate(inv, &p, NULL, 0, NOW, &ev), 0);
        check_invariants(ev, inv);
        assert_int_equal(ev->now, NOW);
        assert_int_equal(ev->n_tokens, 1);
        assert_int_equal(ev->n_errors, 0);
        for (int k = 0; k < _TW_FINDING_KIND_MAX; k++) {
                const struct tw_finding *f = find(ev, 0, (enum tw_finding_kind)k);

                if (tc->expect[k] == TW_SEVERITY_NONE) {
                        if (f)
                                fail_msg("unexpected %s finding: %s",
                                         tw_finding_kind_to_string(f->kind),
                                         ef_finding_message(ev, inv, f));
                        continue;
                }
                assert_non_null(f);
                assert_int_equal(f->severity, tc->expect[k]);
                assert_false(f->suppressed);
                assert_int_equal(f->suppressed_until, TW_NO_TIME);
                assert_null(f->suppressed_reason);
                assert_int_equal(ev->active[k][tc->expect[k]], 1);
                n++;
        }
        assert_int_equal(ev->n_findings, n);
        for (size_t i = 0; i < ARRAY_SIZE(tc->msg_has) && tc->msg_has[i]; i++)
                assert_has(ef_finding_message(ev, inv, find(ev, 0, tc->msg_kind)), tc->msg_has[i]);
        if (tc->fix)
                assert_string_equal(ef_finding_fix(ev, inv, find(ev, 0, tc->msg_kind)), tc->fix);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

/* ---- orphaned and over-privileged ---- */

struct access_case {
        const char *name;
        struct token_spec token;
        bool unlisted[_TW_LISTING_KIND_MAX];
        const char *max_workspace_role; /* NULL: default */
        enum tw_severity orphaned, over_privileged;
        const char *msg_has[4]; /* in the orphaned, else the over_privileged message */
        const char *fix;        /* that finding's fix: the exact command ("": none) */
        const char *error_has;  /* NULL: no evaluation error */
};

#define TOK(scope_, ...)                                                                   \
        {                                                                                  \
                .id = "t", .name = "deployer", .scope = scope_, .start = NOW - 10 * DAY,   \
                .end = NOW + 365 * DAY, .created = NOW - 10 * DAY, .last_used = NOW - DAY, \
                __VA_ARGS__                                                                \
        }
#define ORG_MEMBER                                            \
        {                                                     \
                "ORGANIZATION", "org1", "ORGANIZATION_MEMBER" \
        }

static const struct access_case access_cases[] = {
        {.name = "no createdBy: nothing", .token = TOK("ORGANIZATION", .roles = {ORG_MEMBER})},
        {.name = "active creator",
         .token = TOK("ORGANIZATION", .roles = {ORG_MEMBER}, .creator_type = "USER",
                      .creator_id = "u-active", .creator_label = "active@example.com")},
        {.name = "pending creator",
         .token = TOK("ORGANIZATION", .roles = {ORG_MEMBER}, .creator_type = "USER",
                      .creator_id = "u-pending")},
        {.name = "creator without status",
         .token = TOK("ORGANIZATION", .roles = {ORG_MEMBER}, .creator_type = "USER",
                      .creator_id = "u-nostatus")},
        {.name = "creator gone",
         .token = TOK("ORGANIZATION", .roles = {ORG_MEMBER}, .creator_type = "USER",
                      .creator_id = "u-gone", .creator_label = "jane@example.com"),
         .orphaned = W,
         .msg_has = {"Token \"deployer\" is orphaned: its creator, user \"jane@example.com\" "
                     "(u-gone), "
                     "is no longer a member of the organization."},
         .fix = "astro organization token delete t"},
        {.name = "creator inactive",
         .token = TOK("ORGANIZATION", .roles = {ORG_MEMBER}, .creator_type = "USER",
                      .creator_id = "u-inactive", .creator_label = "inactive@example.com"),
         .orphaned = W,
         .msg_has = {"(u-inactive), is INACTIVE"}},
        {.name = "creator banned",
         .token = TOK("ORGANIZATION", .roles = {ORG_MEMBER}, .creator_type = "USER",
                      .creator_id = "u-banned"),
         .orphaned = W,
         .msg_has = {"its creator, user u-banned, is BANNED"}},
        {.name = "users not listed: error, not silence",
         .token = TOK("ORGANIZATION", .roles = {ORG_MEMBER}, .creator_type = "USER",
                      .creator_id = "u-gone"),
         .unlisted = {[TW_LISTING_USERS] = true},
         .error_has = "orphan detection incomplete: the organization's users could not be listed, "
                      "so the USER creators of 1 token(s) were not checked"},
        {.name = "servicekey creator present",
         .token = TOK("ORGANIZATION", .roles = {ORG_MEMBER}, .creator_type = "SERVICEKEY",
                      .creator_id = "other")},
        {.name = "servicekey creator gone",
         .token = TOK("WORKSPACE", .roles = {{"WORKSPACE", "ws1", "WORKSPACE_AUTHOR"}},
                      .creator_type = "SERVICEKEY", .creator_id = "sk-gone",
                      .creator_label = "ci-org-admin"),
         .orphaned = W,
         .msg_has =
                 {"it was created by API token \"ci-org-admin\" (sk-gone), which no longer exists"},
         .fix = "astro workspace token delete t --workspace-id ws1"},
        {.name = "servicekey gone but users not listed: still judged",
         .token = TOK("ORGANIZATION", .roles = {ORG_MEMBER}, .creator_type = "SERVICEKEY",
                      .creator_id = "sk-gone"),
         .unlisted = {[TW_LISTING_USERS] = true},
         .orphaned = W,
         .msg_has = {"API token sk-gone"}},
        {.name = "servicekey gone, tokens not listed: error",
         .token = TOK("ORGANIZATION", .roles = {ORG_MEMBER}, .creator_type = "SERVICEKEY",
                      .creator_id = "sk-gone"),
         .unlisted = {[TW_LISTING_TOKENS] = true},
         .error_has = "orphan detection incomplete: the token listing is incomplete"},
        {.name = "dangling workspace role",
         .token = TOK("WORKSPACE", .roles = {{"WORKSPACE", "ws-gone", "WORKSPACE_AUTHOR"}}),
         .orphaned = W,
         .msg_has =
                 {"its WORKSPACE_AUTHOR role points at workspace ws-gone, which no longer exists"},
         .fix = "astro workspace token delete t --workspace-id ws-gone"},
        {.name = "dangling deployment role",
         .token = TOK("DEPLOYMENT", .roles = {{"DEPLOYMENT", "dep-gone", "DEPLOYMENT_ADMIN"}}),
         .orphaned = W,
         .msg_has = {"its DEPLOYMENT_ADMIN role points at deployment dep-gone"},
         .fix = "astro deployment token delete t --deployment-id dep-gone"},
        {.name = "workspaces not listed: error",
         .token = TOK("WORKSPACE", .roles = {{"WORKSPACE", "ws-gone", "WORKSPACE_AUTHOR"}}),
         .unlisted = {[TW_LISTING_WORKSPACES] = true},
         .error_has = "the workspaces could not be listed, so the workspace roles of 1 token(s)"},
        {.name = "deployments not listed: error",
         .token = TOK("DEPLOYMENT", .roles = {{"DEPLOYMENT", "dep-gone", "DEPLOYMENT_ADMIN"}}),
         .unlisted = {[TW_LISTING_DEPLOYMENTS] = true},
         .error_has = "the deployments could not be listed"},
        {.name = "DAG role on unknown entity: not judged",
         .token = TOK("DEPLOYMENT", .roles = {{"DEPLOYMENT", "dep1", "DEPLOYMENT_ADMIN"},
                                              {"DAG", "dag-x", "DAG_AUTHOR"}})},
        {.name = "several orphan reasons in one finding",
         .token = TOK("ORGANIZATION",
                      .roles = {ORG_MEMBER,
                                {"WORKSPACE", "ws-gone", "WORKSPACE_MEMBER"},
                                {"DEPLOYMENT", "dep-gone", "DEPLOYMENT_ADMIN"}},
                      .creator_type = "USER", .creator_id = "u-banned",
                      .creator_label = "banned@example.com"),
         .orphaned = W,
         .msg_has = {"is BANNED; its WORKSPACE_MEMBER role points at workspace ws-gone",
                     "; its DEPLOYMENT_ADMIN role points at deployment dep-gone, which no longer "
                     "exists."},
         .fix = "astro organization token delete t"},
        {.name = "organization owner: critical",
         .token = TOK("ORGANIZATION", .roles = {{"ORGANIZATION", "org1", "ORGANIZATION_OWNER"}}),
         .over_privileged = C,
         .msg_has = {"Token \"deployer\" is over-privileged: it holds ORGANIZATION_OWNER, above "
                     "the ceiling "
                     "ORGANIZATION_BILLING_ADMIN."},
         .fix = "astro organization token update t --role ORGANIZATION_BILLING_ADMIN"},
        {.name = "organization role at the ceiling",
         .token = TOK("ORGANIZATION",
                      .roles = {{"ORGANIZATION", "org1", "ORGANIZATION_BILLING_ADMIN"}})},
        {.name = "workspace owner: warning",
         .token = TOK("WORKSPACE", .roles = {{"WORKSPACE", "ws1", "WORKSPACE_OWNER"}}),
         .over_privileged = W,
         .msg_has = {"it holds WORKSPACE_OWNER in workspace \"Prod\" (ws1), above the ceiling "
                     "WORKSPACE_OPERATOR"},
         .fix = "astro workspace token update t --workspace-id ws1 --role WORKSPACE_OPERATOR"},
        {.name = "workspace operator at the ceiling",
         .token = TOK("WORKSPACE", .roles = {{"WORKSPACE", "ws1", "WORKSPACE_OPERATOR"}})},
        {.name = "stricter ceiling: author over member",
         .token = TOK("WORKSPACE", .roles = {{"WORKSPACE", "ws1", "WORKSPACE_AUTHOR"}}),
         .max_workspace_role = "WORKSPACE_MEMBER",
         .over_privileged = W,
         .msg_has = {"above the ceiling WORKSPACE_MEMBER."},
         .fix = "astro workspace token update t --workspace-id ws1 --role WORKSPACE_MEMBER"},
        {.name = "organization owner and workspace owner: both reasons",
         .token = TOK("ORGANIZATION", .roles = {{"ORGANIZATION", "org1", "ORGANIZATION_OWNER"},
                                                {"WORKSPACE", "ws1", "WORKSPACE_OWNER"}}),
         .over_privileged = C,
         .msg_has =
                 {"it holds ORGANIZATION_OWNER, above the ceiling ORGANIZATION_BILLING_ADMIN; it "
                  "holds "
                  "WORKSPACE_OWNER in workspace \"Prod\" (ws1)"},
         .fix = "astro organization token update t --role ORGANIZATION_BILLING_ADMIN; astro "
                "workspace token update t --workspace-id ws1 --role WORKSPACE_OPERATOR"},
        {.name = "custom deployment role: never flagged",
         .token = TOK("DEPLOYMENT", .roles = {{"DEPLOYMENT", "dep1", "MY_CUSTOM_ROLE"}})},
        {.name = "deployment admin at the ceiling",
         .token = TOK("DEPLOYMENT", .roles = {{"DEPLOYMENT", "dep1", "DEPLOYMENT_ADMIN"}})},
        {.name = "unknown organization role: never flagged",
         .token = TOK("ORGANIZATION",
                      .roles = {{"ORGANIZATION", "org1", "ORGANIZATION_SUPERUSER"}})},
        {.name = "DAG and DAG_TAG roles: never flagged",
         .token = TOK("ORGANIZATION", .roles = {ORG_MEMBER,
                                                {"DAG", "d1", "DAG_AUTHOR"},
                                                {"DAG_TAG", "tag", "DAG_VIEWER"}})},
        {.name = "orphaned and over-privileged together",
         .token = TOK("ORGANIZATION", .roles = {{"ORGANIZATION", "org1", "ORGANIZATION_OWNER"}},
                      .creator_type = "USER", .creator_id = "u-gone"),
         .orphaned = W,
         .over_privileged = C,
         .msg_has = {"no longer a member"}},
        {.name = "unknown scope: no CLI fix",
         .token = TOK("TEAM", .roles = {{"WORKSPACE", "ws-gone", "WORKSPACE_MEMBER"}}),
         .orphaned = W,
         .msg_has = {"which no longer exists."},
         .fix = ""},
};

static void run_access_case(void **state)
{
        const struct access_case *ac = *state;
        struct token_spec other = HEALTHY_TOKEN("other");
        struct tw_inventory *inv = ef_base_inventory();
        struct tw_evaluation *ev = NULL;
        const struct tw_finding *fo, *fp, *f;
        struct tw_policy p;

        ef_add_token(inv, &other);
        ef_add_token(inv, &ac->token);
        assert_int_equal(tw_inventory_sort(inv), 0); /* "other" < "t" */
        for (int k = 0; k < _TW_LISTING_KIND_MAX; k++)
                inv->listed[k] = !ac->unlisted[k];
        ef_policy_default(&p);
        if (ac->max_workspace_role)
                p.max_workspace_role = (char *)ac->max_workspace_role;

        assert_int_equal(tw_evaluate(inv, &p, NULL, 0, NOW, &ev), 0);
        check_invariants(ev, inv);
        assert_int_equal(ev->token_count[0], 0); /* the healthy token */
        fo = find(ev, 1, TW_FINDING_ORPHANED);
        fp = find(ev, 1, TW_FINDING_OVER_PRIVILEGED);
        assert_int_equal(fo ? fo->severity : TW_SEVERITY_NONE, ac->orphaned);
        assert_int_equal(fp ? fp->severity : TW_SEVERITY_NONE, ac->over_privileged);
        assert_int_equal(ev->token_count[1], (fo != NULL) + (fp != NULL));
        f = fo ? fo : fp;
        for (size_t i = 0; i < ARRAY_SIZE(ac->msg_has) && ac->msg_has[i]; i++)
                assert_has(ef_finding_message(ev, inv, f), ac->msg_has[i]);
        if (ac->fix)
                assert_string_equal(ef_finding_fix(ev, inv, f), ac->fix);
        if (ac->error_has) {
                assert_int_equal(ev->n_errors, 1);
                assert_has(ev->errors[0], ac->error_has);
        } else {
                assert_int_equal(ev->n_errors, 0);
        }
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

/* ---- whole evaluations ---- */

/* Several tokens, several users unlisted: counts and one error for all. */
static void test_counts_and_errors(void **state)
{
        struct token_spec a = HEALTHY_TOKEN("a"), b = HEALTHY_TOKEN("b"), c = HEALTHY_TOKEN("c");
        struct tw_inventory *inv = ef_base_inventory();
        struct tw_evaluation *ev = NULL;
        struct tw_policy p;

        (void)state;
        a.end = NOW - 1;         /* expired */
        a.creator_type = "USER"; /* unchecked */
        a.creator_id = "u-gone";
        b.end = NOW + DAY;                      /* expiring critical */
        b.roles[0].role = "ORGANIZATION_OWNER"; /* over-privileged critical */
        b.creator_type = "USER";
        b.creator_id = "u-banned";
        c.end = TW_NO_TIME;            /* no expiry */
        c.last_used = NOW - 100 * DAY; /* unused */
        ef_add_token(inv, &c);
        ef_add_token(inv, &a);
        ef_add_token(inv, &b);
        inv->listed[TW_LISTING_USERS] = false;
        ef_policy_default(&p);

        assert_int_equal(tw_evaluate(inv, &p, NULL, 0, NOW, &ev), 0);
        check_invariants(ev, inv);
        assert_int_equal(ev->n_tokens, 3);
        assert_int_equal(ev->n_findings, 5);
        /* token order is the inventory's (unsorted: c, a, b) */
        assert_int_equal(ev->token_count[0], 2);
        assert_int_equal(ev->token_count[1], 1);
        assert_int_equal(ev->token_count[2], 2);
        assert_int_equal(ev->active[TW_FINDING_EXPIRED][TW_SEVERITY_CRITICAL], 1);
        assert_int_equal(ev->active[TW_FINDING_EXPIRING][TW_SEVERITY_CRITICAL], 1);
        assert_int_equal(ev->active[TW_FINDING_OVER_PRIVILEGED][TW_SEVERITY_CRITICAL], 1);
        assert_int_equal(ev->active[TW_FINDING_NO_EXPIRY][TW_SEVERITY_WARNING], 1);
        assert_int_equal(ev->active[TW_FINDING_UNUSED][TW_SEVERITY_WARNING], 1);
        assert_int_equal(ev->active[TW_FINDING_ORPHANED][TW_SEVERITY_WARNING], 0);
        assert_int_equal(ev->suppressed_count, 0);
        assert_int_equal(ev->n_errors, 1);
        assert_has(ev->errors[0], "USER creators of 2 token(s) were not checked");
        assert_int_equal(tw_evaluation_token_severity(ev, 0), TW_SEVERITY_WARNING);
        assert_int_equal(tw_evaluation_token_severity(ev, 2), TW_SEVERITY_CRITICAL);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

static void test_empty_inventory(void **state)
{
        struct tw_inventory *inv = tw_inventory_new("org1", "v1");
        struct tw_evaluation *ev = NULL;
        struct tw_policy p;

        (void)state;
        ef_policy_default(&p);
        assert_int_equal(tw_evaluate(inv, &p, NULL, 0, NOW, &ev), 0);
        assert_int_equal(ev->n_tokens, 0);
        assert_int_equal(ev->n_findings, 0);
        assert_int_equal(ev->n_notes, 0);
        assert_int_equal(ev->n_errors, 0);
        tw_evaluation_free(ev);
        assert_int_equal(tw_evaluate(NULL, &p, NULL, 0, NOW, &ev), -EINVAL);
        assert_int_equal(tw_evaluate(inv, NULL, NULL, 0, NOW, &ev), -EINVAL);
        assert_int_equal(tw_evaluate(inv, &p, NULL, 1, NOW, &ev), -EINVAL);
        tw_inventory_free(inv);
}

/* Names with quotes and newlines go into the message as they are; a huge one is cut. */
static void test_hostile_names(void **state)
{
        struct token_spec a = HEALTHY_TOKEN("a"), b = HEALTHY_TOKEN("b");
        struct tw_inventory *inv = ef_base_inventory();
        struct tw_evaluation *ev = NULL;
        struct tw_policy p;
        char *huge = malloc(10001);

        (void)state;
        assert_non_null(huge);
        memset(huge, 'x', 10000);
        huge[10000] = '\0';
        huge[127] = (char)0xC3; /* a 2-byte character straddling the cut at 128 */
        huge[128] = (char)0xA9;
        a.name = "evil\" name\nwith newline";
        a.end = NOW;
        b.name = huge;
        b.end = NOW;
        ef_add_token(inv, &a);
        ef_add_token(inv, &b);
        ef_policy_default(&p);
        assert_int_equal(tw_evaluate(inv, &p, NULL, 0, NOW, &ev), 0);
        assert_has(ef_finding_message(ev, inv, &ev->findings[0]),
                   "Token \"evil\" name\nwith newline\" expired");
        assert_has(ef_finding_message(ev, inv, &ev->findings[1]), "xxx...\" expired");
        assert_null(strchr(ef_finding_message(ev, inv, &ev->findings[1]), (char)0xC3));
        assert_true(strlen(ef_finding_message(ev, inv, &ev->findings[1])) < 400);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        free(huge);
}

/* Runs the table of cases as one group each, every case named. */
#define RUN_TABLE(group, table, fn)                                                              \
        do {                                                                                     \
                struct CMUnitTest tests_[ARRAY_SIZE(table)];                                     \
                for (size_t i_ = 0; i_ < ARRAY_SIZE(table); i_++)                                \
                        tests_[i_] = (struct CMUnitTest){.name = (table)[i_].name,               \
                                                         .test_func = (fn),                      \
                                                         .initial_state = (void *)&(table)[i_]}; \
                failed += cmocka_run_group_tests_name(group, tests_, NULL, NULL);                \
        } while (0)

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_counts_and_errors),
                cmocka_unit_test(test_empty_inventory),
                cmocka_unit_test(test_hostile_names),
        };
        int failed = 0;

        RUN_TABLE("time rules", time_cases, run_time_case);
        RUN_TABLE("access rules", access_cases, run_access_case);
        failed += cmocka_run_group_tests_name("evaluations", tests, NULL, NULL);
        return failed ? 1 : 0;
}
