/* TLS verification is always on: the API transport, the HTTP client's
 * POST and a webhook delivery all refuse an untrusted server certificate
 * at once, without retrying, and say why (the one classification in
 * lib/http/curl_easy.c).  The server is the metrics server with a
 * self-signed certificate. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
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
#include "lib/http/http.h"
#include "lib/http/client.h"
#include "exporters/http/server.h"
#include "exporters/notify/http_internal.h"
#include "exporters/notify/sink_internal.h"
#include "exporters/sinks/sinks.h"

#define HOOK_SECRET "T0K3N-in-the-path"

/* The self-signed server every test talks to. */
static struct {
        char dir[32], cert[128], key[128];
        struct tw_http_server *s;
        char base[64];
} srv;

static int group_setup(void **state)
{
        struct tw_http_server_options o = {.listen = "127.0.0.1:0"};
        static const char page[] = "x 1\n";
        struct tw_buf err;
        char cmd[1024];
        int r;

        (void)state;
        snprintf(srv.dir, sizeof(srv.dir), "/tmp/tw-tlsv-XXXXXX");
        if (!mkdtemp(srv.dir))
                return -1;
        snprintf(srv.cert, sizeof(srv.cert), "%s/server.pem", srv.dir);
        snprintf(srv.key, sizeof(srv.key), "%s/server.key", srv.dir);
        snprintf(cmd, sizeof(cmd),
                 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                 "-keyout %s -out %s -days 2 -subj /CN=127.0.0.1 "
                 "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
                 srv.key, srv.cert);
        if (system(cmd) != 0)
                return -1;
        o.tls_cert_file = srv.cert;
        o.tls_key_file = srv.key;
        tw_buf_init(&err, 0);
        r = tw_http_server_start(&o, &srv.s, &err);
        tw_buf_done(&err);
        if (r < 0 || tw_http_server_publish(srv.s, page, sizeof(page) - 1) < 0)
                return -1;
        snprintf(srv.base, sizeof(srv.base), "https://127.0.0.1:%u", tw_http_server_port(srv.s));
        return 0;
}

static int group_teardown(void **state)
{
        (void)state;
        tw_http_server_stop(srv.s);
        unlink(srv.cert);
        unlink(srv.key);
        rmdir(srv.dir);
        return 0;
}

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
        struct tw_http_options ho = {.bearer = "secret-bearer",
                                     .timeout_ms = 5000,
                                     .max_concurrency = 1,
                                     .rate_limit = 100,
                                     .max_retries = 5,
                                     .backoff_base_ms = 1000};
        struct tw_transport *t;
        char url[128];

        (void)state;
        t = tw_transport_curl_new(&ho);
        assert_non_null(t);
        snprintf(url, sizeof(url), "%s/metrics", srv.base);
        assert_int_equal(tw_transport_get(t, url, "tokens", done, NULL), 0);
        assert_int_equal(tw_transport_run(t), 0);
        assert_int_equal(last.error, -EKEYREJECTED);
        assert_int_equal(last.attempts, 1);
        assert_int_equal(last.status, 0);
        assert_int_equal(last.verdict, TW_HTTP_FAIL);
        assert_non_null(last.hint);
        assert_null(strstr(last_text, "secret-bearer"));
        print_message("error text: %s\n", last_text);
        tw_transport_free(t);
}

/* The synchronous POST classifies it the same way. */
static void test_post_untrusted_certificate(void **state)
{
        struct tw_http_client_options co = {.timeout_ms = 5000};
        struct tw_http_client *c = NULL;
        struct tw_notify_http_result nr;
        struct tw_http_result r;
        char url[128];

        (void)state;
        snprintf(url, sizeof(url), "%s/hook/" HOOK_SECRET, srv.base);
        assert_int_equal(tw_http_client_new(&co, &c), 0);
        assert_int_equal(tw_http_post(c, url, NULL, "{}", 2, 0, NULL, &r), -EKEYREJECTED);
        assert_int_equal(r.verdict, TW_HTTP_FAIL);
        assert_int_equal(r.status, 0);
        assert_non_null(r.hint);
        assert_null(strstr(r.error_text, HOOK_SECRET));

        /* The sender's view: not to be retried, and the hint in the text. */
        assert_int_equal(tw_notify_http_post(c, url, NULL, "{}", 2, 0, NULL, &nr), -EKEYREJECTED);
        assert_false(nr.retry);
        assert_non_null(strstr(nr.error_text, "TLS certificate is not trusted"));
        assert_null(strstr(nr.error_text, HOOK_SECRET));
        tw_http_client_free(c);
}

