/*
 * Audit-log ingestion end to end against tw-astrosim on 127.0.0.1: the sim's
 * audit-logs route (windows, gzip with and without Content-Encoding, 403,
 * 429 with Retry-After, entries added at run time), the streaming GET
 * (lib/http/stream.h) and the incremental collector
 * (collectors/auditlog/auditlog.h): cursor and overlap, persistence, skipped lines.
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
#include "lib/http/stream.h"
#include "lib/timeutil.h"

#define ORG "cm9r8jgormxbek92l8s8wppie"
#define TOK "cl4kkvmqolewvmtye5npp4wkt"
#define FIXTURE_ENTRIES 17 /* 18 lines, one malformed */

struct sim_opts {
        bool raw, forbidden;
        int calls;
        int64_t window_ms;
};

static struct tw_sim *start(const struct sim_opts *so)
{
        const char *src = getenv("TW_SOURCE_DIR");
        char org[PATH_MAX], audit[PATH_MAX];
        struct tw_sim_options o = {
                .base_time = BASE, .fixture_path = org, .audit_fixture_path = audit};
        struct tw_sim *sim;

        snprintf(org, sizeof(org), "%s/tests/fixtures/demo-org.json", src ? src : "../..");
        snprintf(audit, sizeof(audit), "%s/tests/fixtures/demo-audit.ndjson", src ? src : "../..");
        o.audit_raw_gzip = so->raw;
        o.audit_forbidden = so->forbidden;
        o.audit_calls = so->calls ? so->calls : 64;
        o.audit_window_ms = so->window_ms;
        sim = tw_sim_start(&o);
        assert_non_null(sim);
        return sim;
}

/* Counts lines and keeps the body. */
struct sink {
        struct tw_buf body;
        int calls;
};

static int on_chunk(void *ctx, const char *data, size_t len)
{
        struct sink *s = ctx;

        s->calls++;
        return tw_buf_add(&s->body, data, len);
}

static size_t count_lines(const char *s)
{
        size_t n = 0;

        for (; s && *s; s++)
                n += *s == '\n';
        return n;
}

/* Streams GET {sim}{path} with bearer; returns the error, fills *res. */
static int stream(struct tw_sim *sim, const char *bearer, const char *path, struct sink *s,
                  struct tw_http_result *res, volatile sig_atomic_t *cancel)
{
        struct tw_http_stream_options o = {.bearer = bearer, .timeout_ms = 30000, .cancel = cancel};
        struct tw_http_stream *h = NULL;
        char url[1024];
        int r;

        snprintf(url, sizeof(url), "%s%s", tw_sim_url(sim), path);
        memset(s, 0, sizeof(*s));
        tw_buf_init(&s->body, 16 << 20);
        assert_int_equal(tw_http_stream_new(&o, &h), 0);
        r = tw_http_stream_get(h, url, on_chunk, s, res, NULL);
        if (res->status != 200) { /* the error body lives in h: keep a copy */
                assert_int_equal(tw_buf_add(&s->body, res->body, res->body_len), 0);
                res->body = s->body.ptr ? s->body.ptr : "";
        }
        tw_http_stream_free(h);
        return r;
}

static void test_sim_route_and_stream(void **state)
{
        static const struct {
                const char *name, *path;
                bool raw;
                long status;
                size_t lines;
        } cases[] = {
                {"v1, gzip", "/v1/organizations/" ORG "/audit-logs", false, 200, 18},
                {"v1beta1, gzip", "/platform/v1beta1/organizations/" ORG "/audit-logs", false, 200,
                 18},
                {"raw gzip", "/v1/organizations/" ORG "/audit-logs", true, 200, 18},
                /* BASE is 2026-05-28T20:26:40Z: from @-2d on, 7 entries. */
                {"startDate", "/v1/organizations/" ORG "/audit-logs?startDate=2026-05-26T20:26:40Z",
                 false, 200, 7},
                {"endDate excludes",
                 "/v1/organizations/" ORG
                 "/audit-logs?startDate=2026-05-26T20:26:40Z&endDate=2026-05-26T20:26:40.500Z",
                 false, 200, 1},
                {"bad date", "/v1/organizations/" ORG "/audit-logs?startDate=yesterday", false, 400,
                 0},
                {"not on iam", "/iam/v1beta1/organizations/" ORG "/audit-logs", false, 404, 0},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct sim_opts so = {.raw = cases[i].raw};
                struct tw_sim *sim = start(&so);
                struct tw_http_result res;
                struct sink s;

                print_message("%s\n", cases[i].name);
                assert_int_equal(
                        stream(sim, tw_sim_org_credential(sim), cases[i].path, &s, &res, NULL), 0);
                assert_int_equal(res.status, cases[i].status);
                if (cases[i].status == 200) {
                        assert_int_equal(res.verdict, TW_HTTP_DONE);
                        assert_int_equal(count_lines(s.body.ptr), cases[i].lines);
                } else {
                        assert_int_equal(s.calls, 0);
                        assert_non_null(strstr(res.body, "requestId"));
                }
                tw_buf_done(&s.body);
                tw_sim_stop(sim);
        }
}

