/* The HTML report: self-contained (no script, no external resource, a CSP),
 * every API string escaped, every token present, balanced structure.  The
 * demo organization's page is pinned by the golden file
 * tests/golden/demo-report.html (tests/e2e/test_html_report.sh), and a real
 * browser loads it there. */
#include "exporters/report/report.h"

#include "helpers/html_check.h"
#include "helpers/report_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/evaluate/evaluate.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#include <errno.h>
#include <stdio.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

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
                "Drawn: 1 expired, 2 expiring in the next 90 days (1 of them with an active "
                "expiring finding). Not drawn: 0 expiring later, 1 never expiring. Numbered: the "
                "2 drawn tokens with a critical or warning finding of any kind, listed below.",
                /* numbered left to right: tok-c (expired, row t2), then tok-a (t0); tok-d
                 * (t3) has no finding: a plain dot, not listed */
                "<circle class=\"crit\" cx=\"18\" cy=\"137\" r=\"8\"/><text class=\"n "
                "crit\" x=\"18\" y=\"141\">1</text>",
                "<li><span class=\"badge crit\">1</span> <a href=\"#t2\"><bdi>dag "
                "runner</bdi></a> &middot; expired<br><span class=\"id\">expired 2025-06-14, 1 "
                "day ago</span></li>",
                "<li><span class=\"badge crit\">2</span> <a href=\"#t0\"><bdi>ci "
                "deploy</bdi></a> &middot; expiring<br>",
                "r=\"5\"/></a>",
                /* the table of contents, its counts those of the sections */
                "<li><a href=\"#findings\">Findings (4)</a></li>",
                "<li><a href=\"#tokens\">Tokens (4)</a></li>",
                "<li><a href=\"#suppressions\">Suppressions (1)</a></li>",
                "<li><a href=\"#errors\">Errors (2)</a></li>",
                "<h2 id=\"summary\">Summary</h2>",
                "<h2 id=\"expiries\">Expiries</h2>",
                "<h2 id=\"errors\">Errors</h2>",
                /* by scope: tok-b (ORGANIZATION, with a workspace role too) in its own
                 * row; tok-c (DEPLOYMENT) under dep-1's workspace with tok-a; tok-d
                 * (WORKSPACE, no role) unknown */
                "<bdi>Organization-scoped tokens</bdi></td><td class=\"num\" "
                "data-l=\"Tokens\">1</td>",
                "<bdi>Data &quot;Eng&quot; | team</bdi> <span class=\"id\">ws-1</span></td><td "
                "class=\"num\" data-l=\"Tokens\">2</td>",
                "<bdi>Workspace unknown or not found</bdi></td><td class=\"num\" "
                "data-l=\"Tokens\">1</td>",
                "1 ORGANIZATION",
                /* the report, not the live view: when, and whether complete */
                "<dt>Generated</dt><dd>2025-06-15T15:06:40Z</dd>",
                "<dt>Complete</dt><dd>no, failed listings: tokens workspace=ws-9</dd>",
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
        html_assert_self_contained(html);
        for (size_t i = 0; i < ARRAY_SIZE(want); i++)
                html_assert_present(html, want[i]);
        assert_null(strstr(html, "<script>"));
        assert_null(strstr(html, "<img"));
        assert_null(strstr(html, "<b>bold"));
        for (size_t i = 0; i < 4; i++) {
                char id[16], row[32];

                snprintf(id, sizeof(id), "tok-%c", (char)('a' + i));
                snprintf(row, sizeof(row), "<tr id=\"t%zu\">", i);
                html_assert_present(html, id);
                html_assert_present(html, row);
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
        html_assert_self_contained(html);
        html_assert_present(html, want);
        /* the title, h1, organization, workspace, id, name, description,
         * scope, creator and the timeline dot's title (name and id) */
        assert_true(html_count(html, want) >= 11);
        html_assert_present(html, "Not evaluated.");
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
        html_assert_self_contained(html);
        html_assert_present(html, "<h2 id=\"tokens\">Tokens (0)</h2>");
        html_assert_present(html,
                            "Drawn: 0 expired, 0 expiring in the next 90 days (0 of them with "
                            "an active expiring finding). Not drawn: 0 expiring later, 0 never "
                            "expiring. <span");
        html_assert_absent(html, "<ol class=\"tl-key\">");  /* nothing numbered, no list */
        html_assert_absent(html, "Errors (");               /* no errors, no entry for them */
        html_assert_absent(html, "http-equiv=\"refresh\""); /* a report does not reload */
        html_assert_absent(html, "class=\"th ");            /* no config, no thresholds */
        /* no audit trail, no usage: the sections say so */
        html_assert_present(html, "<p>No change history yet: the daemon");
        html_assert_present(html, "<p>No audit-log usage: it needs");
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
        html_assert_present(html, "class=\"th crit\"");
        html_assert_absent(html, "class=\"th warn\"");
        html_assert_present(html, "percentage of each token's lifetime differs per token");
        free(html);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_config_free(cfg);
}

