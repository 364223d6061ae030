/* Staged expiry lead times: parsing (sorted, merged, bounded) and which
 * stage is newly crossed: once each, never twice, innermost first seen. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/notify/stages.h"
#include "lib/timeutil.h"

#define DAY ((int64_t)86400)
#define NOW ((int64_t)1780315200)

static void test_parse(void **state)
{
        static const struct {
                const char *in;
                int expect;
                const char *leads; /* in days, "60,30,7,1" */
        } tab[] = {
                {"60d, 30d, 7d, 1d", 0, "60,30,7,1"},
                {"1d,7d,60d,30d", 0, "60,30,7,1"},
                {" 7d , 168h, 7d ", 0, "7"},
                {"", 0, ""},
                {"   ", 0, ""},
                {"86400", 0, "1"},
                {"3650d", 0, "3650"},
                {"60d,,7d", -EINVAL, NULL},
                {"60d,", -EINVAL, NULL},
                {",60d", -EINVAL, NULL},
                {"0d", -EINVAL, NULL},
                {"-1d", -EINVAL, NULL},
                {"3651d", -EINVAL, NULL},
                {"7 days", -EINVAL, NULL},
                {"99999999999999999999d", -EINVAL, NULL},
                {"1d,2d,3d,4d,5d,6d,7d,8d,9d,10d,11d,12d,13d,14d,15d,16d", 0,
                 "16,15,14,13,12,11,10,9,8,7,6,5,4,3,2,1"},
                {"1d,2d,3d,4d,5d,6d,7d,8d,9d,10d,11d,12d,13d,14d,15d,16d,17d", -EINVAL, NULL},
                {"1d,2d,3d,4d,5d,6d,7d,8d,9d,10d,11d,12d,13d,14d,15d,16d,16d", 0,
                 "16,15,14,13,12,11,10,9,8,7,6,5,4,3,2,1"},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
                struct tw_stages st;
                const char *why = NULL;
                char got[256] = "";

                print_message("case: \"%s\"\n", tab[i].in);
                assert_int_equal(tw_stages_parse(tab[i].in, &st, &why), tab[i].expect);
                if (tab[i].expect < 0) {
                        assert_non_null(why);
                        continue;
                }
                for (size_t k = 0; k < st.n; k++) {
                        size_t n = strlen(got);

                        assert_int_equal(st.lead[k] % DAY, 0);
                        snprintf(got + n, sizeof(got) - n, "%s%lld", k ? "," : "",
                                 (long long)(st.lead[k] / DAY));
                }
                assert_string_equal(got, tab[i].leads);
        }
}

static void test_crossed(void **state)
{
        static const struct {
                const char *name;
                int64_t left; /* end_at - now */
                int last;
                bool expect;
                int stage;
        } tab[] = {
                {"before the first stage", 61 * DAY, TW_STAGE_NONE, false, 0},
                {"exactly at 60d", 60 * DAY, TW_STAGE_NONE, true, 0},
                {"inside 60d, already told", 45 * DAY, 0, false, 0},
                {"crossing 30d", 30 * DAY, 0, true, 1},
                {"crossing 30d again: never twice", 29 * DAY, 1, false, 0},
                {"first seen at 5d: only 7d", 5 * DAY, TW_STAGE_NONE, true, 2},
                {"first seen at 1h: only 1d", 3600, TW_STAGE_NONE, true, 3},
                {"skipped 30d and 7d while down", 12 * 3600, 0, true, 3},
                {"innermost told", 3600, 3, false, 0},
                {"expired: no stage", 0, TW_STAGE_NONE, false, 0},
                {"long expired", -DAY, 1, false, 0},
        };
        struct tw_stages st;
        int stage;

        (void)state;
        assert_int_equal(tw_stages_parse("60d, 30d, 7d, 1d", &st, NULL), 0);
        for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
                print_message("case: %s\n", tab[i].name);
                stage = -42;
                assert_int_equal(
                        tw_stages_crossed(&st, NOW + tab[i].left, tab[i].last, NOW, &stage),
                        tab[i].expect);
                assert_int_equal(stage, tab[i].expect ? tab[i].stage : -42);
        }
        assert_false(tw_stages_crossed(&st, TW_NO_TIME, TW_STAGE_NONE, NOW, &stage));
        assert_false(tw_stages_crossed(NULL, NOW + DAY, TW_STAGE_NONE, NOW, &stage));
}

/* Walking a token's life hour by hour: each stage notifies exactly once, in order. */
static void test_walk_life(void **state)
{
        struct tw_stages st;
        int64_t end = NOW + 90 * DAY;
        int last = TW_STAGE_NONE, told[TW_STAGES_MAX] = {0}, stage;

        (void)state;
        assert_int_equal(tw_stages_parse("60d, 30d, 7d, 1d", &st, NULL), 0);
        for (int64_t t = NOW; t < end + 2 * DAY; t += 3600)
                if (tw_stages_crossed(&st, end, last, t, &stage)) {
                        assert_int_equal(stage, last + 1);
                        assert_int_equal(t, end - st.lead[stage]);
                        told[stage]++;
                        last = stage;
                }
        for (size_t i = 0; i < st.n; i++)
                assert_int_equal(told[i], 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_crossed),
                cmocka_unit_test(test_walk_life),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
