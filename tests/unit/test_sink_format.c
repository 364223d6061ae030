/* The sink format table: lookup, and the config checks that depend on the
 * format (core/ does not know the formats), with file:line:key. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config.h"
#include "exporters/sink_format.h"
#include "lib/buf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void test_find(void **unused)
{
        static const char *const names[] = {"generic", "slack", "teams", "pagerduty",
                                            "alertmanager"};

        (void)unused;
        assert_string_equal(tw_sink_format_find(NULL)->name, "generic");
        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                assert_non_null(tw_sink_format_find(names[i]));
                assert_string_equal(tw_sink_format_find(names[i])->name, names[i]);
                assert_non_null(tw_sink_format_find(names[i])->build);
        }
        assert_null(tw_sink_format_find("email"));
        assert_null(tw_sink_format_find("Slack"));
}

/* A config that loads (core's checks pass) and then fails (or passes, want
 * NULL) the sinks' check with want in the errors; secret never in them. */
static const struct {
        const char *name, *text, *want, *secret;
} cases[] = {
        {"unknown format", "[webhook.a]\nurl = https://h.example\nformat = email\n",
         "t.ini:3: [webhook.a] format: expected generic, slack, teams, pagerduty or alertmanager",
         NULL},
        {"neither url nor url_file", "[webhook.a]\nformat = slack\n",
         "t.ini:2: [webhook.a] url: exactly one of url and url_file is required", NULL},
        {"pagerduty without routing key", "[webhook.pd]\nformat = pagerduty\n",
         "t.ini:2: [webhook.pd] routing_key: format = pagerduty needs exactly one of routing_key "
         "and routing_key_file",
         NULL},
        {"pagerduty with both routing keys",
         "[webhook.pd]\nformat = pagerduty\nrouting_key = R0UT1NG\nrouting_key_file = /etc/r\n",
         "t.ini:3: [webhook.pd] routing_key: format = pagerduty needs exactly one", "R0UT1NG"},
        {"routing key on slack",
         "[webhook.s]\nformat = slack\nurl_file = /etc/u\nrouting_key = R0UT1NG\n",
         "t.ini:4: [webhook.s] routing_key: only for format = pagerduty", "R0UT1NG"},
        {"secret on teams", "[webhook.t]\nformat = teams\nurl_file = /etc/u\nsecret = S3CR3T\n",
         "t.ini:4: [webhook.t] secret: signing is only for format = generic", "S3CR3T"},
        {"pagerduty needs no url", "[webhook.pd]\nformat = pagerduty\nrouting_key = R0UT1NG\n",
         NULL, NULL},
        {"alertmanager pair", "[webhook.am]\nformat = alertmanager\nurl = https://a, https://b\n",
         NULL, NULL},
        {"generic by default, signed", "[webhook.g]\nurl_file = /etc/u\nsecret_file = /etc/s\n",
         NULL, NULL},
};

static void test_config_check(void **unused)
{
        (void)unused;
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct tw_config *cfg = NULL;
                struct tw_buf err;
                int r;

                print_message("case: %s\n", cases[i].name);
                tw_buf_init(&err, 0);
                assert_int_equal(tw_config_load_string(cases[i].text, "t.ini", &cfg, &err), 0);
                r = tw_sink_config_check(cfg, &err);
                if (!cases[i].want) {
                        assert_int_equal(r, 0);
                        assert_int_equal(err.len, 0);
                } else {
                        assert_int_equal(r, -EINVAL);
                        assert_non_null(err.ptr);
                        if (!strstr(err.ptr, cases[i].want))
                                fail_msg("want \"%s\" in:\n%s", cases[i].want, err.ptr);
                        if (cases[i].secret)
                                assert_null(strstr(err.ptr, cases[i].secret));
                }
                tw_config_free(cfg);
                tw_buf_done(&err);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_find),
                cmocka_unit_test(test_config_check),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
