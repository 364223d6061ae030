/* Owner resolution: each source, their precedence, the rule
 * checker, and descriptions written by someone hostile. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/inventory.h"
#include "core/owner.h"
#include "lib/timeutil.h"

#define NOW ((int64_t)1780315200)

static char *dup_or_null(const char *s)
{
        char *p = s ? strdup(s) : NULL;

        assert_true(!s || p);
        return p;
}

static void add_workspace(struct tw_inventory *inv, const char *id, const char *name)
{
        struct tw_workspace w = {.id = dup_or_null(id), .name = dup_or_null(name)};

        assert_int_equal(tw_inventory_add_workspace(inv, &w), 0);
}

static void add_user(struct tw_inventory *inv, const char *id, const char *name, const char *status)
{
        struct tw_user u = {.id = dup_or_null(id),
                            .full_name = dup_or_null(name),
                            .status = dup_or_null(status)};

        assert_int_equal(tw_inventory_add_user(inv, &u), 0);
}

/* ws-1 "Data Platform", ws-2 with a hostile name, dep-1 in ws-1; users
 * u-active and u-gone; every listing succeeded. */
static struct tw_inventory *inventory(void)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");
        struct tw_deployment d = {.id = dup_or_null("dep-1"),
                                  .name = dup_or_null("prod"),
                                  .workspace_id = dup_or_null("ws-1")};

        assert_non_null(inv);
        add_workspace(inv, "ws-1", "Data Platform");
        add_workspace(inv, "ws-2", "evil\n<!channel>");
        assert_int_equal(tw_inventory_add_deployment(inv, &d), 0);
        add_user(inv, "u-active", "Jane Doe", "ACTIVE");
        add_user(inv, "u-gone", "Old Timer", "INACTIVE");
        for (int k = 0; k < _TW_LISTING_KIND_MAX; k++)
                inv->listed[k] = true;
        return inv;
}

struct tcase {
        const char *name;
        const char *tok_name, *description, *scope;
        const char *role_type, *role_entity; /* one role, optional */
        const char *creator_type, *creator_id;
        enum tw_owner_source expect_source;
        const char *expect_team, *expect_contact;
        const char *expect_pairs; /* "k=v|k=v" in description order */
};

static const struct tw_owner_rule rules[] = {
        {.name_glob = "airflow-*", .team = "data-eng", .contact = "data@acme.example"},
        {.workspace_id = "ws-1", .team = "platform"},
        {.name_glob = "*", .team = "catch-all"},
};

