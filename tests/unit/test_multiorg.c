/* Several organizations: [astro.NAME] sections and their errors,
 * token_env, and the merged inventory the evaluator and exporters read
 * (core/config/orgs.c, core/credential.c, core/inventory_merge.c). */
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
#include "core/credential.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "core/status.h"
#include "exporters/metrics/metrics.h"
#include "helpers/config_case.h"
#include "lib/timeutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int load(const char *text, struct tw_config **ret, struct tw_buf *errors)
{
        return tw_config_load_string(text, "t.ini", ret, errors);
}

/* A file that must fail, with want among the errors. */
struct err_case {
        const char *name;
        const char *text;
        const char *want;
};

static const struct err_case err_cases[] = {
        {"two organizations with the same id",
         "[astro.prod]\norganization_id = org-a\n\n[astro.dev]\napi_url = https://x.example\n"
         "organization_id = org-a\n",
         "t.ini:6: [astro.dev] organization_id: organization org-a is already watched by "
         "[astro.prod] (line 2)"},
        {"[astro] mixed with [astro.NAME]",
         "[astro]\nmax_retries = 1\n[astro.prod]\norganization_id = org-a\n",
         "t.ini:2: [astro]: [astro] and [astro.NAME] sections do not mix"},
        {"token_file and token_env", "[astro.prod]\ntoken_file = /x\ntoken_env = X_TOKEN\n",
         "t.ini:3: [astro.prod] token_env: give token_file or token_env, not both"},
        {"token_file and token_env in [astro]", "[astro]\ntoken_env = X_TOKEN\ntoken_file = /x\n",
         "t.ini:2: [astro] token_env: give token_file or token_env, not both"},
        {"bad value in an organization", "[astro.prod]\n\nrate_limit = 0\n",
         "t.ini:3: [astro.prod] rate_limit: out of range"},
        {"unknown key in an organization", "[astro.prod]\nnope = 1\n",
         "t.ini:2: [astro.prod] nope: unknown key"},
        {"key given twice in an organization",
         "[astro.prod]\nmax_retries = 1\n[astro.dev]\nmax_retries = 1\n[astro.prod]\n"
         "max_retries = 2\n",
         "t.ini:6: [astro.prod] max_retries: given twice (first on line 2)"},
        {"token_env not a name", "[astro.prod]\ntoken_env = A B\n",
         "t.ini:2: [astro.prod] token_env: expected an id"},
        {"organization section with a bad name", "[astro.a b]\nmax_retries = 1\n",
         "t.ini:2: [astro.a b]: unknown section"},
};

static void run_err(void **state)
{
        const struct err_case *c = *state;

        free(tw_test_config_refused(c->name, c->text, c->want));
}

static void sections(void **state)
{
        struct tw_config *cfg = NULL;
        struct tw_buf errors;
        const struct tw_astro_config *a;
        char buf[80];

        (void)state;
        tw_buf_init(&errors, 0);
        assert_int_equal(load("[astro.prod]\norganization_id = org-a\ndisplay_name = Acme prod\n"
                              "token_file = /etc/prod\nrate_limit = 2\n\n"
                              "[astro.dev]\norganization_id = org-b\ntoken_env = DEV_TOKEN\n"
                              "api_url = http://127.0.0.1:1/\nworkspaces = ws-1, ws-2\n",
                              &cfg, &errors),
                         0);
        assert_int_equal(tw_config_org_count(cfg), 2);
        a = tw_config_org(cfg, 0);
        assert_string_equal(a->name, "prod");
        assert_string_equal(a->display_name, "Acme prod");
        assert_string_equal(a->organization_id, "org-a");
        assert_string_equal(a->token_file, "/etc/prod");
        assert_true(a->rate_limit == 2.0);
        assert_int_equal(a->max_concurrency, 4); /* [astro]'s defaults */
        assert_string_equal(a->api_url, "https://api.astronomer.io");
        assert_string_equal(tw_astro_section(a, buf, sizeof(buf)), "astro.prod");
        assert_int_equal(a->line, 2);
        a = tw_config_org(cfg, 1);
        assert_string_equal(a->name, "dev");
        assert_null(a->display_name);
        assert_string_equal(a->token_env, "DEV_TOKEN");
        assert_true(a->rate_limit == 20.0);
        assert_int_equal(a->n_workspaces, 2);
        assert_string_equal(a->api_url, "http://127.0.0.1:1");
        assert_null(tw_config_org(cfg, 2));
        /* --organization takes the section name, the id or the display name */
        assert_ptr_equal(tw_config_org_find(cfg, "dev"), tw_config_org(cfg, 1));
        assert_ptr_equal(tw_config_org_find(cfg, "org-a"), tw_config_org(cfg, 0));
        assert_ptr_equal(tw_config_org_find(cfg, "Acme prod"), tw_config_org(cfg, 0));
        assert_null(tw_config_org_find(cfg, "nope"));
        tw_config_free(cfg);
        tw_buf_done(&errors);
}

