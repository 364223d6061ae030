/*
 * The synchronous client's requests beyond POST (lib/http/client.h): every
 * method with and without a body, the response headers, a body over the cap
 * refused whole, and a CA bundle of one's own (TLS verification stays on).
 * The echo server is libmicrohttpd on 127.0.0.1:0; the TLS server is the
 * metrics server with a self-signed certificate made by openssl.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netinet/in.h>

#include "exporters/http/server.h"
#include "lib/buf.h"
#include "lib/http/client.h"

struct upload {
        struct tw_buf body;
};

/* Answers {"method", "body", "content_type", "x_test"} with header
 * X-Echo: yes twice (the second wins) and, on /big, 100 KiB of padding. */
static enum MHD_Result echo(void *cls, struct MHD_Connection *conn, const char *url,
                            const char *method, const char *version, const char *data, size_t *size,
                            void **con_cls)
{
        struct upload *u = *con_cls;
        struct MHD_Response *resp;
        enum MHD_Result ret;
        cJSON *o;
        char *text;
        const char *ct, *xt;

        (void)cls, (void)version;
        if (!u) {
                u = calloc(1, sizeof(*u));
                if (!u)
                        return MHD_NO;
                tw_buf_init(&u->body, 1 << 20);
                *con_cls = u;
                return MHD_YES;
        }
        if (*size) {
                tw_buf_add(&u->body, data, *size);
                *size = 0;
                return MHD_YES;
        }
        ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
        xt = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Test");
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "method", method);
        cJSON_AddStringToObject(o, "body", u->body.ptr ? u->body.ptr : "");
        cJSON_AddStringToObject(o, "content_type", ct ? ct : "");
        cJSON_AddStringToObject(o, "x_test", xt ? xt : "");
        if (strcmp(url, "/big") == 0) {
                char *pad = malloc(100 * 1024 + 1);

                memset(pad, 'x', 100 * 1024);
                pad[100 * 1024] = '\0';
                cJSON_AddStringToObject(o, "pad", pad);
                free(pad);
        }
        text = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
        MHD_add_response_header(resp, "X-Echo", "first");
        MHD_add_response_header(resp, "X-Echo", "yes");
        ret = MHD_queue_response(conn, strcmp(url, "/missing") == 0 ? 404 : 200, resp);
        MHD_destroy_response(resp);
        return ret;
}

static void done(void *cls, struct MHD_Connection *conn, void **con_cls,
                 enum MHD_RequestTerminationCode toe)
{
        struct upload *u = *con_cls;

        (void)cls, (void)conn, (void)toe;
        if (u) {
                tw_buf_done(&u->body);
                free(u);
        }
}

static struct {
        struct MHD_Daemon *d;
        char base[64];
} srv;

static int group_setup(void **state)
{
        struct sockaddr_in sa = {.sin_family = AF_INET};
        const union MHD_DaemonInfo *info;

        (void)state;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        srv.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, echo, NULL,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                 MHD_OPTION_NOTIFY_COMPLETED, done, NULL, MHD_OPTION_END);
        if (!srv.d)
                return -1;
        info = MHD_get_daemon_info(srv.d, MHD_DAEMON_INFO_BIND_PORT);
        snprintf(srv.base, sizeof(srv.base), "http://127.0.0.1:%u", (unsigned)info->port);
        return 0;
}

static int group_teardown(void **state)
{
        (void)state;
        MHD_stop_daemon(srv.d);
        return 0;
}

static const char *field(cJSON *o, const char *k)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

        return cJSON_IsString(v) ? v->valuestring : "(none)";
}

