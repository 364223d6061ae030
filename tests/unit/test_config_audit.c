/* The [audit] keys of the Astro audit logs (issue 10, Part 2): defaults,
 * good values, and bad values named FILE:LINE: [audit] key. */
#include "core/config/config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DAY 86400

static void defaults(void **state)
{
        struct tw_config *cfg = NULL;
        struct tw_buf err;

        (void)state;
        tw_buf_init(&err, 1 << 16);
        assert_int_equal(tw_config_load_string("[astro]\n", "t.ini", &cfg, &err), 0);
        assert_int_equal(cfg->audit.enabled, TW_AUDITLOG_AUTO);
        assert_int_equal(cfg->audit.backfill, 30 * DAY);
        assert_int_equal(cfg->audit.interval, 15 * 60);
        assert_false(cfg->audit.metrics_sources);
        tw_config_free(cfg);
        tw_buf_done(&err);
}

struct ok_case {
        const char *text;
        enum tw_auditlog_mode enabled;
        int64_t backfill, interval;
        bool metrics_sources;
};

static const struct ok_case ok_cases[] = {
        {"[audit]\nenabled = auto\n", TW_AUDITLOG_AUTO, 30 * DAY, 900, false},
        {"[audit]\nenabled = true\n", TW_AUDITLOG_ON, 30 * DAY, 900, false},
        {"[audit]\nenabled = false\n", TW_AUDITLOG_OFF, 30 * DAY, 900, false},
        {"[audit]\nbackfill = 90d\ninterval = 60s\nmetrics_sources = true\n", TW_AUDITLOG_AUTO,
         90 * DAY, 60, true},
        {"[audit]\nbackfill = 2h\ninterval = 1h\n", TW_AUDITLOG_AUTO, 7200, 3600, false},
};

static void good_values(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(ok_cases); i++) {
                const struct ok_case *c = &ok_cases[i];
                struct tw_config *cfg = NULL;
                struct tw_buf err;

                tw_buf_init(&err, 1 << 16);
                if (tw_config_load_string(c->text, "t.ini", &cfg, &err) != 0)
                        fail_msg("case %zu: %s", i, err.ptr ? err.ptr : "");
                assert_int_equal(cfg->audit.enabled, c->enabled);
                assert_int_equal(cfg->audit.backfill, c->backfill);
                assert_int_equal(cfg->audit.interval, c->interval);
                assert_int_equal(cfg->audit.metrics_sources, c->metrics_sources);
                tw_config_free(cfg);
                tw_buf_done(&err);
        }
}

struct err_case {
        const char *text;
        const char *want;
};

static const struct err_case err_cases[] = {
        {"[audit]\nenabled = maybe\n", "t.ini:2: [audit] enabled: expected auto, true or false"},
        {"[audit]\n\nenabled =\n", "t.ini:3: [audit] enabled: "},
        {"[audit]\nbackfill = 91d\n", "t.ini:2: [audit] backfill: out of range (60s to 7776000s)"},
        {"[audit]\nbackfill = 30s\n", "t.ini:2: [audit] backfill: out of range"},
        {"[audit]\nbackfill = soon\n", "t.ini:2: [audit] backfill: expected a duration"},
        {"[audit]\ninterval = 59s\n", "t.ini:2: [audit] interval: out of range (60s to 604800s)"},
        {"[audit]\ninterval = 8d\n", "t.ini:2: [audit] interval: out of range"},
        {"[audit]\nmetrics_sources = yes please\n",
         "t.ini:2: [audit] metrics_sources: expected true or false"},
        {"[audit]\nenabled = true\nenabled = false\n",
         "t.ini:3: [audit] enabled: given twice (first on line 2)"},
};

static void bad_values(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(err_cases); i++) {
                struct tw_config *cfg = NULL;
                struct tw_buf err;

                tw_buf_init(&err, 1 << 16);
                assert_int_equal(tw_config_load_string(err_cases[i].text, "t.ini", &cfg, &err),
                                 -EINVAL);
                assert_null(cfg);
                if (!err.ptr || !strstr(err.ptr, err_cases[i].want))
                        fail_msg("case %zu: want \"%s\" in \"%s\"", i, err_cases[i].want,
                                 err.ptr ? err.ptr : "");
                tw_buf_done(&err);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(defaults),
                cmocka_unit_test(good_values),
                cmocka_unit_test(bad_values),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
