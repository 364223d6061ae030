/* The streaming gzip output of the metrics page: it inflates to exactly the
 * plain render (small fixture, 20,000 hostile tokens), extra families
 * appended after the render, caps. */
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
#include <stdio.h>
#include <zlib.h>

#include "lib/buf.h"
#include "core/config/config.h"
#include "helpers/helpers.h"

/* Renders snap both ways and checks the gzip inflates to the plain page;
 * extra (may be NULL) is appended to both after the render. */
static void check_same(const char *name, const struct tw_snapshot *snap,
                       const struct tw_agent_status *st, const char *extra)
{
        struct tw_buf plain, inflated;
        struct tw_metrics_out o;

        tw_buf_init(&plain, TW_METRICS_PAGE_MAX);
        tw_buf_init(&inflated, TW_METRICS_PAGE_MAX);
        assert_int_equal(tw_metrics_render(snap, st, &plain), 0);
        assert_int_equal(tw_metrics_out_init(&o, 0), 0);
        assert_int_equal(tw_metrics_render_out(snap, st, &o), 0);
        /* Never more than one flush threshold and a line of plain text pending. */
        assert_true(o.text.len < TW_METRICS_FLUSH_BYTES + 4096);
        if (extra) {
                assert_int_equal(tw_buf_adds(&plain, extra), 0);
                assert_int_equal(tw_buf_adds(&o.text, extra), 0);
        }
        assert_int_equal(tw_metrics_out_finish(&o), 0);
        assert_int_equal(o.text.len, 0);
        if (o.plain_len != plain.len)
                fail_msg("%s: plain_len %zu, want %zu", name, o.plain_len, plain.len);
        tw_test_gunzip(o.gz.ptr, o.gz.len, &inflated);
        if (inflated.len != plain.len || memcmp(inflated.ptr, plain.ptr, plain.len) != 0)
                fail_msg("%s: the gzip page does not inflate to the plain one", name);
        tw_metrics_out_done(&o);
        tw_buf_done(&inflated);
        tw_buf_done(&plain);
}

/* n tokens with hostile names, a role each, every other one expiring. */
static struct tw_inventory *big_inventory(size_t n)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");
        char id[32], name[128];

        assert_non_null(inv);
        for (size_t i = 0; i < n; i++) {
                snprintf(id, sizeof(id), "tok-%06zu", i);
                snprintf(name, sizeof(name),
                         "evil \"%zu\" \\back\\slash\nnewline } # \xf0\x9f\x9a\x80", i);
                mf_token(inv, id, name, i % 3 ? "WORKSPACE" : "ORGANIZATION", "STANDARD",
                         i % 2 ? FIX_NOW + (int64_t)i : TW_NO_TIME,
                         i % 5 ? TW_NO_TIME : FIX_NOW - (int64_t)i,
                         fix_subject("u-1", "USER", NULL, NULL, NULL), "WORKSPACE", "ws-1",
                         "WORKSPACE_OPERATOR");
        }
        assert_int_equal(tw_inventory_sort(inv), 0);
        return inv;
}

static void test_inflates_to_plain(void **state)
{
        struct tw_inventory *small = mf_inventory(), *big = big_inventory(20000);
        struct tw_evaluation *ev = mf_evaluation();
        struct tw_agent_status st;
        struct tw_http_stats http;
        struct tw_config cfg;
        const struct {
                const char *name;
                struct tw_snapshot snap;
                const struct tw_agent_status *st;
                const char *extra;
        } cases[] = {
                {"small fixture", {.cfg = &cfg, .inv = small, .ev = ev}, &st, NULL},
                {"small fixture and extra families",
                 {.cfg = &cfg, .inv = small, .ev = ev},
                 &st,
                 "# HELP x_extra X.\n# TYPE x_extra gauge\nx_extra 1\n"},
                {"no collection yet", {.cfg = NULL, .inv = NULL, .ev = NULL}, NULL, NULL},
                {"20,000 hostile tokens", {.cfg = &cfg, .inv = big, .ev = NULL}, &st, NULL},
        };

        (void)state;
        memset(&cfg, 0, sizeof(cfg));
        mf_status(&st, &http);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                check_same(cases[i].name, &cases[i].snap, cases[i].st, cases[i].extra);
        tw_evaluation_free(ev);
        tw_inventory_free(big);
        tw_inventory_free(small);
}

static void test_caps(void **state)
{
        struct tw_inventory *big = big_inventory(2000);
        struct tw_snapshot snap = {.inv = big};
        struct tw_metrics_out o;

        (void)state;
        /* The plain page is capped although it is never whole. */
        assert_int_equal(tw_metrics_out_init(&o, 100000), 0);
        assert_int_equal(tw_metrics_render_out(&snap, NULL, &o), -E2BIG);
        /* The error sticks. */
        assert_int_equal(tw_metrics_out_finish(&o), -E2BIG);
        assert_true(o.plain_len <= 100000);
        tw_metrics_out_done(&o);
        /* Within the cap, a small page finishes. */
        assert_int_equal(tw_metrics_out_init(&o, 200), 0);
        assert_int_equal(tw_buf_adds(&o.text, "short\n"), 0);
        assert_int_equal(tw_metrics_out_finish(&o), 0);
        assert_int_equal(o.plain_len, 6);
        tw_metrics_out_done(&o);
        /* The compressed page is capped too: 6 plain bytes, 26 gzipped. */
        assert_int_equal(tw_metrics_out_init(&o, 10), 0);
        assert_int_equal(tw_buf_adds(&o.text, "short\n"), 0);
        assert_int_equal(tw_metrics_out_finish(&o), -E2BIG);
        tw_metrics_out_done(&o);
        tw_metrics_out_done(NULL);
        tw_inventory_free(big);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_inflates_to_plain),
                cmocka_unit_test(test_caps),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