/* One day with more tokens than a stack holds: the numbered ones (a
 * finding) sit lowest and are drawn first, so "+n" hides tokens without a
 * finding before any numbered one; a numbered token left out says so in the
 * list, which names every one. */
static void test_timeline_full_stack(void **state)
{
        struct tw_config *cfg = NULL;
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");
        struct tw_evaluation *ev = NULL;
        struct tw_snapshot snap;
        struct tw_buf out;
        char *html, id[16], want[96];

        (void)state;
        assert_non_null(inv);
        assert_int_equal(tw_config_new_default(&cfg), 0);
        inv->collected_at = FIX_NOW;
        /* 40 days out, past the warning threshold: 8 never used (a warning
         * each), 3 used today (no finding), interleaved */
        for (int i = 0; i < 11; i++) {
                snprintf(id, sizeof(id), "tok-%02d", i);
                fix_token(inv, id, id, "WORKSPACE", "STANDARD", FIX_NOW + FIX_DAY * 40,
                          i % 3 == 2 ? FIX_NOW - 3600 : TW_NO_TIME, NULL, NULL);
        }
        assert_int_equal(tw_inventory_sort(inv), 0);
        assert_int_equal(tw_evaluate(inv, &cfg->policy, NULL, 0, FIX_NOW, &ev), 0);
        snap = (struct tw_snapshot){.cfg = cfg, .inv = inv, .ev = ev};
        tw_buf_init(&out, 0);
        assert_int_equal(tw_report_render(&snap, TW_REPORT_HTML, &out), 0);
        html = tw_buf_steal(&out);
        html_assert_self_contained(html);
        assert_int_equal(html_count(html, "<text class=\"n warn\""), 6);
        assert_int_equal(html_count(html, "r=\"5\"/>"), 0); /* no plain dot drawn */
        html_assert_present(html, "<text class=\"more\"");
        html_assert_present(html, ">+5</text>");
        assert_int_equal(html_count(html, "<li><span class=\"badge warn\">"), 8);
        for (unsigned n = 1; n <= 8; n++) {
                snprintf(want, sizeof(want), ">%u</text></a>", n);
                assert_true((html_count(html, want) == 1) == (n <= 6));
        }
        assert_int_equal(html_count(html, "; not drawn: too many at that date</span>"), 2);
        html_assert_present(html, "Numbered: the 8 drawn tokens with a critical or warning");
        free(html);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_config_free(cfg);
}

/* A long name is cut to 40 cells wherever it stands (a card, a finding, the
 * timeline's list, the tokens table), whole and escaped in the cut one's
 * title (no attribute can be broken out of) and in the dot's tooltip. */
static void test_long_names(void **state)
{
        static const char name[] = "\" onmouseover=\"alert(1)\" x=\"<b>&amp; a very long token "
                                   "name \xe2\x80\xae that goes on";
        static const char whole[] = "&quot; onmouseover=&quot;alert(1)&quot; x=&quot;&lt;b&gt;"
                                    "&amp;amp; a very long token name ? that goes on";
        struct tw_config *cfg = NULL;
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");
        struct tw_evaluation *ev = NULL;
        struct tw_snapshot snap;
        struct tw_buf out;
        char *html, want[512];

        (void)state;
        assert_non_null(inv);
        assert_int_equal(tw_config_new_default(&cfg), 0);
        inv->collected_at = FIX_NOW;
        fix_token(inv, "tok-1", name, "WORKSPACE", "STANDARD", FIX_NOW + FIX_DAY * 2,
                  FIX_NOW - 3600, NULL, NULL);
        assert_int_equal(tw_evaluate(inv, &cfg->policy, NULL, 0, FIX_NOW, &ev), 0);
        snap = (struct tw_snapshot){.cfg = cfg, .inv = inv, .ev = ev};
        tw_buf_init(&out, 0);
        assert_int_equal(tw_report_render(&snap, TW_REPORT_HTML, &out), 0);
        html = tw_buf_steal(&out);
        html_assert_self_contained(html);
        html_assert_absent(html, "onmouseover=\"");
        /* 39 cells and "…" */
        snprintf(want, sizeof(want), "<bdi title=\"%s\">%s\xe2\x80\xa6</bdi>", whole,
                 "&quot; onmouseover=&quot;alert(1)&quot; x=&quot;&lt;b&gt;&amp;amp; a ");
        /* the soonest-expiry card, the finding, the timeline's list, the table */
        assert_int_equal(html_count(html, want), 4);
        html_assert_present(html, "<td class=\"tok\" data-l=\"Token\"><b><bdi title=\"");
        snprintf(want, sizeof(want), "<title>%s (tok-1): expires", whole);
        html_assert_present(html, want);
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
                cmocka_unit_test(test_timeline_full_stack),
                cmocka_unit_test(test_long_names),
                cmocka_unit_test(test_cap),
                cmocka_unit_test(test_format_name),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
