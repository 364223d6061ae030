/* The HTML report: self-contained (no script, no external resource, a CSP),
 * every API string escaped, every token present, balanced structure.  The
 * demo organization's page is pinned by the golden file
 * tests/golden/demo-report.html (tests/e2e/test_html_report.sh), and a real
 * browser loads it there. */
#include "exporters/report/report.h"

#include "helpers/report_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#include <errno.h>
#include <stdio.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static size_t count(const char *hay, const char *needle)
{
        size_t n = 0;

        for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
                n++;
        return n;
}

static void assert_absent(const char *html, const char *what)
{
        if (strstr(html, what))
                fail_msg("the HTML report holds \"%s\": %s", what, strstr(html, what));
}

static void assert_present(const char *html, const char *what)
{
        if (!strstr(html, what))
                fail_msg("the HTML report lacks \"%s\"", what);
}

/* The CSP allows nothing but the page's one stylesheet, by its hash. */
static void assert_csp(const char *html)
{
        const char *style = strstr(html, "<style>"),
                   *end = style ? strstr(style, "</style>") : NULL;
        unsigned char md[32];
        gnutls_datum_t in = {.data = md, .size = sizeof(md)}, b64 = {0};
        char want[256];

        assert_non_null(end);
        style += strlen("<style>");
        assert_int_equal(gnutls_hash_fast(GNUTLS_DIG_SHA256, style, (size_t)(end - style), md), 0);
        assert_int_equal(gnutls_base64_encode2(&in, &b64), 0);
        snprintf(want, sizeof(want),
                 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                 "style-src 'sha256-%.*s'; base-uri 'none'; form-action 'none'\">",
                 (int)b64.size, (const char *)b64.data);
        gnutls_free(b64.data);
        assert_present(html, want);
        assert_absent(html, " style=\""); /* the hash allows no inline style attribute */
}

/* What no report may hold, whatever the API sent. */
static void assert_self_contained(const char *html)
{
        static const char *const banned[] = {
                "<script",    "<link",       "<img",     "<iframe", "<object",
                "<embed",     "<form",       " src=\"",  "url(",    "@import",
                "@font-face", "href=\"http", "href=\"/", "\x1b",    "\xe2\x80\xae" /* U+202E */,
                "\r"};

        for (size_t i = 0; i < ARRAY_SIZE(banned); i++)
                assert_absent(html, banned[i]);
        assert_csp(html);
        assert_int_equal(count(html, "<style>"), 1);
        assert_int_equal(count(html, "<html"), 1);
        assert_int_equal(count(html, "<table"), count(html, "</table>"));
        assert_int_equal(count(html, "<tr"), count(html, "</tr>"));
        assert_int_equal(count(html, "<ul"), count(html, "</ul>"));
        assert_int_equal(count(html, "<li>"), count(html, "</li>"));
        assert_int_equal(count(html, "<bdi>"), count(html, "</bdi>"));
        assert_int_equal(count(html, "<svg"), count(html, "</svg>"));
        assert_int_equal(count(html, "<a "), count(html, "</a>"));
}

static void test_fixture(void **state)
{
        char *html = fix_render(TW_REPORT_HTML, true, NULL);
        static const char *const want[] = {
                /* the hostile name, escaped, its controls and override as '?' */
                "=evil &quot;quote&quot; \\back\\slash\\?newline | &lt;b&gt;x&lt;/b&gt; *_[]` "
                "@team ?[31mred? ?txt.exe \xf0\x9f\x9a\x80",
                "Data &quot;Eng&quot; | team",                              /* a workspace name */
                "HTTP 403: not allowed | &lt;i&gt;requestId&lt;/i&gt; r-1", /* an error */
                "gone | &lt;script&gt;",                                    /* a note's reason */
                "accepted: &quot;SEC-1&quot;", /* a suppression reason */
                /* a message, then its fix */
                "is orphaned: its WORKSPACE_OWNER role points at workspace ws-gone, which no "
                "longer exists.</div><div class=\"fix\">Fix: <code>astro organization token "
                "delete tok-b</code></div>",
                "<h3>Critical (2)</h3>",
                "<h3>Warning (2)</h3>",
                "<h2 id=\"workspaces\">By workspace</h2>",
                "<h2 id=\"tokens\">Tokens (4)</h2>",
                "<h3>Suppressed findings (accepted risks)</h3>",
                "stale: no such token",
                ">Token expiries: expired, and the next 90 days</title>",
                "class=\"th crit\"", /* the 7d critical threshold line */
                "class=\"th warn\"", /* the 30d warning threshold line */
                "1 expired, 2 expiring in the next 90 days, 0 later, 1 never expire.",
                /* the audit sections, their hostile strings escaped */
                "<h2 id=\"changes\">Changes in the last 30 days</h2>",
                "3 changes since 2025-05-16, newest first.",
                "&lt;img src=x onerror=alert(1)&gt;",
                "ORGANIZATION:org-1=&lt;b&gt;OWNER&lt;/b&gt; | x",
                "<h2 id=\"usage\">Who uses each token</h2>",
                "2 of 4 tokens called the API.",
                "astro-cli/1.30 (15), &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt; | `rm` "
                "@channel (2)",
                "GRAPHQL &lt;evil&gt;|name (3)",
                "<td data-l=\"Least role\">WORKSPACE_AUTHOR</td>",
                "<h3>Who changed tokens (Astro audit logs)</h3>",
                "<td data-l=\"By\">API token ci deploy (tok-a)</td>",
                "&lt;b&gt;bold&lt;/b&gt; | @here",
                "&lt;img src=y&gt;",
        };

        (void)state;
        assert_self_contained(html);
        for (size_t i = 0; i < ARRAY_SIZE(want); i++)
                assert_present(html, want[i]);
        assert_null(strstr(html, "<script>"));
        assert_null(strstr(html, "<img"));
        assert_null(strstr(html, "<b>bold"));
        for (size_t i = 0; i < 4; i++) {
                char id[16], row[32];

                snprintf(id, sizeof(id), "tok-%c", (char)('a' + i));
                snprintf(row, sizeof(row), "<tr id=\"t%zu\">", i);
                assert_present(html, id);
                assert_present(html, row);
        }
        free(html);
}

