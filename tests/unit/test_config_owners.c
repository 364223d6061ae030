/* [owners] and the owner routing keys of [webhook.NAME]:
 * keys, labels and rules as the parser keeps them, and each error naming
 * its line (core/config/owners.c). */
#include "core/config/config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "core/inventory.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct err_case {
        const char *name;
        const char *text;
        const char *want;
};

static const struct err_case err_cases[] = {
        {"unknown key", "[owners]\nnope = x\n",
         "t.ini:2: [owners] nope: unknown key (expected keys"},
        {"a bare token key", "[owners]\ntoken = x\n", "t.ini:2: [owners] token: unknown key"},
        {"keys twice", "[owners]\nkeys = team\nkeys = owner\n",
         "t.ini:3: [owners] keys: given twice (first on line 2)"},
        {"a key with a dash", "[owners]\nkeys = team, cost-center\n",
         "t.ini:2: [owners] keys: an owner key is letters, digits and '_'"},
        {"an empty key", "[owners]\nkeys = team,,owner\n", "t.ini:2: [owners] keys: an owner key"},
        {"a key twice", "[owners]\nkeys = team, Team\n",
         "t.ini:2: [owners] keys: an owner key is listed twice"},
        {"a label not among the keys", "[owners]\nkeys = team, repo\n\nlabels = team, owner\n",
         "t.ini:4: [owners] labels: 'owner' is not one of keys (or team)"},
        {"a label tokenwatch sets", "[owners]\nkeys = team, source\nlabels = source\n",
         "t.ini:3: [owners] labels: 'source' is a label tokenwatch sets itself"},
        {"a reserved label name", "[owners]\nkeys = __name\nlabels = __name\n",
         "t.ini:3: [owners] labels: '__name' is a label tokenwatch sets itself"},
        {"an unterminated bracket", "[owners]\n\ntoken ci-[a-z = data-eng\n",
         "t.ini:3: [owners] token ci-[a-z: the glob has an unterminated '['"},
        {"a bad workspace id", "[owners]\nworkspace ws/1 = ml\n",
         "t.ini:2: [owners] workspace ws/1: not a valid workspace id"},
        {"no team", "[owners]\ntoken ci-* = , ops@acme.com\n",
         "t.ini:2: [owners] token ci-*: the team is missing"},
        {"a hostile team", "[owners]\ntoken ci-* = <b>eng</b>\n",
         "t.ini:2: [owners] token ci-*: the team is missing, too long, or has"},
        {"two contacts", "[owners]\ntoken ci-* = eng, a@x.com, b@x.com\n",
         "t.ini:2: [owners] token ci-*: expected team[, contact]"},
        {"the same glob twice", "[owners]\ntoken ci-* = eng\ntoken ci-* = ml\n",
         "t.ini:3: [owners] token ci-*: never matches: line 2 has the same pattern and wins"},
        {"the same workspace twice", "[owners]\nworkspace ws-1 = eng\nworkspace ws-1 = ml\n",
         "t.ini:3: [owners] workspace ws-1: never matches: line 2"},
        {"a hostile team to route", "[webhook.a]\nurl = https://h.example\nteams = eng, a\"b\n",
         "t.ini:3: [webhook.a] teams: expected a comma-separated list of teams"},
        {"a match without =", "[webhook.a]\nurl = https://h.example\nmatch = team\n",
         "t.ini:3: [webhook.a] match: expected a comma-separated list of key=value"},
        {"a match on an unknown key", "[webhook.a]\nurl = https://h.example\nmatch = dept=x\n",
         "t.ini:3: [webhook.a] match: 'dept' is not an owner key"},
        {"a match on a key not configured",
         "[webhook.a]\nurl = https://h.example\nmatch = repo=x\n[owners]\nkeys = team\n",
         "t.ini:3: [webhook.a] match: 'repo' is not an owner key"},
        {"a match with an empty value", "[webhook.a]\nurl = https://h.example\nmatch = team=\n",
         "t.ini:3: [webhook.a] match: a match value is 1 to 128 bytes"},
};

static void run_err(void **state)
{
        const struct err_case *c = *state;
        struct tw_config *cfg = NULL;
        struct tw_buf errors;

        tw_buf_init(&errors, 0);
        assert_int_equal(tw_config_load_string(c->text, "t.ini", &cfg, &errors), -EINVAL);
        assert_null(cfg);
        if (!errors.ptr || !strstr(errors.ptr, c->want))
                fail_msg("errors:\n%s\nwant: %s", errors.ptr ? errors.ptr : "", c->want);
        tw_buf_done(&errors);
}

static struct tw_config *load_ok(const char *text)
{
        struct tw_config *cfg = NULL;
        struct tw_buf errors;

        tw_buf_init(&errors, 0);
        if (tw_config_load_string(text, "t.ini", &cfg, &errors) != 0)
                fail_msg("errors:\n%s", errors.ptr ? errors.ptr : "");
        tw_buf_done(&errors);
        return cfg;
}