static void test_sim_forbidden_rate_and_append(void **state)
{
        struct sim_opts so = {.calls = 2, .window_ms = 60000};
        struct tw_sim *sim = start(&so);
        const char *path = "/v1/organizations/" ORG "/audit-logs?startDate=2026-05-28T20:00:00Z";
        struct tw_http_result res;
        struct sink s;
        char url[512];
        struct tw_test_resp r;

        (void)state;
        /* A workspace credential is not an Organization Owner. */
        stream(sim, tw_sim_workspace_credential(sim, "cwuo8oc09zcke5raw4y1tgy5c"), path, &s, &res,
               NULL);
        assert_int_equal(res.status, 403);
        tw_buf_done(&s.body);
        /* Entries added at run time are served. */
        snprintf(url, sizeof(url), "%s/_sim/audit-logs", tw_sim_url(sim));
        tw_test_req(&r, "POST", url, NULL,
                    "{\"subjectId\":\"u\",\"subjectType\":\"USER\",\"timestamp\":\"@-1m\"}\n"
                    "not json\n");
        assert_int_equal(r.status, 200);
        tw_buf_done(&r.body);
        assert_int_equal(tw_sim_auditlog_count(sim), 20);
        assert_int_equal(stream(sim, tw_sim_org_credential(sim), path, &s, &res, NULL), 0);
        assert_int_equal(res.status, 200);
        /* @-1m and the bad line (served with the entry before it). */
        assert_int_equal(count_lines(s.body.ptr), 2);
        tw_buf_done(&s.body);
        assert_int_equal(stream(sim, tw_sim_org_credential(sim), path, &s, &res, NULL), 0);
        assert_int_equal(res.status, 200);
        tw_buf_done(&s.body);
        /* A third call within the minute: 429 with a Retry-After. */
        assert_int_equal(stream(sim, tw_sim_org_credential(sim), path, &s, &res, NULL), 0);
        assert_int_equal(res.status, 429);
        assert_int_equal(res.verdict, TW_HTTP_RETRY);
        assert_true(res.retry_after_s >= 1 && res.retry_after_s <= 60);
        tw_buf_done(&s.body);
        tw_sim_stop(sim);
}

static void test_stream_cancel_and_reader_stop(void **state)
{
        struct sim_opts so = {0};
        struct tw_sim *sim = start(&so);
        volatile sig_atomic_t cancel = 1;
        struct tw_http_result res;
        struct sink s;

        (void)state;
        assert_int_equal(stream(sim, tw_sim_org_credential(sim),
                                "/v1/organizations/" ORG "/audit-logs", &s, &res, &cancel),
                         -ECANCELED);
        tw_buf_done(&s.body);
        tw_sim_stop(sim);
}

/* A collector on sim with state in dir. */
static struct tw_auditlog_collector *collector(struct tw_sim *sim, const char *dir,
                                               int64_t window_ms, size_t max_line)
{
        static const char *const known[] = {TOK, "clfjm8xtjdmzgvoqrzahg9n31"};
        struct tw_auditlog_options o = {
                .organization_id = ORG,
                .bearer = tw_sim_org_credential(sim),
                .state_dir = dir,
                .rate_window_ms = window_ms ? window_ms : 50,
                .timeout_ms = 30000,
                .max_line = max_line,
        };
        struct tw_auditlog_collector *c = NULL;
        char base[256];
        struct tw_auditlog_moved moved;

        snprintf(base, sizeof(base), "%s/v1/", tw_sim_url(sim));
        o.base_url = base;
        assert_int_equal(tw_auditlog_collector_new(&o, BASE, &c, &moved), 0);
        assert_null(moved.path);
        assert_int_equal(tw_usage_set_known_tokens(tw_auditlog_collector_usage(c), known, 2), 0);
        return c;
}