/* Plain [astro] stays the one organization, as before. */
static void single(void **state)
{
        struct tw_config *cfg = NULL;
        struct tw_buf errors;
        char buf[80];

        (void)state;
        tw_buf_init(&errors, 0);
        assert_int_equal(load("[astro]\norganization_id = org-a\n", &cfg, &errors), 0);
        assert_int_equal(tw_config_org_count(cfg), 1);
        assert_ptr_equal(tw_config_org(cfg, 0), &cfg->astro);
        assert_null(cfg->astro.name);
        assert_string_equal(tw_astro_section(&cfg->astro, buf, sizeof(buf)), "astro");
        assert_ptr_equal(tw_config_org_find(cfg, "org-a"), &cfg->astro);
        tw_config_free(cfg);
        tw_buf_done(&errors);
}

#define DEV_JWT "eyJhbGciOiJub25lIn0.eyJwZXJtaXNzaW9ucyI6WyJ3b3Jrc3BhY2VJZDp3czEiXX0.c2ln"

static void token_env(void **state)
{
        struct tw_config *cfg = NULL;
        struct tw_credential_info cred = {0};
        struct tw_buf errors;

        (void)state;
        tw_buf_init(&errors, 0);
        assert_int_equal(load("[astro.dev]\norganization_id = org-b\ntoken_env = TW_TEST_DEV\n",
                              &cfg, &errors),
                         0);
        unsetenv("TW_TEST_DEV");
        assert_int_equal(tw_credential_load_org(tw_config_org(cfg, 0), 0, &cred, &errors), -ENOENT);
        assert_non_null(strstr(errors.ptr, "set [astro.dev] token_file"));
        assert_non_null(strstr(errors.ptr, "the TW_TEST_DEV environment variable"));
        tw_buf_reset(&errors);
        /* a JWT naming no organization: [astro.dev] organization_id's */
        assert_int_equal(setenv("TW_TEST_DEV", DEV_JWT, 1), 0);
        assert_int_equal(tw_credential_load_org(tw_config_org(cfg, 0), 0, &cred, &errors), 0);
        assert_string_equal(cred.token, DEV_JWT);
        assert_string_equal(cred.organization_id, "org-b");
        tw_credential_done(&cred);
        unsetenv("TW_TEST_DEV");
        tw_config_free(cfg);
        tw_buf_done(&errors);
}

static void add_token(struct tw_inventory *inv, const char *id, const char *ws)
{
        struct tw_token t = {0};

        t.id = strdup(id);
        t.name = strdup(id);
        t.scope = strdup("WORKSPACE");
        t.end_at = TW_NO_TIME;
        t.last_used_at = TW_NO_TIME;
        t.last_rotated_at = TW_NO_TIME;
        t.roles = calloc(1, sizeof(*t.roles));
        t.n_roles = 1;
        t.roles[0].entity_type = strdup("WORKSPACE");
        t.roles[0].entity_id = strdup(ws);
        t.roles[0].role = strdup("WORKSPACE_OPERATOR");
        t.created_by = calloc(1, sizeof(*t.created_by));
        t.created_by->id = strdup("u-1");
        t.created_by->full_name = strdup("Ada");
        assert_int_equal(tw_inventory_add_token(inv, &t), 0);
}

static struct tw_inventory *org_inventory(const char *org, const char *tok, int64_t expires)
{
        struct tw_inventory *inv = tw_inventory_new(org, "v1");
        struct tw_workspace w = {strdup("ws-1"), strdup("Data")};

        assert_non_null(inv);
        assert_int_equal(tw_inventory_add_workspace(inv, &w), 0);
        add_token(inv, tok, "ws-1");
        inv->credential.expires_at = expires;
        inv->credential.token_id = strdup(tok);
        return inv;
}

