/* The audit-log families of the metrics page (exporters/metrics/usage.c):
 * per-token usage for listed tokens only, the sources as escaped labels
 * only when asked, and the reader's self-metrics. */
#include "exporters/metrics/usage.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/usage/auditlog_entry.h"
#include "core/config/config.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "core/usage/usage.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* t1 is used three times from two addresses (one user agent is hostile:
 * a quote, a backslash, a newline and a byte that is not UTF-8); t3 is
 * used but not listed; t2 is listed and never used. */
static const char *const entries[] = {
        "{\"subjectId\":\"t1\",\"subjectType\":\"SERVICEKEY\",\"timestamp\":\"2026-11-01T10:00:"
        "00Z\","
        "\"sourceIp\":\"203.0.113.10\",\"userAgent\":\"astro-cli/1.30.1\",\"method\":\"GET\","
        "\"path\":\"/v1/organizations/o1/deployments\",\"responseStatus\":200}",
        "{\"subjectId\":\"t1\",\"subjectType\":\"SERVICEKEY\",\"timestamp\":\"2026-11-02T10:00:"
        "00Z\","
        "\"sourceIp\":\"203.0.113.10\",\"userAgent\":\"astro-cli/1.30.1\",\"method\":\"GET\","
        "\"path\":\"/v1/organizations/o1/deployments\",\"responseStatus\":200}",
        "{\"subjectId\":\"t1\",\"subjectType\":\"SERVICEKEY\",\"timestamp\":\"2026-11-03T10:00:"
        "05Z\","
        "\"sourceIp\":\"198.51.100.7\",\"userAgent\":\"evil \\\"ua\\\" \\\\ \\n\xff\","
        "\"method\":\"GET\",\"path\":\"/v1/organizations/o1/deployments\",\"responseStatus\":200}",
        "{\"subjectId\":\"t3\",\"subjectType\":\"SERVICEKEY\",\"timestamp\":\"2026-11-03T11:00:"
        "00Z\","
        "\"sourceIp\":\"192.0.2.1\",\"userAgent\":\"curl/8\",\"method\":\"GET\","
        "\"path\":\"/v1/organizations/o1/tokens\",\"responseStatus\":200}",
};

struct fixture {
        struct tw_inventory *inv;
        struct tw_usage *usage;
        struct tw_config *cfg;
};

static void add_token(struct tw_inventory *inv, const char *id)
{
        struct tw_token t = {0};

        t.id = strdup(id);
        t.name = strdup(id);
        t.scope = strdup("WORKSPACE");
        t.start_at = t.created_at = t.updated_at = 1700000000;
        t.end_at = t.last_used_at = t.last_rotated_at = TW_NO_TIME;
        assert_int_equal(tw_inventory_add_token(inv, &t), 0);
}

