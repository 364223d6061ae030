/*
 * The streaming GET (lib/http/stream.h) against a tiny libmicrohttpd server
 * on 127.0.0.1 that answers whatever bytes a case sets: plain bodies, gzip
 * with and without Content-Encoding, gzip members back to back, a gzip body
 * cut short, the inflated-size cap, a reader that stops the transfer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "lib/buf.h"
#include "lib/http/stream.h"

/* What the server answers (set before each GET; one GET at a time). */
static struct {
        unsigned char body[1 << 16];
        size_t len;
        const char *encoding;
        unsigned status;
} answer;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
        struct MHD_Response *resp;
        enum MHD_Result r;

        (void)cls, (void)url, (void)method, (void)version, (void)upload, (void)upload_size;
        if (!*con_cls) {
                *con_cls = conn;
                return MHD_YES;
        }
        resp = MHD_create_response_from_buffer(answer.len, answer.body, MHD_RESPMEM_MUST_COPY);
        if (answer.encoding)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, answer.encoding);
        r = MHD_queue_response(conn, answer.status, resp);
        MHD_destroy_response(resp);
        return r;
}

/* Appends text gzipped as one member to answer.body. */
static void add_gzip(const char *text)
{
        z_stream z = {0};

        assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
        z.next_in = (unsigned char *)text;
        z.avail_in = (uInt)strlen(text);
        z.next_out = answer.body + answer.len;
        z.avail_out = (uInt)(sizeof(answer.body) - answer.len);
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        answer.len = sizeof(answer.body) - z.avail_out;
        deflateEnd(&z);
}

static void set_plain(const char *text)
{
        answer.len = strlen(text);
        memcpy(answer.body, text, answer.len);
}

struct sink {
        struct tw_buf got;
        int stop_after; /* > 0: return -EIO after this many calls */
        int calls;
};

static int on_data(void *ctx, const char *data, size_t len)
{
        struct sink *s = ctx;

        if (s->stop_after && ++s->calls >= s->stop_after)
                return -EIO;
        return tw_buf_add(&s->got, data, len);
}

static const char *lines = "{\"timestamp\":\"2026-01-01T00:00:00Z\",\"subjectId\":\"a\"}\n"
                           "{\"timestamp\":\"2026-01-01T00:00:01Z\",\"subjectId\":\"b\"}\n";

static void test_bodies(void **state)
{
        enum shape { PLAIN, GZIP_HEADER, RAW_GZIP, RAW_TWO_MEMBERS, RAW_CUT, ONE_BYTE, ERROR_404 };
        static const struct {
                const char *name;
                enum shape shape;
                int want;
                const char *want_body; /* NULL: lines */
        } cases[] = {
                {"plain ndjson", PLAIN, 0, NULL},
                {"gzip with Content-Encoding", GZIP_HEADER, 0, NULL},
                {"raw gzip", RAW_GZIP, 0, NULL},
                {"two raw gzip members", RAW_TWO_MEMBERS, 0, NULL},
                {"raw gzip cut short", RAW_CUT, -EBADMSG, NULL},
                {"a one-byte body", ONE_BYTE, 0, "x"},
                {"an error keeps its body out of the reader", ERROR_404, 0, ""},
        };
        unsigned short port = *(unsigned short *)*state;
        char url[64];

        snprintf(url, sizeof(url), "http://127.0.0.1:%u/audit", (unsigned)port);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_http_stream_options o = {.bearer = "secret", .timeout_ms = 10000};
                struct tw_http_stream *h = NULL;
                struct tw_http_result res;
                struct sink s = {0};
                uint64_t inflated = 0;
                size_t half = strlen(lines) / 2;
                char first[256];

                print_message("%s\n", cases[i].name);
                memset(&answer, 0, sizeof(answer));
                answer.status = 200;
                switch (cases[i].shape) {
                case PLAIN:
                        set_plain(lines);
                        break;
                case GZIP_HEADER:
                        add_gzip(lines);
                        answer.encoding = "gzip";
                        break;
                case RAW_GZIP:
                        add_gzip(lines);
                        break;
                case RAW_TWO_MEMBERS:
                        snprintf(first, sizeof(first), "%.*s", (int)half, lines);
                        add_gzip(first);
                        add_gzip(lines + half);
                        break;
                case RAW_CUT:
                        add_gzip(lines);
                        answer.len -= 12;
                        break;
                case ONE_BYTE:
                        set_plain("x");
                        break;
                case ERROR_404:
                        set_plain("{\"message\":\"nope\",\"requestId\":\"r1\"}");
                        answer.status = 404;
                        break;
                }
                tw_buf_init(&s.got, 1 << 20);
                assert_int_equal(tw_http_stream_new(&o, &h), 0);
                assert_int_equal(tw_http_stream_get(h, url, on_data, &s, &res, &inflated),
                                 cases[i].want);
                if (cases[i].want == 0) {
                        const char *want = cases[i].want_body ? cases[i].want_body : lines;

                        assert_string_equal(s.got.ptr ? s.got.ptr : "", want);
                        assert_int_equal(inflated, strlen(want));
                }
                if (cases[i].shape == ERROR_404) {
                        assert_int_equal(res.status, 404);
                        assert_int_equal(res.verdict, TW_HTTP_FAIL);
                        assert_non_null(strstr(res.body, "\"requestId\":\"r1\""));
                }
                tw_http_stream_free(h);
                tw_buf_done(&s.got);
        }
}

static void test_cap_and_reader_stop(void **state)
{
        unsigned short port = *(unsigned short *)*state;
        struct tw_http_stream_options o = {.timeout_ms = 10000, .max_bytes = 10};
        struct tw_http_stream *h = NULL;
        struct tw_http_result res;
        struct sink s = {0};
        char url[64];

        snprintf(url, sizeof(url), "http://127.0.0.1:%u/audit", (unsigned)port);
        memset(&answer, 0, sizeof(answer));
        answer.status = 200;
        add_gzip(lines);
        tw_buf_init(&s.got, 1 << 20);
        assert_int_equal(tw_http_stream_new(&o, &h), 0);
        assert_int_equal(tw_http_stream_get(h, url, on_data, &s, &res, NULL), -E2BIG);
        assert_int_equal(res.verdict, TW_HTTP_FAIL);
        tw_http_stream_free(h);

        o.max_bytes = 0;
        s.stop_after = 1;
        assert_int_equal(tw_http_stream_new(&o, &h), 0);
        assert_int_equal(tw_http_stream_get(h, url, on_data, &s, &res, NULL), -EIO);
        /* The client is reusable after a failed GET. */
        s.stop_after = 0;
        tw_buf_reset(&s.got);
        assert_int_equal(tw_http_stream_get(h, url, on_data, &s, &res, NULL), 0);
        assert_string_equal(s.got.ptr, lines);
        tw_http_stream_free(h);
        tw_buf_done(&s.got);
}

static struct MHD_Daemon *d;

static int teardown(void **state)
{
        (void)state;
        MHD_stop_daemon(d);
        return 0;
}

static int setup(void **state)
{
        static unsigned short port;
        struct sockaddr_in sa = {.sin_family = AF_INET};
        const union MHD_DaemonInfo *info;

        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, NULL,
                             MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
        if (!d)
                return -1;
        info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        port = info ? info->port : 0;
        *state = &port;
        return port ? 0 : -1;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_bodies),
                cmocka_unit_test(test_cap_and_reader_stop),
        };

        curl_global_init(CURL_GLOBAL_DEFAULT);
        return cmocka_run_group_tests(tests, setup, teardown);
}