/* What the webhook sender reported: every on_error and on_done call. */
static struct {
        pthread_mutex_t mu;
        pthread_cond_t cond;
        int errors, retries, acks;
        char message[512];
} hook = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, ""};

static void on_hook_error(void *ud, const char *sink, const char *message, bool will_retry)
{
        (void)ud, (void)sink;
        pthread_mutex_lock(&hook.mu);
        hook.errors++;
        hook.retries += will_retry;
        snprintf(hook.message, sizeof(hook.message), "%s", message);
        pthread_cond_broadcast(&hook.cond);
        pthread_mutex_unlock(&hook.mu);
}

static void on_hook_done(void *ud, const char *sink, uint64_t id)
{
        (void)ud, (void)sink, (void)id;
        pthread_mutex_lock(&hook.mu);
        hook.acks++;
        pthread_cond_broadcast(&hook.cond);
        pthread_mutex_unlock(&hook.mu);
}

/* Waits (at most 20 s, then fails) until the sender reported n errors. */
static void wait_for_errors(int n)
{
        struct timespec until;

        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 20;
        pthread_mutex_lock(&hook.mu);
        while (hook.errors < n && pthread_cond_timedwait(&hook.cond, &hook.mu, &until) == 0)
                ;
        pthread_mutex_unlock(&hook.mu);
}

/* The bug this catches: a webhook behind an untrusted certificate was
 * retried for ever, the item stuck at the head of its queue. */
static void test_webhook_untrusted_certificate(void **state)
{
        char urls[128];
        struct tw_sink_options o = {
                .name = "selfsigned",
                .format = tw_sink_format_find("generic"),
                .urls = urls,
                .backoff_base_ms = 10,
                .backoff_max_ms = 20,
                .on_done = on_hook_done,
                .on_error = on_hook_error,
        };
        struct tw_sink *s = NULL;
        struct tw_sink_item *it;
        struct tw_buf err;

        (void)state;
        snprintf(urls, sizeof(urls), "%s/hook/" HOOK_SECRET, srv.base);
        tw_buf_init(&err, 0);
        assert_int_equal(tw_sink_new(&o, &s, &err), 0);
        assert_int_equal(tw_sink_start(s), 0);
        it = tw_sink_item_new(1, "test", "key-1", "{\"x\":1}", false, 0);
        assert_non_null(it);
        assert_int_equal(tw_sink_push(s, it), 0);
        tw_sink_release(s, 1);
        wait_for_errors(1);
        /* Once the item is settled the queue is empty: it was dropped, not
         * kept for another attempt. */
        pthread_mutex_lock(&hook.mu);
        assert_int_equal(hook.errors, 1);
        assert_int_equal(hook.retries, 0);
        assert_non_null(strstr(hook.message, "TLS certificate is not trusted"));
        assert_null(strstr(hook.message, HOOK_SECRET));
        pthread_mutex_unlock(&hook.mu);
        print_message("sender said: %s\n", hook.message);
        tw_sink_free(s);
        pthread_mutex_lock(&hook.mu);
        assert_int_equal(hook.acks, 1);
        pthread_mutex_unlock(&hook.mu);
        tw_buf_done(&err);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_untrusted_certificate_is_not_retried),
                cmocka_unit_test(test_post_untrusted_certificate),
                cmocka_unit_test(test_webhook_untrusted_certificate),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, group_setup, group_teardown);
        curl_global_cleanup();
        return r;
}
