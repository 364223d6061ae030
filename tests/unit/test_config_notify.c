/* The notification keys of issues 10 and 12: [webhook.NAME] changes, and
 * expiry_notify_at in [policy] with a per-sink override. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/events.h"
#include "exporters/notify/sink_config.h"
#include "lib/buf.h"

#define DAY ((int64_t)86400)

static struct tw_config *load(const char *text)
{
        struct tw_config *cfg = NULL;
        struct tw_buf err;

        tw_buf_init(&err, 0);
        if (tw_config_load_string(text, "t.ini", &cfg, &err) < 0)
                fail_msg("unexpected error: %s", err.ptr);
        tw_buf_done(&err);
        return cfg;
}

static void test_values(void **unused)
{
        struct tw_config *cfg = load("[webhook.a]\nurl_file = /u\n"
                                     "[webhook.b]\nurl_file = /u\nchanges = deleted, created\n"
                                     "expiry_notify_at = 14d, 2d\n"
                                     "[webhook.c]\nurl_file = /u\nchanges = none\n"
                                     "expiry_notify_at = off\n"
                                     "[policy]\nexpiry_notify_at = 60d, 30d, 7d, 1d\n");
        const struct tw_webhook_config *w = cfg->webhooks;

        (void)unused;
        assert_int_equal(cfg->policy.expiry_notify_at.stages.n, 4);
        assert_int_equal(cfg->policy.expiry_notify_at.stages.lead[0], 60 * DAY);
        /* a: the defaults; [policy]'s stages although [policy] comes later */
        assert_int_equal(w[0].changes, (1u << _TW_EVENT_KIND_MAX) - 1);
        assert_int_equal(w[0].expiry_notify_at.stages.n, 4);
        assert_int_equal(w[0].expiry_notify_at.stages.lead[3], DAY);
        /* b: its own */
        assert_int_equal(w[1].changes, (1u << TW_EVENT_DELETED) | (1u << TW_EVENT_CREATED));
        assert_int_equal(w[1].expiry_notify_at.stages.n, 2);
        assert_int_equal(w[1].expiry_notify_at.stages.lead[0], 14 * DAY);
        /* c: none and off */
        assert_int_equal(w[2].changes, 0);
        assert_int_equal(w[2].expiry_notify_at.stages.n, 0);
        tw_config_free(cfg);
        /* without [policy] expiry_notify_at: off */
        cfg = load("[webhook.a]\nurl_file = /u\n");
        assert_int_equal(cfg->webhooks[0].expiry_notify_at.stages.n, 0);
        assert_int_equal(cfg->policy.expiry_notify_at.stages.n, 0);
        tw_config_free(cfg);
}

static void test_errors(void **unused)
{
        static const struct {
                const char *text, *want;
        } cases[] = {
                {"[webhook.a]\nurl_file = /u\nchanges = deleted, bogus\n",
                 "t.ini:3: [webhook.a] changes: unknown change"},
                {"[webhook.a]\nurl_file = /u\nchanges = expiring\n",
                 "t.ini:3: [webhook.a] changes: unknown change"},
                {"[webhook.a]\nurl_file = /u\nexpiry_notify_at = 7d, soon\n",
                 "t.ini:3: [webhook.a] expiry_notify_at: expected a comma-separated list"},
                {"[policy]\nexpiry_notify_at = 0d\n",
                 "t.ini:2: [policy] expiry_notify_at: a lead time must be more than 0"},
                {"[policy]\nexpiry_notify_at = 4000d\n",
                 "t.ini:2: [policy] expiry_notify_at: a lead time must be more than 0"},
                {"[policy]\nexpiry_notify_at = 7d,\n",
                 "t.ini:2: [policy] expiry_notify_at: expected a comma-separated list"},
        };
        (void)unused;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_config *cfg = NULL;
                struct tw_buf err;

                tw_buf_init(&err, 0);
                assert_int_equal(tw_config_load_string(cases[i].text, "t.ini", &cfg, &err),
                                 -EINVAL);
                assert_non_null(err.ptr);
                if (!strstr(err.ptr, cases[i].want))
                        fail_msg("case %zu: got %s", i, err.ptr);
                tw_buf_done(&err);
        }
}

/* A sink's own stages on a format that sends no notices is an error naming
 * the line; [policy]'s default does not make one. */
static void test_format_check(void **unused)
{
        struct tw_config *cfg =
                load("[policy]\nexpiry_notify_at = 30d\n"
                     "[webhook.pd]\nformat = pagerduty\nrouting_key = R\n"
                     "[webhook.am]\nformat = alertmanager\nurl = http://127.0.0.1/\n"
                     "expiry_notify_at = 7d\n"
                     "[webhook.am2]\nformat = alertmanager\nurl = http://127.0.0.1/\n"
                     "expiry_notify_at = off\n");
        struct tw_buf err;

        (void)unused;
        tw_buf_init(&err, 0);
        assert_int_equal(tw_sink_config_check(cfg, &err), -EINVAL);
        assert_non_null(err.ptr);
        assert_non_null(strstr(err.ptr, "t.ini:9: [webhook.am] expiry_notify_at: staged expiry "
                                        "notices are only for format = generic, slack or teams\n"));
        assert_null(strstr(err.ptr, "[webhook.pd]"));
        assert_null(strstr(err.ptr, "[webhook.am2]"));
        tw_buf_done(&err);
        tw_config_free(cfg);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_values),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_format_check),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
