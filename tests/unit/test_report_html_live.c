/* The HTML report as the daemon's live status page: it reloads itself
 * (a <meta> refresh, no script), gives its data one time and the age that
 * data had when the page was rendered, and says in its header whether the
 * last collection failed and why, per organization when there are several.
 * The page in a browser: tests/e2e/test_status_page.sh. */
#include "exporters/report/report.h"

#include "helpers/html_check.h"
#include "helpers/report_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "core/status.h"
#include "lib/buf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The fixture's live view with st; the caller frees the text. */
static char *live(const struct tw_live_status *st)
{
        struct tw_config *cfg = NULL;
        struct tw_inventory *inv = fix_inventory();
        struct tw_evaluation *ev = fix_evaluation();
        struct tw_snapshot snap;
        struct tw_buf out;

        assert_int_equal(tw_config_new_default(&cfg), 0);
        snap = (struct tw_snapshot){.cfg = cfg, .inv = inv, .ev = ev};
        tw_buf_init(&out, 0);
        assert_int_equal(tw_report_render_live_html(&snap, st, &out, NULL, NULL), 0);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_config_free(cfg);
        html_assert_self_contained(out.ptr);
        return tw_buf_steal(&out);
}

static void test_succeeded(void **state)
{
        struct tw_org_status org = {.organization = "org-1", .collection_success = true};
        struct tw_live_status st = {.rendered_at = FIX_NOW + 5,
                                    .data_at = FIX_NOW - 60,
                                    .last_collection_ok = true,
                                    .refresh_seconds = 300,
                                    .orgs = &org,
                                    .n_orgs = 1};
        char *html = live(&st);

        (void)state;
        html_assert_present(html, "<meta http-equiv=\"refresh\" content=\"300\">\n<style>");
        html_assert_present(html, "<section class=\"live ok\">\n<p><strong>The last collection "
                                  "succeeded.</strong> The data below was collected "
                                  "<time>2025-06-15T15:05:40Z</time>, 1 minute before this page "
                                  "was rendered.</p>");
        html_assert_present(
                html, "<p class=\"links\">Live view: the page reloads itself every 5 minutes. "
                      "<a href=\"metrics\">/metrics</a>");
        /* one time for the data; the report's own rows would be a second
         * and a misleading "Complete: yes" */
        assert_int_equal(html_count(html, "<time>"), 1);
        html_assert_absent(html, "<dt>Generated</dt>");
        html_assert_absent(html, "<dt>Complete</dt>");
        html_assert_absent(html, "(now)");
        html_assert_absent(html, "failed");
        free(html);
}

static void test_failed(void **state)
{
        struct tw_org_status org = {.organization = "org-1",
                                    .failure = "connection: Failed to connect to "
                                               "api.astronomer.io port 443: Connection refused "
                                               "<b>\"x\"</b>",
                                    .n_failures = 3};
        struct tw_live_status st = {.rendered_at = FIX_NOW + 2 * 3600 + 59,
                                    .data_at = FIX_NOW,
                                    .refresh_seconds = 60,
                                    .orgs = &org,
                                    .n_orgs = 1};
        char *html = live(&st);

        (void)state;
        /* in the header: under the heading, before the organization */
        html_assert_present(
                html, "</h1>\n<section class=\"live crit\">\n<p><strong>The last collection "
                      "failed</strong>: connection: Failed to connect to api.astronomer.io port "
                      "443: Connection refused &lt;b&gt;&quot;x&quot;&lt;/b&gt; (and 2 more "
                      "failed listings)</p>\n<p>Until a collection succeeds, the data below may "
                      "be out of date or incomplete: it was collected "
                      "<time>2025-06-15T15:06:40Z</time>, 2 hours before this page was "
                      "rendered; <a href=\"#errors\">Errors</a> lists the listings that "
                      "failed.</p>");
        html_assert_present(html, "Live view: the page reloads itself every 1 minute. ");
        html_assert_absent(html, "<dt>Complete</dt>");
        assert_true(strstr(html, "live crit") < strstr(html, "<dt>Organization</dt>"));
        free(html);
}