static const struct tcase cases[] = {
        {"description team=", "ci",
         "GitHub Actions deploys; team=data-eng; repo=github.com/acme/dags", "ORGANIZATION", NULL,
         NULL, NULL, NULL, TW_OWNER_DESCRIPTION, "data-eng", "",
         "team=data-eng|repo=github.com/acme/dags"},
        {"description team:", "ci", "team: data-eng", "ORGANIZATION", NULL, NULL, NULL, NULL,
         TW_OWNER_DESCRIPTION, "data-eng", "", "team=data-eng"},
        {"keys case-insensitive, blanks trimmed, commas and newlines", "ci",
         "  TEAM =  ML Ops \t,\nContact:ml@acme.example\r\nPipeline = nightly ", "ORGANIZATION",
         NULL, NULL, NULL, NULL, TW_OWNER_DESCRIPTION, "ML Ops", "ml@acme.example",
         "team=ML Ops|contact=ml@acme.example|pipeline=nightly"},
        {"owner stands in for team", "ci", "owner=jane", "ORGANIZATION", NULL, NULL, NULL, NULL,
         TW_OWNER_DESCRIPTION, "jane", "", "owner=jane"},
        {"team beats an earlier owner", "ci", "owner=jane; team=core", "ORGANIZATION", NULL, NULL,
         NULL, NULL, TW_OWNER_DESCRIPTION, "core", "", "owner=jane|team=core"},
        {"first occurrence of a key wins", "ci", "team=a; team=b", "ORGANIZATION", NULL, NULL, NULL,
         NULL, TW_OWNER_DESCRIPTION, "a", "", "team=a"},
        {"value with a colon (URL) kept whole", "ci", "repo: https://github.com/acme/x; team=t",
         "ORGANIZATION", NULL, NULL, NULL, NULL, TW_OWNER_DESCRIPTION, "t", "",
         "repo=https://github.com/acme/x|team=t"},
        {"unknown keys ignored, pairs kept without a team", "airflow-prod",
         "color=blue; repo=acme/dags", "ORGANIZATION", NULL, NULL, NULL, NULL, TW_OWNER_RULE,
         "data-eng", "data@acme.example", "repo=acme/dags"},
        /* The administrator's rules outrank what a token's creator wrote. */
        {"a rule beats the description's team", "airflow-prod", "team=nobody; owner=x",
         "ORGANIZATION", NULL, NULL, NULL, NULL, TW_OWNER_RULE, "data-eng", "data@acme.example",
         "team=nobody|owner=x"},
        {"a rule's contact beats the description's", "airflow-prod", "contact=me@acme.example",
         "ORGANIZATION", NULL, NULL, NULL, NULL, TW_OWNER_RULE, "data-eng", "data@acme.example",
         "contact=me@acme.example"},
        {"the description's contact fills in a rule without one", "deploy", "contact=me@x",
         "DEPLOYMENT", "DEPLOYMENT", "dep-1", NULL, NULL, TW_OWNER_RULE, "platform", "me@x",
         "contact=me@x"},
        {"rules in config order: glob before workspace", "airflow-x", NULL, "WORKSPACE",
         "WORKSPACE", "ws-1", NULL, NULL, TW_OWNER_RULE, "data-eng", "data@acme.example", ""},
        {"workspace rule via the deployment's workspace", "deploy", NULL, "DEPLOYMENT",
         "DEPLOYMENT", "dep-1", NULL, NULL, TW_OWNER_RULE, "platform", "", ""},
        {"empty team value does not answer", "airflow-1", "team=; owner=  ", "ORGANIZATION", NULL,
         NULL, NULL, NULL, TW_OWNER_RULE, "data-eng", "data@acme.example", ""},
        /* hostile descriptions: the value is dropped, never passed on */
        {"newline splits, quote drops the value", "ci", "team=\"x\"\\n; owner=ok", "ORGANIZATION",
         NULL, NULL, NULL, NULL, TW_OWNER_DESCRIPTION, "ok", "", "owner=ok"},
        {"chat mention dropped", "ci", "team=<!channel>; owner=ok", "ORGANIZATION", NULL, NULL,
         NULL, NULL, TW_OWNER_DESCRIPTION, "ok", "", "owner=ok"},
        {"control character dropped", "ci", "team=a\x1b[31mred; owner=ok", "ORGANIZATION", NULL,
         NULL, NULL, NULL, TW_OWNER_DESCRIPTION, "ok", "", "owner=ok"},
        {"invalid UTF-8 dropped", "ci", "team=\xc3\x28; owner=ok", "ORGANIZATION", NULL, NULL, NULL,
         NULL, TW_OWNER_DESCRIPTION, "ok", "", "owner=ok"},
        {"overlong UTF-8 dropped", "ci", "team=\xc0\xaf; owner=ok", "ORGANIZATION", NULL, NULL,
         NULL, NULL, TW_OWNER_DESCRIPTION, "ok", "", "owner=ok"},
        {"C1 control dropped", "ci", "team=a\xc2\x85; owner=ok", "ORGANIZATION", NULL, NULL, NULL,
         NULL, TW_OWNER_DESCRIPTION, "ok", "", "owner=ok"},
        {"valid UTF-8 kept", "ci", "team=Jürgen's Team", "ORGANIZATION", NULL, NULL, NULL, NULL,
         TW_OWNER_DESCRIPTION, "Jürgen's Team", "", "team=Jürgen's Team"},
        /* sources 3 and 4 */
        {"workspace name for a workspace token", "ws-token", NULL, "WORKSPACE", "WORKSPACE", "ws-9",
         NULL, NULL, TW_OWNER_NONE, "", "", ""},
        {"creator when active", "org-token", NULL, "ORGANIZATION", NULL, NULL, "USER", "u-active",
         TW_OWNER_CREATOR, "Jane Doe", "", ""},
        {"inactive creator does not answer", "org-token", NULL, "ORGANIZATION", NULL, NULL, "USER",
         "u-gone", TW_OWNER_NONE, "", "", ""},
        {"departed creator does not answer", "org-token", NULL, "ORGANIZATION", NULL, NULL, "USER",
         "u-left", TW_OWNER_NONE, "", "", ""},
        {"hostile workspace name does not answer, creator does", "ws-token", NULL, "WORKSPACE",
         "WORKSPACE", "ws-2", "USER", "u-active", TW_OWNER_CREATOR, "Jane Doe", "", ""},
};

