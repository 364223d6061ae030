/* The metrics server on 127.0.0.1:0: routes, methods, gzip, readiness,
 * page swaps, the exposure warning.  Auth and TLS are in
 * test_http_server_security.c, hostile clients in test_http_server_attack.c. */
#include "exporters/http/server.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers/http_client.h"
#include "helpers/http_server.h"

#include "core/config/config.h"
#include "exporters/metrics/metrics.h"

static const char page1[] = "# HELP a_metric A.\n# TYPE a_metric gauge\na_metric 1\n";
static const char page2[] = "# HELP a_metric A.\n# TYPE a_metric gauge\na_metric 2\n";

struct route_case {
        const char *name;
        const char *method;
        const char *path;
        long status;
        const char *hdr, *hdr_value; /* a header that must have this value */
        const char *body_has;
};

static void run_routes(unsigned short port, const struct route_case *cases, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                struct tw_test_request rq = {.method = cases[i].method, .path = cases[i].path};
                struct tw_test_reply r;
                char v[256];

                assert_int_equal(tw_test_fetch(port, &rq, &r), CURLE_OK);
                if (r.status != cases[i].status)
                        fail_msg("%s: status %ld, want %ld", cases[i].name, r.status,
                                 cases[i].status);
                if (cases[i].hdr && (!tw_test_reply_header(&r, cases[i].hdr, v, sizeof(v)) ||
                                     strcmp(v, cases[i].hdr_value)))
                        fail_msg("%s: header %s missing or wrong", cases[i].name, cases[i].hdr);
                if (cases[i].body_has && (!r.body.ptr || !strstr(r.body.ptr, cases[i].body_has)))
                        fail_msg("%s: body lacks \"%s\"", cases[i].name, cases[i].body_has);
                tw_test_reply_done(&r);
        }
}

static void test_routes(void **state)
{
        static const struct route_case before[] = {
                {"healthz", NULL, "/healthz", 200, NULL, NULL, "ok"},
                {"readyz before", NULL, "/readyz", 503, NULL, NULL, NULL},
                {"metrics before", NULL, "/metrics", 503, NULL, NULL, NULL},
        };
        static const struct route_case after[] = {
                {"readyz after", NULL, "/readyz", 200, NULL, NULL, "ready"},
                {"metrics", NULL, "/metrics", 200, "Content-Type", TW_METRICS_CONTENT_TYPE,
                 "a_metric 1"},
                {"metrics vary", NULL, "/metrics", 200, "Vary", "Accept-Encoding", NULL},
                {"head metrics", "HEAD", "/metrics", 200, "Content-Length", "52", NULL},
                {"index", NULL, "/", 200, "Content-Type", "text/html; charset=utf-8",
                 "href=\"metrics\""},
                {"unknown path", NULL, "/nope", 404, NULL, NULL, NULL},
                {"metrics prefix", NULL, "/metricsx", 404, NULL, NULL, NULL},
                {"post metrics", "POST", "/metrics", 405, "Allow", "GET, HEAD", NULL},
                {"delete healthz", "DELETE", "/healthz", 405, "Allow", "GET, HEAD", NULL},
                {"put index", "PUT", "/", 405, "Allow", "GET, HEAD", NULL},
        };
        struct tw_http_server_options o = {.listen = "127.0.0.1:0"};
        struct tw_http_server *s = tw_test_http_server_start(&o);

        (void)state;
        assert_int_equal(sizeof(page1) - 1, 52);
        assert_false(tw_http_server_exposed(s));
        run_routes(tw_http_server_port(s), before, sizeof(before) / sizeof(before[0]));
        assert_int_equal(tw_http_server_publish(s, page1, sizeof(page1) - 1), 0);
        run_routes(tw_http_server_port(s), after, sizeof(after) / sizeof(after[0]));
        tw_http_server_stop(s);
}

