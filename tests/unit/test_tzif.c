/* TZif zones: known transitions of real zones (tzdata), local -> UTC through
 * gaps and folds, the POSIX footer far in the future, and malformed input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/readfile.h"
#include "lib/tz/tzif.h"
#include "lib/timeutil.h"

static int64_t at(const char *rfc3339)
{
        int64_t t;

        assert_int_equal(tw_time_parse(rfc3339, &t), 0);
        return t;
}

/* The zone, or NULL when tzdata is not installed (the test then skips). */
static struct tw_tz *zone(const char *name)
{
        struct tw_tz *tz = NULL;
        int r = tw_tz_load(NULL, name, &tz);

        if (r == -ENOENT)
                return NULL;
        assert_int_equal(r, 0);
        return tz;
}

static const struct {
        const char *zone, *utc;
        int32_t offset;
        bool dst;
} offsets[] = {
        {"Europe/Berlin", "2026-03-29T00:59:59Z", 3600, false},
        {"Europe/Berlin", "2026-03-29T01:00:00Z", 7200, true},
        {"Europe/Berlin", "2026-10-25T00:59:59Z", 7200, true},
        {"Europe/Berlin", "2026-10-25T01:00:00Z", 3600, false},
        {"America/New_York", "2026-03-08T06:59:59Z", -18000, false},
        {"America/New_York", "2026-03-08T07:00:00Z", -14400, true},
        {"America/New_York", "2026-11-01T05:59:59Z", -14400, true},
        {"America/New_York", "2026-11-01T06:00:00Z", -18000, false},
        {"Australia/Lord_Howe", "2026-04-04T14:59:59Z", 39600, true},
        {"Australia/Lord_Howe", "2026-04-04T15:00:00Z", 37800, false},
        {"Australia/Lord_Howe", "2026-10-03T15:29:59Z", 37800, false},
        {"Australia/Lord_Howe", "2026-10-03T15:30:00Z", 39600, true},
        /* past any table: the footer's rule */
        {"Europe/Berlin", "2099-03-29T01:00:00Z", 7200, true}, /* last Sunday of March 2099 */
        {"Europe/Berlin", "2099-03-29T00:59:59Z", 3600, false},
        {"America/New_York", "2100-07-04T12:00:00Z", -14400, true},
        {"Australia/Lord_Howe", "2100-01-01T00:00:00Z", 39600, true},
        {"Australia/Lord_Howe", "2100-06-01T00:00:00Z", 37800, false},
        /* history: Berlin had double summer time in 1947 */
        {"Europe/Berlin", "1947-06-01T00:00:00Z", 10800, true},
        {"UTC", "2026-07-01T00:00:00Z", 0, false},
};

static void test_known_offsets(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
                struct tw_tz *tz = zone(offsets[i].zone);
                int32_t off;
                bool dst;

                if (!tz)
                        skip();
                print_message("case: %s %s\n", offsets[i].zone, offsets[i].utc);
                assert_int_equal(tw_tz_offset(tz, at(offsets[i].utc), &off, &dst), 0);
                assert_int_equal(off, offsets[i].offset);
                assert_int_equal(dst, offsets[i].dst);
                tw_tz_free(tz);
        }
}

static const struct {
        const char *name, *zone, *local, *utc;
} locals[] = {
        {"winter", "Europe/Berlin", "2026-01-15T09:00:00Z", "2026-01-15T08:00:00Z"},
        {"summer", "Europe/Berlin", "2026-07-15T09:00:00Z", "2026-07-15T07:00:00Z"},
        {"gap start maps to 03:00", "Europe/Berlin", "2026-03-29T02:00:00Z",
         "2026-03-29T01:00:00Z"},
        {"gap 02:30 maps forward to 03:30", "Europe/Berlin", "2026-03-29T02:30:00Z",
         "2026-03-29T01:30:00Z"},
        {"after the gap", "Europe/Berlin", "2026-03-29T03:00:00Z", "2026-03-29T01:00:00Z"},
        {"fold 02:30 takes the first (CEST)", "Europe/Berlin", "2026-10-25T02:30:00Z",
         "2026-10-25T00:30:00Z"},
        {"after the fold", "Europe/Berlin", "2026-10-25T03:00:00Z", "2026-10-25T02:00:00Z"},
        {"NY gap", "America/New_York", "2026-03-08T02:30:00Z", "2026-03-08T07:30:00Z"},
        {"NY fold first", "America/New_York", "2026-11-01T01:30:00Z", "2026-11-01T05:30:00Z"},
        {"Lord Howe 30-minute gap", "Australia/Lord_Howe", "2026-10-04T02:15:00Z",
         "2026-10-03T15:45:00Z"},
        {"Lord Howe 30-minute fold first", "Australia/Lord_Howe", "2026-04-05T01:45:00Z",
         "2026-04-04T14:45:00Z"},
        {"footer gap", "Europe/Berlin", "2099-03-29T02:30:00Z", "2099-03-29T01:30:00Z"},
        {"footer fold", "Europe/Berlin", "2099-10-25T02:30:00Z", "2099-10-25T00:30:00Z"},
        {"UTC", "UTC", "2026-03-29T02:30:00Z", "2026-03-29T02:30:00Z"},
};

