/* [deliver.NAME], [deliver] and [rotation]: what loads (store keys kept in
 * file order, the organization resolved, the defaults), and every error,
 * named FILE:LINE: [section] key, with a suggestion where one is near. */
#include "core/config/config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers/config_case.h"
#include "helpers/helpers.h"
#include "lib/buf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DAY 86400

#define GH "[deliver.dags]\ntoken = ci-deploy\ntype = github\n"
#define GH_KEYS "credential_file = /etc/tw/gh\nrepository = acme/dags\nsecret = ASTRO_API_TOKEN\n"
#define TWO_ORGS                                                             \
        "[astro.prod]\norganization_id = org-prod\ntoken_file = /etc/tw/p\n" \
        "[astro.dev]\norganization_id = org-dev\ntoken_file = /etc/tw/d\n"

static void defaults(void **state)
{
        struct tw_config *cfg = tw_test_config_load("defaults", "[astro]\n");

        (void)state;
        assert_int_equal(cfg->n_copies, 0);
        assert_int_equal(cfg->deliver.check_interval, 3600);
        assert_false(cfg->rotation.enabled);
        assert_false(cfg->rotation.before.off);
        assert_false(cfg->rotation.before.percent);
        assert_int_equal(cfg->rotation.before.seconds, 30 * DAY);
        assert_int_equal(cfg->rotation.strategy, TW_ROTATION_REPLACE);
        assert_int_equal(cfg->rotation.retire_after, 3600);
        assert_int_equal(cfg->rotation.expiry_days, 0);
        assert_null(cfg->rotation.token_file);
        assert_null(cfg->rotation.token_env);
        assert_string_equal(tw_rotation_strategy_to_string(cfg->rotation.strategy), "replace");
        tw_config_free(cfg);
}

/* A GitHub copy: its keys in file order, with lines; adopt; timeout. */
static void github_copy(void **state)
{
        struct tw_config *cfg =
                tw_test_config_load("github", "[astro]\n" GH GH_KEYS "adopt = yes\ntimeout = 2m\n"
                                              "api_url = https://ghe.example/api/v3/\n");
        const struct tw_copy_config *c;

        (void)state;
        assert_int_equal(cfg->n_copies, 1);
        c = &cfg->copies[0];
        assert_string_equal(c->name, "dags");
        assert_int_equal(c->line, 3);
        assert_string_equal(c->token, "ci-deploy");
        assert_int_equal(c->token_line, 3);
        assert_null(c->astro);
        assert_int_equal(c->org, 0);
        assert_string_equal(c->type, "github");
        assert_true(c->adopt);
        assert_int_equal(c->timeout, 120);
        assert_int_equal(c->n_settings, 6);
        assert_string_equal(c->settings[0].key, "type");
        assert_int_equal(c->settings[0].line, 4);
        assert_string_equal(c->settings[1].key, "credential_file");
        assert_string_equal(c->settings[3].key, "secret");
        assert_string_equal(c->settings[3].value, "ASTRO_API_TOKEN");
        assert_string_equal(c->settings[4].key, "timeout");
        assert_string_equal(c->settings[4].value, "2m");
        /* the URL as the other URL keys keep it: no trailing '/' */
        assert_string_equal(tw_copy_config_get(c, "api_url"), "https://ghe.example/api/v3");
        assert_int_equal(tw_copy_config_line(c, "api_url"), 10);
        assert_int_equal(tw_copy_config_line(c, "environment"), 3); /* not set: the section's */
        assert_null(tw_copy_config_get(c, "environment"));
        assert_null(tw_copy_config_get(c, "token")); /* not a store key */
        tw_config_free(cfg);
}

struct ok_case {
        const char *name, *text;
        size_t n_copies;
        size_t org_of_last; /* the last copy's organization */
};

