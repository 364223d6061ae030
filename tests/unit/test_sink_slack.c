/* Slack: golden bodies (hostile name), mrkdwn escaping. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exporters/sinks/sinks.h"
#include "helpers/notify_fixture.h"

static void test_golden(void **unused)
{
        (void)unused;
        nf_golden_format("slack", "notify-slack.json", 3);
}

/* & < > are mrkdwn's control characters: a name cannot become a link. */
static void test_hostile_name(void **unused)
{
        struct tw_inventory *inv = nf_hostile_inventory();
        struct tw_sink_ctx c = nf_sink_ctx;
        struct tw_notify_events evs = {0};
        struct tw_notify_event e = *nf_hostile_event(&evs, inv, TW_NOTIFY_FIRING,
                                                     TW_FINDING_EXPIRED, TW_SEVERITY_CRITICAL, "k");
        const char *text;
        cJSON *j;

        (void)unused;
        c.inv = inv;
        assert_int_equal(tw_sink_slack_build(&c, &e, 1, &j, NULL), 0);
        text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "text"));
        assert_null(strstr(text, "<ci>"));
        assert_non_null(strstr(text, "&lt;ci&gt; &amp;"));
        assert_null(strstr(text, "<https://evil.example|click>"));
        cJSON_Delete(j);
        tw_notify_events_done(&evs);
        tw_inventory_free(inv);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_golden),
                cmocka_unit_test(test_hostile_name),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
