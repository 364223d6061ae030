/* Teams: golden cards (hostile name), Markdown escaping. */
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
        nf_golden_format("teams", "notify-teams.json", 2);
}

/* A token named "[Rotate now](https://evil.example/login)" shows as typed
 * under tokenwatch's heading, never as a link; a line break in a name
 * cannot start a list or heading. */
static void test_markdown_injection(void **unused)
{
        struct tw_inventory *inv = nf_hostile_inventory();
        struct tw_sink_ctx c = nf_sink_ctx;
        struct tw_notify_events evs = {0};
        struct tw_notify_event e = *nf_hostile_event(&evs, inv, TW_NOTIFY_FIRING,
                                                     TW_FINDING_EXPIRED, TW_SEVERITY_CRITICAL, "k");
        char *text;
        cJSON *j;

        (void)unused;
        c.inv = inv;
        assert_int_equal(tw_sink_teams_build(&c, &e, 1, &j, NULL), 0);
        text = cJSON_PrintUnformatted(j);
        assert_null(strstr(text, "[Rotate now](https"));
        assert_non_null(strstr(text, "\\\\[Rotate now\\\\](https://evil.example/login)"));
        assert_null(strstr(text, " *bold*"));
        assert_null(strstr(text, "\\n"));
        free(text);
        cJSON_Delete(j);
        tw_notify_events_done(&evs);
        tw_inventory_free(inv);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_golden),
                cmocka_unit_test(test_markdown_injection),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
