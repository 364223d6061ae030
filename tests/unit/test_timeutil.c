/* RFC 3339 parsing and formatting, durations, monotonic deadlines
 * (lib/timeutil.c). */
#include "lib/timeutil.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct parse_case {
        const char *name;
        const char *input;
        int rc;
        int64_t want; /* when rc == 0 */
};

static const struct parse_case parse_cases[] = {
        {"parse: Z", "2026-05-20T09:30:00Z", 0, 1779269400},
        {"parse: lowercase z and t", "2026-05-20t09:30:00z", 0, 1779269400},
        {"parse: space separator", "2026-05-20 09:30:00Z", 0, 1779269400},
        {"parse: fraction of 3 digits dropped", "2025-01-29T14:12:12.228Z", 0, 1738159932},
        {"parse: fraction of 9 digits dropped", "2025-01-29T14:12:12.999999999Z", 0, 1738159932},
        {"parse: fraction of 1 digit", "2025-01-29T14:12:12.5Z", 0, 1738159932},
        {"parse: positive offset", "2026-05-20T11:30:00+02:00", 0, 1779269400},
        {"parse: negative offset with minutes", "2026-05-20T04:00:00-05:30", 0, 1779269400},
        {"parse: +00:00 is Z", "2026-05-20T09:30:00+00:00", 0, 1779269400},
        {"parse: -00:00 is Z", "2026-05-20T09:30:00-00:00", 0, 1779269400},
        {"parse: fraction and offset", "2026-05-20T11:30:00.118+02:00", 0, 1779269400},
        {"parse: epoch", "1970-01-01T00:00:00Z", 0, 0},
        {"parse: before the epoch", "1969-12-31T23:59:59Z", 0, -1},
        {"parse: year 1", "0001-01-01T00:00:00Z", 0, -62135596800LL},
        {"parse: year 9999", "9999-12-31T23:59:59Z", 0, 253402300799LL},
        {"parse: leap day", "2024-02-29T00:00:00Z", 0, 1709164800},
        {"parse: 2000 is a leap year", "2000-02-29T00:00:00Z", 0, 951782400},
        {"parse: leap second counts as :59", "2016-12-31T23:59:60Z", 0, 1483228799},
        {"parse: offset crossing a day", "2026-05-21T00:30:00+15:00", 0, 1779269400},
        {"reject: empty", "", -EINVAL, 0},
        {"reject: date only", "2026-05-20", -EINVAL, 0},
        {"reject: no zone", "2026-05-20T09:30:00", -EINVAL, 0},
        {"reject: no seconds", "2026-05-20T09:30Z", -EINVAL, 0},
        {"reject: 2-digit year", "26-05-20T09:30:00Z", -EINVAL, 0},
        {"reject: month 13", "2026-13-20T09:30:00Z", -EINVAL, 0},
        {"reject: month 0", "2026-00-20T09:30:00Z", -EINVAL, 0},
        {"reject: day 0", "2026-05-00T09:30:00Z", -EINVAL, 0},
        {"reject: April 31", "2026-04-31T09:30:00Z", -EINVAL, 0},
        {"reject: Feb 29 in a common year", "2026-02-29T00:00:00Z", -EINVAL, 0},
        {"reject: Feb 29 in 1900", "1900-02-29T00:00:00Z", -EINVAL, 0},
        {"reject: hour 24", "2026-05-20T24:00:00Z", -EINVAL, 0},
        {"reject: minute 60", "2026-05-20T09:60:00Z", -EINVAL, 0},
        {"reject: second 61", "2026-05-20T09:30:61Z", -EINVAL, 0},
        {"reject: offset hour 24", "2026-05-20T09:30:00+24:00", -EINVAL, 0},
        {"reject: offset minute 60", "2026-05-20T09:30:00+01:60", -EINVAL, 0},
        {"reject: offset without colon", "2026-05-20T09:30:00+0200", -EINVAL, 0},
        {"reject: empty fraction", "2026-05-20T09:30:00.Z", -EINVAL, 0},
        {"reject: trailing garbage", "2026-05-20T09:30:00Zx", -EINVAL, 0},
        {"parse: year 0", "0000-01-01T00:00:00Z", 0, -62167219200LL},
        /* found by fuzzing: these formatted as "10000-..." and "-001-...",
         * which no parser reads back */
        {"reject: an offset past year 9999", "9999-12-31T23:59:59-00:01", -EINVAL, 0},
        {"reject: an offset before year 0", "0000-01-01T00:00:00+00:01", -EINVAL, 0},
        {"reject: trailing space", "2026-05-20T09:30:00Z ", -EINVAL, 0},
        {"reject: leading space", " 2026-05-20T09:30:00Z", -EINVAL, 0},
        {"reject: wrong separator", "2026-05-20X09:30:00Z", -EINVAL, 0},
        {"reject: slashes", "2026/05/20T09:30:00Z", -EINVAL, 0},
        {"reject: signed digits", "2026-+5-20T09:30:00Z", -EINVAL, 0},
        {"reject: truncated", "2026-05-20T09:3", -EINVAL, 0},
        {"reject: Unix number", "1779269400", -EINVAL, 0},
        {"reject: NULL", NULL, -EINVAL, 0},
};

static void run_parse(void **state)
{
        const struct parse_case *c = *state;
        int64_t t = 42;

        assert_int_equal(tw_time_parse(c->input, &t), c->rc);
        if (c->rc == 0)
                assert_int_equal(t, c->want);
        else
                assert_int_equal(t, 42); /* ret_ written only on success */
}

struct format_case {
        const char *name;
        int64_t t;
        const char *want;
};

