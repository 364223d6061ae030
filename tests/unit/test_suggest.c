/* lib/suggest: the edit distance, and which candidate a typo suggests (or
 * none, when nothing is near enough to be a likely typo). */
#include "lib/suggest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void test_distance(void **state)
{
        static char long_word[TW_SUGGEST_MAX_LEN + 2];
        static const struct {
                const char *name, *a, *b;
                size_t want;
        } cases[] = {
                {"equal", "api_url", "api_url", 0},
                {"both empty", "", "", 0},
                {"from empty", "", "abc", 3},
                {"one deleted", "api_ur", "api_url", 1},
                {"one inserted", "api_urll", "api_url", 1},
                {"one replaced", "api_uri", "api_url", 1},
                {"two neighbours swapped", "intreval", "interval", 1},
                {"case ignored", "API_URL", "api_url", 0},
                {"far apart", "bogus", "owners", 5},
                {"kitten", "kitten", "sitting", 3},
        };
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                size_t d = tw_edit_distance(cases[i].a, cases[i].b);

                if (d != cases[i].want || tw_edit_distance(cases[i].b, cases[i].a) != d)
                        fail_msg("%s: %zu, want %zu both ways", cases[i].name, d, cases[i].want);
        }
        memset(long_word, 'a', sizeof(long_word) - 1);
        assert_int_equal(tw_edit_distance(long_word, "a"), SIZE_MAX);
        long_word[TW_SUGGEST_MAX_LEN] = '\0';
        assert_int_equal(tw_edit_distance(long_word, ""), TW_SUGGEST_MAX_LEN);
}

static void test_suggest(void **state)
{
        static const char *const astro[] = {"api_url",    "api_version", "organization_id",
                                            "token_file", "token_env",   "workspaces",
                                            "max_retries"};
        static const char *const sections[] = {"astro",      "agent", "policy", "trail",
                                               "audit_logs", "web",   "owners"};
        static const struct {
                const char *name, *word;
                const char *const *candidates;
                size_t n;
                const char *want; /* NULL: no suggestion */
        } cases[] = {
                {"a letter short", "api_ur", astro, ARRAY_SIZE(astro), "api_url"},
                {"case", "API_URL", astro, ARRAY_SIZE(astro), "api_url"},
                {"swapped", "tokne_file", astro, ARRAY_SIZE(astro), "token_file"},
                {"plural", "workspace", astro, ARRAY_SIZE(astro), "workspaces"},
                {"the nearest of two", "token_en", astro, ARRAY_SIZE(astro), "token_env"},
                {"nothing near", "nope", astro, ARRAY_SIZE(astro), NULL},
                {"an exact key is no suggestion", "api_url", astro, ARRAY_SIZE(astro), NULL},
                {"a section", "polcy", sections, ARRAY_SIZE(sections), "policy"},
                {"a section with a letter more", "trails", sections, ARRAY_SIZE(sections), "trail"},
                {"audit is not audit_logs", "audit", sections, ARRAY_SIZE(sections), NULL},
                {"a short word, one edit", "wbe", sections, ARRAY_SIZE(sections), "web"},
                {"a short word, two edits", "xy", sections, ARRAY_SIZE(sections), NULL},
                {"empty", "", sections, ARRAY_SIZE(sections), NULL},
                {"no candidates", "web", sections, 0, NULL},
        };
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct tw_suggest s;
                const char *got;

                tw_suggest_init(&s, cases[i].word);
                for (size_t k = 0; k < cases[i].n; k++)
                        tw_suggest_add(&s, cases[i].candidates[k]);
                got = tw_suggest_best(&s);
                if (cases[i].want ? !got || strcmp(got, cases[i].want) != 0 : got != NULL)
                        fail_msg("%s: %s, want %s", cases[i].name, got ? got : "(none)",
                                 cases[i].want ? cases[i].want : "(none)");
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_distance),
                cmocka_unit_test(test_suggest),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