static void test_gzip_and_swap(void **state)
{
        struct tw_http_server_options o = {.listen = "127.0.0.1:0"};
        struct tw_http_server *s = tw_test_http_server_start(&o);
        unsigned short port = tw_http_server_port(s);
        struct tw_test_request plain = {.path = "/metrics", .accept_encoding = "br"};
        struct tw_test_request gz = {.path = "/metrics", .accept_encoding = "gzip"};
        struct tw_test_request decoded = {.path = "/metrics", .decode = true};
        struct tw_test_reply r;
        char v[64];

        (void)state;
        assert_int_equal(tw_http_server_publish(s, page1, sizeof(page1) - 1), 0);
        assert_int_equal(tw_test_fetch(port, &plain, &r), CURLE_OK);
        assert_false(tw_test_reply_header(&r, "Content-Encoding", v, sizeof(v)));
        assert_string_equal(r.body.ptr, page1);
        tw_test_reply_done(&r);

        assert_int_equal(tw_test_fetch(port, &gz, &r), CURLE_OK);
        assert_true(tw_test_reply_header(&r, "Content-Encoding", v, sizeof(v)));
        assert_string_equal(v, "gzip");
        assert_true(r.body.len > 2 && (unsigned char)r.body.ptr[0] == 0x1f);
        tw_test_reply_done(&r);

        assert_int_equal(tw_test_fetch(port, &decoded, &r), CURLE_OK);
        assert_string_equal(r.body.ptr, page1);
        tw_test_reply_done(&r);

        /* The next scrape after a publish sees the new page, both encodings. */
        assert_int_equal(tw_http_server_publish(s, page2, sizeof(page2) - 1), 0);
        assert_int_equal(tw_test_fetch(port, &plain, &r), CURLE_OK);
        assert_string_equal(r.body.ptr, page2);
        tw_test_reply_done(&r);
        assert_int_equal(tw_test_fetch(port, &decoded, &r), CURLE_OK);
        assert_string_equal(r.body.ptr, page2);
        tw_test_reply_done(&r);
        tw_http_server_stop(s);
}

static void test_listen_errors(void **state)
{
        struct tw_http_server_options o = {.listen = "127.0.0.1:0"};
        struct tw_http_server *s = tw_test_http_server_start(&o), *s2 = NULL;
        char listen[64];
        struct tw_buf err;

        (void)state;
        tw_buf_init(&err, 0);
        snprintf(listen, sizeof(listen), "127.0.0.1:%u", tw_http_server_port(s));
        o.listen = listen;
        assert_int_equal(tw_http_server_start(&o, &s2, &err), -EADDRINUSE);
        assert_non_null(strstr(err.ptr, listen));
        tw_buf_reset(&err);
        o.listen = "127.0.0.1:99999";
        assert_int_equal(tw_http_server_start(&o, &s2, &err), -EINVAL);
        assert_non_null(strstr(err.ptr, "bad listen address"));
        o.listen = "127.0.0.1:0";
        o.tls_cert_file = "/nonexistent/cert.pem";
        assert_int_equal(tw_http_server_start(&o, &s2, &err), -EINVAL); /* no key */
        tw_buf_done(&err);
        tw_http_server_stop(s);
}

static void test_exposed_warning(void **state)
{
        struct tw_web_user u = {.name = "prom", .hash = NULL};
        char hash[128];
        struct tw_http_server_options o = {.listen = ":0"};
        struct tw_http_server *s;

        (void)state;
        s = tw_test_http_server_start(&o);
        assert_true(tw_http_server_exposed(s));
        tw_http_server_stop(s);

        tw_test_bcrypt("pw", 4, hash, sizeof(hash));
        u.hash = hash;
        o.users = &u;
        o.n_users = 1;
        s = tw_test_http_server_start(&o);
        assert_false(tw_http_server_exposed(s));
        /* Passwords in clear beyond loopback: the caller warns. */
        assert_true(tw_http_server_auth_in_clear(s));
        tw_http_server_stop(s);
        o.listen = "127.0.0.1:0";
        s = tw_test_http_server_start(&o);
        assert_false(tw_http_server_auth_in_clear(s));
        tw_http_server_stop(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_routes),
                cmocka_unit_test(test_gzip_and_swap),
                cmocka_unit_test(test_listen_errors),
                cmocka_unit_test(test_exposed_warning),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