static void merge(void **state)
{
        struct tw_inventory *a = org_inventory("org-a", "tok-z", 2000);
        struct tw_inventory *b = org_inventory("org-b", "tok-b", 1000);
        struct tw_inventory *m = NULL;
        const struct tw_token *t;

        (void)state;
        add_token(b, "tok-a", "ws-1");
        assert_int_equal(tw_inventory_add_error(b, "tokens organization", "HTTP 500"), 0);
        b->listed[TW_LISTING_USERS] = false;
        {
                const struct tw_inventory_part parts[] = {
                        {a, "prod", "Acme prod", true},
                        {b, "dev", NULL, false},
                };

                assert_int_equal(tw_inventory_merge(parts, 2, 5000, &m), 0);
        }
        assert_int_equal(m->n_tokens, 3);
        assert_int_equal(m->n_workspaces, 1); /* the same id twice: the first wins */
        assert_int_equal(m->n_orgs, 2);
        assert_string_equal(m->organization_id, "org-a,org-b");
        assert_int_equal(m->collected_at, 5000);
        assert_true(m->orgs[0].fresh);
        assert_false(m->orgs[1].fresh);
        /* sorted by id, each token keeping its organization */
        assert_string_equal(m->tokens[0].id, "tok-a");
        assert_string_equal(tw_token_organization_id(m, &m->tokens[0]), "org-b");
        assert_string_equal(tw_token_organization_name(m, &m->tokens[0]), "org-b");
        t = tw_inventory_token(m, "tok-z");
        assert_non_null(t);
        assert_string_equal(tw_token_organization_id(m, t), "org-a");
        assert_string_equal(tw_token_organization_name(m, t), "Acme prod");
        assert_true(tw_token_in_organization(m, t, "prod"));
        assert_true(tw_token_in_organization(m, t, "org-a"));
        assert_true(tw_token_in_organization(m, t, "Acme prod"));
        assert_false(tw_token_in_organization(m, t, "dev"));
        /* deep copies: the parts can go */
        assert_string_equal(t->roles[0].entity_id, "ws-1");
        assert_string_equal(tw_subject_name(t->created_by), "Ada");
        /* errors named by organization; a listing holds only where it held everywhere */
        assert_int_equal(m->n_errors, 1);
        assert_string_equal(m->errors[0].listing, "dev: tokens organization");
        assert_false(m->listed[TW_LISTING_USERS]);
        assert_true(m->listed[TW_LISTING_TOKENS]);
        /* the credential that expires first */
        assert_int_equal(m->credential.expires_at, 1000);
        assert_string_equal(m->credential.token_id, "tok-b");
        tw_inventory_free(a);
        tw_inventory_free(b);
        assert_string_equal(tw_inventory_token(m, "tok-b")->name, "tok-b");
        tw_inventory_free(m);
}

/* A single organization's inventory takes its table in place: what a merge
 * of it alone would give, without the copy. */
static void adopt(void **state)
{
        struct tw_inventory *a = org_inventory("org-a", "tok-z", 2000);
        struct tw_inventory *other = org_inventory("org-b", "tok-b", 1000);
        const struct tw_inventory_part part = {a, "prod", "Acme prod", true};
        const struct tw_inventory_part wrong = {a, "prod", NULL, true};
        const struct tw_token *t;

        (void)state;
        add_token(a, "tok-a", "ws-1");
        assert_int_equal(tw_inventory_adopt(other, &wrong), -EINVAL); /* part of another */
        assert_int_equal(tw_inventory_adopt(a, &part), 0);
        assert_int_equal(tw_inventory_adopt(a, &part), -EINVAL); /* it has a table now */
        assert_int_equal(a->n_orgs, 1);
        assert_true(a->orgs[0].fresh);
        assert_string_equal(a->organization_id, "org-a");
        assert_string_equal(a->tokens[0].id, "tok-a"); /* sorted, as a merge leaves it */
        t = tw_inventory_token(a, "tok-z");
        assert_non_null(t);
        assert_string_equal(tw_token_organization_id(a, t), "org-a");
        assert_string_equal(tw_token_organization_name(a, t), "Acme prod");
        assert_true(tw_token_in_organization(a, t, "prod"));
        assert_int_equal(a->credential.expires_at, 2000);
        tw_inventory_free(a);
        tw_inventory_free(other);
}

/* One organization's inventory, unmerged: tokens name inv->organization_id. */
static void unmerged(void **state)
{
        struct tw_inventory *a = org_inventory("org-a", "tok-a", TW_NO_TIME);
        struct tw_inventory *m = NULL;
        const struct tw_inventory_part part = {a, NULL, NULL, true};

        (void)state;
        assert_string_equal(tw_token_organization_id(a, &a->tokens[0]), "org-a");
        assert_true(tw_token_in_organization(a, &a->tokens[0], "org-a"));
        assert_int_equal(tw_inventory_merge(&part, 1, 1, &m), 0);
        assert_string_equal(m->organization_id, "org-a");
        assert_int_equal(m->n_errors, 0);
        assert_int_equal(m->credential.expires_at, TW_NO_TIME);
        assert_string_equal(m->credential.token_id, "tok-a");
        tw_inventory_free(m);
        tw_inventory_free(a);
}