static void make_dir(char *dir)
{
        strcpy(dir, "/tmp/tw-audit.XXXXXX");
        assert_non_null(mkdtemp(dir));
}

static void remove_dir(const char *dir)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

static void test_collector_backfill_boundary_and_restart(void **state)
{
        for (int raw = 0; raw <= 1; raw++) {
                struct sim_opts so = {.raw = raw};
                struct tw_sim *sim = start(&so);
                struct tw_auditlog_fetch_result res;
                struct tw_auditlog_collector *c;
                const struct tw_token_usage *t;
                char dir[64], ts[40], line[256];

                (void)state;
                print_message("raw gzip: %d\n", raw);
                make_dir(dir);
                c = collector(sim, dir, 0, 0);
                assert_int_equal(tw_auditlog_fetch(c, BASE, &res), 0);
                assert_int_equal(res.entries, FIXTURE_ENTRIES);
                assert_int_equal(res.skipped[TW_AUDITLOG_SKIP_MALFORMED], 1);
                assert_int_equal(res.duplicates, 0);
                assert_int_equal(res.calls, 1);
                t = tw_usage_find(tw_auditlog_collector_usage(c), TOK);
                assert_non_null(t);
                assert_int_equal(t->calls, 4);
                assert_int_equal(t->image_pushes, 1);
                assert_int_equal(tw_auditlog_collector_usage(c)->n_lifecycle, 6);
                /* The floor: the request time less the overlap window. */
                assert_int_equal(res.cursor_ms, (BASE - 300) * 1000LL);

                /* Nothing new: nothing counted. */
                assert_int_equal(tw_auditlog_fetch(c, BASE, &res), 0);
                assert_int_equal(res.entries, 0);

                /* An entry at exactly the floor's time is new; read again
                 * within the overlap it is a duplicate. */
                tw_time_format_ms(res.cursor_ms, ts, sizeof(ts));
                snprintf(line, sizeof(line),
                         "{\"subjectId\":\"" TOK "\",\"subjectType\":\"SERVICEKEY\","
                         "\"timestamp\":\"%s\",\"method\":\"GET\",\"path\":\"/v1/x\"}\n",
                         ts);
                assert_int_equal(tw_sim_add_auditlog_entries(sim, line, strlen(line)), 0);
                assert_int_equal(tw_auditlog_fetch(c, BASE, &res), 0);
                assert_int_equal(res.entries, 1);
                assert_int_equal(res.duplicates, 0);
                assert_int_equal(tw_usage_find(tw_auditlog_collector_usage(c), TOK)->calls, 5);
                tw_auditlog_collector_free(c);

                /* A restart continues from the persisted cursor and usage. */
                c = collector(sim, dir, 0, 0);
                assert_int_equal(tw_usage_find(tw_auditlog_collector_usage(c), TOK)->calls, 5);
                assert_int_equal(tw_auditlog_fetch(c, BASE, &res), 0);
                assert_int_equal(res.entries, 0);
                assert_int_equal(res.duplicates, 1);
                tw_auditlog_collector_free(c);
                remove_dir(dir);
                tw_sim_stop(sim);
        }
}

struct progress_seen {
        int calls;
        uint64_t entries, bytes;
};

static void on_progress(void *ctx, uint64_t entries, uint64_t bytes)
{
        struct progress_seen *p = ctx;

        assert_true(bytes >= p->bytes && entries >= p->entries); /* never backwards */
        p->calls++;
        p->entries = entries;
        p->bytes = bytes;
}

/* What a one-shot command needs of the collector: progress as the body
 * streams, and a state file that says which window it covers. */
