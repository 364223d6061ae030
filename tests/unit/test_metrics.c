/* The Prometheus text renderer: escaping, values, the whole page (golden),
 * gzip round trip, Accept-Encoding, caps. */
#include "exporters/metrics/metrics.h"

#include "helpers/metrics_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "core/status.h"
#include "lib/arena.h"
#include "lib/http/http.h"
#include "lib/timeutil.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <zlib.h>

#include "lib/buf.h"
#include "core/config/config.h"
#include "helpers/golden.h"
#include "helpers/helpers.h"

struct str_case {
        const char *name;
        const char *in;
        const char *want;
};

static void test_escape_label(void **state)
{
        static const struct str_case cases[] = {
                {"plain", "abc", "abc"},
                {"empty", "", ""},
                {"backslash", "a\\b", "a\\\\b"},
                {"quote", "say \"hi\"", "say \\\"hi\\\""},
                {"newline", "a\nb", "a\\nb"},
                {"carriage return kept", "a\rb", "a\rb"},
                {"tab kept", "a\tb", "a\tb"},
                {"other controls and DEL kept", "\x01a\x1f\x7f", "\x01a\x1f\x7f"},
                {"escapes between utf-8", "\xc3\xa9\"\xc3\xa9\\", "\xc3\xa9\\\"\xc3\xa9\\\\"},
                {"utf-8 kept", "\xf0\x9f\x9a\x80 caf\xc3\xa9", "\xf0\x9f\x9a\x80 caf\xc3\xa9"},
                {"braces kept", "} {a=\"b\"}", "} {a=\\\"b\\\"}"},
                {"trailing backslash", "x\\", "x\\\\"},
                {"all three", "\\\"\n", "\\\\\\\"\\n"},
                /* Invalid UTF-8: each bad byte becomes U+FFFD (EF BF BD). */
                {"latin-1 byte", "caf\xe9", "caf\xef\xbf\xbd"},
                {"lone continuation",
                 "a\x80"
                 "b",
                 "a\xef\xbf\xbd"
                 "b"},
                {"truncated at end", "ab\xe2\x82", "ab\xef\xbf\xbd\xef\xbf\xbd"},
                {"truncated before quote", "\xc3\"", "\xef\xbf\xbd\\\""},
                {"overlong slash", "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},
                {"overlong 3-byte", "\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
                {"surrogate", "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
                {"above U+10FFFF", "\xf4\x90\x80\x80",
                 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
                {"0xff", "\xff", "\xef\xbf\xbd"},
                {"largest code point kept", "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"},
                {"U+FFFD itself kept", "\xef\xbf\xbd", "\xef\xbf\xbd"},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_buf b;

                tw_buf_init(&b, 0);
                assert_int_equal(tw_metrics_escape_label(&b, cases[i].in), 0);
                if (strcmp(b.ptr, cases[i].want) != 0)
                        fail_msg("%s: got \"%s\"", cases[i].name, b.ptr);
                tw_buf_done(&b);
        }
}

static void test_escape_help(void **state)
{
        static const struct str_case cases[] = {
                {"plain", "Number of tokens.", "Number of tokens."},
                {"backslash", "a\\b", "a\\\\b"},
                {"quote kept", "say \"hi\"", "say \"hi\""},
                {"newline", "a\nb", "a\\nb"},
                {"invalid utf-8", "x\xfe", "x\xef\xbf\xbd"},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_buf b;

                tw_buf_init(&b, 0);
                assert_int_equal(tw_metrics_escape_help(&b, cases[i].in), 0);
                if (strcmp(b.ptr, cases[i].want) != 0)
                        fail_msg("%s: got \"%s\"", cases[i].name, b.ptr);
                tw_buf_done(&b);
        }
}

static void test_format_value(void **state)
{
        static const struct {
                const char *name;
                double in;
                const char *want;
        } cases[] = {
                {"zero", 0, "0"},
                {"one", 1, "1"},
                {"timestamp", 1750000000, "1750000000"},
                {"negative", -3, "-3"},
                {"negative zero", -0.0, "0"},
                {"2^53 - 1", 9007199254740991.0, "9007199254740991"},
                {"-(2^53 - 1)", -9007199254740991.0, "-9007199254740991"},
                {"2^53", 9007199254740992.0, "9007199254740992"},
                {"fraction", 1.25, "1.25"},
                {"nan", NAN, "NaN"},
                {"plus inf", INFINITY, "+Inf"},
                {"minus inf", -INFINITY, "-Inf"},
                {"huge", 1e300, "1.0000000000000001e+300"},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_buf b;

                tw_buf_init(&b, 0);
                assert_int_equal(tw_metrics_format_value(&b, cases[i].in), 0);
                if (strcmp(b.ptr, cases[i].want) != 0)
                        fail_msg("%s: got \"%s\"", cases[i].name, b.ptr);
                tw_buf_done(&b);
        }
}

static void test_accepts_gzip(void **state)
{
        static const struct {
                const char *name;
                const char *in;
                bool want;
        } cases[] = {
                {"absent", NULL, false},
                {"empty", "", false},
                {"gzip", "gzip", true},
                {"prometheus", "gzip", true},
                {"browser", "gzip, deflate, br", true},
                {"upper case", "GZIP", true},
                {"x-gzip", "x-gzip", true},
                {"q half", "gzip;q=0.5", true},
                {"q zero", "gzip;q=0", false},
                {"q zero point zero", "gzip; q=0.000", false},
                {"star", "*", true},
                {"star refused", "*;q=0", false},
                {"gzip refused despite star", "gzip;q=0, *", false},
                {"identity only", "identity", false},
                {"deflate only", "deflate, br", false},
                {"gzipx is not gzip", "gzipx", false},
                {"spaces", "  br ,  gzip  ", true},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                if (tw_accepts_gzip(cases[i].in) != cases[i].want)
                        fail_msg("%s: want %d", cases[i].name, cases[i].want);
}

/* Renders the fixture into a new buffer; creator names on request. */
static void render_fixture(struct tw_buf *out, bool names, bool with_ev)
{
        struct tw_inventory *inv = mf_inventory();
        struct tw_evaluation *ev = with_ev ? mf_evaluation() : NULL;
        struct tw_config cfg;
        struct tw_agent_status st;
        struct tw_http_stats http;
        struct tw_snapshot snap;

        static char *labels[] = {"team", "repo"}; /* contacts: only when asked */

        memset(&cfg, 0, sizeof(cfg));
        cfg.agent.metrics_creator_names = names;
        cfg.owners.labels = labels;
        cfg.owners.n_labels = 2;
        snap = (struct tw_snapshot){.cfg = &cfg, .inv = inv, .ev = ev};
        mf_status(&st, &http);
        tw_buf_init(out, TW_METRICS_PAGE_MAX);
        assert_int_equal(tw_metrics_render(&snap, &st, out), 0);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

static void test_page_golden(void **state)
{
        struct tw_buf b;

        (void)state;
        render_fixture(&b, false, true);
        tw_golden_check("metrics-small.prom", b.ptr, b.len);
        tw_buf_done(&b);
}

static void test_page_contract(void **state)
{
        struct tw_buf b;

        (void)state;
        render_fixture(&b, false, true);
        /* No e-mail addresses, no creator names by default. */
        assert_null(strchr(b.ptr, '@'));
        assert_null(strstr(b.ptr, "creator_name"));
        /* Every finding x severity combination, zeros included. */
        assert_int_equal(tw_test_count_lines(b.ptr, "astro_token_findings{"),
                         _TW_FINDING_KIND_MAX * (_TW_SEVERITY_MAX - 1));
        assert_non_null(strstr(
                b.ptr, "astro_token_findings{finding=\"orphaned\",severity=\"warning\"} 0\n"));
        /* Suppressed findings are not active. */
        assert_int_equal(tw_test_count_lines(b.ptr, "astro_token_finding{"), 3);
        assert_null(strstr(b.ptr, "finding=\"over_privileged\",severity=\"critical\"} 1"));
        /* Expiry only for the tokens that expire; kept after expiry (tok-c). */
        assert_int_equal(tw_test_count_lines(b.ptr, "astro_token_expiry_timestamp_seconds{"), 2);
        assert_non_null(strstr(
                b.ptr,
                "astro_token_expiry_timestamp_seconds{token_id=\"tok-c\",organization=\"org-1\"}"));
        assert_int_equal(tw_test_count_lines(b.ptr, "astro_token_last_used_timestamp_seconds{"), 1);
        /* Self-metrics from the status. */
        assert_non_null(strstr(b.ptr, "tokenwatch_collection_success 1\n"));
        tw_buf_done(&b);
}

static void test_page_creator_names(void **state)
{
        struct tw_buf b;

        (void)state;
        render_fixture(&b, true, true);
        assert_non_null(strstr(b.ptr, "creator_name=\"Alice A\""));
        assert_non_null(strstr(b.ptr, "creator_name=\"bootstrap key\""));
        tw_buf_done(&b);
}

static void test_page_deleted_token_disappears(void **state)
{
        struct tw_inventory *after = tw_inventory_new("org-1", "v1");
        struct tw_snapshot snap = {.inv = after};
        struct tw_buf b;

        (void)state;
        assert_non_null(after);
        /* The next collection lists only tok-a. */
        mf_token(after, "tok-a", "ci deploy", "WORKSPACE", "STANDARD", FIX_NOW + 86400 * 3,
                 FIX_NOW - 3600, fix_subject("u-1", "USER", NULL, NULL, NULL), "WORKSPACE", "ws-1",
                 "WORKSPACE_OPERATOR");
        tw_buf_init(&b, 0);
        assert_int_equal(tw_metrics_render(&snap, NULL, &b), 0);
        assert_non_null(strstr(b.ptr, "token_id=\"tok-a\""));
        assert_null(strstr(b.ptr, "tok-b"));
        assert_null(strstr(b.ptr, "tok-c"));
        /* Not evaluated: no finding counts at all rather than false zeros. */
        assert_int_equal(tw_test_count_lines(b.ptr, "astro_token_findings{"), 0);
        tw_buf_done(&b);
        tw_inventory_free(after);
}

/* What promtool (and Prometheus' parser) require of the bytes of a page:
 * valid UTF-8 throughout.  iconv is the independent judge. */
static bool valid_utf8(const char *s, size_t len)
{
        iconv_t cd = iconv_open("UTF-8", "UTF-8");
        char out[4096];
        char *in = (char *)(uintptr_t)s;
        bool ok = true;

        assert_true(cd != (iconv_t)-1);
        while (len && ok) {
                char *o = out;
                size_t left = sizeof(out);

                if (iconv(cd, &in, &len, &o, &left) == (size_t)-1 && errno != E2BIG)
                        ok = false;
        }
        iconv_close(cd);
        return ok;
}

/* One token whose name and creator are not valid UTF-8 must not make the
 * whole page invalid: the bad bytes become U+FFFD, the rest is kept. */
static void test_page_invalid_utf8_name(void **state)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");
        struct tw_snapshot snap = {.inv = inv};
        struct tw_buf b;

        (void)state;
        assert_non_null(inv);
        mf_token(inv, "tok-a", "deploy caf\xe9 \xff\xfe", "WORKSPACE", "STANDARD",
                 FIX_NOW + 86400 * 3, FIX_NOW - 3600,
                 fix_subject("u-1", "USER", NULL,
                             "Ren\xe9"
                             "e",
                             NULL),
                 "WORKSPACE", "ws-1", "WORKSPACE_OPERATOR");
        mf_token(inv, "tok-b", "fine \xc3\xa9", "WORKSPACE", "STANDARD", FIX_NOW + 86400 * 3,
                 FIX_NOW - 3600, fix_subject("u-2", "USER", NULL, NULL, NULL), "WORKSPACE", "ws-1",
                 "WORKSPACE_OPERATOR");
        assert_false(valid_utf8("caf\xe9", 4));
        tw_buf_init(&b, 0);
        assert_int_equal(tw_metrics_render(&snap, NULL, &b), 0);
        assert_true(valid_utf8(b.ptr, b.len));
        assert_non_null(
                strstr(b.ptr, "token_name=\"deploy caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\""));
        assert_non_null(strstr(b.ptr, "token_name=\"fine \xc3\xa9\""));
        tw_buf_done(&b);
        tw_inventory_free(inv);
}

static void test_page_no_collection_yet(void **state)
{
        struct tw_snapshot snap = {0};
        struct tw_buf b;

        (void)state;
        tw_buf_init(&b, 0);
        assert_int_equal(tw_metrics_render(&snap, NULL, &b), 0);
        assert_non_null(strstr(b.ptr, "# TYPE astro_token_info gauge\n"));
        assert_int_equal(tw_test_count_lines(b.ptr, "astro_token_info{"), 0);
        assert_non_null(strstr(b.ptr, "tokenwatch_collection_success 0\n"));
        assert_null(strstr(b.ptr, "\ntokenwatch_last_success_timestamp_seconds "));
        tw_buf_done(&b);
}

static void test_page_cap(void **state)
{
        struct tw_inventory *inv = mf_inventory();
        struct tw_snapshot snap = {.inv = inv};
        struct tw_buf b;

        (void)state;
        tw_buf_init(&b, 200);
        assert_int_equal(tw_metrics_render(&snap, NULL, &b), -E2BIG);
        tw_buf_done(&b);
        tw_inventory_free(inv);
}

static void gunzip_and_compare(const struct tw_buf *gz, const char *want, size_t want_len)
{
        struct tw_buf out;

        tw_buf_init(&out, 0);
        tw_test_gunzip(gz->ptr, gz->len, &out);
        assert_int_equal(out.len, want_len);
        if (want_len)
                assert_memory_equal(out.ptr, want, want_len);
        tw_buf_done(&out);
}

static void test_gzip_round_trip(void **state)
{
        struct tw_buf page, gz, big;

        (void)state;
        render_fixture(&page, false, true);
        tw_buf_init(&gz, 0);
        assert_int_equal(tw_gzip(page.ptr, page.len, &gz), 0);
        assert_true(gz.len > 18 && (unsigned char)gz.ptr[0] == 0x1f &&
                    (unsigned char)gz.ptr[1] == 0x8b);
        gunzip_and_compare(&gz, page.ptr, page.len);
        /* Several deflate output chunks. */
        tw_buf_init(&big, 0);
        for (unsigned i = 0; i < 20000; i++)
                assert_int_equal(tw_buf_printf(&big, "line %u %u\n", i, i * 2654435761u), 0);
        tw_buf_reset(&gz);
        assert_int_equal(tw_gzip(big.ptr, big.len, &gz), 0);
        gunzip_and_compare(&gz, big.ptr, big.len);
        /* Empty input is a valid empty member. */
        tw_buf_reset(&gz);
        assert_int_equal(tw_gzip("", 0, &gz), 0);
        gunzip_and_compare(&gz, "", 0);
        tw_buf_done(&big);
        tw_buf_done(&gz);
        tw_buf_done(&page);
}

static void test_gzip_cap(void **state)
{
        struct tw_buf page, gz;

        (void)state;
        render_fixture(&page, false, true);
        tw_buf_init(&gz, 10);
        assert_int_equal(tw_gzip(page.ptr, page.len, &gz), -E2BIG);
        assert_int_equal(gz.len, 0);
        tw_buf_done(&gz);
        tw_buf_done(&page);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_escape_label),
                cmocka_unit_test(test_escape_help),
                cmocka_unit_test(test_format_value),
                cmocka_unit_test(test_accepts_gzip),
                cmocka_unit_test(test_page_golden),
                cmocka_unit_test(test_page_contract),
                cmocka_unit_test(test_page_creator_names),
                cmocka_unit_test(test_page_deleted_token_disappears),
                cmocka_unit_test(test_page_invalid_utf8_name),
                cmocka_unit_test(test_page_no_collection_yet),
                cmocka_unit_test(test_page_cap),
                cmocka_unit_test(test_gzip_round_trip),
                cmocka_unit_test(test_gzip_cap),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
