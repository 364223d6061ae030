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

/* A sim with the demo organization and no audit entries (each test adds
 * its own), serving a window oldest or newest first. */
static struct tw_sim *start_with(bool newest_first, bool ignore_end_date)
{
        const char *src = getenv("TW_SOURCE_DIR");
        char org[PATH_MAX];
        struct tw_sim_options o = {.base_time = BASE,
                                   .fixture_path = org,
                                   .audit_calls = 64, /* the sim's most: no waiting here */
                                   .audit_newest_first = newest_first,
                                   .audit_ignore_end_date = ignore_end_date};
        struct tw_sim *sim;

        snprintf(org, sizeof(org), "%s/tests/fixtures/demo-org.json", src ? src : "../..");
        sim = tw_sim_start(&o);
        assert_non_null(sim);
        return sim;
}

static struct tw_sim *start(void)
{
        return start_with(false, false);
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
                                                   const char *dir,
                                                   struct tw_auditlog_moved *ret_moved)
{
        static const char *const known[] = {TOK, TOK2};
        struct tw_auditlog_options o = {
                .organization_id = org,
                .bearer = tw_sim_org_credential(sim),
                .state_dir = dir,
                .rate_window_ms = 10,
                .timeout_ms = 30000,
                .max_retries = 1,
        };
        struct tw_auditlog_collector *c = NULL;
        char base[256];
        struct tw_auditlog_moved moved;