static void test_methods(void **state)
{
        static const struct {
                const char *method, *body, *want_body;
        } cases[] = {
                {"GET", NULL, ""},
                {"GET", "ignored", ""},
                {"POST", "{\"a\":1}", "{\"a\":1}"},
                {"PUT", "{\"b\":2}", "{\"b\":2}"},
                {"PUT", NULL, ""},
                {"PATCH", "{\"c\":3}", "{\"c\":3}"},
                {"DELETE", NULL, ""},
                {"DELETE", "{\"d\":4}", "{\"d\":4}"},
        };
        struct tw_http_client_options co = {.timeout_ms = 5000, .whole_body = true};
        struct tw_http_client *c = NULL;
        struct curl_slist *h = curl_slist_append(NULL, "X-Test: t1");
        struct tw_http_result r;
        char url[128];

        (void)state;
        h = curl_slist_append(h, "Content-Type: application/json");
        assert_int_equal(tw_http_client_new(&co, &c), 0);
        snprintf(url, sizeof(url), "%s/echo", srv.base);
        /* Each after the others on one handle: nothing of one leaks into
         * the next (a custom method, a body). */
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const char *b = cases[i].body;
                cJSON *o;

                assert_int_equal(tw_http_request(c, cases[i].method, url, h, b, b ? strlen(b) : 0,
                                                 0, NULL, &r),
                                 0);
                assert_int_equal(r.status, 200);
                o = cJSON_Parse(r.body);
                if (strcmp(field(o, "method"), cases[i].method) != 0 ||
                    strcmp(field(o, "body"), cases[i].want_body) != 0)
                        fail_msg("%s %s: server saw %s with body %s", cases[i].method,
                                 b ? b : "(none)", field(o, "method"), field(o, "body"));
                assert_string_equal(field(o, "x_test"), "t1");
                assert_string_equal(tw_http_client_header(c, "x-echo"), "yes");
                assert_null(tw_http_client_header(c, "X-Not-Sent"));
                cJSON_Delete(o);
        }
        assert_int_equal(tw_http_request(c, "TRACE", url, NULL, NULL, 0, 0, NULL, &r), -EINVAL);
        /* A 404 is an answer, classified as the POST's are. */
        snprintf(url, sizeof(url), "%s/missing", srv.base);
        assert_int_equal(tw_http_request(c, "GET", url, NULL, NULL, 0, 0, NULL, &r), 0);
        assert_int_equal(r.status, 404);
        assert_int_equal(r.verdict, TW_HTTP_FAIL);
        curl_slist_free_all(h);
        tw_http_client_free(c);
}

/* A parsed answer is refused whole over the cap; a receiver's is cut. */
static void test_whole_body(void **state)
{
        struct tw_http_client_options whole = {.max_body = 64 * 1024, .whole_body = true};
        struct tw_http_client_options cut = {.max_body = 64 * 1024};
        struct tw_http_client *c = NULL;
        struct tw_http_result r;
        char url[128];

        (void)state;
        snprintf(url, sizeof(url), "%s/big", srv.base);
        assert_int_equal(tw_http_client_new(&whole, &c), 0);
        assert_int_equal(tw_http_request(c, "GET", url, NULL, NULL, 0, 0, NULL, &r), -E2BIG);
        assert_int_equal(r.verdict, TW_HTTP_FAIL);
        tw_http_client_free(c);
        assert_int_equal(tw_http_client_new(&cut, &c), 0);
        assert_int_equal(tw_http_request(c, "GET", url, NULL, NULL, 0, 0, NULL, &r), 0);
        assert_int_equal(r.body_len, 64 * 1024);
        tw_http_client_free(c);
}

/* A CA bundle of one's own: trusted with it, refused without. */
static void test_ca_file(void **state)
{
        struct tw_http_server_options o = {.listen = "127.0.0.1:0"};
        struct tw_http_server *s = NULL;
        struct tw_http_client *c = NULL;
        struct tw_http_result r;
        char dir[] = "/tmp/tw-careq-XXXXXX", cert[128], key[128], cmd[1024], url[128];
        struct tw_buf err;

        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(cert, sizeof(cert), "%s/server.pem", dir);
        snprintf(key, sizeof(key), "%s/server.key", dir);
        snprintf(cmd, sizeof(cmd),
                 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                 "-keyout %s -out %s -days 2 -subj /CN=127.0.0.1 "
                 "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
                 key, cert);
        assert_int_equal(system(cmd), 0);
        o.tls_cert_file = cert;
        o.tls_key_file = key;
        tw_buf_init(&err, 0);
        assert_int_equal(tw_http_server_start(&o, &s, &err), 0);
        tw_buf_done(&err);
        assert_int_equal(tw_http_server_publish(s, "x 1\n", 4), 0);
        snprintf(url, sizeof(url), "https://127.0.0.1:%u/metrics", tw_http_server_port(s));

        assert_int_equal(tw_http_client_new(&(struct tw_http_client_options){.ca_file = cert}, &c),
                         0);
        assert_int_equal(tw_http_request(c, "GET", url, NULL, NULL, 0, 0, NULL, &r), 0);
        assert_int_equal(r.status, 200);
        tw_http_client_free(c);
        assert_int_equal(tw_http_client_new(&(struct tw_http_client_options){0}, &c), 0);
        assert_int_equal(tw_http_request(c, "GET", url, NULL, NULL, 0, 0, NULL, &r), -EKEYREJECTED);
        tw_http_client_free(c);

        tw_http_server_stop(s);
        unlink(cert);
        unlink(key);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_methods),
                cmocka_unit_test(test_whole_body),
                cmocka_unit_test(test_ca_file),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, group_setup, group_teardown);
        curl_global_cleanup();
        return r;
}
