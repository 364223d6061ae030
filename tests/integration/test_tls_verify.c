/* TLS verification is always on: the transport refuses an untrusted server
 * certificate at once, without retrying, and says why. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "lib/buf.h"
#include "lib/http.h"
#include "exporters/http_server.h"

static struct tw_http_result last;
static char last_text[512];

static void done(void *ud, const struct tw_http_result *res)
{
        (void)ud;
        last = *res;
        snprintf(last_text, sizeof(last_text), "%s", res->error_text ? res->error_text : "");
        last.error_text = last_text;
        last.body = NULL;
}

static void test_untrusted_certificate_is_not_retried(void **state)
{
        char dir[] = "/tmp/tw-tlsv-XXXXXX", cmd[1024], cert[128], key[128], url[128];
        struct tw_http_server_options o = {.listen = "127.0.0.1:0"};
        struct tw_http_server *s = NULL;
        struct tw_transport *t;
        struct tw_buf err;
        static const char page[] = "x 1\n";

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
        assert_int_equal(tw_http_server_publish(s, page, sizeof(page) - 1), 0);

        struct tw_http_options ho = {.bearer = "secret-bearer",
                                     .timeout_ms = 5000,
                                     .max_concurrency = 1,
                                     .rate_limit = 100,
                                     .max_retries = 5,
                                     .backoff_base_ms = 1000};
        t = tw_transport_curl_new(&ho);
        assert_non_null(t);
        snprintf(url, sizeof(url), "https://127.0.0.1:%u/metrics", tw_http_server_port(s));
        assert_int_equal(tw_transport_get(t, url, "tokens", done, NULL), 0);
        assert_int_equal(tw_transport_run(t), 0);
        assert_int_equal(last.error, -EKEYREJECTED);
        assert_int_equal(last.attempts, 1);
        assert_int_equal(last.status, 0);
        assert_null(strstr(last_text, "secret-bearer"));
        print_message("error text: %s\n", last_text);

        tw_transport_free(t);
        tw_http_server_stop(s);
        tw_buf_done(&err);
        unlink(cert);
        unlink(key);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_untrusted_certificate_is_not_retried),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