/* A token named to break out of the page, in every place a name goes. */
static void test_script_breakout(void **state)
{
        static const char hostile[] = "</script><script>alert(1)</script>\xe2\x80\xae"
                                      "<img src=x onerror=alert(2)>'\"&";
        const char *want = "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;?&lt;img "
                           "src=x onerror=alert(2)&gt;&#39;&quot;&amp;";
        struct tw_inventory *inv = tw_inventory_new(hostile, "v1");
        struct tw_token t = {0};
        struct tw_workspace w = {0};
        struct tw_snapshot snap;
        struct tw_buf out;
        char *html;

        (void)state;
        assert_non_null(inv);
        inv->collected_at = FIX_NOW;
        w.id = fix_dup("ws-1");
        w.name = fix_dup(hostile);
        assert_int_equal(tw_inventory_add_workspace(inv, &w), 0);
        t.id = fix_dup(hostile);
        t.name = fix_dup(hostile);
        t.description = fix_dup(hostile);
        t.scope = fix_dup(hostile);
        t.start_at = t.created_at = FIX_NOW - FIX_DAY;
        t.end_at = FIX_NOW + FIX_DAY;
        t.last_used_at = TW_NO_TIME;
        t.created_by = fix_subject(hostile, "USER", hostile, hostile, NULL);
        assert_int_equal(tw_inventory_add_token(inv, &t), 0);
        snap = (struct tw_snapshot){.inv = inv};
        tw_buf_init(&out, 0);
        assert_int_equal(tw_report_render(&snap, TW_REPORT_HTML, &out), 0);
        html = tw_buf_steal(&out);
        assert_self_contained(html);
        assert_present(html, want);
        /* the title, h1, organization, workspace, id, name, description,
         * scope, creator and the timeline dot's title (name and id) */
        assert_true(count(html, want) >= 11);
        assert_present(html, "Not evaluated.");
        free(html);
        tw_inventory_free(inv);
}

static void test_empty_and_unevaluated(void **state)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");
        struct tw_snapshot snap = {.inv = inv};
        struct tw_buf out;
        char *html;

        (void)state;
        assert_non_null(inv);
        inv->collected_at = FIX_NOW;
        tw_buf_init(&out, 0);
        assert_int_equal(tw_report_render(&snap, TW_REPORT_HTML, &out), 0);
        html = tw_buf_steal(&out);
        assert_self_contained(html);
        assert_present(html, "<h2 id=\"tokens\">Tokens (0)</h2>");
        assert_present(html, "0 expired, 0 expiring in the next 90 days, 0 later, 0 never expire.");
        assert_absent(html, "class=\"th "); /* no config, no thresholds */
        /* no audit trail, no usage: the sections say so */
        assert_present(html, "<p>No change history yet: the daemon");
        assert_present(html, "<p>No audit-log usage: it needs");
        free(html);
        tw_inventory_free(inv);
}

/* Percentage thresholds differ per token: no line, a note instead. */
static void test_percentage_thresholds(void **state)
{
        struct tw_config *cfg = NULL;
        struct tw_inventory *inv = fix_inventory();
        struct tw_evaluation *ev = fix_evaluation();
        struct tw_snapshot snap;
        struct tw_buf out;
        char *html;

        (void)state;
        assert_int_equal(tw_config_new_default(&cfg), 0);
        cfg->policy.expiry_warning.percent = true;
        cfg->policy.expiry_warning.percentage = 25;
        snap = (struct tw_snapshot){.cfg = cfg, .inv = inv, .ev = ev};
        tw_buf_init(&out, 0);
        assert_int_equal(tw_report_render(&snap, TW_REPORT_HTML, &out), 0);
        html = tw_buf_steal(&out);
        assert_present(html, "class=\"th crit\"");
        assert_absent(html, "class=\"th warn\"");
        assert_present(html, "percentage of each token's lifetime differs per token");
        free(html);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_config_free(cfg);
}

/* Over the cap: an error, and the buffer as it was. */
static void test_cap(void **state)
{
        struct tw_config *cfg = NULL;
        struct tw_inventory *inv = fix_inventory();
        struct tw_snapshot snap;
        struct tw_buf out;

        (void)state;
        assert_int_equal(tw_config_new_default(&cfg), 0);
        snap = (struct tw_snapshot){.cfg = cfg, .inv = inv};
        tw_buf_init(&out, 4096);
        assert_int_equal(tw_buf_adds(&out, "kept"), 0);
        assert_int_equal(tw_report_render(&snap, TW_REPORT_HTML, &out), -E2BIG);
        assert_string_equal(out.ptr, "kept");
        tw_buf_done(&out);
        tw_inventory_free(inv);
        tw_config_free(cfg);
}

static void test_format_name(void **state)
{
        enum tw_report_format f = TW_REPORT_TABLE;

        (void)state;
        assert_int_equal(tw_report_format_from_string("html", &f), 0);
        assert_int_equal(f, TW_REPORT_HTML);
        assert_int_equal(tw_report_format_from_string("HTML", &f), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fixture),
                cmocka_unit_test(test_script_breakout),
                cmocka_unit_test(test_empty_and_unevaluated),
                cmocka_unit_test(test_percentage_thresholds),
                cmocka_unit_test(test_cap),
                cmocka_unit_test(test_format_name),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