/* Defaults: no keys (core/owner.h's), no labels (team), no rules. */
static void test_defaults(void **state)
{
        struct tw_config *cfg = load_ok("[owners]\n");
        struct tw_owner_policy p;

        (void)state;
        assert_null(cfg->owners.keys);
        assert_null(cfg->owners.labels);
        assert_int_equal(cfg->owners.n_rules, 0);
        tw_config_owner_policy(cfg, &p);
        assert_null(p.keys);
        assert_int_equal(p.n_rules, 0);
        tw_config_free(cfg);
}

/* The documented syntax, with comments, separators in values, rule order. */
static void test_full_section(void **state)
{
        struct tw_config *cfg =
                load_ok("[owners]\n"
                        "keys = owner, team , pipeline,repo, contact ; description keys\n"
                        "labels = team, repo\n"
                        "token ci-*-deploy = data-eng, data-eng@acme.com\n"
                        "workspace clx1234567890abcdefghijkl = ml\n"
                        "token  *  = catch all, mailto:x@acme.com\n"
                        "[webhook.eng]\nurl = https://h.example\nteams = data-eng , ML\n"
                        "match = repo = github.com/acme/dags, team=data-eng\n");
        const struct tw_owner_rule *r = cfg->owners.rules;
        const struct tw_webhook_config *w = &cfg->webhooks[0];

        (void)state;
        assert_int_equal(cfg->owners.n_keys, 5);
        assert_string_equal(cfg->owners.keys[1], "team");
        assert_string_equal(cfg->owners.keys[4], "contact");
        assert_int_equal(cfg->owners.n_labels, 2);
        assert_string_equal(cfg->owners.labels[1], "repo");
        assert_int_equal(cfg->owners.n_rules, 3);
        assert_string_equal(r[0].name_glob, "ci-*-deploy");
        assert_null(r[0].workspace_id);
        assert_string_equal(r[0].team, "data-eng");
        assert_string_equal(r[0].contact, "data-eng@acme.com");
        assert_string_equal(r[1].workspace_id, "clx1234567890abcdefghijkl");
        assert_null(r[1].name_glob);
        assert_string_equal(r[1].team, "ml");
        assert_null(r[1].contact);
        assert_string_equal(r[2].name_glob, "*");
        assert_string_equal(r[2].team, "catch all");
        assert_string_equal(r[2].contact, "mailto:x@acme.com"); /* ':' in a value survives */
        assert_int_equal(cfg->owners.rule_lines[0], 4);
        assert_int_equal(cfg->owners.rule_lines[2], 6);
        assert_int_equal(w->n_teams, 2);
        assert_string_equal(w->teams[0], "data-eng");
        assert_string_equal(w->teams[1], "ML");
        assert_int_equal(w->n_match, 2);
        assert_string_equal(w->match[0], "repo=github.com/acme/dags");
        assert_string_equal(w->match[1], "team=data-eng");
        tw_config_free(cfg);
}

/* A rule on a workspace the organization does not have is reported once
 * the workspaces are listed, naming its line; not before. */
static void test_unknown_workspace(void **state)
{
        struct tw_config *cfg =
                load_ok("[owners]\nworkspace ws-1 = eng\n\nworkspace ws-gone = ml\n");
        struct tw_inventory *inv = tw_inventory_new("org", "v1");
        struct tw_workspace w = {0};
        struct tw_buf out;

        (void)state;
        tw_buf_init(&out, 0);
        w.id = strdup("ws-1");
        w.name = strdup("Eng");
        assert_int_equal(tw_inventory_add_workspace(inv, &w), 0);
        inv->listed[TW_LISTING_WORKSPACES] = false; /* the listing failed */
        assert_int_equal(tw_config_owner_unknown_workspaces(cfg, inv, &out), 0);
        assert_int_equal(out.len, 0);
        inv->listed[TW_LISTING_WORKSPACES] = true;
        assert_int_equal(tw_config_owner_unknown_workspaces(cfg, inv, &out), 1);
        assert_string_equal(out.ptr, "t.ini:4: [owners] workspace ws-gone: no such workspace "
                                     "among those listed; the rule never matches\n");
        tw_buf_done(&out);
        tw_inventory_free(inv);
        tw_config_free(cfg);
}

int main(void)
{
        struct CMUnitTest tests[ARRAY_SIZE(err_cases) + 3];
        size_t n = 0;

        for (size_t i = 0; i < ARRAY_SIZE(err_cases); i++)
                tests[n++] = (struct CMUnitTest){err_cases[i].name, run_err, NULL, NULL,
                                                 (void *)&err_cases[i]};
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_defaults);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_full_section);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_unknown_workspace);
        return _cmocka_run_group_tests("config_owners", tests, n, NULL, NULL);
}