static int setup(void **state)
{
        static const char *const known[] = {"t1", "t2", "t3"};
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        f->inv = tw_inventory_new("o1", "v1");
        assert_non_null(f->inv);
        add_token(f->inv, "t1");
        add_token(f->inv, "t2");
        assert_int_equal(tw_usage_new(NULL, &f->usage), 0);
        assert_int_equal(tw_usage_set_known_tokens(f->usage, known, ARRAY_SIZE(known)), 0);
        for (size_t i = 0; i < ARRAY_SIZE(entries); i++) {
                struct tw_auditlog_entry e;

                assert_int_equal(tw_auditlog_entry_parse(entries[i], strlen(entries[i]), &e, NULL),
                                 0);
                assert_int_equal(tw_usage_add(f->usage, &e), 0);
                tw_auditlog_entry_done(&e);
        }
        assert_int_equal(tw_config_new_default(&f->cfg), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        tw_inventory_free(f->inv);
        tw_usage_free(f->usage);
        tw_config_free(f->cfg);
        free(f);
        return 0;
}

struct line_case {
        const char *name;
        bool sources;     /* [audit_logs] metrics_sources */
        bool with_status; /* a reader status, else NULL */
        const char *const present[16];
        const char *const absent[6];
};

static const struct line_case cases[] = {
        {"usage of listed tokens, no source labels",
         false,
         true,
         {"astro_token_last_seen_timestamp_seconds{token_id=\"t1\",organization=\"o1\"} "
          "1793700005\n",
          "astro_token_usage_calls{token_id=\"t1\",organization=\"o1\"} 3\n",
          "astro_token_usage_sources{token_id=\"t1\",organization=\"o1\",kind=\"ip\"} 2\n",
          "astro_token_usage_sources{token_id=\"t1\",organization=\"o1\",kind=\"user_agent\"} 2\n",
          "tokenwatch_audit_log_enabled 1\n", "tokenwatch_audit_log_interval_seconds 900\n",
          "tokenwatch_audit_log_last_success_timestamp_seconds 1762170000\n",
          "tokenwatch_audit_log_entries_total 4\n",
          "tokenwatch_audit_log_skipped_total{reason=\"malformed\"} 2\n",
          "tokenwatch_audit_log_skipped_total{reason=\"too_long\"} 0\n",
          "tokenwatch_audit_log_fetch_failures_total 1\n",
          "# TYPE tokenwatch_audit_log_entries_total counter\n"},
         {"t2\"", "t3\"", "astro_token_usage_source_info{", "203.0.113.10", NULL}},
        {"sources as labels, escaped and valid UTF-8",
         true,
         true,
         {"astro_token_usage_source_info{token_id=\"t1\",organization=\"o1\",kind=\"ip\",source="
          "\"203.0.113.10\"} 1\n",
          "astro_token_usage_source_info{token_id=\"t1\",organization=\"o1\",kind=\"ip\",source="
          "\"198.51.100.7\"} 1\n",
          "astro_token_usage_source_info{token_id=\"t1\",organization=\"o1\",kind=\"user_agent\","
          "source=\"evil "
          "\\\"ua\\\" \\\\ \\n\xef\xbf\xbd\"} 1\n",
          "# TYPE astro_token_usage_source_info gauge\n", NULL},
         {"192.0.2.1", "curl/8", "\xff", NULL}},
        {"no reader yet",
         false,
         false,
         {"tokenwatch_audit_log_enabled 0\n", "tokenwatch_audit_log_entries_total 0\n",
          "# TYPE tokenwatch_audit_log_last_success_timestamp_seconds gauge\n", NULL},
         {"tokenwatch_audit_log_last_success_timestamp_seconds 1", NULL}},
};

static void lines(void **state)
{
        struct fixture *f = *state;

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                const struct line_case *c = &cases[i];
                struct tw_auditlog_status st = {
                        .enabled = true,
                        .last_success = 1762170000,
                        .entries = 4,
                        .skipped = {[TW_AUDITLOG_SKIP_MALFORMED] = 2},
                        .failures = 1,
                };
                struct tw_snapshot snap = {.cfg = f->cfg, .inv = f->inv, .usage = f->usage};
                struct tw_buf out;

                f->cfg->auditlog.metrics_sources = c->sources;
                tw_buf_init(&out, 1 << 20);
                assert_int_equal(tw_usage_metrics(&snap, c->with_status ? &st : NULL, &out), 0);
                for (size_t k = 0; c->present[k]; k++)
                        if (!strstr(out.ptr, c->present[k]))
                                fail_msg("%s: missing %s in\n%s", c->name, c->present[k], out.ptr);
                for (size_t k = 0; c->absent[k]; k++)
                        if (strstr(out.ptr, c->absent[k]))
                                fail_msg("%s: unexpected %s in\n%s", c->name, c->absent[k],
                                         out.ptr);
                tw_buf_done(&out);
        }
}

/* Without an inventory or usage the token families are empty, the
 * self-metrics are still there; a full buffer is -E2BIG. */
static void edges(void **state)
{
        struct fixture *f = *state;
        struct tw_snapshot snap = {.cfg = f->cfg, .usage = f->usage};
        struct tw_buf out;

        tw_buf_init(&out, 1 << 20);
        assert_int_equal(tw_usage_metrics(&snap, NULL, &out), 0);
        assert_null(strstr(out.ptr, "token_id="));
        assert_non_null(strstr(out.ptr, "tokenwatch_audit_log_enabled 0\n"));
        tw_buf_done(&out);
        snap.inv = f->inv;
        tw_buf_init(&out, 64);
        assert_int_equal(tw_usage_metrics(&snap, NULL, &out), -E2BIG);
        tw_buf_done(&out);
        assert_int_equal(tw_usage_metrics(NULL, NULL, &out), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(lines, setup, teardown),
                cmocka_unit_test_setup_teardown(edges, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
