/* Where the report's audit-log usage comes from (exporters/report/
 * usage_source.c): the words for each origin, the JSON field, and the line in
 * each format, a hostile organization name escaped for each. */
#include "exporters/report/report_internal.h"

#include "helpers/report_fixture.h"

#include <cjson/cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/inventory.h"
#include "core/snapshot.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#define TO 1765081584 /* 2025-12-07T04:26:24Z */
#define DAY 86400

static const struct tw_usage_origin read_now = {"org-1",       "prod", TW_USAGE_FROM_READ_NOW,
                                                TO - 30 * DAY, TO,     NULL};
static const struct tw_usage_origin daemon = {"org-2",    "staging", TW_USAGE_FROM_DAEMON,
                                              TW_NO_TIME, TO - 600,  NULL};

static void test_words(void **state)
{
        static const struct {
                const char *name;
                struct tw_usage_origin o;
                const char *want;
        } cases[] = {
                {"read now, 30 days", read_now,
                 "audit logs read now, 30 days to 2025-12-07T04:26:24Z"},
                {"read now, one day",
                 {"o", NULL, TW_USAGE_FROM_READ_NOW, TO - DAY, TO, NULL},
                 "audit logs read now, 1 day to 2025-12-07T04:26:24Z"},
                {"read now, 12 hours",
                 {"o", NULL, TW_USAGE_FROM_READ_NOW, TO - 12 * 3600, TO, NULL},
                 "audit logs read now, 12 hours to 2025-12-07T04:26:24Z"},
                {"read now, 90 minutes",
                 {"o", NULL, TW_USAGE_FROM_READ_NOW, TO - 5400, TO, NULL},
                 "audit logs read now, 90 minutes to 2025-12-07T04:26:24Z"},
                {"kept",
                 {"o", NULL, TW_USAGE_FROM_KEPT, TO - 60 * DAY, TO, NULL},
                 "audit logs read by an earlier one-shot command, 60 days to "
                 "2025-12-07T04:26:24Z"},
                {"daemon", daemon, "the daemon's index as of 2025-12-07T04:16:24Z"},
                {"not included",
                 {"o", NULL, TW_USAGE_FROM_NONE, TW_NO_TIME, TW_NO_TIME, "403"},
                 "not included: 403"},
        };
        struct tw_buf b;

        (void)state;
        tw_buf_init(&b, 0);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                print_message("%s\n", cases[i].name);
                tw_buf_reset(&b);
                assert_int_equal(tw_report_usage_source_text(&cases[i].o, 1, NULL, &b), 0);
                assert_string_equal(b.ptr, cases[i].want);
        }
        tw_buf_done(&b);
}

static void test_several_organizations(void **state)
{
        const struct tw_usage_origin two[] = {read_now, daemon};
        struct tw_buf b;

        (void)state;
        tw_buf_init(&b, 0);
        assert_int_equal(tw_report_usage_source_text(two, 2, NULL, &b), 0);
        assert_string_equal(b.ptr, "prod: audit logs read now, 30 days to 2025-12-07T04:26:24Z; "
                                   "staging: the daemon's index as of 2025-12-07T04:16:24Z");
        /* One organization's (a CSV row's), without its name. */
        tw_buf_reset(&b);
        assert_int_equal(tw_report_usage_source_text(two, 2, "org-2", &b), 0);
        assert_string_equal(b.ptr, "the daemon's index as of 2025-12-07T04:16:24Z");
        tw_buf_reset(&b);
        assert_int_equal(tw_report_usage_source_text(two, 2, "org-3", &b), 0);
        assert_int_equal(b.len, 0);
        tw_buf_done(&b);
}

static void test_json(void **state)
{
        const struct tw_usage_origin two[] = {read_now, daemon};
        cJSON *root = cJSON_CreateObject(), *a, *it;

        (void)state;
        assert_int_equal(tw_report_usage_source_json(NULL, 0, root), 0);
        assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(root, "usage_source")));
        cJSON_Delete(root);
        root = cJSON_CreateObject();
        assert_int_equal(tw_report_usage_source_json(two, 2, root), 0);
        a = cJSON_GetObjectItemCaseSensitive(root, "usage_source");
        assert_int_equal(cJSON_GetArraySize(a), 2);
        it = cJSON_GetArrayItem(a, 0);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(it, "organization_id")->valuestring,
                            "org-1");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(it, "source")->valuestring,
                            "audit_logs");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(it, "from")->valuestring,
                            "2025-11-07T04:26:24Z");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(it, "to")->valuestring,
                            "2025-12-07T04:26:24Z");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(it, "text")->valuestring,
                            "audit logs read now, 30 days to 2025-12-07T04:26:24Z");
        it = cJSON_GetArrayItem(a, 1);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(it, "source")->valuestring, "daemon");
        assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(it, "from")));
        cJSON_Delete(root);
}

/* The report of a one-token inventory with origins o[0..n) in fmt. */
static char *render(enum tw_report_format fmt, const struct tw_usage_origin *o, size_t n)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");
        struct tw_snapshot snap = {.inv = inv, .usage_origins = o, .n_usage_origins = n};
        struct tw_buf out;

        assert_non_null(inv);
        inv->collected_at = FIX_NOW;
        fix_token(inv, "tok-1", "ci", "WORKSPACE", "STANDARD", TW_NO_TIME, TW_NO_TIME, NULL, NULL);
        tw_buf_init(&out, 0);
        assert_int_equal(tw_report_render(&snap, fmt, &out), 0);
        tw_inventory_free(inv);
        return tw_buf_steal(&out);
}

static void test_every_format(void **state)
{
        /* Two organizations, one named with markup, a control character
         * and a formula. */
        const struct tw_usage_origin two[] = {
                {"org-1", "=<b>x</b>|\x1b[2J", TW_USAGE_FROM_READ_NOW, TO - 30 * DAY, TO, NULL},
                daemon};
        static const struct {
                enum tw_report_format fmt;
                const char *want;
        } cases[] = {
                {TW_REPORT_TABLE, "\nUsage data: =<b>x</b>|?[2J: audit logs read now, 30 days to "
                                  "2025-12-07T04:26:24Z; staging: the daemon's index"},
                {TW_REPORT_MARKDOWN, "\n\nUsage data: =&lt;b&gt;x&lt;/b&gt;\\|"},
                {TW_REPORT_HTML, "</header>\n<p class=\"usage-source\">Usage data: "
                                 "=&lt;b&gt;x&lt;/b&gt;|?[2J: audit logs read now"},
                /* one organization's inventory: every origin, formula-guarded */
                {TW_REPORT_CSV, ",org-1,\"'=<b>x</b>|?[2J: audit logs read now, 30 days to "
                                "2025-12-07T04:26:24Z; staging: the daemon's index as of "
                                "2025-12-07T04:16:24Z\"\r\n"},
                {TW_REPORT_JSON, "\"usage_source\":\t[{"},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *text = render(cases[i].fmt, two, 2), *none = render(cases[i].fmt, NULL, 0);

                print_message("format %d\n", (int)cases[i].fmt);
                if (!strstr(text, cases[i].want))
                        fail_msg("no \"%s\" in:\n%s", cases[i].want, text);
                assert_null(strstr(none, "Usage data"));
                free(text);
                free(none);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_words),
                cmocka_unit_test(test_several_organizations),
                cmocka_unit_test(test_json),
                cmocka_unit_test(test_every_format),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
