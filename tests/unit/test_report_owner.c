/* The owner in the report: `--group-by team` in every format,
 * rules from the config, and a hostile description that answers nothing
 * (exporters/report/owner.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "core/config/config.h"
#include "core/evaluate/evaluate.h"
#include "core/inventory.h"
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

/* tok-d by rule "aaa", tok-c by rule "analytics", tok-a by description
 * "data-eng", tok-b none (its description is hostile). */
static const char config[] = "[owners]\n"
                             "token abc* = aaa\n"
                             "token dag* = analytics, analytics@acme.com\n";

static char *render(enum tw_report_format fmt, enum tw_report_group group)
{
        struct tw_config *cfg = NULL;
        struct tw_inventory *inv = fix_inventory();
        struct tw_evaluation *ev = fix_evaluation();
        struct tw_report_layout layout = {.group_by = group};
        struct tw_snapshot snap;
        struct tw_buf out;

        assert_int_equal(tw_config_load_string(config, "t.ini", &cfg, NULL), 0);
        snap = (struct tw_snapshot){.cfg = cfg, .inv = inv, .ev = ev};
        tw_buf_init(&out, 0);
        assert_int_equal(tw_report_render_opts(&snap, fmt, &layout, &out), 0);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_config_free(cfg);
        return tw_buf_steal(&out);
}

/* Whether the needles occur in text in this order. */
static void assert_in_order(const char *text, const char *const *needles, size_t n)
{
        const char *p = text;

        for (size_t i = 0; i < n; i++) {
                const char *q = strstr(p, needles[i]);

                if (!q)
                        fail_msg("'%s' missing or out of order in:\n%s", needles[i], text);
                p = q + strlen(needles[i]);
        }
}

struct group_case {
        const char *name;
        enum tw_report_format fmt;
        enum tw_report_group group;
        const char *order[4]; /* how each token shows, in the expected order */
};

static const struct group_case cases[] = {
        {"table, worst first",
         TW_REPORT_TABLE,
         TW_REPORT_GROUP_NONE,
         {"dag runner", "ci deploy", "=evil", "abcdefghij"}},
        {"table by team",
         TW_REPORT_TABLE,
         TW_REPORT_GROUP_TEAM,
         {"abcdefghij", "dag runner", "ci deploy", "=evil"}},
        {"json, inventory order",
         TW_REPORT_JSON,
         TW_REPORT_GROUP_NONE,
         {"\"id\":\t\"tok-a\"", "\"id\":\t\"tok-b\"", "\"id\":\t\"tok-c\"", "\"id\":\t\"tok-d\""}},
        {"json by team",
         TW_REPORT_JSON,
         TW_REPORT_GROUP_TEAM,
         {"\"id\":\t\"tok-d\"", "\"id\":\t\"tok-c\"", "\"id\":\t\"tok-a\"", "\"id\":\t\"tok-b\""}},
        {"csv by team",
         TW_REPORT_CSV,
         TW_REPORT_GROUP_TEAM,
         {"\r\ntok-d,", "\r\ntok-c,", "\r\ntok-a,", "\r\ntok-b,"}},
        {"markdown by team",
         TW_REPORT_MARKDOWN,
         TW_REPORT_GROUP_TEAM,
         {"| aaa (rule) |", "| analytics (rule) |", "| data-eng (description) |", "| - |"}},
        {"html by team",
         TW_REPORT_HTML,
         TW_REPORT_GROUP_TEAM,
         {"data-l=\"Owner\">aaa (rule)<", "data-l=\"Owner\">analytics (rule)<",
          "data-l=\"Owner\">data-eng (description)<", "data-l=\"Owner\">-<"}},
};

static void test_group_by(void **state)
{
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *text = render(cases[i].fmt, cases[i].group);
                const char *from = cases[i].fmt == TW_REPORT_MARKDOWN ? strstr(text, "## Tokens")
                                   : cases[i].fmt == TW_REPORT_HTML  ? strstr(text, "id=\"tokens\"")
                                   : cases[i].fmt == TW_REPORT_TABLE ? strstr(text, "\nSEVERITY")
                                                                     : text;

                print_message("case: %s\n", cases[i].name);
                assert_non_null(from);
                assert_in_order(from, cases[i].order, 4);
                free(text);
        }
}

/* The JSON owner object: the rule's contact, and a hostile description's
 * team and owner dropped while its usable contact stays. */
static void test_json_owner(void **state)
{
        char *text = render(TW_REPORT_JSON, TW_REPORT_GROUP_NONE);

        (void)state;
        assert_non_null(strstr(text, "\"team\":\t\"analytics\",\n\t\t\t\t\"source\":\t\"rule\","
                                     "\n\t\t\t\t\"contact\":\t\"analytics@acme.com\""));
        assert_non_null(strstr(text, "\"team\":\tnull,\n\t\t\t\t\"source\":\t\"none\",\n\t\t\t\t"
                                     "\"contact\":\t\"ops@acme.com\""));
        assert_null(strstr(text, "\"owner\":\t\"eve"));
        free(text);
}

int main(void)
{
        (void)fix_render; /* the shared fixture's, unused here */
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_group_by),
                cmocka_unit_test(test_json_owner),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
