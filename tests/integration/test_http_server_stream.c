/* The metrics server with a multi-megabyte page stored gzipped only: plain
 * responses inflated on the fly match gzip ones, HEAD, and a scrape in
 * progress keeps its page when a new one is published. */
#include "exporters/http/server.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "exporters/metrics/metrics.h"
#include "helpers/helpers.h"
#include "helpers/http_client.h"

#define BIG_LINES 120000 /* ~6 MB */

/* A page of n distinct sample lines whose values all end in v. */
static void big_page(struct tw_buf *out, unsigned v)
{
        tw_buf_init(out, TW_METRICS_PAGE_MAX);
        assert_int_equal(tw_buf_adds(out, "# HELP big_metric B.\n# TYPE big_metric gauge\n"), 0);
        for (unsigned i = 0; i < BIG_LINES; i++)
                assert_int_equal(tw_buf_printf(out,
                                               "big_metric{id=\"tok-%06u\",name=\"a \\\"b\\\" "
                                               "\\\\ c\\n\"} %u%u\n",
                                               i, i * 2654435761u, v),
                                 0);
}

static struct tw_http_server *start(void)
{
        struct tw_http_server_options o = {.listen = "127.0.0.1:0"};
        struct tw_http_server *s = NULL;

        assert_int_equal(tw_http_server_start(&o, &s, NULL), 0);
        return s;
}

static void test_plain_and_gzip_match(void **state)
{
        struct tw_test_request plain = {.path = "/metrics"};
        struct tw_test_request gz = {.path = "/metrics", .accept_encoding = "gzip"};
        struct tw_test_request head = {.method = "HEAD", .path = "/metrics"};
        struct tw_test_request head_gz = {
                .method = "HEAD", .path = "/metrics", .accept_encoding = "gzip"};
        struct tw_http_server *s = start();
        unsigned short port = tw_http_server_port(s);
        struct tw_buf page, inflated;
        struct tw_test_reply r;
        char v[64], want[32];

        (void)state;
        big_page(&page, 1);
        assert_true(page.len > (size_t)4 << 20);
        assert_int_equal(tw_http_server_publish(s, page.ptr, page.len), 0);

        assert_int_equal(tw_test_fetch(port, &plain, &r), CURLE_OK);
        assert_int_equal(r.status, 200);
        assert_false(tw_test_reply_header(&r, "Content-Encoding", v, sizeof(v)));
        assert_int_equal(r.body.len, page.len);
        assert_memory_equal(r.body.ptr, page.ptr, page.len);
        tw_test_reply_done(&r);

        assert_int_equal(tw_test_fetch(port, &gz, &r), CURLE_OK);
        assert_true(tw_test_reply_header(&r, "Content-Encoding", v, sizeof(v)));
        assert_string_equal(v, "gzip");
        assert_true(r.body.len < page.len / 4);
        tw_buf_init(&inflated, TW_METRICS_PAGE_MAX);
        tw_test_gunzip(r.body.ptr, r.body.len, &inflated);
        assert_int_equal(inflated.len, page.len);
        assert_memory_equal(inflated.ptr, page.ptr, page.len);
        tw_buf_done(&inflated);
        tw_test_reply_done(&r);

        /* HEAD: the plain length without inflating anything; no body. */
        snprintf(want, sizeof(want), "%zu", page.len);
        assert_int_equal(tw_test_fetch(port, &head, &r), CURLE_OK);
        assert_int_equal(r.status, 200);
        assert_true(tw_test_reply_header(&r, "Content-Length", v, sizeof(v)));
        assert_string_equal(v, want);
        assert_int_equal(r.body.len, 0);
        tw_test_reply_done(&r);
        assert_int_equal(tw_test_fetch(port, &head_gz, &r), CURLE_OK);
        assert_int_equal(r.status, 200);
        assert_true(tw_test_reply_header(&r, "Content-Encoding", v, sizeof(v)));
        assert_string_equal(v, "gzip");
        assert_int_equal(r.body.len, 0);
        tw_test_reply_done(&r);

        tw_buf_done(&page);
        tw_http_server_stop(s);
}

/* Sends a GET /metrics on a fresh connection; returns the socket. */
static int send_get(unsigned short port, bool gz)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
        char req[256];
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        int n;

        assert_true(fd >= 0);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
        n = snprintf(req, sizeof(req),
                     "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s\r\n",
                     gz ? "Accept-Encoding: gzip\r\n" : "");
        assert_int_equal(write(fd, req, (size_t)n), n);
        return fd;
}

/* Reads from fd into out until it holds at least want bytes (0: until EOF). */
static void read_some(int fd, struct tw_buf *out, size_t want)
{
        char chunk[16384];

        while (!want || out->len < want) {
                ssize_t n = read(fd, chunk, sizeof(chunk));

                assert_true(n >= 0);
                if (n == 0)
                        break;
                assert_int_equal(tw_buf_add(out, chunk, (size_t)n), 0);
        }
}

/* The body of a raw HTTP/1.1 response (Content-Length, not chunked). */
static const char *body_of(const struct tw_buf *resp, size_t *ret_len)
{
        const char *end = strstr(resp->ptr, "\r\n\r\n");

        assert_non_null(end);
        assert_non_null(strstr(resp->ptr, "200 OK"));
        *ret_len = resp->len - (size_t)(end + 4 - resp->ptr);
        return end + 4;
}

static void test_scrape_keeps_its_page(void **state)
{
        struct tw_http_server *s = start();
        unsigned short port = tw_http_server_port(s);
        struct tw_buf page1, page2, resp_plain, resp_gz, inflated;
        const char *body;
        size_t len;
        int fd_plain, fd_gz;

        (void)state;
        big_page(&page1, 1);
        big_page(&page2, 2);
        assert_int_equal(tw_http_server_publish(s, page1.ptr, page1.len), 0);
        tw_buf_init(&resp_plain, TW_METRICS_PAGE_MAX);
        tw_buf_init(&resp_gz, TW_METRICS_PAGE_MAX);
        fd_plain = send_get(port, false);
        fd_gz = send_get(port, true);
        /* Both responses have started... */
        read_some(fd_plain, &resp_plain, 65536);
        read_some(fd_gz, &resp_gz, 4096);
        /* ...when two new pages come (the first page's last server reference goes). */
        assert_int_equal(tw_http_server_publish(s, page2.ptr, page2.len), 0);
        assert_int_equal(tw_http_server_publish(s, page2.ptr, page2.len), 0);
        read_some(fd_plain, &resp_plain, 0);
        read_some(fd_gz, &resp_gz, 0);
        close(fd_plain);
        close(fd_gz);

        body = body_of(&resp_plain, &len);
        assert_int_equal(len, page1.len);
        assert_memory_equal(body, page1.ptr, page1.len);
        body = body_of(&resp_gz, &len);
        tw_buf_init(&inflated, TW_METRICS_PAGE_MAX);
        tw_test_gunzip(body, len, &inflated);
        assert_int_equal(inflated.len, page1.len);
        assert_memory_equal(inflated.ptr, page1.ptr, page1.len);

        tw_buf_done(&inflated);
        tw_buf_done(&resp_gz);
        tw_buf_done(&resp_plain);
        tw_buf_done(&page2);
        tw_buf_done(&page1);
        tw_http_server_stop(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plain_and_gzip_match),
                cmocka_unit_test(test_scrape_keeps_its_page),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