static const struct ok_case ok_cases[] = {
        {"gitlab project",
         "[deliver.g]\ntoken = t\ntype = gitlab\nproject = acme/dags\n"
         "variable = ASTRO_API_TOKEN\ncredential_file = /x\n"
         "environment_scope = production\n",
         1, 0},
        {"gitlab group",
         "[deliver.g]\ntoken = t\ntype = gitlab\ngroup = 42\nvariable = V\n"
         "credential_file = /x\n",
         1, 0},
        {"vault",
         "[deliver.v]\ntoken = t\ntype = vault\nmount = kv\npath = ci/astro\nkey = token\n"
         "namespace = team\ncredential_file = /x\napi_url = https://vault.example:8200\n",
         1, 0},
        {"kubernetes in-cluster",
         "[deliver.k]\ntoken = t\ntype = kubernetes\nsecret = astro\n"
         "key = token\n",
         1, 0},
        {"file", "[deliver.f]\ntoken = t\ntype = file\npath = /var/lib/runner/astro-token\n", 1, 0},
        {"exec",
         "[deliver.x]\ntoken = t\ntype = exec\ncommand = /usr/local/bin/push-token\n"
         "timeout = 10s\n",
         1, 0},
        {"github organization",
         "[deliver.o]\ntoken = t\ntype = github\ngithub_org = acme\n"
         "secret = S\ncredential_file = /x\nvisibility = selected\n"
         "selected_repository_ids = 1,2\n",
         1, 0},
        {"an environment secret", GH GH_KEYS "environment = prod\n", 1, 0},
        {"the organization named", TWO_ORGS GH GH_KEYS "astro = dev\n", 1, 1},
        {"astro with the one [astro.NAME]",
         "[astro.prod]\ntoken_file = /p\n" GH GH_KEYS "astro = prod\n", 1, 0},
        {"one token, two stores",
         GH GH_KEYS "[deliver.dags-staging]\ntoken = ci-deploy\ntype = github\n"
                    "credential_file = /etc/tw/gh\nrepository = acme/dags\nenvironment = staging\n"
                    "secret = ASTRO_API_TOKEN\n",
         2, 0},
        {"a section in two parts",
         "[deliver.s]\ntoken = t\n[agent]\ninterval = 5m\n"
         "[deliver.s]\ntype = file\npath = /x\n",
         1, 0},
};

static void good_copies(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(ok_cases); i++) {
                const struct ok_case *c = &ok_cases[i];
                struct tw_config *cfg = tw_test_config_load(c->name, c->text);

                if (cfg->n_copies != c->n_copies ||
                    cfg->copies[cfg->n_copies - 1].org != c->org_of_last)
                        fail_msg("%s: %zu copies, last of organization %zu", c->name, cfg->n_copies,
                                 cfg->copies[cfg->n_copies - 1].org);
                tw_config_free(cfg);
        }
}

struct rot_case {
        const char *name, *text;
        bool enabled, percent;
        int64_t seconds;
        double percentage;
        enum tw_rotation_strategy strategy;
        int64_t retire_after;
        int expiry_days;
};

static const struct rot_case rot_cases[] = {
        {"all keys",
         "[rotation]\nenabled = true\nbefore = 14d\nstrategy = rotate\n"
         "retire_after = 0\nexpiry = 90d\ntoken_file = /etc/tw/owner\n",
         true, false, 14 * DAY, 0, TW_ROTATION_ROTATE, 0, 90},
        {"a share of the lifetime", "[rotation]\nbefore = 33%\nexpiry = 365\n", false, true, 0, 33,
         TW_ROTATION_REPLACE, 3600, 365},
        {"hours of days", "[rotation]\nexpiry = 48h\nretire_after = 30d\n", false, false, 30 * DAY,
         0, TW_ROTATION_REPLACE, 30 * DAY, 2},
        {"token_env", "[rotation]\ntoken_env = ASTRO_OWNER_TOKEN\n", false, false, 30 * DAY, 0,
         TW_ROTATION_REPLACE, 3600, 0},
};

static void good_rotation(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(rot_cases); i++) {
                const struct rot_case *c = &rot_cases[i];
                struct tw_config *cfg = tw_test_config_load(c->name, c->text);
                const struct tw_rotation_config *r = &cfg->rotation;

                if (r->enabled != c->enabled || r->before.percent != c->percent ||
                    (!c->percent && r->before.seconds != c->seconds) ||
                    (c->percent && r->before.percentage != c->percentage) ||
                    r->strategy != c->strategy || r->retire_after != c->retire_after ||
                    r->expiry_days != c->expiry_days)
                        fail_msg("%s: not the values given", c->name);
                tw_config_free(cfg);
        }
}

