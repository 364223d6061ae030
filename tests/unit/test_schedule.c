/* Digest schedules: parsing (with reasons), the next and previous firing in
 * UTC and across Europe/Berlin's DST changes, and "is a digest due". */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/notify/schedule.h"
#include "lib/tz/tzif.h"
#include "lib/timeutil.h"

static int64_t at(const char *rfc3339)
{
        int64_t t;

        assert_int_equal(tw_time_parse(rfc3339, &t), 0);
        return t;
}

static void test_parse(void **state)
{
        static const struct {
                const char *in;
                int expect;
                enum tw_schedule_kind kind;
                int wday, hour, minute;
                const char *zone;
        } tab[] = {
                {"daily 09:00", 0, TW_SCHEDULE_DAILY, 0, 9, 0, ""},
                {"  Daily\t9:05  ", 0, TW_SCHEDULE_DAILY, 0, 9, 5, ""},
                {"daily 23:59 Europe/Berlin", 0, TW_SCHEDULE_DAILY, 0, 23, 59, "Europe/Berlin"},
                {"daily 00:00 UTC", 0, TW_SCHEDULE_DAILY, 0, 0, 0, ""},
                {"weekly mon 09:00", 0, TW_SCHEDULE_WEEKLY, 1, 9, 0, ""},
                {"weekly Sunday 18:30 America/New_York", 0, TW_SCHEDULE_WEEKLY, 0, 18, 30,
                 "America/New_York"},
                {"weekly SAT 07:15", 0, TW_SCHEDULE_WEEKLY, 6, 7, 15, ""},
                {"", -EINVAL, 0, 0, 0, 0, NULL},
                {"hourly 09:00", -EINVAL, 0, 0, 0, 0, NULL},
                {"daily", -EINVAL, 0, 0, 0, 0, NULL},
                {"daily 24:00", -EINVAL, 0, 0, 0, 0, NULL},
                {"daily 09:60", -EINVAL, 0, 0, 0, 0, NULL},
                {"daily 9", -EINVAL, 0, 0, 0, 0, NULL},
                {"daily 009:00", -EINVAL, 0, 0, 0, 0, NULL},
                {"daily -1:00", -EINVAL, 0, 0, 0, 0, NULL},
                {"weekly 09:00", -EINVAL, 0, 0, 0, 0, NULL},
                {"weekly mo 09:00", -EINVAL, 0, 0, 0, 0, NULL},
                {"weekly monday", -EINVAL, 0, 0, 0, 0, NULL},
                {"daily 09:00 ../../etc/passwd", -EINVAL, 0, 0, 0, 0, NULL},
                {"daily 09:00 /etc/localtime", -EINVAL, 0, 0, 0, 0, NULL},
                {"daily 09:00 Europe/Berlin extra", -EINVAL, 0, 0, 0, 0, NULL},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
                struct tw_schedule s;
                const char *why = NULL;

                print_message("case: \"%s\"\n", tab[i].in);
                assert_int_equal(tw_schedule_parse(tab[i].in, &s, &why), tab[i].expect);
                if (tab[i].expect < 0) {
                        assert_non_null(why);
                        continue;
                }
                assert_int_equal(s.kind, tab[i].kind);
                assert_int_equal(s.wday, tab[i].wday);
                assert_int_equal(s.hour, tab[i].hour);
                assert_int_equal(s.minute, tab[i].minute);
                assert_string_equal(s.zone, tab[i].zone);
        }
}

static const struct {
        const char *name, *sched, *now, *next, *prev;
} nexts[] = {
        {"UTC daily later today", "daily 09:00", "2026-11-30T03:00:00Z", "2026-11-30T09:00:00Z",
         "2026-11-29T09:00:00Z"},
        {"UTC daily exactly now: next is tomorrow", "daily 09:00", "2026-11-30T09:00:00Z",
         "2026-12-01T09:00:00Z", "2026-11-30T09:00:00Z"},
        {"UTC weekly mon, today is mon", "weekly mon 09:00", "2026-11-30T10:00:00Z",
         "2026-12-07T09:00:00Z", "2026-11-30T09:00:00Z"},
        {"UTC weekly sun", "weekly sun 00:00", "2026-11-30T10:00:00Z", "2026-12-06T00:00:00Z",
         "2026-11-29T00:00:00Z"},
        {"Berlin winter is 08:00 UTC", "daily 09:00 Europe/Berlin", "2026-01-15T12:00:00Z",
         "2026-01-16T08:00:00Z", "2026-01-15T08:00:00Z"},
        {"Berlin summer is 07:00 UTC", "daily 09:00 Europe/Berlin", "2026-07-15T12:00:00Z",
         "2026-07-16T07:00:00Z", "2026-07-15T07:00:00Z"},
        {"Berlin spring forward", "daily 09:00 Europe/Berlin", "2026-03-28T12:00:00Z",
         "2026-03-29T07:00:00Z", "2026-03-28T08:00:00Z"},
        {"Berlin fall back", "daily 09:00 Europe/Berlin", "2026-10-24T12:00:00Z",
         "2026-10-25T08:00:00Z", "2026-10-24T07:00:00Z"},
        {"02:30 in the gap fires at 03:30 CEST", "daily 02:30 Europe/Berlin",
         "2026-03-28T12:00:00Z", "2026-03-29T01:30:00Z", "2026-03-28T01:30:00Z"},
        {"02:30 in the fold fires at the first", "daily 02:30 Europe/Berlin",
         "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z", "2026-10-24T00:30:00Z"},
        {"not again at the second 02:30", "daily 02:30 Europe/Berlin", "2026-10-25T00:30:00Z",
         "2026-10-26T01:30:00Z", "2026-10-25T00:30:00Z"},
        {"Berlin local date differs from UTC date", "daily 00:30 Europe/Berlin",
         "2026-07-15T22:00:00Z", "2026-07-15T22:30:00Z", "2026-07-14T22:30:00Z"},
        {"New York weekly across the fall back", "weekly sun 01:30 America/New_York",
         "2026-10-31T12:00:00Z", "2026-11-01T05:30:00Z", "2026-10-25T05:30:00Z"},
};