static void test_collector_progress_and_view(void **state)
{
        struct sim_opts so = {0};
        struct tw_sim *sim = start(&so);
        struct progress_seen seen = {0};
        struct tw_auditlog_options o = {
                .organization_id = ORG,
                .bearer = tw_sim_org_credential(sim),
                .backfill_s = 60 * 86400,
                .progress = on_progress,
                .progress_ctx = &seen,
        };
        struct tw_auditlog_fetch_result res;
        struct tw_auditlog_collector *c = NULL;
        struct tw_auditlog_view v;
        char dir[64], base[256];

        (void)state;
        make_dir(dir);
        o.state_dir = dir;
        snprintf(base, sizeof(base), "%s/v1", tw_sim_url(sim));
        o.base_url = base;
        assert_int_equal(tw_auditlog_collector_new(&o, BASE, &c, NULL), 0);
        /* Nothing read yet: no window covered. */
        assert_int_equal(tw_auditlog_state_view(dir, TW_AUDITLOG_STATE_FILE, ORG, NULL, &v),
                         -ENOENT);
        assert_int_equal(tw_auditlog_fetch(c, BASE, &res), 0);
        assert_true(res.complete);
        assert_true(seen.calls >= 1);
        assert_int_equal(seen.entries, res.entries);
        assert_int_equal(seen.bytes, res.bytes);
        assert_int_equal(tw_auditlog_state_view(dir, TW_AUDITLOG_STATE_FILE, ORG, base, &v), 0);
        assert_int_equal(v.from_ms, (BASE - 60 * 86400) * 1000LL);
        assert_int_equal(v.to_ms, BASE * 1000LL);
        assert_int_equal(v.usage->entries, FIXTURE_ENTRIES);
        tw_usage_free(v.usage);
        /* A later fetch from the cursor keeps where the index began. */
        assert_int_equal(tw_auditlog_fetch(c, BASE + 60, &res), 0);
        assert_int_equal(tw_auditlog_state_view(dir, TW_AUDITLOG_STATE_FILE, NULL, NULL, &v), 0);
        assert_int_equal(v.from_ms, (BASE - 60 * 86400) * 1000LL);
        assert_int_equal(v.to_ms, (BASE + 60) * 1000LL);
        tw_usage_free(v.usage);
        /* Another organization's file is not read as this one's. */
        assert_int_equal(tw_auditlog_state_view(dir, TW_AUDITLOG_STATE_FILE, "other", NULL, &v),
                         -ESRCH);
        tw_auditlog_collector_free(c);
        remove_dir(dir);
        tw_sim_stop(sim);
}

static void test_collector_forbidden(void **state)
{
        struct sim_opts so = {.forbidden = true};
        struct tw_sim *sim = start(&so);
        struct tw_auditlog_collector *c = collector(sim, NULL, 0, 0);
        struct tw_auditlog_fetch_result res;

        (void)state;
        assert_int_equal(tw_auditlog_fetch(c, BASE, &res), -EACCES);
        assert_int_equal(res.calls, 1); /* not retried */
        assert_int_equal(res.status, 403);
        assert_true(strncmp(res.request_id, "sim-req-", 8) == 0);
        tw_auditlog_collector_free(c);
        tw_sim_stop(sim);
}

static void test_collector_honours_429(void **state)
{
        struct sim_opts so = {.calls = 1, .window_ms = 3000};
        struct tw_sim *sim = start(&so);
        struct tw_auditlog_collector *c = collector(sim, NULL, 0, 0);
        struct tw_auditlog_fetch_result res;
        struct tw_sim_request *log = NULL;
        size_t n = 0;

        (void)state;
        assert_int_equal(tw_auditlog_fetch(c, BASE, &res), 0);
        assert_int_equal(tw_auditlog_fetch(c, BASE, &res), 0);
        assert_int_equal(res.calls, 2);
        assert_int_equal(res.entries, 0);
        assert_true(res.waited_ms >= 1000);
        assert_int_equal(tw_sim_get_requests(sim, &log, &n), 0);
        assert_int_equal(n, 3);
        assert_int_equal(log[0].status, 200);
        assert_int_equal(log[1].status, 429);
        assert_int_equal(log[2].status, 200);
        /* The retry came after the Retry-After (up to 3 s), not before. */
        assert_true(log[2].start_ns - log[1].start_ns >= 1000000000LL);
        tw_sim_requests_free(log, n);
        tw_auditlog_collector_free(c);
        tw_sim_stop(sim);
}