        snprintf(base, sizeof(base), "%s/v1", tw_sim_url(sim));
        o.base_url = base;
        o.api_url = tw_sim_url(sim);
        assert_int_equal(tw_auditlog_collector_new(&o, BASE, &c, &moved), 0);
        if (ret_moved)
                *ret_moved = moved;
        else
                assert_null(moved.path);
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

/* The path of the last request the sim saw. */
static char *last_path(struct tw_sim *sim)
{
        struct tw_sim_request *log = NULL;
        size_t n = 0;
        char *p;

        assert_int_equal(tw_sim_get_requests(sim, &log, &n), 0);
        assert_true(n > 0);
        p = strdup(log[n - 1].path);
        tw_sim_requests_free(log, n);
        return p;
}

/* An entry dated 2099 neither freezes the cursor (later entries are read)
 * nor makes the token "last seen" in 2099: the request asks for nothing
 * after its time, and a server that sends it anyway has it skipped and
 * counted. */
static void future_entry(bool server_ignores_end_date)
{
        struct tw_sim *sim = start_with(false, server_ignores_end_date);
        struct tw_auditlog_fetch_result res;
        struct tw_auditlog_collector *c;
        int64_t y2099;
        char *path, want[80], ts[40];

        print_message("the server %s endDate\n", server_ignores_end_date ? "ignores" : "honours");
        assert_int_equal(tw_time_parse_ms("2099-01-01T00:00:00Z", &y2099), 0);
        add_call(sim, TOK, (BASE - 3600) * 1000LL, "ci", "r-1");
        add_call(sim, TOK, y2099, "ci", "r-2099");
        c = collector(sim, NULL);
        assert_int_equal(tw_auditlog_fetch(c, BASE, &res), 0);
        assert_int_equal(res.entries, 1);
        assert_int_equal(res.skipped[TW_AUDITLOG_SKIP_FUTURE], server_ignores_end_date);
        assert_true(res.cursor_ms <= BASE * 1000LL);
        assert_true(tw_usage_find(tw_auditlog_collector_usage(c), TOK)->last_ms <= BASE * 1000LL);
        /* The request asked for nothing after the request time. */
        path = last_path(sim);
        snprintf(want, sizeof(want), "endDate=%s", tw_time_format_ms(BASE * 1000LL, ts, 40));
        assert_non_null(strstr(path, want));
        free(path);

        add_call(sim, TOK, (BASE + 30) * 1000LL, "ci", "r-3");
        assert_int_equal(tw_auditlog_fetch(c, BASE + 60, &res), 0);
        assert_int_equal(res.entries, 1);
        assert_int_equal(calls_of(c, TOK), 2);
        assert_true(tw_usage_find(tw_auditlog_collector_usage(c), TOK)->last_ms <
                    (BASE + 60) * 1000LL);
        tw_auditlog_collector_free(c);
        tw_sim_stop(sim);
}

static void test_future_entry_does_not_freeze_the_cursor(void **state)
{
        (void)state;
        future_entry(false);
        future_entry(true);
}

/* More entries in one millisecond than the old boundary set held, with and
 * without a requestId: each counted once, however often read. */
static void test_many_entries_in_one_millisecond(void **state)
{
        struct tw_sim *sim = start();
        struct tw_auditlog_fetch_result res;
        struct tw_auditlog_collector *c;
        int64_t t = (BASE - 60) * 1000LL + 123;
        char dir[64], rid[32], ua[32];

        (void)state;
        make_dir(dir);
        for (int i = 0; i < 5000; i++) {
                snprintf(rid, sizeof(rid), "req-%d", i);
                add_call(sim, TOK, t, "ci", rid);
        }
        for (int i = 0; i < 3000; i++) {
                snprintf(ua, sizeof(ua), "agent-%d", i);
                add_call(sim, TOK2, t, ua, NULL);
        }
        c = collector(sim, dir);
        assert_int_equal(tw_auditlog_fetch(c, BASE, &res), 0);
        assert_int_equal(res.entries, 8000);
        assert_int_equal(tw_auditlog_fetch(c, BASE, &res), 0);
        assert_int_equal(res.entries, 0);
        assert_int_equal(res.duplicates, 8000);
        tw_auditlog_collector_free(c);
        /* And after a restart, from the state file. */
        c = collector(sim, dir);
        assert_int_equal(tw_auditlog_fetch(c, BASE + 1, &res), 0);
        assert_int_equal(res.entries, 0);
        assert_int_equal(calls_of(c, TOK), 5000);
        assert_int_equal(calls_of(c, TOK2), 3000);
        tw_auditlog_collector_free(c);
        remove_dir(dir);
        tw_sim_stop(sim);
}

/* A body cut part-way (served newest first: the order is not documented)
 * leaves the cursor where the stream was complete: the next fetch reads
 * the rest, and counts nothing twice. */
static void test_cut_stream_keeps_the_cursor(void **state)
{
        struct tw_sim *sim = start_with(true, false);
        struct tw_sim_fault cut = {
                .type = TW_SIM_FAULT_TRUNCATED, .match = "/audit-logs", .count = 2};
        struct tw_auditlog_fetch_result res;
        struct tw_auditlog_collector *c;
        char rid[32];

        (void)state;
        for (int i = 0; i < 10; i++) {
                snprintf(rid, sizeof(rid), "req-%d", i);
                add_call(sim, TOK, (BASE - 1000 + 100 * i) * 1000LL, "ci", rid);
        }
        assert_int_equal(tw_sim_add_fault(sim, &cut), 0);
        c = collector(sim, NULL);
        assert_true(tw_auditlog_fetch(c, BASE, &res) < 0);
        assert_int_equal(res.calls, 2);
        assert_int_equal(res.entries, 5); /* the newest five */
        assert_int_equal(calls_of(c, TOK), 5);
        assert_int_equal(tw_auditlog_fetch(c, BASE + 10, &res), 0);
        assert_int_equal(res.entries, 5);
        assert_int_equal(res.duplicates, 5);
        assert_int_equal(calls_of(c, TOK), 10);
        tw_auditlog_collector_free(c);
        tw_sim_stop(sim);
}

/* An entry that reaches the logs after a fetch, dated before it: read by
 * the next fetch (the overlap), not taken for one already counted. */
static void test_late_entry_is_read(void **state)
{
        struct tw_sim *sim = start();
        struct tw_auditlog_fetch_result res;
        struct tw_auditlog_collector *c;

        (void)state;
        add_call(sim, TOK, (BASE - 600) * 1000LL, "ci", "r-1");
        add_call(sim, TOK, (BASE - 10) * 1000LL, "ci", "r-2");
        c = collector(sim, NULL);
        assert_int_equal(tw_auditlog_fetch(c, BASE, &res), 0);
        assert_int_equal(res.entries, 2);
        add_call(sim, TOK, (BASE - 60) * 1000LL, "ci", "r-late");
        assert_int_equal(tw_auditlog_fetch(c, BASE + 60, &res), 0);
        assert_int_equal(res.entries, 1);
        assert_int_equal(res.duplicates, 1); /* r-2, read again in the overlap */
        assert_int_equal(calls_of(c, TOK), 3);
        tw_auditlog_collector_free(c);
        tw_sim_stop(sim);
}

/* The state file names its organization and API URL: another
 * organization's (the config now watches another one with the same
 * state_dir) is moved aside, not merged into the new one's usage. */
static void test_state_of_another_organization_set_aside(void **state)
{
        struct tw_sim *sim = start();
        struct tw_auditlog_fetch_result res;
        struct tw_auditlog_collector *c;
        struct tw_auditlog_moved moved;
        struct tw_usage *view = NULL;
        char dir[64], path[128];

        (void)state;
        make_dir(dir);
        snprintf(path, sizeof(path), "%s/%s", dir, TW_AUDITLOG_STATE_FILE);
        add_call(sim, TOK, (BASE - 60) * 1000LL, "ci", "r-1");
        c = collector(sim, dir);
        assert_int_equal(tw_auditlog_fetch(c, BASE, &res), 0);
        assert_int_equal(res.entries, 1);
        tw_auditlog_collector_free(c);

        /* A reviewer's command: the right owner reads it, another is told. */
        assert_int_equal(
                tw_usage_view_read(dir, TW_AUDITLOG_STATE_FILE, ORG, tw_sim_url(sim), &view), 0);
        assert_int_equal(view->n_tokens, 1);
        tw_usage_free(view);
        assert_int_equal(tw_usage_view_read(dir, TW_AUDITLOG_STATE_FILE,
                                            "cmotherorg00000000000000z", NULL, &view),
                         -ESRCH);
        assert_int_equal(access(path, F_OK), 0);

        /* The daemon of another organization sets it aside. */
        c = collector_for(sim, "cmotherorg00000000000000z", dir, &moved);
        assert_non_null(moved.path);
        assert_true(moved.other);
        assert_non_null(strstr(moved.named, ORG));
        assert_int_equal(tw_auditlog_collector_usage(c)->n_tokens, 0);
        assert_int_equal(access(moved.path, F_OK), 0);
        free(moved.path);
        tw_auditlog_collector_free(c);
        remove_dir(dir);
        tw_sim_stop(sim);
}

/* A state file whose cursor is in the future (written by an older version
 * that followed an entry dated 2099) is brought back to the request time. */
static void test_loaded_future_cursor_is_clamped(void **state)
{
        struct tw_sim *sim = start();
        struct tw_auditlog_fetch_result res;
        struct tw_auditlog_collector *c;
        char dir[64], path[128];
        FILE *f;

        (void)state;
        make_dir(dir);
        snprintf(path, sizeof(path), "%s/%s", dir, TW_AUDITLOG_STATE_FILE);
        f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f,
                "{\"v\":2,\"organization\":{\"id\":\"" ORG "\",\"apiUrl\":\"%s\"},"
                "\"cursor\":{\"floor\":4070908800000,\"seen\":[]},\"usage\":{\"v\":1,"
                "\"entries\":0,\"unlinked\":0,\"tokensDropped\":0,\"tokens\":[],"
                "\"lifecycle\":[]}}",
                tw_sim_url(sim));
        fclose(f);
        add_call(sim, TOK, (BASE - 60) * 1000LL, "ci", "r-1");
        c = collector(sim, dir);
        assert_int_equal(tw_auditlog_fetch(c, BASE, &res), 0);
        assert_int_equal(res.entries, 1);
        assert_true(res.cursor_ms <= BASE * 1000LL);
        tw_auditlog_collector_free(c);
        remove_dir(dir);
        tw_sim_stop(sim);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_long_user_agent_survives_restart),
                cmocka_unit_test(test_future_entry_does_not_freeze_the_cursor),
                cmocka_unit_test(test_many_entries_in_one_millisecond),
                cmocka_unit_test(test_cut_stream_keeps_the_cursor),
                cmocka_unit_test(test_late_entry_is_read),
                cmocka_unit_test(test_state_of_another_organization_set_aside),
                cmocka_unit_test(test_loaded_future_cursor_is_clamped),
        };

        curl_global_init(CURL_GLOBAL_DEFAULT);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