/* The zone the schedule names, or NULL for UTC; skips if tzdata is missing. */
static struct tw_tz *zone_of(const struct tw_schedule *s)
{
        struct tw_tz *tz = NULL;
        int r;

        if (!s->zone[0])
                return NULL;
        r = tw_tz_load(NULL, s->zone, &tz);
        if (r == -ENOENT)
                skip();
        assert_int_equal(r, 0);
        return tz;
}

static void test_next_prev(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(nexts) / sizeof(nexts[0]); i++) {
                struct tw_schedule s;
                struct tw_tz *tz;
                int64_t t;

                print_message("case: %s\n", nexts[i].name);
                assert_int_equal(tw_schedule_parse(nexts[i].sched, &s, NULL), 0);
                tz = zone_of(&s);
                assert_int_equal(tw_schedule_next(&s, tz, at(nexts[i].now), &t), 0);
                assert_int_equal(t, at(nexts[i].next));
                assert_int_equal(tw_schedule_prev(&s, tz, at(nexts[i].now), &t), 0);
                assert_int_equal(t, at(nexts[i].prev));
                tw_tz_free(tz);
        }
}

/* Walking a year firing by firing: one per local day, through both DST changes. */
static void test_one_per_day_for_a_year(void **state)
{
        static const char *const scheds[] = {
                "daily 02:30 Europe/Berlin", "daily 09:00 Europe/Berlin",
                "daily 02:15 Australia/Lord_Howe", "weekly sun 02:30 Europe/Berlin"};

        (void)state;
        for (size_t i = 0; i < sizeof(scheds) / sizeof(scheds[0]); i++) {
                struct tw_schedule s;
                struct tw_tz *tz;
                int64_t t = at("2026-01-01T00:00:00Z"), end = at("2027-01-01T00:00:00Z"), next;
                int n = 0;

                assert_int_equal(tw_schedule_parse(scheds[i], &s, NULL), 0);
                tz = zone_of(&s);
                while (n < 400) {
                        assert_int_equal(tw_schedule_next(&s, tz, t, &next), 0);
                        if (next >= end)
                                break;
                        assert_true(next > t);
                        /* between two firings: 1 day (or 1 week) +- a DST shift */
                        if (n > 0)
                                assert_true(next - t >= (s.kind ? 7 : 1) * 86400 - 3600 &&
                                            next - t <= (s.kind ? 7 : 1) * 86400 + 3600);
                        t = next;
                        n++;
                }
                print_message("case: %s fired %d times\n", scheds[i], n);
                assert_int_equal(n, s.kind == TW_SCHEDULE_WEEKLY ? 52 : 365);
                tw_tz_free(tz);
        }
}

static void test_due(void **state)
{
        struct tw_schedule s;
        struct tw_tz *tz;
        int64_t slot;

        (void)state;
        assert_int_equal(tw_schedule_parse("daily 09:00 Europe/Berlin", &s, NULL), 0);
        tz = zone_of(&s);
        /* never sent: not due, the baseline is the last slot */
        assert_false(tw_schedule_due(&s, tz, TW_NO_TIME, at("2026-07-15T07:00:00Z")));
        assert_int_equal(tw_schedule_prev(&s, tz, at("2026-07-15T06:59:59Z"), &slot), 0);
        assert_int_equal(slot, at("2026-07-14T07:00:00Z"));
        assert_false(tw_schedule_due(&s, tz, slot, at("2026-07-15T06:59:59Z")));
        assert_true(tw_schedule_due(&s, tz, slot, at("2026-07-15T07:00:00Z")));
        /* sent for the 07-15 slot (recorded as the slot, or as the send time) */
        assert_false(
                tw_schedule_due(&s, tz, at("2026-07-15T07:00:00Z"), at("2026-07-15T20:00:00Z")));
        assert_false(
                tw_schedule_due(&s, tz, at("2026-07-15T07:00:05Z"), at("2026-07-15T20:00:00Z")));
        /* down for three days: one digest, not three */
        assert_true(tw_schedule_due(&s, tz, slot, at("2026-07-18T12:00:00Z")));
        assert_int_equal(tw_schedule_prev(&s, tz, at("2026-07-18T12:00:00Z"), &slot), 0);
        assert_false(tw_schedule_due(&s, tz, slot, at("2026-07-18T12:00:01Z")));
        tw_tz_free(tz);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_next_prev),
                cmocka_unit_test(test_one_per_day_for_a_year),
                cmocka_unit_test(test_due),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
