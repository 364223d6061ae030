/* Every answer of the metrics server on 127.0.0.1:0 carries real security
 * headers, not only the status page's <meta> CSP: Content-Security-Policy
 * with frame-ancestors 'none', X-Content-Type-Options: nosniff,
 * Cache-Control: no-store, Referrer-Policy: no-referrer; and status_page =
 * false turns the status page off. */
#include "exporters/http/server.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config.h"
#include "exporters/metrics/metrics.h"
#include "helpers/http_client.h"
#include "helpers/http_server.h"

static const char page[] = "# HELP a_metric A.\n# TYPE a_metric gauge\na_metric 1\n";
static const char status_html[] = "<!DOCTYPE html>\n<html><body><p>tokens</p></body></html>\n";
#define STATUS_CSP "default-src 'none'; style-src 'sha256-abc='; base-uri 'none'"

/* Asserts the security headers of one reply. */
static void assert_headers(const struct tw_test_reply *r, const char *csp_part)
{
        char v[512];

        assert_true(tw_test_reply_header(r, "Content-Security-Policy", v, sizeof(v)));
        if (!strstr(v, "frame-ancestors 'none'") || !strstr(v, csp_part))
                fail_msg("Content-Security-Policy: %s", v);
        assert_true(tw_test_reply_header(r, "X-Content-Type-Options", v, sizeof(v)));
        assert_string_equal(v, "nosniff");
        assert_true(tw_test_reply_header(r, "Cache-Control", v, sizeof(v)));
        assert_string_equal(v, "no-store");
        assert_true(tw_test_reply_header(r, "Referrer-Policy", v, sizeof(v)));
        assert_string_equal(v, "no-referrer");
}

static const struct {
        const char *name, *method, *path, *userpwd, *source;
        long status;
        const char *csp_part;
} cases[] = {
        {"index before the first view", NULL, "/", "prom:pw", "127.0.0.1", 200,
         "default-src 'none'"},
        {"metrics before the first page", NULL, "/metrics", "prom:pw", "127.0.0.1", 503,
         "default-src 'none'"},
        {"readyz", NULL, "/readyz", "prom:pw", "127.0.0.1", 503, "default-src 'none'"},
        {"healthz", NULL, "/healthz", NULL, "127.0.0.1", 200, "default-src 'none'"},
        {"not found", NULL, "/nope", "prom:pw", "127.0.0.1", 404, "default-src 'none'"},
        {"method not allowed", "POST", "/metrics", "prom:pw", "127.0.0.1", 405,
         "default-src 'none'"},
        {"unauthorized", NULL, "/metrics", NULL, "127.0.0.2", 401, "default-src 'none'"},
        {"throttled", NULL, "/metrics", "prom:wrong", "127.0.0.3", 401, "default-src 'none'"},
        {"throttled again", NULL, "/metrics", "prom:wrong", "127.0.0.3", 429, "default-src 'none'"},
};

static void test_every_answer_has_the_headers(void **state)
{
        struct tw_web_user user = {.name = "prom"};
        char hash[128];
        struct tw_http_server_options o = {
                .listen = "127.0.0.1:0", .users = &user, .n_users = 1, .status_csp = STATUS_CSP};
        struct tw_http_server *s;

        (void)state;
        tw_test_bcrypt("pw", 4, hash, sizeof(hash));
        user.hash = hash;
        s = tw_test_http_server_start(&o);
        for (int round = 0; round < 2; round++) {
                for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                        struct tw_test_request rq = {.method = cases[i].method,
                                                     .path = cases[i].path,
                                                     .userpwd = cases[i].userpwd,
                                                     .source = cases[i].source};
                        struct tw_test_reply r;
                        long want = cases[i].status;

                        if (round == 1 && (want == 503 || strcmp(cases[i].path, "/") == 0))
                                want = 200; /* published */
                        if (round == 1 && strcmp(cases[i].source, "127.0.0.3") == 0)
                                continue; /* the throttle cases ran once */
                        print_message("round %d: %s\n", round, cases[i].name);
                        assert_int_equal(tw_test_fetch(tw_http_server_port(s), &rq, &r), CURLE_OK);
                        assert_int_equal(r.status, want);
                        assert_headers(&r, round == 1 && strcmp(cases[i].path, "/") == 0
                                                   ? "style-src 'sha256-abc='"
                                                   : cases[i].csp_part);
                        tw_test_reply_done(&r);
                }
                assert_int_equal(tw_http_server_publish(s, page, sizeof(page) - 1), 0);
                {
                        struct tw_buf gz;

                        tw_buf_init(&gz, 1 << 20);
                        assert_int_equal(tw_gzip(status_html, sizeof(status_html) - 1, &gz), 0);
                        assert_int_equal(
                                tw_http_server_publish_status_gzip(s, &gz, sizeof(status_html) - 1),
                                0);
                }
        }
        tw_http_server_stop(s);
}

static void test_status_page_off(void **state)
{
        struct tw_http_server_options o = {.listen = "127.0.0.1:0", .status_page_off = true};
        struct tw_http_server *s;
        struct tw_test_request rq = {.path = "/"};
        struct tw_test_reply r;
        struct tw_buf gz;

        (void)state;
        s = tw_test_http_server_start(&o);
        assert_int_equal(tw_http_server_publish(s, page, sizeof(page) - 1), 0);
        tw_buf_init(&gz, 1 << 20);
        assert_int_equal(tw_gzip(status_html, sizeof(status_html) - 1, &gz), 0);
        assert_int_equal(tw_http_server_publish_status_gzip(s, &gz, sizeof(status_html) - 1), 0);
        assert_int_equal(tw_test_fetch(tw_http_server_port(s), &rq, &r), CURLE_OK);
        assert_int_equal(r.status, 404);
        assert_null(strstr(r.body.ptr ? r.body.ptr : "", "tokens"));
        assert_headers(&r, "default-src 'none'");
        tw_test_reply_done(&r);
        rq.path = "/metrics";
        assert_int_equal(tw_test_fetch(tw_http_server_port(s), &rq, &r), CURLE_OK);
        assert_int_equal(r.status, 200);
        tw_test_reply_done(&r);
        tw_http_server_stop(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_answer_has_the_headers),
                cmocka_unit_test(test_status_page_off),
        };

        curl_global_init(CURL_GLOBAL_DEFAULT);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