static void want_line(const char *page, const char *line)
{
        const char *p = strstr(page, line);

        if (!p || (p != page && p[-1] != '\n') || p[strlen(line)] != '\n')
                fail_msg("no line \"%s\" in:\n%s", line, page);
}

/* The page of two organizations: each token names its own, each
 * organization's health is its own series. */
static void metrics(void **state)
{
        struct tw_inventory *a = org_inventory("org-a", "tok-a", TW_NO_TIME);
        struct tw_inventory *b = org_inventory("org-b", "tok-b", TW_NO_TIME);
        const struct tw_inventory_part parts[] = {{a, "prod", "Acme prod", true},
                                                  {b, "dev", NULL, false}};
        struct tw_org_status orgs[2] = {
                {.organization = "org-a",
                 .collected = true,
                 .collection_success = true,
                 .last_success = 1000,
                 .credential_expiry = 5000},
                {.organization = "org-b",
                 .collected = true,
                 .collection_success = false,
                 .last_success = TW_NO_TIME,
                 .credential_expiry = TW_NO_TIME},
        };
        struct tw_agent_status st;
        struct tw_snapshot snap = {0};
        struct tw_inventory *m = NULL;
        struct tw_buf page;

        (void)state;
        for (int k = 0; k < _TW_LISTING_KIND_MAX; k++)
                orgs[0].listing_success[k] = true;
        assert_int_equal(tw_inventory_merge(parts, 2, 5000, &m), 0);
        tw_agent_status_init(&st, "test");
        st.collected = true;
        st.orgs = orgs;
        st.n_orgs = 2;
        snap.inv = m;
        tw_buf_init(&page, 0);
        assert_int_equal(tw_metrics_render(&snap, &st, &page), 0);
        want_line(page.ptr, "astro_token_created_timestamp_seconds{token_id=\"tok-a\","
                            "organization=\"org-a\"} 0");
        want_line(page.ptr, "astro_token_created_timestamp_seconds{token_id=\"tok-b\","
                            "organization=\"org-b\"} 0");
        assert_non_null(strstr(page.ptr, "astro_token_info{token_id=\"tok-a\",organization="
                                         "\"org-a\","));
        assert_non_null(strstr(page.ptr, "organization_id=\"org-a\",organization_name="
                                         "\"Acme prod\"}"));
        assert_non_null(strstr(page.ptr, "organization_id=\"org-b\",organization_name="
                                         "\"org-b\"}"));
        want_line(page.ptr, "tokenwatch_collection_success{organization=\"org-a\"} 1");
        want_line(page.ptr, "tokenwatch_collection_success{organization=\"org-b\"} 0");
        want_line(page.ptr,
                  "tokenwatch_listing_success{organization=\"org-a\",listing=\"tokens\"} 1");
        want_line(page.ptr,
                  "tokenwatch_listing_success{organization=\"org-b\",listing=\"tokens\"} 0");
        want_line(page.ptr,
                  "tokenwatch_last_success_timestamp_seconds{organization=\"org-a\"} 1000");
        assert_null(strstr(page.ptr,
                           "tokenwatch_last_success_timestamp_seconds{organization=\"org-b\"}"));
        want_line(page.ptr, "tokenwatch_credential_expiry_timestamp_seconds{organization="
                            "\"org-a\"} 5000");
        assert_null(strstr(page.ptr, "tokenwatch_collection_success 1"));
        tw_buf_done(&page);
        tw_inventory_free(m);
        tw_inventory_free(a);
        tw_inventory_free(b);
}

int main(void)
{
        struct CMUnitTest tests[ARRAY_SIZE(err_cases) + 7];
        size_t n = 0;

        for (size_t i = 0; i < ARRAY_SIZE(err_cases); i++)
                tests[n++] = (struct CMUnitTest){err_cases[i].name, run_err, NULL, NULL,
                                                 (void *)&err_cases[i]};
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(sections);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(single);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(token_env);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(merge);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(adopt);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(unmerged);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(metrics);
        return _cmocka_run_group_tests("multiorg", tests, n, NULL, NULL);
}