/* The same cases without the catch-all and ws-1 rules, so sources 3 and 4 are reached. */
static const struct tcase late_cases[] = {
        {"workspace name", "ws-token", "repo=x", "WORKSPACE", "WORKSPACE", "ws-1", "USER",
         "u-active", TW_OWNER_WORKSPACE, "Data Platform", "", "repo=x"},
        {"deployment token: its workspace's name", "dep-token", NULL, "DEPLOYMENT", "DEPLOYMENT",
         "dep-1", "USER", "u-active", TW_OWNER_WORKSPACE, "Data Platform", "", ""},
        {"organization token skips the workspace", "org-token", NULL, "ORGANIZATION", "WORKSPACE",
         "ws-1", "USER", "u-active", TW_OWNER_CREATOR, "Jane Doe", "", ""},
        {"service key creator still present", "org-token", NULL, "ORGANIZATION", NULL, NULL,
         "SERVICEKEY", "tok-0", TW_OWNER_CREATOR, "tok-0", "", ""},
        {"service key creator gone", "org-token", NULL, "ORGANIZATION", NULL, NULL, "SERVICEKEY",
         "tok-gone", TW_OWNER_NONE, "", "", ""},
        {"nothing answers", "org-token", "just text", "ORGANIZATION", NULL, NULL, NULL, NULL,
         TW_OWNER_NONE, "", "", ""},
};

static struct tw_token make_token(const struct tcase *c)
{
        struct tw_token t = {0};

        t.id = dup_or_null("tok-1");
        t.name = dup_or_null(c->tok_name);
        t.description = dup_or_null(c->description);
        t.scope = dup_or_null(c->scope);
        t.start_at = t.created_at = t.updated_at = NOW - 86400;
        t.end_at = NOW + 3600;
        t.last_used_at = t.last_rotated_at = TW_NO_TIME;
        if (c->role_type) {
                t.roles = calloc(1, sizeof(*t.roles));
                assert_non_null(t.roles);
                t.n_roles = 1;
                t.roles[0].entity_type = dup_or_null(c->role_type);
                t.roles[0].entity_id = dup_or_null(c->role_entity);
                t.roles[0].role = dup_or_null("WORKSPACE_MEMBER");
        }
        if (c->creator_type) {
                t.created_by = calloc(1, sizeof(*t.created_by));
                assert_non_null(t.created_by);
                t.created_by->id = dup_or_null(c->creator_id);
                t.created_by->subject_type = dup_or_null(c->creator_type);
                if (strcmp(c->creator_id, "u-active") == 0)
                        t.created_by->full_name = dup_or_null("Jane Doe");
        }
        return t;
}

static void pairs_string(const struct tw_owner *o, char *buf, size_t cap)
{
        buf[0] = '\0';
        for (size_t i = 0; i < o->n_pairs; i++) {
                size_t n = strlen(buf);

                snprintf(buf + n, cap - n, "%s%s=%s", i ? "|" : "", o->pairs[i].key,
                         o->pairs[i].value);
        }
}

static void run_cases(const struct tcase *tab, size_t n, const struct tw_owner_policy *pol)
{
        for (size_t i = 0; i < n; i++) {
                struct tw_inventory *inv = inventory();
                struct tw_token svc = {0}, t = make_token(&tab[i]);
                struct tw_owner o;
                char pairs[1024];

                svc.id = dup_or_null("tok-0");
                svc.name = dup_or_null("svc");
                svc.scope = dup_or_null("ORGANIZATION");
                assert_int_equal(tw_inventory_add_token(inv, &svc), 0);
                assert_int_equal(tw_inventory_add_token(inv, &t), 0);
                print_message("case: %s\n", tab[i].name);
                assert_int_equal(tw_owner_resolve(inv, tw_inventory_token(inv, "tok-1"), pol, &o),
                                 0);
                assert_string_equal(tw_owner_source_name(o.source),
                                    tw_owner_source_name(tab[i].expect_source));
                assert_string_equal(o.team, tab[i].expect_team);
                assert_string_equal(o.contact, tab[i].expect_contact);
                pairs_string(&o, pairs, sizeof(pairs));
                assert_string_equal(pairs, tab[i].expect_pairs);
                for (size_t k = 0; k < o.n_pairs; k++)
                        assert_true(tw_owner_value_ok(o.pairs[k].value));
                tw_inventory_free(inv);
        }
}

static void test_sources_and_precedence(void **state)
{
        struct tw_owner_policy pol = {.rules = rules, .n_rules = 2};

        (void)state;
        /* without the catch-all, so a workspace-9 token gets nothing from rules */
        run_cases(cases, sizeof(cases) / sizeof(cases[0]), &pol);
}

static void test_late_sources(void **state)
{
        struct tw_owner_policy pol = {.rules = rules, .n_rules = 1};

        (void)state;
        run_cases(late_cases, sizeof(late_cases) / sizeof(late_cases[0]), &pol);
}

static void test_catch_all_rule(void **state)
{
        struct tw_owner_policy pol = {.rules = rules, .n_rules = 3};
        struct tcase c = {"catch-all", "anything", NULL,          "ORGANIZATION", NULL, NULL,
                          "USER",      "u-active", TW_OWNER_RULE, "catch-all",    "",   ""};

        (void)state;
        run_cases(&c, 1, &pol);
}

