/*
 * The audit-log collector (collectors/auditlog/auditlog.h) against hostile or
 * odd audit logs served by tw-astrosim on 127.0.0.1: over-long strings, entries
 * dated in the future, many entries in one millisecond, a stream cut short,
 * entries that arrive late, and a state file of another organization.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers/sim_client.h"

#include "collectors/auditlog/auditlog.h"
#include "core/usage/usage.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#define ORG "cm9r8jgormxbek92l8s8wppie"
#define TOK "cl4kkvmqolewvmtye5npp4wkt"
#define TOK2 "clfjm8xtjdmzgvoqrzahg9n31"

/* A sim with the demo organization and no audit entries (each test adds its own). */
static struct tw_sim *start(void)
{
        const char *src = getenv("TW_SOURCE_DIR");
        char org[PATH_MAX];
        struct tw_sim_options o = {.base_time = BASE, .fixture_path = org, .audit_calls = 1000};
        struct tw_sim *sim;

        snprintf(org, sizeof(org), "%s/tests/fixtures/demo-org.json", src ? src : "../..");
        sim = tw_sim_start(&o);
        assert_non_null(sim);
        return sim;
}

static void make_dir(char *dir)
{
        strcpy(dir, "/tmp/tw-audit-hostile.XXXXXX");
        assert_non_null(mkdtemp(dir));
}

static void remove_dir(const char *dir)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

/* A collector on sim for organization org with state in dir (may be NULL). */
static struct tw_auditlog_collector *collector_for(struct tw_sim *sim, const char *org,
                                                   const char *dir, char **ret_moved)
{
        static const char *const known[] = {TOK, TOK2};
        struct tw_auditlog_options o = {
                .organization_id = org,
                .bearer = tw_sim_org_credential(sim),
                .state_dir = dir,
                .rate_window_ms = 10,
                .timeout_ms = 30000,
        };
        struct tw_auditlog_collector *c = NULL;
        char base[256];
        char *moved = NULL;

        snprintf(base, sizeof(base), "%s/v1", tw_sim_url(sim));
        o.base_url = base;
        assert_int_equal(tw_auditlog_collector_new(&o, BASE, &c, &moved), 0);
        if (ret_moved)
                *ret_moved = moved;
        else
                assert_null(moved);
        assert_int_equal(tw_usage_set_known_tokens(tw_auditlog_collector_usage(c), known, 2), 0);
        return c;
}

static struct tw_auditlog_collector *collector(struct tw_sim *sim, const char *dir)
{
        return collector_for(sim, ORG, dir, NULL);
}

/* Adds one call of token tok at t_ms with user agent ua and request id rid (NULL: none). */
static void add_call(struct tw_sim *sim, const char *tok, int64_t t_ms, const char *ua,
                     const char *rid)
{
        struct tw_buf line;
        char ts[40];

        tw_buf_init(&line, 1 << 20);
        tw_time_format_ms(t_ms, ts, sizeof(ts));
        assert_int_equal(tw_buf_printf(&line,
                                       "{\"subjectId\":\"%s\",\"subjectType\":\"SERVICEKEY\","
                                       "\"organizationId\":\"" ORG "\",\"timestamp\":\"%s\","
                                       "\"sourceIp\":\"192.0.2.1\",\"userAgent\":\"%s\","
                                       "\"method\":\"GET\",\"path\":\"/v1/organizations/" ORG
                                       "/deployments\",%s%s%s\"responseStatus\":200}\n",
                                       tok, ts, ua, rid ? "\"requestId\":\"" : "", rid ? rid : "",
                                       rid ? "\"," : ""),
                         0);
        assert_int_equal(tw_sim_add_auditlog_entries(sim, line.ptr, line.len), 0);
        tw_buf_done(&line);
}

static uint64_t calls_of(struct tw_auditlog_collector *c, const char *tok)
{
        const struct tw_token_usage *t = tw_usage_find(tw_auditlog_collector_usage(c), tok);

        return t ? t->calls : 0;
}

/* A 5,000-byte user agent is stored capped, the state file it is saved in
 * loads at the next start (it used to be moved aside as corrupt, and the
 * same entry read again at every restart). */
static void test_long_user_agent_survives_restart(void **state)
{
        struct tw_sim *sim = start();
        struct tw_auditlog_fetch_result res;
        struct tw_auditlog_collector *c;
        const struct tw_token_usage *t;
        char dir[64], *ua = malloc(5001);

        (void)state;
        assert_non_null(ua);
        memset(ua, 'A', 5000);
        ua[5000] = '\0';
        make_dir(dir);
        add_call(sim, TOK, (BASE - 3600) * 1000LL, ua, "r-long");
        add_call(sim, TOK, (BASE - 1800) * 1000LL, "curl/8", "r-short");
        c = collector(sim, dir);
        assert_int_equal(tw_auditlog_fetch(c, BASE, &res), 0);
        assert_int_equal(res.entries, 2);
        tw_auditlog_collector_free(c);

        c = collector(sim, dir); /* asserts nothing was moved aside */
        t = tw_usage_find(tw_auditlog_collector_usage(c), TOK);
        assert_non_null(t);
        assert_int_equal(t->calls, 2);
        assert_int_equal(t->n_agents, 2);
        assert_true(strlen(t->agents[0].value) <= TW_USAGE_VALUE_MAX);
        assert_int_equal(tw_auditlog_fetch(c, BASE, &res), 0);
        assert_int_equal(res.entries, 0);
        assert_int_equal(calls_of(c, TOK), 2);
        tw_auditlog_collector_free(c);
        remove_dir(dir);
        free(ua);
        tw_sim_stop(sim);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_long_user_agent_survives_restart),
        };

        curl_global_init(CURL_GLOBAL_DEFAULT);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
