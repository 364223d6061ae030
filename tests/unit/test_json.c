/* lib/json: strings and times written as members (null for none) and read
 * back, and numbers accepted only within the bounds a double holds. */
#include "lib/json.h"

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/timeutil.h"

/* o printed without spaces; fails the test on -ENOMEM. */
static void assert_printed(cJSON *o, const char *want)
{
        char *s = cJSON_PrintUnformatted(o);

        assert_non_null(s);
        assert_string_equal(s, want);
        free(s);
}

static void test_add(void **state)
{
        cJSON *o = cJSON_CreateObject();

        (void)state;
        assert_true(tw_json_add_str(o, "name", "tok \"a\""));
        assert_true(tw_json_add_str(o, "none", NULL));
        assert_true(tw_json_add_str(o, "empty", ""));
        assert_true(tw_json_add_time(o, "at", 1780000000));
        assert_true(tw_json_add_time(o, "epoch", 0));
        assert_true(tw_json_add_time(o, "never", TW_NO_TIME));
        assert_printed(o, "{\"name\":\"tok \\\"a\\\"\",\"none\":null,\"empty\":\"\","
                          "\"at\":\"2026-05-28T20:26:40Z\",\"epoch\":\"1970-01-01T00:00:00Z\","
                          "\"never\":null}");
        cJSON_Delete(o);
}

static void test_get_str(void **state)
{
        static const struct {
                const char *name, *json;
                int r;
                const char *want; /* NULL: none */
        } cases[] = {
                {"a string", "{\"s\":\"tok \\\"a\\\"\"}", 0, "tok \"a\""},
                {"empty", "{\"s\":\"\"}", 0, ""},
                {"null", "{\"s\":null}", 0, NULL},
                {"absent", "{}", 0, NULL},
                {"a number", "{\"s\":1}", -EBADMSG, NULL},
                {"an array", "{\"s\":[]}", -EBADMSG, NULL},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                cJSON *o = cJSON_Parse(cases[i].json);
                char *s = (char *)"untouched";
                int r = tw_json_get_str(o, "s", &s);

                if (r != cases[i].r)
                        fail_msg("%s: %d, want %d", cases[i].name, r, cases[i].r);
                if (cases[i].want ? !s || strcmp(s, cases[i].want) != 0 : s != NULL)
                        fail_msg("%s: \"%s\", want \"%s\"", cases[i].name, s ? s : "(null)",
                                 cases[i].want ? cases[i].want : "(null)");
                free(s);
                cJSON_Delete(o);
        }
}

static void test_get_time(void **state)
{
        static const struct {
                const char *name, *json;
                int r;
                int64_t t;
        } cases[] = {
                {"utc", "{\"t\":\"2026-05-28T20:26:40Z\"}", 0, 1780000000},
                {"offset", "{\"t\":\"2026-05-28T22:26:40+02:00\"}", 0, 1780000000},
                {"fraction dropped", "{\"t\":\"2026-05-28T20:26:40.999Z\"}", 0, 1780000000},
                {"null", "{\"t\":null}", 0, TW_NO_TIME},
                {"absent", "{}", 0, TW_NO_TIME},
                {"a number", "{\"t\":1780000000}", -EBADMSG, TW_NO_TIME},
                {"not a time", "{\"t\":\"yesterday\"}", -EBADMSG, TW_NO_TIME},
                {"out of range", "{\"t\":\"2026-13-01T00:00:00Z\"}", -EBADMSG, TW_NO_TIME},
                {"an object", "{\"t\":{}}", -EBADMSG, TW_NO_TIME},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                cJSON *o = cJSON_Parse(cases[i].json);
                int64_t t = 42;
                int r = tw_json_get_time(o, "t", &t);

                if (r != cases[i].r || t != cases[i].t)
                        fail_msg("%s: %d %lld, want %d %lld", cases[i].name, r, (long long)t,
                                 cases[i].r, (long long)cases[i].t);
                cJSON_Delete(o);
        }
}

static void test_round_trip(void **state)
{
        static const int64_t times[] = {TW_NO_TIME, 0, -86400, 1780000000, 253402300799};
        (void)state;
        for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
                cJSON *o = cJSON_CreateObject();
                int64_t t;

                assert_true(tw_json_add_time(o, "t", times[i]));
                assert_int_equal(tw_json_get_time(o, "t", &t), 0);
                assert_int_equal(t, times[i]);
                cJSON_Delete(o);
        }
}

static void test_number(void **state)
{
        static const struct {
                const char *name, *json;
                double min, max;
                int r;
                double want;
        } cases[] = {
                {"in range", "7", 0, 10, 0, 7},
                {"at min", "0", 0, 10, 0, 0},
                {"at max", "10", 0, 10, 0, 10},
                {"below", "-1", 0, 10, -EBADMSG, 0},
                {"above", "11", 0, 10, -EBADMSG, 0},
                {"2^53 is an exact id", "9007199254740992", 0, TW_JSON_EXACT_MAX, 0,
                 9007199254740992.0},
                {"past 2^53", "9007199254740994", 0, TW_JSON_EXACT_MAX, -EBADMSG, 0},
                {"overflows to inf", "1e999", 0, TW_JSON_EXACT_MAX, -EBADMSG, 0},
                {"a string", "\"7\"", 0, 10, -EBADMSG, 0},
                {"null", "null", 0, 10, -EBADMSG, 0},
                {"true", "true", 0, 10, -EBADMSG, 0},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                cJSON *v = cJSON_Parse(cases[i].json);
                double d = -42;
                int r = tw_json_number(v, cases[i].min, cases[i].max, &d);

                if (r != cases[i].r)
                        fail_msg("%s: %d, want %d", cases[i].name, r, cases[i].r);
                if (r == 0 && d != cases[i].want)
                        fail_msg("%s: %.17g, want %.17g", cases[i].name, d, cases[i].want);
                if (r < 0 && d != -42)
                        fail_msg("%s: written on failure", cases[i].name);
                cJSON_Delete(v);
        }
        assert_int_equal(tw_json_number(NULL, 0, 1, &(double){0}), -EBADMSG);
}

static void test_get_int64(void **state)
{
        static const struct {
                const char *name, *json;
                int r;
                int64_t want;
        } cases[] = {
                {"zero", "{\"n\":0}", 0, 0},
                {"negative", "{\"n\":-5}", 0, -5},
                {"fraction truncated", "{\"n\":2.9}", 0, 2},
                {"large", "{\"n\":9000000000000000000}", 0, INT64_C(9000000000000000000)},
                {"past the int64 bound", "{\"n\":9.3e18}", -EBADMSG, 0},
                {"below the int64 bound", "{\"n\":-9.3e18}", -EBADMSG, 0},
                {"absent", "{}", -EBADMSG, 0},
                {"a string", "{\"n\":\"1\"}", -EBADMSG, 0},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                cJSON *o = cJSON_Parse(cases[i].json);
                int64_t n = 42;
                int r = tw_json_get_int64(o, "n", &n);

                if (r != cases[i].r || (r == 0 && n != cases[i].want) || (r < 0 && n != 42))
                        fail_msg("%s: %d %lld, want %d %lld", cases[i].name, r, (long long)n,
                                 cases[i].r, (long long)cases[i].want);
                cJSON_Delete(o);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_add),      cmocka_unit_test(test_get_str),
                cmocka_unit_test(test_get_time), cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_number),   cmocka_unit_test(test_get_int64),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
