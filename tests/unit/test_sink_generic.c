/* The generic format: golden bodies (hostile name), what it refuses. */
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
        nf_golden_format("generic", "notify-generic.json", 3);
}

/* The name goes out as it is (JSON-escaped only); ACTIVE is not sent. */
static void test_hostile_name(void **unused)
{
        struct tw_inventory *inv = nf_hostile_inventory();
        struct tw_sink_ctx c = nf_sink_ctx;
        struct tw_notify_events evs = {0};
        struct tw_notify_event e = *nf_hostile_event(&evs, inv, TW_NOTIFY_FIRING,
                                                     TW_FINDING_EXPIRED, TW_SEVERITY_CRITICAL, "k");
        cJSON *j;

        (void)unused;
        c.inv = inv;
        assert_int_equal(tw_sink_generic_build(&c, &e, 1, &j, NULL), 0);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                                    cJSON_GetObjectItemCaseSensitive(j, "token"), "name")),
                            NF_HOSTILE);
        cJSON_Delete(j);
        e.type = TW_NOTIFY_ACTIVE;
        assert_int_equal(tw_sink_generic_build(&c, &e, 1, &j, NULL), -EINVAL);
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