static void rotation_lines(void **state)
{
        struct tw_config *cfg =
                tw_test_config_load("lines", "[rotation]\n\ntoken_file = /etc/tw/owner\n");

        (void)state;
        assert_string_equal(cfg->rotation.token_file, "/etc/tw/owner");
        assert_int_equal(cfg->rotation.token_file_line, 3);
        assert_int_equal(cfg->rotation.token_env_line, 0);
        tw_config_free(cfg);
}

struct err_case {
        const char *name, *text, *want;
};

static const struct err_case err_cases[] = {
        /* keys, one at a time */
        {"a typo", GH GH_KEYS "repositry = acme/x\n",
         "t.ini:7: [deliver.dags] repositry: unknown key, did you mean repository?"},
        {"a typo of token", "[deliver.d]\ntokn = x\n",
         "t.ini:2: [deliver.d] tokn: unknown key, did you mean token?"},
        {"nothing near", GH GH_KEYS "colour = blue\n",
         "t.ini:7: [deliver.dags] colour: unknown key\n"},
        {"a store key twice", GH GH_KEYS "secret = OTHER\n",
         "t.ini:7: [deliver.dags] secret: given twice (first on line 6)"},
        {"token twice", GH GH_KEYS "token = other\n",
         "t.ini:7: [deliver.dags] token: given twice (first on line 2)"},
        {"adopt twice", GH GH_KEYS "adopt = true\nadopt = false\n",
         "t.ini:8: [deliver.dags] adopt: given twice (first on line 7)"},
        {"an empty value", GH GH_KEYS "environment =\n",
         "t.ini:7: [deliver.dags] environment: must not be empty"},
        {"plain http", GH GH_KEYS "api_url = http://ghe.example/api/v3\n",
         "t.ini:7: [deliver.dags] api_url: plain http is allowed only to a loopback address"},
        {"not a URL", GH GH_KEYS "api_url = ghe.example\n", "t.ini:7: [deliver.dags] api_url: "},
        {"timeout word", GH GH_KEYS "timeout = long\n",
         "t.ini:7: [deliver.dags] timeout: expected a duration"},
        {"timeout range", GH GH_KEYS "timeout = 2d\n",
         "t.ini:7: [deliver.dags] timeout: out of range (1s to 86400s)"},
        {"token empty", "[deliver.d]\ntoken =\n",
         "t.ini:2: [deliver.d] token: must name the token: its id or its exact name"},
        {"astro not a name", GH GH_KEYS "astro = a b\n",
         "t.ini:7: [deliver.dags] astro: expected the NAME of an [astro.NAME] section"},
        {"adopt not a boolean", GH GH_KEYS "adopt = maybe\n",
         "t.ini:7: [deliver.dags] adopt: expected true or false"},
        {"a bad section name", "[deliver.a b]\ntoken = x\n",
         "t.ini:2: [deliver.a b]: unknown section"},
        /* the section, once the file is read */
        {"token missing", "[deliver.d]\ntype = file\npath = /x\n",
         "t.ini:2: [deliver.d] token: missing: the Astro token this secret holds"},
        {"type missing", "[deliver.d]\ntoken = x\npath = /x\n",
         "t.ini:2: [deliver.d] type: missing (github, gitlab, vault, kubernetes, file or exec)"},
        {"type typo", "[deliver.d]\ntoken = x\ntype = githb\n",
         "t.ini:3: [deliver.d] type: unknown type githb, did you mean github? (github, gitlab"},
        {"type unknown", "[deliver.d]\ntoken = x\ntype = s3\n",
         "t.ini:3: [deliver.d] type: unknown type s3 (github, gitlab"},
        {"a key of another type", GH GH_KEYS "mount = secret\n",
         "t.ini:7: [deliver.dags] mount: not used by type github (it takes api_url, "
         "credential_file, ca_file, timeout, repository, environment, github_org, visibility, "
         "selected_repository_ids, secret)"},
        {"file takes no credential",
         "[deliver.f]\ntoken = x\ntype = file\npath = /x\n"
         "credential_file = /y\n",
         "t.ini:5: [deliver.f] credential_file: not used by type file (it takes path)"},
        {"vault key missing",
         "[deliver.v]\ntoken = x\ntype = vault\npath = p\n"
         "credential_file = /y\n",
         "t.ini:2: [deliver.v] key: missing (type vault needs it)"},
        {"github credential missing", GH "repository = a/b\nsecret = S\n",
         "t.ini:2: [deliver.dags] credential_file: missing (type github needs it)"},
        {"neither repository nor organization", GH "credential_file = /x\nsecret = S\n",
         "t.ini:2: [deliver.dags] repository: missing: type github needs repository or "
         "github_org"},
        {"both project and group",
         "[deliver.g]\ntoken = t\ntype = gitlab\nproject = 1\n"
         "group = 2\nvariable = V\ncredential_file = /x\n",
         "t.ini:5: [deliver.g] group: set only one of project and group"},
        {"exec without command", "[deliver.x]\ntoken = t\ntype = exec\n",
         "t.ini:2: [deliver.x] command: missing (type exec needs it)"},
        {"astro needed", TWO_ORGS GH GH_KEYS,
         "t.ini:8: [deliver.dags] astro: missing: several organizations are watched; say which "
         "one holds the token (prod, dev)"},
        {"astro typo", TWO_ORGS GH GH_KEYS "astro = prd\n",
         "t.ini:13: [deliver.dags] astro: there is no [astro.prd], did you mean prod?"},
        {"astro with [astro]", "[astro]\n" GH GH_KEYS "astro = prod\n",
         "t.ini:8: [deliver.dags] astro: there is no [astro.prod]: with one [astro] section, "
         "leave astro out"},
        {"one secret twice",
         GH GH_KEYS "[deliver.again]\ntoken = other\ntype = github\ncredential_file = /other\n"
                    "repository = acme/dags\nsecret = ASTRO_API_TOKEN\n",
         "t.ini:8: [deliver.again]: names the same secret as [deliver.dags] (line 2): one "
         "section per copy"},
        /* [deliver] */
        {"check_interval short", "[deliver]\ncheck_interval = 59s\n",
         "t.ini:2: [deliver] check_interval: out of range (60s to 604800s)"},
        {"check_interval word", "[deliver]\ncheck_interval = hourly\n",
         "t.ini:2: [deliver] check_interval: expected a duration"},
        {"[deliver] typo", "[deliver]\ncheck_intervall = 1h\n",
         "t.ini:2: [deliver] check_intervall: unknown key, did you mean check_interval?"},
        /* [rotation] */
        {"before off", "[rotation]\nbefore = off\n",
         "t.ini:2: [rotation] before: expected a duration (30d) or a percentage of the token's "
         "lifetime (33%); to stop renewing, set enabled = false"},
        {"before word", "[rotation]\nbefore = soon\n",
         "t.ini:2: [rotation] before: expected a duration (30d) or a percentage"},
        {"before percent", "[rotation]\nbefore = 0%\n",
         "t.ini:2: [rotation] before: a percentage must be above 0% and at most 100%"},
        {"strategy", "[rotation]\nstrategy = swap\n",
         "t.ini:2: [rotation] strategy: expected replace (a twin, no outage) or rotate"},
        {"retire_after", "[rotation]\nretire_after = 31d\n",
         "t.ini:2: [rotation] retire_after: out of range (0s to 2592000s)"},
        {"expiry in hours", "[rotation]\nexpiry = 36h\n",
         "t.ini:2: [rotation] expiry: expected a number of days, like 90d"},
        {"expiry zero", "[rotation]\nexpiry = 0d\n",
         "t.ini:2: [rotation] expiry: out of range (1 to 3650)"},
        {"expiry long", "[rotation]\nexpiry = 3651\n",
         "t.ini:2: [rotation] expiry: out of range (1 to 3650)"},
        {"enabled", "[rotation]\nenabled = sometimes\n",
         "t.ini:2: [rotation] enabled: expected true or false"},
        {"token_env", "[rotation]\ntoken_env = $OWNER\n",
         "t.ini:2: [rotation] token_env: expected an id"},
        {"both credentials", "[rotation]\ntoken_file = /x\n\ntoken_env = OWNER\n",
         "t.ini:4: [rotation] token_env: give token_file or token_env, not both"},
        {"[rotation] typo", "[rotation]\nstratgy = rotate\n",
         "t.ini:2: [rotation] stratgy: unknown key, did you mean strategy?"},
        {"a kind in [suppress]", "[suppress]\ntok.stale = 2027-01-01 x\n",
         "unknown finding kind 'stale' (expired, expiring, no_expiry"},
};

