/* The two systems that both said "audit": [trail] (tokenwatch's own record
 * of token changes) and [audit_logs] (Astro's audit logs).  Defaults, good
 * values, bad values named FILE:LINE: [section] key, and the old [audit]
 * keys: still applied, each with one warning naming its new section and
 * key, in cfg->warnings (never on stderr). */
#include "core/config/config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers/config_case.h"
#include "lib/buf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DAY 86400

static void defaults(void **state)
{
        struct tw_config *cfg = tw_test_config_load("defaults", "[astro]\n");

        (void)state;
        assert_int_equal(cfg->trail.in_use_window, DAY);
        assert_int_equal(cfg->trail.max_bytes, 16777216);
        assert_int_equal(cfg->trail.files, 5);
        assert_int_equal(cfg->auditlog.enabled, TW_AUDITLOG_AUTO);
        assert_int_equal(cfg->auditlog.backfill, 30 * DAY);
        assert_int_equal(cfg->auditlog.interval, 15 * 60);
        assert_false(cfg->auditlog.metrics_sources);
        assert_null(cfg->warnings);
        tw_config_free(cfg);
}

struct ok_case {
        const char *name, *text;
        int64_t in_use_window;
        size_t max_bytes;
        int files;
        enum tw_auditlog_mode enabled;
        int64_t backfill, interval;
        bool metrics_sources;
};

#define TRAIL_DEFAULTS DAY, 16777216, 5
#define AUDITLOG_DEFAULTS TW_AUDITLOG_AUTO, 30 * DAY, 900, false

static const struct ok_case ok_cases[] = {
        {"enabled auto", "[audit_logs]\nenabled = auto\n", TRAIL_DEFAULTS, AUDITLOG_DEFAULTS},
        {"enabled true", "[audit_logs]\nenabled = true\n", TRAIL_DEFAULTS, TW_AUDITLOG_ON, 30 * DAY,
         900, false},
        {"enabled false", "[audit_logs]\nenabled = false\n", TRAIL_DEFAULTS, TW_AUDITLOG_OFF,
         30 * DAY, 900, false},
        {"backfill, interval, sources",
         "[audit_logs]\nbackfill = 90d\ninterval = 60s\nmetrics_sources = true\n", TRAIL_DEFAULTS,
         TW_AUDITLOG_AUTO, 90 * DAY, 60, true},
        {"hours", "[audit_logs]\nbackfill = 2h\ninterval = 1h\n", TRAIL_DEFAULTS, TW_AUDITLOG_AUTO,
         7200, 3600, false},
        {"trail", "[trail]\nin_use_window = 2h\nmax_bytes = 4096\nfiles = 1\n", 7200, 4096, 1,
         AUDITLOG_DEFAULTS},
        {"both sections",
         "[trail]\nfiles = 100\n[audit_logs]\nenabled = false\n[trail]\nin_use_window = 60s\n", 60,
         16777216, 100, TW_AUDITLOG_OFF, 30 * DAY, 900, false},
};

static void good_values(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(ok_cases); i++) {
                const struct ok_case *c = &ok_cases[i];
                struct tw_config *cfg = tw_test_config_load(c->name, c->text);

                if (cfg->trail.in_use_window != c->in_use_window ||
                    cfg->trail.max_bytes != c->max_bytes || cfg->trail.files != c->files ||
                    cfg->auditlog.enabled != c->enabled || cfg->auditlog.backfill != c->backfill ||
                    cfg->auditlog.interval != c->interval ||
                    cfg->auditlog.metrics_sources != c->metrics_sources)
                        fail_msg("%s: not the values given", c->name);
                if (cfg->warnings)
                        fail_msg("%s: warns %s", c->name, cfg->warnings);
                tw_config_free(cfg);
        }
}

struct err_case {
        const char *name, *text, *want;
};

static const struct err_case err_cases[] = {
        {"enabled", "[audit_logs]\nenabled = maybe\n",
         "t.ini:2: [audit_logs] enabled: expected auto, true or false"},
        {"enabled empty", "[audit_logs]\n\nenabled =\n", "t.ini:3: [audit_logs] enabled: "},
        {"backfill long", "[audit_logs]\nbackfill = 91d\n",
         "t.ini:2: [audit_logs] backfill: out of range (60s to 7776000s)"},
        {"backfill short", "[audit_logs]\nbackfill = 30s\n",
         "t.ini:2: [audit_logs] backfill: out of range"},
        {"backfill word", "[audit_logs]\nbackfill = soon\n",
         "t.ini:2: [audit_logs] backfill: expected a duration"},
        {"interval short", "[audit_logs]\ninterval = 59s\n",
         "t.ini:2: [audit_logs] interval: out of range (60s to 604800s)"},
        {"interval long", "[audit_logs]\ninterval = 8d\n",
         "t.ini:2: [audit_logs] interval: out of range"},
        {"sources", "[audit_logs]\nmetrics_sources = yes please\n",
         "t.ini:2: [audit_logs] metrics_sources: expected true or false"},
        {"twice", "[audit_logs]\nenabled = true\nenabled = false\n",
         "t.ini:3: [audit_logs] enabled: given twice (first on line 2)"},
        {"trail window", "[trail]\nin_use_window = 59s\n",
         "t.ini:2: [trail] in_use_window: out of range (60s to 7776000s)"},
        {"trail bytes", "[trail]\nmax_bytes = 4095\n",
         "t.ini:2: [trail] max_bytes: out of range (4096 to 1099511627776)"},
        {"trail files", "[trail]\nfiles = 0\n", "t.ini:2: [trail] files: out of range (1 to 100)"},
        {"a trail key under audit_logs", "[audit_logs]\nfiles = 5\n",
         "t.ini:2: [audit_logs] files: unknown key"},
        /* the old names: a bad value is named as written */
        {"old name, bad value", "[audit]\nlog_files = 0\n",
         "t.ini:2: [audit] log_files: out of range (1 to 100)"},
        {"old name, bad mode", "[audit]\nenabled = maybe\n",
         "t.ini:2: [audit] enabled: expected auto, true or false"},
        /* old and new name of one key: given twice, whichever comes first */
        {"old then new", "[audit]\nlog_files = 3\n[trail]\nfiles = 4\n",
         "t.ini:4: [trail] files: given twice (first on line 2)"},
        {"new then old", "[audit_logs]\ninterval = 1h\n[audit]\ninterval = 2h\n",
         "t.ini:4: [audit] interval: given twice (first on line 2)"},
        {"old twice", "[audit]\nbackfill = 1d\nbackfill = 2d\n",
         "t.ini:3: [audit] backfill: given twice (first on line 2)"},
        {"not a key of [audit]", "[audit]\nmax_bytes = 4096\n",
         "t.ini:2: [audit] max_bytes: unknown key"},
};