static void test_configured_keys(void **state)
{
        static const char *const keys[] = {"squad", "contact"};
        struct tw_owner_policy pol = {.keys = keys, .n_keys = 2};
        /* "team" not configured: no answer from the description */
        struct tcase c[] = {
                {"unconfigured team", "x", "team=a; squad=b; Contact=c@x", "ORGANIZATION", NULL,
                 NULL, NULL, NULL, TW_OWNER_NONE, "", "c@x", "squad=b|contact=c@x"},
        };

        (void)state;
        run_cases(c, 1, &pol);
}

static void test_value_cap(void **state)
{
        char desc[300], team[TW_OWNER_VALUE_MAX + 2];
        struct tw_token t = {0};
        struct tw_owner_policy pol = {0};
        struct tw_owner o;

        (void)state;
        memset(team, 'a', sizeof(team) - 1);
        team[TW_OWNER_VALUE_MAX] = '\0';
        assert_true(tw_owner_value_ok(team));
        snprintf(desc, sizeof(desc), "team=%s", team);
        t.description = desc;
        assert_int_equal(tw_owner_resolve(NULL, &t, &pol, &o), 0);
        assert_int_equal(o.source, TW_OWNER_DESCRIPTION);
        assert_int_equal(strlen(o.team), TW_OWNER_VALUE_MAX);

        team[TW_OWNER_VALUE_MAX] = 'a';
        team[TW_OWNER_VALUE_MAX + 1] = '\0';
        assert_false(tw_owner_value_ok(team));
        snprintf(desc, sizeof(desc), "team=%s", team);
        assert_int_equal(tw_owner_resolve(NULL, &t, &pol, &o), 0);
        assert_int_equal(o.source, TW_OWNER_NONE);
        assert_int_equal(o.n_pairs, 0);
        assert_int_equal(tw_owner_resolve(NULL, NULL, &pol, &o), -EINVAL);
}

static void test_rule_check(void **state)
{
        static const struct {
                const char *name;
                struct tw_owner_rule rule;
                int expect;
        } tab[] = {
                {"glob", {.name_glob = "airflow-*", .team = "t"}, 0},
                {"bracket glob", {.name_glob = "ci-[a-z]*", .team = "t", .contact = "c"}, 0},
                {"leading ] in bracket", {.name_glob = "[]x]", .team = "t"}, 0},
                {"escaped [", {.name_glob = "a\\[b", .team = "t"}, 0},
                {"workspace", {.workspace_id = "clx123abc", .team = "t"}, 0},
                {"empty glob", {.name_glob = "", .team = "t"}, -EINVAL},
                {"unterminated bracket", {.name_glob = "ci-[abc", .team = "t"}, -EINVAL},
                {"unterminated negated", {.name_glob = "[!]", .team = "t"}, -EINVAL},
                {"trailing backslash", {.name_glob = "ci\\", .team = "t"}, -EINVAL},
                {"bad workspace id", {.workspace_id = "ws 1", .team = "t"}, -EINVAL},
                {"both", {.name_glob = "*", .workspace_id = "ws", .team = "t"}, -EINVAL},
                {"neither", {.team = "t"}, -EINVAL},
                {"no team", {.name_glob = "*"}, -EINVAL},
                {"hostile team", {.name_glob = "*", .team = "a\"b"}, -EINVAL},
                {"empty contact", {.name_glob = "*", .team = "t", .contact = ""}, -EINVAL},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
                const char *why = NULL;

                print_message("case: %s\n", tab[i].name);
                assert_int_equal(tw_owner_rule_check(&tab[i].rule, &why), tab[i].expect);
                assert_true(tab[i].expect == 0 ? why == NULL : why != NULL);
        }
}

static void test_keys_check(void **state)
{
        static const char *const good[] = {"owner", "Team_2"}, *const dup[] = {"team", "TEAM"},
                                 *const bad[] = {"2fa"}, *const dash[] = {"cost-center"};
        const char *why;

        (void)state;
        assert_int_equal(tw_owner_keys_check(good, 2, &why), 0);
        assert_int_equal(tw_owner_keys_check(dup, 2, &why), -EINVAL);
        assert_int_equal(tw_owner_keys_check(bad, 1, &why), -EINVAL);
        assert_int_equal(tw_owner_keys_check(dash, 1, &why), -EINVAL);
        assert_int_equal(tw_owner_keys_check(good, 0, &why), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sources_and_precedence),
                cmocka_unit_test(test_late_sources),
                cmocka_unit_test(test_catch_all_rule),
                cmocka_unit_test(test_configured_keys),
                cmocka_unit_test(test_value_cap),
                cmocka_unit_test(test_rule_check),
                cmocka_unit_test(test_keys_check),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