static void test_collector_retries_server_errors(void **state)
{
        struct sim_opts so = {0};
        struct tw_sim *sim = start(&so);
        struct tw_auditlog_collector *c = collector(sim, NULL, 0, 0);
        struct tw_sim_fault fault = {.type = TW_SIM_FAULT_STATUS,
                                     .match = "/audit-logs",
                                     .status = 503,
                                     .retry_after = -1,
                                     .count = 1};
        struct tw_auditlog_fetch_result res;

        (void)state;
        assert_int_equal(tw_sim_add_fault(sim, &fault), 0);
        assert_int_equal(tw_auditlog_fetch(c, BASE, &res), 0);
        assert_int_equal(res.calls, 2);
        assert_int_equal(res.entries, FIXTURE_ENTRIES);
        /* A client error is not retried. */
        fault.status = 400;
        assert_int_equal(tw_sim_add_fault(sim, &fault), 0);
        assert_int_equal(tw_auditlog_fetch(c, BASE, &res), -EPROTO);
        assert_int_equal(res.calls, 1);
        assert_int_equal(res.status, 400);
        tw_auditlog_collector_free(c);
        tw_sim_stop(sim);
}

static void test_collector_keeps_its_own_rate(void **state)
{
        struct sim_opts so = {0};
        struct tw_sim *sim = start(&so);
        struct tw_auditlog_collector *c = collector(sim, NULL, 1000, 0);
        struct tw_auditlog_fetch_result res;
        struct tw_sim_request *log = NULL;
        size_t n = 0;

        (void)state;
        for (int i = 0; i < 3; i++) {
                assert_int_equal(tw_auditlog_fetch(c, BASE, &res), 0);
                print_message("fetch %d: waited %lld ms\n", i, (long long)res.waited_ms);
        }
        assert_int_equal(tw_sim_get_requests(sim, &log, &n), 0);
        assert_int_equal(n, 3);
        /* Never 3 calls within one window. */
        assert_true(log[2].start_ns - log[0].start_ns >= 1000000000LL);
        tw_sim_requests_free(log, n);
        tw_auditlog_collector_free(c);
        tw_sim_stop(sim);
}

static void test_collector_skips_long_lines(void **state)
{
        struct sim_opts so = {0};
        struct tw_sim *sim = start(&so);
        struct tw_auditlog_collector *c = collector(sim, NULL, 0, 500);
        struct tw_auditlog_fetch_result res;

        (void)state;
        assert_int_equal(tw_auditlog_fetch(c, BASE, &res), 0);
        /* The fixture's lines over 500 bytes as served: 501 and 546. */
        assert_int_equal(res.skipped[TW_AUDITLOG_SKIP_TOO_LONG], 2);
        assert_int_equal(res.entries, FIXTURE_ENTRIES - 2);
        tw_auditlog_collector_free(c);
        tw_sim_stop(sim);
}

static void test_collector_quarantines_bad_state(void **state)
{
        struct sim_opts so = {0};
        struct tw_sim *sim = start(&so);
        struct tw_auditlog_options o = {.organization_id = ORG,
                                        .base_url = "http://127.0.0.1:1/v1"};
        struct tw_auditlog_collector *c = NULL;
        struct tw_auditlog_moved moved;
        char dir[64], path[128];
        FILE *f;

        (void)state;
        make_dir(dir);
        snprintf(path, sizeof(path), "%s/%s", dir, TW_AUDITLOG_STATE_FILE);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs("{\"v\":1,\"cursor\":{\"last\":\"soon\",\"ids\":[]}}", f);
        fclose(f);
        o.state_dir = dir;
        assert_int_equal(tw_auditlog_collector_new(&o, BASE, &c, &moved), 0);
        assert_non_null(moved.path);
        assert_false(moved.other);
        assert_int_equal(access(path, F_OK), -1);
        assert_int_equal(tw_auditlog_collector_usage(c)->n_tokens, 0);
        free(moved.path);
        tw_auditlog_collector_free(c);
        remove_dir(dir);
        tw_sim_stop(sim);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sim_route_and_stream),
                cmocka_unit_test(test_sim_forbidden_rate_and_append),
                cmocka_unit_test(test_stream_cancel_and_reader_stop),
                cmocka_unit_test(test_collector_backfill_boundary_and_restart),
                cmocka_unit_test(test_collector_progress_and_view),
                cmocka_unit_test(test_collector_forbidden),
                cmocka_unit_test(test_collector_honours_429),
                cmocka_unit_test(test_collector_retries_server_errors),
                cmocka_unit_test(test_collector_keeps_its_own_rate),
                cmocka_unit_test(test_collector_skips_long_lines),
                cmocka_unit_test(test_collector_quarantines_bad_state),
        };

        curl_global_init(CURL_GLOBAL_DEFAULT);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