static void test_local_to_utc(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(locals) / sizeof(locals[0]); i++) {
                struct tw_tz *tz = zone(locals[i].zone);
                int64_t u;

                if (!tz)
                        skip();
                print_message("case: %s\n", locals[i].name);
                assert_int_equal(tw_tz_local_to_utc(tz, at(locals[i].local), &u), 0);
                assert_int_equal(u, at(locals[i].utc));
                tw_tz_free(tz);
        }
}

/* Every instant's local time converts back to an instant showing it, no later. */
static void test_round_trip(void **state)
{
        static const char *const zones[] = {"Europe/Berlin", "America/New_York",
                                            "Australia/Lord_Howe"};

        (void)state;
        for (size_t z = 0; z < 3; z++) {
                struct tw_tz *tz = zone(zones[z]);

                if (!tz)
                        skip();
                for (int64_t t = at("2025-01-01T00:00:00Z"); t < at("2028-01-01T00:00:00Z");
                     t += 900) {
                        int32_t off, off2;
                        int64_t u;

                        assert_int_equal(tw_tz_offset(tz, t, &off, NULL), 0);
                        assert_int_equal(tw_tz_local_to_utc(tz, t + off, &u), 0);
                        assert_int_equal(tw_tz_offset(tz, u, &off2, NULL), 0);
                        assert_int_equal(u + off2, t + off);
                        assert_true(u <= t);
                }
                tw_tz_free(tz);
        }
}

static unsigned char *slurp(const char *path, size_t *ret_len)
{
        char *data = NULL;

        return tw_read_file(path, TW_TZ_FILE_MAX, 0, &data, ret_len) == 0 ? (unsigned char *)data
                                                                          : NULL;
}

/* Every truncation and every single-byte corruption is an error or a zone, never a crash. */
static void test_malformed(void **state)
{
        struct tw_tz *tz;
        unsigned char *p;
        size_t len = 0;
        int r;

        (void)state;
        p = slurp(TW_TZ_DIR "/Europe/Berlin", &len);
        if (!p)
                skip();
        for (size_t n = 0; n < len; n++) {
                tz = NULL;
                r = tw_tz_parse(p, n, &tz);
                assert_int_equal(r, -EBADMSG);
                assert_null(tz);
        }
        for (size_t i = 0; i < len; i++) {
                unsigned char orig = p[i];

                p[i] ^= 0xff;
                tz = NULL;
                r = tw_tz_parse(p, len, &tz);
                assert_true(r == 0 || r == -EBADMSG || r == -ENOTSUP);
                if (r == 0) {
                        int64_t u;

                        assert_int_equal(tw_tz_offset(tz, 0, NULL, NULL), 0);
                        assert_int_equal(tw_tz_local_to_utc(tz, 1780315200, &u), 0);
                }
                tw_tz_free(tz);
                p[i] = orig;
        }
        free(p);
        assert_int_equal(tw_tz_offset(NULL, TW_TZ_TIME_MAX + 1, NULL, NULL), -ERANGE);
}

static void test_footer_syntax(void **state)
{
        static const struct {
                const char *footer;
                int expect;
        } tab[] = {
                {"UTC0", 0},
                {"CET-1CEST,M3.5.0,M10.5.0/3", 0},
                {"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", 0},
                {"EST5EDT,J60/-1,300/167", 0},
                {"EST5EDT", -EBADMSG}, /* DST without a rule */
                {"E5", -EBADMSG},
                {"EST25", -EBADMSG},
                {"EST5EDT,M13.1.0,M11.1.0", -EBADMSG},
                {"EST5EDT,M3.2.0,M11.1.0/168", -EBADMSG},
                {"<+1", -EBADMSG},
                {"UTC0 ", -EBADMSG},
        };
        /* a v2 file with no transitions, one type (UTC) and the footer */
        static const unsigned char hdr[44] = {'T', 'Z', 'i', 'f', '2', [39] = 1, [43] = 4};
        static const unsigned char body[10] = {0, 0, 0, 0, 0, 0, 'U', 'T', 'C', 0};

        (void)state;
        for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
                unsigned char file[256];
                struct tw_tz *tz = NULL;
                size_t n = 0, fl = strlen(tab[i].footer);

                memcpy(file + n, hdr, 44), n += 44;
                memcpy(file + n, body, 10), n += 10;
                memcpy(file + n, hdr, 44), n += 44;
                memcpy(file + n, body, 10), n += 10;
                file[n++] = '\n';
                memcpy(file + n, tab[i].footer, fl), n += fl;
                file[n++] = '\n';
                print_message("case: %s\n", tab[i].footer);
                assert_int_equal(tw_tz_parse(file, n, &tz), tab[i].expect);
                tw_tz_free(tz);
        }
}

static void test_load_names(void **state)
{
        static const char *const bad[] = {
                "", "/etc/passwd", "../etc/passwd", "Europe/../../x", "Europe/Berlin\n", "a b"};
        struct tw_tz *tz = NULL;

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(tw_tz_load(NULL, bad[i], &tz), -EINVAL);
        assert_int_equal(tw_tz_load(NULL, "No/Such_Zone", &tz), -ENOENT);
        assert_null(tz);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_known_offsets), cmocka_unit_test(test_local_to_utc),
                cmocka_unit_test(test_round_trip),    cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_footer_syntax), cmocka_unit_test(test_load_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
