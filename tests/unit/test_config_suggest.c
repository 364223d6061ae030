/* An unknown key or section names the nearest known one ("did you mean
 * api_url?"): the keys of the section it stands in, the section names, and
 * for [FAMILY.NAME] the family; nothing when nothing is near. */
#include "core/config/config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers/config_case.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SECTIONS                                                                     \
        "(expected astro, agent, policy, trail, audit_logs, suppress, owners, web, " \
        "web.basic_auth_users, deliver, rotation, astro.NAME, webhook.NAME or deliver.NAME)"
#define OWNERS_FORMS \
        "(expected keys, labels, token GLOB = team[, contact] or workspace ID = team[, contact])"

static const struct {
        const char *name, *text, *want; /* want: the whole error text */
} cases[] = {
        {"a letter short", "[astro]\napi_ur = https://x.example\n",
         "t.ini:2: [astro] api_ur: unknown key, did you mean api_url?\n"},
        {"case", "[agent]\nInterval = 5m\n",
         "t.ini:2: [agent] Interval: unknown key, did you mean interval?\n"},
        {"swapped letters", "[policy]\nexpiry_crtiical = 7d\n",
         "t.ini:2: [policy] expiry_crtiical: unknown key, did you mean expiry_critical?\n"},
        {"only the section's own keys", "[agent]\napi_url = https://x.example\n",
         "t.ini:2: [agent] api_url: unknown key\n"},
        {"nothing near", "[astro]\nnope = 1\n", "t.ini:2: [astro] nope: unknown key\n"},
        {"a webhook key", "[webhook.ops]\nurl = https://h.example/x\nmin_severty = critical\n",
         "t.ini:3: [webhook.ops] min_severty: unknown key, did you mean min_severity?\n"},
        {"an organization's key", "[astro.prod]\ntoken_flie = /x\n",
         "t.ini:2: [astro.prod] token_flie: unknown key, did you mean token_file?\n"},
        {"a new section's key", "[trail]\nmax_byte = 4096\n",
         "t.ini:2: [trail] max_byte: unknown key, did you mean max_bytes?\n"},
        {"an old [audit] key", "[audit]\nlog_file = 3\n",
         "t.ini:2: [audit] log_file: unknown key, did you mean log_files?\n"},
        {"an [owners] key", "[owners]\nlabel = team\n",
         "t.ini:2: [owners] label: unknown key, did you mean labels? " OWNERS_FORMS "\n"},
        {"an [owners] rule", "[owners]\ntokn ci-* = data\n",
         "t.ini:2: [owners] tokn ci-*: unknown key, did you mean token? " OWNERS_FORMS "\n"},
        {"a section", "[polcy]\nx = 1\n",
         "t.ini:2: [polcy]: unknown section, did you mean [policy]? " SECTIONS "\n"},
        {"a section in capitals", "[AGENT]\nx = 1\n",
         "t.ini:2: [AGENT]: unknown section, did you mean [agent]? " SECTIONS "\n"},
        {"a family", "[webhok.ops]\nurl = https://h.example/x\n",
         "t.ini:2: [webhok.ops]: unknown section, did you mean [webhook.ops]? " SECTIONS "\n"},
        {"a dotted section", "[web.basic_auth_user]\nx = 1\n",
         "t.ini:2: [web.basic_auth_user]: unknown section, did you mean "
         "[web.basic_auth_users]? " SECTIONS "\n"},
        {"a family with a bad name", "[webhook.a b]\nx = 1\n",
         "t.ini:2: [webhook.a b]: unknown section " SECTIONS "\n"},
        {"no section near", "[bogus]\nx = 1\n", "t.ini:2: [bogus]: unknown section " SECTIONS "\n"},
};

static void test_suggestions(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char *errors = tw_test_config_refused(cases[i].name, cases[i].text, cases[i].want);

                if (strcmp(errors, cases[i].want) != 0)
                        fail_msg("%s:\n got: %s\nwant: %s", cases[i].name, errors, cases[i].want);
                free(errors);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_suggestions),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