static void bad_values(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(err_cases); i++)
                free(tw_test_config_refused(err_cases[i].name, err_cases[i].text,
                                            err_cases[i].want));
}

struct renamed_case {
        const char *old_key, *value, *warning;
        size_t field; /* which value to check, below */
        int64_t want;
};

enum { IN_USE_WINDOW, MAX_BYTES, FILES, ENABLED, BACKFILL, INTERVAL, SOURCES };

static const struct renamed_case renamed_cases[] = {
        {"in_use_window", "2h", "[trail] in_use_window", IN_USE_WINDOW, 7200},
        {"log_max_bytes", "8192", "[trail] max_bytes", MAX_BYTES, 8192},
        {"log_files", "7", "[trail] files", FILES, 7},
        {"enabled", "false", "[audit_logs] enabled", ENABLED, TW_AUDITLOG_OFF},
        {"backfill", "2d", "[audit_logs] backfill", BACKFILL, 2 * DAY},
        {"interval", "5m", "[audit_logs] interval", INTERVAL, 300},
        {"metrics_sources", "true", "[audit_logs] metrics_sources", SOURCES, 1},
};

static int64_t field_value(const struct tw_config *cfg, size_t field)
{
        switch (field) {
        case IN_USE_WINDOW:
                return cfg->trail.in_use_window;
        case MAX_BYTES:
                return (int64_t)cfg->trail.max_bytes;
        case FILES:
                return cfg->trail.files;
        case ENABLED:
                return cfg->auditlog.enabled;
        case BACKFILL:
                return cfg->auditlog.backfill;
        case INTERVAL:
                return cfg->auditlog.interval;
        default:
                return cfg->auditlog.metrics_sources;
        }
}

/* Each old key still sets its value, and says once where it lives now. */
static void renamed_keys(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(renamed_cases); i++) {
                const struct renamed_case *c = &renamed_cases[i];
                struct tw_buf text, want;
                struct tw_config *cfg;

                tw_buf_init(&text, 0);
                tw_buf_init(&want, 0);
                tw_buf_printf(&text, "[agent]\ninterval = 1m\n[audit]\n%s = %s\n", c->old_key,
                              c->value);
                tw_buf_printf(&want,
                              "t.ini:4: [audit] %s: renamed to %s; the old name still works\n",
                              c->old_key, c->warning);
                cfg = tw_test_config_load(c->old_key, text.ptr);
                if (field_value(cfg, c->field) != c->want)
                        fail_msg("%s: %lld, want %lld", c->old_key,
                                 (long long)field_value(cfg, c->field), (long long)c->want);
                if (!cfg->warnings || strcmp(cfg->warnings, want.ptr) != 0)
                        fail_msg("%s: warnings \"%s\", want \"%s\"", c->old_key,
                                 cfg->warnings ? cfg->warnings : "(none)", want.ptr);
                tw_config_free(cfg);
                tw_buf_done(&text);
                tw_buf_done(&want);
        }
}

/* One warning per old key, in file order; none when the file has errors
 * (the errors say what to fix first). */
static void renamed_warnings(void **state)
{
        struct tw_config *cfg =
                tw_test_config_load("all", "[audit]\nlog_files = 3\nenabled = true\n"
                                           "[trail]\nin_use_window = 1h\n");
        char *errors;

        (void)state;
        assert_string_equal(cfg->warnings,
                            "t.ini:2: [audit] log_files: renamed to [trail] files; the old name "
                            "still works\n"
                            "t.ini:3: [audit] enabled: renamed to [audit_logs] enabled; the old "
                            "name still works\n");
        assert_int_equal(cfg->trail.files, 3);
        assert_int_equal(cfg->trail.in_use_window, 3600);
        assert_int_equal(cfg->auditlog.enabled, TW_AUDITLOG_ON);
        tw_config_free(cfg);

        errors = tw_test_config_refused("an error too",
                                        "[audit]\nlog_files = 3\n[agent]\nnope = 1\n",
                                        "t.ini:4: [agent] nope: unknown key");
        assert_null(strstr(errors, "renamed"));
        free(errors);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(defaults),         cmocka_unit_test(good_values),
                cmocka_unit_test(bad_values),       cmocka_unit_test(renamed_keys),
                cmocka_unit_test(renamed_warnings),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