static const struct format_case format_cases[] = {
        {"format: epoch", 0, "1970-01-01T00:00:00Z"},
        {"format: a second before the epoch", -1, "1969-12-31T23:59:59Z"},
        {"format: a day before the epoch", -86400, "1969-12-31T00:00:00Z"},
        {"format: 2026", 1779269400, "2026-05-20T09:30:00Z"},
        {"format: leap day", 1709164800, "2024-02-29T00:00:00Z"},
        {"format: end of a leap year", 1735689599, "2024-12-31T23:59:59Z"},
        {"format: year 1", -62135596800LL, "0001-01-01T00:00:00Z"},
        {"format: year 9999", 253402300799LL, "9999-12-31T23:59:59Z"},
};

static void run_format(void **state)
{
        const struct format_case *c = *state;
        char buf[TW_RFC3339_LEN];
        int64_t back;

        assert_ptr_equal(tw_time_format(c->t, buf), buf);
        assert_string_equal(buf, c->want);
        /* and back */
        assert_int_equal(tw_time_parse(buf, &back), 0);
        assert_int_equal(back, c->t);
}

struct duration_case {
        const char *name;
        const char *input;
        int rc;
        int64_t want;
};

static const struct duration_case duration_cases[] = {
        {"duration: bare seconds", "90", 0, 90},
        {"duration: zero", "0", 0, 0},
        {"duration: s", "90s", 0, 90},
        {"duration: m", "5m", 0, 300},
        {"duration: h", "12h", 0, 43200},
        {"duration: d", "30d", 0, 2592000},
        {"duration: leading zeros", "007d", 0, 604800},
        {"duration: near INT64_MAX seconds", "9223372036854775799", 0, INT64_MAX - 8},
        {"duration: overflow in digits", "9223372036854775808", -ERANGE, 0},
        {"duration: overflow by the unit", "106751991167301d", -ERANGE, 0},
        {"duration: largest days", "106751991167300d", 0, 106751991167300LL * 86400},
        {"duration: empty", "", -EINVAL, 0},
        {"duration: unit only", "d", -EINVAL, 0},
        {"duration: unknown unit", "5w", -EINVAL, 0},
        {"duration: uppercase unit", "5M", -EINVAL, 0},
        {"duration: ms is not a unit", "5ms", -EINVAL, 0},
        {"duration: two units", "1h30m", -EINVAL, 0},
        {"duration: negative", "-5m", -EINVAL, 0},
        {"duration: plus sign", "+5m", -EINVAL, 0},
        {"duration: fraction", "1.5h", -EINVAL, 0},
        {"duration: space before unit", "5 m", -EINVAL, 0},
        {"duration: leading space", " 5m", -EINVAL, 0},
        {"duration: trailing space", "5m ", -EINVAL, 0},
        {"duration: word", "off", -EINVAL, 0},
        {"duration: NULL", NULL, -EINVAL, 0},
};

static void run_duration(void **state)
{
        const struct duration_case *c = *state;
        int64_t v = 42;

        assert_int_equal(tw_duration_parse(c->input, &v), c->rc);
        assert_int_equal(v, c->rc == 0 ? c->want : 42);
}

/* The last second of days around 2024 round-trips. */
static void roundtrip_day_boundaries(void **state)
{
        char buf[TW_RFC3339_LEN];
        int64_t back;

        (void)state;
        for (int64_t day = -800; day < 800; day += 7) {
                int64_t t = 1704067200 + day * 86400 - 1; /* around 2024 */

                tw_time_format(t, buf);
                assert_int_equal(tw_time_parse(buf, &back), 0);
                assert_int_equal(back, t);
        }
}

/* Monotonic times as the deadlines pthread_cond_timedwait() takes, and the
 * clock itself never going back. */
static void mono_timespec(void **state)
{
        static const struct {
                const char *name;
                int64_t ns;
                time_t sec;
                long nsec;
        } cases[] = {
                {"zero", 0, 0, 0},
                {"under a second", 999999999, 0, 999999999},
                {"one second", 1000000000, 1, 0},
                {"seconds and nanoseconds", INT64_C(12345678901234), 12345, 678901234},
        };
        int64_t a, b;

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct timespec ts = tw_mono_timespec(cases[i].ns);

                if (ts.tv_sec != cases[i].sec || ts.tv_nsec != cases[i].nsec)
                        fail_msg("%s: %lld.%09ld", cases[i].name, (long long)ts.tv_sec, ts.tv_nsec);
        }
        a = tw_mono_ns();
        b = tw_mono_ns();
        assert_true(a >= 0 && b >= a);
}

#define CASES(arr, fn)                                                                         \
        for (size_t i = 0; i < ARRAY_SIZE(arr); i++)                                           \
                tests[n++] = (struct CMUnitTest)                                               \
                {                                                                              \
                        .name = arr[i].name, .test_func = fn, .initial_state = (void *)&arr[i] \
                }

int main(void)
{
        struct CMUnitTest tests[ARRAY_SIZE(parse_cases) + ARRAY_SIZE(format_cases) +
                                ARRAY_SIZE(duration_cases) + 2];
        size_t n = 0;

        CASES(parse_cases, run_parse);
        CASES(format_cases, run_format);
        CASES(duration_cases, run_duration);
        tests[n++] = (struct CMUnitTest){.name = "round trip around day boundaries",
                                         .test_func = roundtrip_day_boundaries};
        tests[n++] = (struct CMUnitTest){.name = "monotonic deadlines", .test_func = mono_timespec};
        return _cmocka_run_group_tests("timeutil", tests, n, NULL, NULL) ? 1 : 0;
}