static void bad_values(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(err_cases); i++)
                free(tw_test_config_refused(err_cases[i].name, err_cases[i].text,
                                            err_cases[i].want));
}

/* Every problem of a file is listed, not only the first. */
static void every_error(void **state)
{
        char *errors = tw_test_config_refused("several",
                                              "[deliver.a]\ntype = vault\n"
                                              "[deliver.b]\ntoken = t\ntype = file\n",
                                              "t.ini:2: [deliver.a] token: missing");

        (void)state;
        assert_non_null(strstr(errors, "t.ini:2: [deliver.a] path: missing"));
        assert_non_null(strstr(errors, "t.ini:2: [deliver.a] key: missing"));
        assert_non_null(strstr(errors, "t.ini:4: [deliver.b] path: missing"));
        free(errors);
}

/* The documentation's key list holds every key of the section once. */
static void key_list(void **state)
{
        const char *section, *name;
        size_t n = 0, repository = 0, check_interval = 0, before = 0;

        (void)state;
        for (size_t i = 0; (name = tw_config_key_at(i, &section)) != NULL; i++) {
                if (strcmp(section, "deliver.NAME") == 0) {
                        n++;
                        repository += strcmp(name, "repository") == 0;
                }
                check_interval +=
                        strcmp(section, "deliver") == 0 && strcmp(name, "check_interval") == 0;
                before += strcmp(section, "rotation") == 0 && strcmp(name, "before") == 0;
        }
        /* token astro adopt type, 4 shared, 6 github, 4 gitlab, 4 vault, command */
        assert_int_equal(n, 4 + 4 + 6 + 4 + 4 + 1);
        assert_int_equal(repository, 1);
        assert_int_equal(check_interval, 1);
        assert_int_equal(before, 1);
}

