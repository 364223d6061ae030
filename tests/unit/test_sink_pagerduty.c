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

#include "exporters/sink_format.h"
#include "helpers/notify_fixture.h"

static void test_golden(void **unused)
{
        struct tw_inventory *inv = nf_hostile_inventory();
        struct tw_notify_event evs[4];

        (void)unused;
        nf_hostile_events(inv, evs);
        nf_golden_bodies("pagerduty", "notify-pagerduty.json", inv, evs, 4);
        tw_inventory_free(inv);
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
