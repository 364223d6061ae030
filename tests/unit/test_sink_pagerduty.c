/* PagerDuty Events API v2: golden bodies (hostile name). */
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
        nf_golden_format("pagerduty", "notify-pagerduty.json", 4);
}

/* The notifier sends no reminders to PagerDuty (the incident stays open). */
static void test_no_reminders(void **unused)
{
        (void)unused;
        assert_false(tw_sink_format_find("pagerduty")->reminders);
        assert_true(tw_sink_format_find("pagerduty")->routing_key);
        assert_non_null(tw_sink_format_find("pagerduty")->default_url);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_golden),
                cmocka_unit_test(test_no_reminders),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
