/* tw_http_probe (lib/http/probe.c), as check-config --online uses it on
 * webhook hosts: it connects and closes without sending a byte (a webhook
 * URL's path is its secret), verifies TLS certificates, and tells a name
 * that does not resolve from a refused connection. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "exporters/http/server.h"
#include "helpers/helpers.h"
#include "helpers/http_server.h"
#include "lib/buf.h"
#include "lib/http/probe.h"

#define HOOK_SECRET "T0K3N-in-the-path"

/* A listening loopback socket; its port in *ret_port. */
static int listen_loopback(unsigned *ret_port)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
        socklen_t len = sizeof(sa);
        int fd = socket(AF_INET, SOCK_STREAM, 0);

        assert_true(fd >= 0);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(listen(fd, 4), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
        *ret_port = ntohs(sa.sin_port);
        return fd;
}

/* Plain http: the connection is made and closed, and the server reads
 * end-of-file at once: not one byte of the URL was sent. */
static void test_connects_sends_nothing(void **state)
{
        struct tw_http_result res;
        struct pollfd pfd;
        char url[128], text[CURL_ERROR_SIZE], buf[256];
        unsigned port;
        int lfd = listen_loopback(&port), cfd;

        (void)state;
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/hook/" HOOK_SECRET, port);
        assert_int_equal(tw_http_probe(url, 5000, &res, text, sizeof(text)), 0);
        assert_int_equal(res.verdict, TW_HTTP_DONE);
        assert_int_equal(res.status, 0);
        /* the connection waited in the backlog; the probe has closed it */
        cfd = accept(lfd, NULL, NULL);
        assert_true(cfd >= 0);
        pfd = (struct pollfd){.fd = cfd, .events = POLLIN};
        assert_int_equal(poll(&pfd, 1, 5000), 1);
        assert_int_equal(read(cfd, buf, sizeof(buf)), 0);
        close(cfd);
        close(lfd);
}

/* A port with no listener, and a name that does not resolve. */
static void test_unreachable(void **state)
{
        struct tw_http_result res;
        char url[128], text[CURL_ERROR_SIZE];
        unsigned port;

        (void)state;
        close(listen_loopback(&port));
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/hook/" HOOK_SECRET, port);
        assert_int_equal(tw_http_probe(url, 5000, &res, text, sizeof(text)), -ECONNREFUSED);
        assert_true(tw_http_unreachable(&res));
        assert_null(strstr(res.error_text, HOOK_SECRET));

        assert_int_equal(tw_http_probe("https://hooks.tokenwatch-test.invalid/" HOOK_SECRET, 5000,
                                       &res, text, sizeof(text)),
                         -EHOSTUNREACH);
        assert_non_null(strstr(res.error_text, "hooks.tokenwatch-test.invalid"));
        assert_null(strstr(res.error_text, HOOK_SECRET));

        assert_int_equal(tw_http_probe("ftp://example.com/x", 5000, &res, text, sizeof(text)),
                         -EINVAL);
}

/* https to a self-signed server: the handshake is made and the certificate
 * refused, with the hint a person needs. */
static void test_untrusted_certificate(void **state)
{
        struct tw_http_server_options o = {.listen = "127.0.0.1:0"};
        struct tw_http_server *s;
        struct tw_http_result res;
        char dir[64], cert[128], key[128], cmd[1024], url[128], text[CURL_ERROR_SIZE];

        (void)state;
        tw_test_tmpdir(dir, sizeof(dir), "probe-tls");
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
        s = tw_test_http_server_start(&o);
        snprintf(url, sizeof(url), "https://127.0.0.1:%u/hook/" HOOK_SECRET,
                 tw_http_server_port(s));
        assert_int_equal(tw_http_probe(url, 5000, &res, text, sizeof(text)), -EKEYREJECTED);
        assert_non_null(res.hint);
        assert_null(strstr(res.error_text, HOOK_SECRET));
        tw_http_server_stop(s);
        tw_test_rmtree(dir);
}

static int setup(void **state)
{
        (void)state;
        return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        curl_global_cleanup();
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_connects_sends_nothing),
                cmocka_unit_test(test_unreachable),
                cmocka_unit_test(test_untrusted_certificate),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
