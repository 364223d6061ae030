/* Alertmanager: the golden alerts of one cycle (hostile name). */
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
#include "helpers/golden.h"
#include "helpers/notify_fixture.h"

static void test_golden(void **unused)
{
        struct tw_inventory *inv = nf_hostile_inventory();
        struct tw_sink_ctx c = nf_sink_ctx;
        struct tw_notify_event evs[4], am[4];
        bool coalesce = true;
        char *text;
        cJSON *j;

        (void)unused;
        c.inv = inv;
        nf_hostile_events(inv, evs);
        am[0] = evs[0];
        am[1] = nf_hostile_event(inv, TW_NOTIFY_ACTIVE, TW_FINDING_UNUSED, TW_SEVERITY_WARNING,
                                 "k-active");
        am[2] = evs[1];
        am[3] = evs[2];
        assert_int_equal(tw_sink_alertmanager_build(&c, am, ARRAY_SIZE(am), &j, &coalesce), 0);
        assert_false(coalesce); /* it resolves something: not superseded by the next */
        assert_int_equal(cJSON_GetArraySize(j), 5); /* escalation resolves the old labels too */
        text = cJSON_Print(j);
        tw_golden_check("notify-alertmanager.json", text, strlen(text));
        free(text);
        cJSON_Delete(j);
        assert_int_equal(tw_sink_alertmanager_build(&c, am + 1, 1, &j, &coalesce), 0);
        assert_true(coalesce); /* a refresh only */
        cJSON_Delete(j);
        tw_inventory_free(inv);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_golden),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