/* Without a reason (no organization status), the page says where to look. */
static void test_failed_without_reason(void **state)
{
        struct tw_live_status st = {.rendered_at = FIX_NOW, .data_at = FIX_NOW};
        char *html = live(&st);

        (void)state;
        html_assert_present(html, "<p><strong>The last collection failed</strong>: the daemon's "
                                  "log says why.</p>");
        html_assert_present(html, "less than a second before this page was rendered");
        html_assert_absent(html, "http-equiv=\"refresh\""); /* 0: no reload */
        html_assert_present(html, "<p class=\"links\">Live view. <a href=\"metrics\">");
        html_assert_absent(html, "reloads itself");
        free(html);
}

/* Several organizations: each failing one named, as people know it. */
static void test_failed_several(void **state)
{
        struct tw_inventory *a = fix_inventory(), *b = tw_inventory_new("org-2", "v1"), *inv = NULL;
        struct tw_inventory_part parts[2] = {
                {.inv = a, .name = "prod", .display_name = "Acme <Prod>", .fresh = true},
                {.inv = b, .name = "dev", .fresh = true},
        };
        struct tw_org_status orgs[2] = {
                {.organization = "org-1",
                 .failure = "tokens organization: HTTP 500",
                 .n_failures = 1},
                {.organization = "org-2", .collection_success = true},
        };
        struct tw_live_status st = {
                .rendered_at = FIX_NOW, .data_at = FIX_NOW, .orgs = orgs, .n_orgs = 2};
        struct tw_snapshot snap;
        struct tw_buf out;

        (void)state;
        assert_non_null(b);
        assert_int_equal(tw_inventory_merge(parts, 2, FIX_NOW, &inv), 0);
        snap = (struct tw_snapshot){.inv = inv};
        tw_buf_init(&out, 0);
        assert_int_equal(tw_report_render_live_html(&snap, &st, &out, NULL, NULL), 0);
        html_assert_self_contained(out.ptr);
        html_assert_present(out.ptr, "<p><strong>The last collection failed</strong>: 1 of 2 "
                                     "organizations.</p>\n<ul><li><bdi>Acme &lt;Prod&gt;</bdi>: "
                                     "tokens organization: HTTP 500</li></ul>");
        /* the title and heading name both, the display name before an id */
        html_assert_present(out.ptr, "<title>Token security review: Acme &lt;Prod&gt;, "
                                     "org-2</title>");
        html_assert_present(out.ptr, "<h1>Token security review: <bdi>Acme &lt;Prod&gt;</bdi>, "
                                     "<bdi>org-2</bdi></h1>");
        html_assert_present(out.ptr, "<dt>Organization</dt><dd><bdi>Acme &lt;Prod&gt;</bdi> "
                                     "<span class=\"id\">org-1</span>, org-2</dd>");
        tw_buf_done(&out);
        tw_inventory_free(inv);
        tw_inventory_free(a);
        tw_inventory_free(b);
}

/* The data's age in its largest whole unit. */
static void test_age(void **state)
{
        static const struct {
                const char *name;
                int64_t age;
                const char *want;
        } cases[] = {
                {"same second", 0, "less than a second before"},
                {"clock step back", -5, "less than a second before"},
                {"one second", 1, "1 second before"},
                {"seconds", 59, "59 seconds before"},
                {"a minute", 60, "1 minute before"},
                {"minutes, cut down", 3599, "59 minutes before"},
                {"hours", 7205, "2 hours before"},
                {"days", 3 * 86400 + 10, "3 days before"},
        };

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct tw_live_status st = {.rendered_at = FIX_NOW + cases[i].age,
                                            .data_at = FIX_NOW,
                                            .last_collection_ok = true};
                char *html = live(&st);

                if (!strstr(html, cases[i].want))
                        fail_msg("%s: no \"%s\"", cases[i].name, cases[i].want);
                free(html);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_succeeded),
                cmocka_unit_test(test_failed),
                cmocka_unit_test(test_failed_without_reason),
                cmocka_unit_test(test_failed_several),
                cmocka_unit_test(test_age),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