/* The commented examples of etc/tokenwatch.ini load, one per store type:
 * every "; [deliver.NAME]" block, its "; key = value" lines uncommented. */
static void example_copies(void **state)
{
        struct tw_buf path, text;
        char *file, *save = NULL;
        bool in_block = false;
        struct tw_config *cfg;

        (void)state;
        tw_buf_init(&path, 0);
        tw_buf_init(&text, 0);
        assert_int_equal(tw_buf_printf(&path, "%s/etc/tokenwatch.ini", tw_test_source_dir()), 0);
        file = tw_test_read_file(path.ptr, NULL);
        assert_non_null(file);
        assert_int_equal(tw_buf_adds(&text, "[astro]\n"), 0);
        for (char *line = strtok_r(file, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (strncmp(line, "; [deliver.", 11) == 0)
                        in_block = true;
                else if (strncmp(line, "; ", 2) != 0 || !strstr(line, " = "))
                        in_block = false;
                if (in_block)
                        assert_int_equal(tw_buf_printf(&text, "%s\n", line + 2), 0);
        }
        cfg = tw_test_config_load("the examples", text.ptr);
        assert_int_equal(cfg->n_copies, 6);
        for (size_t i = 0; i < cfg->n_copies; i++)
                assert_non_null(tw_copy_type_find(cfg->copies[i].type));
        assert_string_equal(cfg->copies[5].type, "exec");
        tw_config_free(cfg);
        free(file);
        tw_buf_done(&path);
        tw_buf_done(&text);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(defaults),       cmocka_unit_test(github_copy),
                cmocka_unit_test(good_copies),    cmocka_unit_test(good_rotation),
                cmocka_unit_test(rotation_lines), cmocka_unit_test(bad_values),
                cmocka_unit_test(every_error),    cmocka_unit_test(key_list),
                cmocka_unit_test(example_copies),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
