/* Integration tests for the libcurl multi transport (lib/http/curl.c)
 * against a small libmicrohttpd server on 127.0.0.1:0, one thread per
 * connection, whose routes misbehave on purpose:
 *   /ok/<latency_ms>/<tag>              200 {"ok":true} after the latency
 *   /fail/<status>/<n>/<ra>/<tag>       the first n requests of this path
 *                                       answer status (Retry-After: ra if
 *                                       ra >= 0), later ones 200
 *   /faildate/<n>/<s>/<tag>             the first n answer 429 with an
 *                                       HTTP-date Retry-After s seconds
 *                                       from now, later ones 200
 *   /hang/<ms>/<tag>                    answers 200 after ms
 *   /close/<n>/<tag>                    the first n close the connection
 *   /big/<bytes>/<chunked>/<tag>        a body of that size
 *   /redirect                           302 to /ok/0/redirected
 *   /headers                            200, records the request headers
 *   anything else                       404
 * Every route answers GET and POST alike.  The server counts requests in
 * flight, connections, and logs each request with its start time.  The
 * tests of the synchronous POST (lib/http/client.c) and of a webhook
 * sender's connection reuse share it. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "helpers/wait.h"
#include "lib/timeutil.h"
#include "lib/http/http.h"
#include "lib/buf.h"
#include "lib/http/client.h"
#include "exporters/notify/sink_internal.h"
#include "exporters/sinks/sinks.h"
#include "sim/sim.h"

#define MS 1000000LL
#define MAX_LOG 512
#define TOKEN "sekrit-token-123"

struct logged {
        char path[96];
        int64_t start_ns;
};

static struct server {
        struct MHD_Daemon *d;
        char base[64];
        pthread_mutex_t mu;
        int in_flight, max_in_flight, connections;
        struct logged log[MAX_LOG];
        size_t n_log;
        char auth[128], accept[64], ua[128], accept_enc[64], api_version[16];
} srv = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void copy_header(struct MHD_Connection *c, const char *name, char *dst, size_t n)
{
        const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);

        snprintf(dst, n, "%s", v ? v : "");
}

struct big_body {
        size_t left;
};

static ssize_t big_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
        struct big_body *b = cls;
        size_t n = b->left < max ? b->left : max;

        (void)pos;
        if (n == 0)
                return MHD_CONTENT_READER_END_OF_STREAM;
        memset(buf, 'x', n);
        b->left -= n;
        return (ssize_t)n;
}

/* Leaves the in-flight count, then sends: a client that starts its next
 * request on seeing this response must not find us still counted. */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
        enum MHD_Result ret;

        pthread_mutex_lock(&srv.mu);
        srv.in_flight--;
        pthread_mutex_unlock(&srv.mu);
        if (!r)
                return MHD_NO;
        ret = MHD_queue_response(c, status, r);
        MHD_destroy_response(r);
        return ret;
}

static struct MHD_Response *text(const char *s)
{
        return MHD_create_response_from_buffer(strlen(s), (void *)s, MHD_RESPMEM_MUST_COPY);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
        struct MHD_Response *r;
        size_t seen = 0;
        int a, b, ra;
        char tag[64];
        static int first_call_marker;
        (void)cls, (void)method, (void)version, (void)upload, (void)upload_size;

        /* Answering on the first call (headers only) makes MHD close the
         * connection; answer on the second, as MHD's examples do. */
        if (!*con_cls) {
                *con_cls = &first_call_marker;
                return MHD_YES;
        }
        /* A POST body arrives in calls of its own: read and drop it. */
        if (*upload_size) {
                *upload_size = 0;
                return MHD_YES;
        }
        pthread_mutex_lock(&srv.mu);
        for (size_t i = 0; i < srv.n_log; i++)
                seen += strcmp(srv.log[i].path, url) == 0;
        if (srv.n_log < MAX_LOG) {
                snprintf(srv.log[srv.n_log].path, sizeof(srv.log[0].path), "%s", url);
                srv.log[srv.n_log++].start_ns = tw_mono_ns();
        }
        if (++srv.in_flight > srv.max_in_flight)
                srv.max_in_flight = srv.in_flight;
        pthread_mutex_unlock(&srv.mu);

        if (sscanf(url, "/ok/%d/%63s", &a, tag) == 2) {
                tw_test_sleep_ms(a); /* a slow server */
                return reply(c, 200, text("{\"ok\":true}"));
        }
        if (sscanf(url, "/faildate/%d/%d/%63s", &b, &ra, tag) == 3) {
                char v[64];
                time_t when = time(NULL) + ra;
                struct tm tm;

                if ((int)seen >= b)
                        return reply(c, 200, text("{\"ok\":true}"));
                r = text("{}");
                strftime(v, sizeof(v), "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&when, &tm));
                MHD_add_response_header(r, "Retry-After", v);
                return reply(c, 429, r);
        }
        if (sscanf(url, "/fail/%d/%d/%d/%63s", &a, &b, &ra, tag) == 4) {
                if ((int)seen >= b)
                        return reply(c, 200, text("{\"ok\":true}"));
                r = text("{\"message\":\"injected\",\"requestId\":\"r\",\"statusCode\":0}");
                if (ra >= 0) {
                        char v[16];

                        snprintf(v, sizeof(v), "%d", ra);
                        MHD_add_response_header(r, "Retry-After", v);
                }
                return reply(c, (unsigned)a, r);
        }
        if (sscanf(url, "/hang/%d/%63s", &a, tag) == 2) {
                tw_test_sleep_ms(a); /* a slow server */
                return reply(c, 200, text("{\"ok\":true}"));
        }
        if (sscanf(url, "/close/%d/%63s", &a, tag) == 2)
                return (int)seen < a ? reply(c, 0, NULL) : reply(c, 200, text("{\"ok\":true}"));
        if (sscanf(url, "/big/%d/%d/%63s", &a, &b, tag) == 3) {
                if (b) {
                        struct big_body *bb = malloc(sizeof(*bb));

                        bb->left = (size_t)a;
                        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, big_reader,
                                                              bb, free);
                } else {
                        char *buf = malloc((size_t)a);

                        memset(buf, 'x', (size_t)a);
                        r = MHD_create_response_from_buffer((size_t)a, buf, MHD_RESPMEM_MUST_FREE);
                }
                return reply(c, 200, r);
        }
        if (strcmp(url, "/redirect") == 0) {
                r = text("");
                MHD_add_response_header(r, "Location", "/ok/0/redirected");
                return reply(c, 302, r);
        }
        if (strcmp(url, "/headers") == 0) {
                pthread_mutex_lock(&srv.mu);
                copy_header(c, "Authorization", srv.auth, sizeof(srv.auth));
                copy_header(c, "Accept", srv.accept, sizeof(srv.accept));
                copy_header(c, "User-Agent", srv.ua, sizeof(srv.ua));
                copy_header(c, "Accept-Encoding", srv.accept_enc, sizeof(srv.accept_enc));
                copy_header(c, "X-API-Version", srv.api_version, sizeof(srv.api_version));
                pthread_mutex_unlock(&srv.mu);
                return reply(c, 200, text("{}"));
        }
        return reply(c, 404, text("{\"message\":\"not found\"}"));
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
        (void)cls, (void)c, (void)socket_context;
        if (code == MHD_CONNECTION_NOTIFY_STARTED) {
                pthread_mutex_lock(&srv.mu);
                srv.connections++;
                pthread_mutex_unlock(&srv.mu);
        }
}

/* Waits for hanging handlers of the previous test, then clears the log. */
static void server_reset(void)
{
        int64_t deadline = tw_test_deadline(4000);

        do {
                pthread_mutex_lock(&srv.mu);
                if (srv.in_flight == 0) {
                        srv.n_log = 0;
                        srv.max_in_flight = 0;
                        srv.connections = 0;
                        pthread_mutex_unlock(&srv.mu);
                        return;
                }
                pthread_mutex_unlock(&srv.mu);
        } while (tw_test_poll_again(deadline));
        fail_msg("server handlers still busy after 4 s");
}

static size_t server_count(const char *path)
{
        size_t n = 0;

        pthread_mutex_lock(&srv.mu);
        for (size_t i = 0; i < srv.n_log; i++)
                n += strcmp(srv.log[i].path, path) == 0;
        pthread_mutex_unlock(&srv.mu);
        return n;
}

/* Start time of the k-th request (0-based) to path, or -1. */
static int64_t server_start(const char *path, size_t k)
{
        int64_t t = -1;

        pthread_mutex_lock(&srv.mu);
        for (size_t i = 0; i < srv.n_log; i++)
                if (strcmp(srv.log[i].path, path) == 0 && k-- == 0) {
                        t = srv.log[i].start_ns;
                        break;
                }
        pthread_mutex_unlock(&srv.mu);
        return t;
}

static int group_setup(void **state)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
        const union MHD_DaemonInfo *info;
        (void)state;

        signal(SIGPIPE, SIG_IGN);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return -1;
        srv.d = MHD_start_daemon(
                MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
                0, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, &sa,
                MHD_OPTION_CONNECTION_LIMIT, 64u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL, MHD_OPTION_END);
        if (!srv.d)
                return -1;
        info = MHD_get_daemon_info(srv.d, MHD_DAEMON_INFO_BIND_PORT);
        if (!info || !info->port)
                return -1;
        snprintf(srv.base, sizeof(srv.base), "http://127.0.0.1:%u", (unsigned)info->port);
        return 0;
}

static int group_teardown(void **state)
{
        (void)state;
        server_reset();
        MHD_stop_daemon(srv.d);
        curl_global_cleanup();
        return 0;
}

struct outcome {
        int calls;
        long status;
        int error;
        int attempts;
        size_t body_len;
        char body[64];
        char text[CURL_ERROR_SIZE];
};

static int token_leaks; /* error texts that contained the bearer */

static void on_done(void *userdata, const struct tw_http_result *r)
{
        struct outcome *o = userdata;

        o->calls++;
        o->status = r->status;
        o->error = r->error;
        o->attempts = r->attempts;
        o->body_len = r->body_len;
        snprintf(o->body, sizeof(o->body), "%s", r->body ? r->body : "(null)");
        snprintf(o->text, sizeof(o->text), "%s", r->error_text ? r->error_text : "");
        if (r->error_text && strstr(r->error_text, TOKEN))
                token_leaks++;
}

static struct tw_http_options default_options(void)
{
        return (struct tw_http_options){
                .bearer = TOKEN,
                .extra_header = "X-API-Version: 1.0",
                .timeout_ms = 3000,
                .max_concurrency = 4,
                .rate_limit = 0,
                .max_retries = 3,
                .backoff_base_ms = 20,
                .backoff_max_ms = 200,
                .max_body = 1 << 20,
        };
}

static char *url_of(char *buf, size_t n, const char *path)
{
        snprintf(buf, n, "%s%s", srv.base, path);
        return buf;
}

/* Runs one GET of path with opts; returns its outcome and the stats. */
static struct outcome fetch(const struct tw_http_options *opts, const char *path,
                            struct tw_http_stats *ret_stats)
{
        struct tw_transport *t = tw_transport_curl_new(opts);
        struct outcome o = {0};
        char url[256];

        assert_non_null(t);
        assert_int_equal(tw_transport_get(t, url_of(url, sizeof(url), path), "test", on_done, &o),
                         0);
        assert_int_equal(tw_transport_run(t), 0);
        assert_int_equal(o.calls, 1);
        if (ret_stats)
                *ret_stats = *tw_transport_curl_stats(t);
        tw_transport_free(t);
        return o;
}

static uint64_t code_count(const struct tw_http_stats *s, const char *ep, long code)
{
        for (size_t e = 0; e < s->n_endpoints; e++)
                for (size_t c = 0; c < s->endpoints[e].n_codes; c++)
                        if (strcmp(s->endpoints[e].endpoint, ep) == 0 &&
                            s->endpoints[e].codes[c].code == code)
                                return s->endpoints[e].codes[c].count;
        return 0;
}

static void test_concurrency_cap(void **state)
{
        struct tw_http_options opts = default_options();
        struct outcome o[30] = {{0}};
        struct tw_transport *t;
        const struct tw_http_stats *st;
        char url[256], path[64];
        int max_in_flight, connections;
        (void)state;

        server_reset();
        opts.max_concurrency = 3;
        t = tw_transport_curl_new(&opts);
        assert_non_null(t);
        for (int i = 0; i < 30; i++) {
                snprintf(path, sizeof(path), "/ok/50/c%d", i);
                assert_int_equal(
                        tw_transport_get(t, url_of(url, sizeof(url), path), "ok", on_done, &o[i]),
                        0);
        }
        assert_int_equal(tw_transport_run(t), 0);
        for (int i = 0; i < 30; i++) {
                assert_int_equal(o[i].calls, 1);
                assert_int_equal(o[i].status, 200);
                assert_int_equal(o[i].error, 0);
                assert_int_equal(o[i].attempts, 1);
                assert_string_equal(o[i].body, "{\"ok\":true}");
        }
        st = tw_transport_curl_stats(t);
        assert_int_equal(st->requests, 30);
        assert_int_equal(code_count(st, "ok", 200), 30);
        assert_int_equal(st->max_in_flight, 3);
        pthread_mutex_lock(&srv.mu);
        max_in_flight = srv.max_in_flight;
        connections = srv.connections;
        pthread_mutex_unlock(&srv.mu);
        assert_in_range(max_in_flight, 2, 3);
        /* Connections are reused, not one per request. */
        assert_in_range(connections, 1, 6);
        tw_transport_free(t);
}

static void test_rate_limit(void **state)
{
        struct tw_http_options opts = default_options();
        struct outcome o[40] = {{0}};
        struct tw_transport *t;
        char url[256], path[64];
        int max = 0;
        size_t n;
        int64_t span;
        (void)state;

        server_reset();
        opts.rate_limit = 20;
        t = tw_transport_curl_new(&opts);
        assert_non_null(t);
        for (int i = 0; i < 40; i++) {
                snprintf(path, sizeof(path), "/ok/0/r%d", i);
                assert_int_equal(
                        tw_transport_get(t, url_of(url, sizeof(url), path), "ok", on_done, &o[i]),
                        0);
        }
        assert_int_equal(tw_transport_run(t), 0);
        for (int i = 0; i < 40; i++)
                assert_int_equal(o[i].status, 200);
        pthread_mutex_lock(&srv.mu);
        n = srv.n_log;
        for (size_t i = 0, j = 0; i < n; i++) {
                while (srv.log[i].start_ns - srv.log[j].start_ns >= 1000 * MS)
                        j++;
                if ((int)(i - j + 1) > max)
                        max = (int)(i - j + 1);
        }
        span = n ? srv.log[n - 1].start_ns - srv.log[0].start_ns : 0;
        pthread_mutex_unlock(&srv.mu);
        assert_int_equal(n, 40);
        /* The limiter really limits: 40 starts at 20/s with a burst of 2
         * span at least 37 intervals of 50 ms (a lower bound, not a timing). */
        assert_true(span >= 1700 * MS);
        /* rate + default burst (2) in any 1-second window. */
        assert_in_range(max, 1, 22);
        tw_transport_free(t);
}

static void test_server_errors_retried(void **state)
{
        struct tw_http_options opts = default_options();
        struct tw_http_stats st;
        struct outcome o;
        (void)state;

        server_reset();
        o = fetch(&opts, "/fail/503/2/-1/a", &st);
        assert_int_equal(o.status, 200);
        assert_int_equal(o.error, 0);
        assert_int_equal(o.attempts, 3);
        assert_string_equal(o.body, "{\"ok\":true}");
        assert_int_equal(server_count("/fail/503/2/-1/a"), 3);
        assert_int_equal(st.retries[TW_RETRY_SERVER_ERROR], 2);
        assert_int_equal(st.requests, 3);
        assert_int_equal(code_count(&st, "test", 503), 2);
        assert_int_equal(code_count(&st, "test", 200), 1);

        o = fetch(&opts, "/fail/500/1/-1/b", NULL);
        assert_int_equal(o.status, 200);
        assert_int_equal(o.attempts, 2);
}

static void test_max_retries(void **state)
{
        struct tw_http_options opts = default_options();
        struct tw_http_stats st;
        struct outcome o;
        (void)state;

        server_reset();
        opts.max_retries = 2;
        o = fetch(&opts, "/fail/500/100/-1/m", &st);
        assert_int_equal(o.status, 500);
        assert_int_equal(o.error, 0);
        assert_int_equal(o.attempts, 3);
        assert_int_equal(server_count("/fail/500/100/-1/m"), 3);
        assert_int_equal(st.retries[TW_RETRY_SERVER_ERROR], 2);

        opts.max_retries = 0;
        o = fetch(&opts, "/fail/502/100/-1/z", NULL);
        assert_int_equal(o.status, 502);
        assert_int_equal(o.attempts, 1);
        assert_int_equal(server_count("/fail/502/100/-1/z"), 1);
}

static void test_client_errors_not_retried(void **state)
{
        static const char *const paths[] = {
                "/nothing-here",      "/fail/400/100/-1/x", "/fail/401/100/-1/x",
                "/fail/403/100/-1/x", "/fail/408/100/-1/x",
        };
        static const long want[] = {404, 400, 401, 403, 408};
        struct tw_http_options opts = default_options();
        struct tw_http_stats st;
        struct outcome o;
        (void)state;

        server_reset();
        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
                o = fetch(&opts, paths[i], &st);
                assert_int_equal(o.status, want[i]);
                assert_int_equal(o.error, 0);
                assert_int_equal(o.attempts, 1);
                assert_int_equal(server_count(paths[i]), 1);
                assert_int_equal(st.requests, 1);
        }
}

static void test_retry_after_honoured(void **state)
{
        struct tw_http_options opts = default_options();
        struct tw_http_stats st;
        struct outcome o;
        int64_t gap;
        (void)state;

        server_reset();
        o = fetch(&opts, "/fail/429/1/1/ra", &st);
        assert_int_equal(o.status, 200);
        assert_int_equal(o.attempts, 2);
        assert_int_equal(st.rate_limited, 1);
        assert_int_equal(st.retries[TW_RETRY_RATE_LIMITED], 1);
        /* Retry-After: 1 is a minimum even though the backoff is 20-200 ms:
         * the delay chosen, and the server saw the retry no earlier. */
        assert_true(st.retry_delay_ms >= 1000);
        gap = server_start("/fail/429/1/1/ra", 1) - server_start("/fail/429/1/1/ra", 0);
        assert_true(gap >= 950 * MS);

        /* An HTTP-date two seconds ahead: libcurl makes it 1 or 2 seconds
         * (the clock may tick between the server's time() and ours). */
        o = fetch(&opts, "/faildate/1/2/date", &st);
        assert_int_equal(o.status, 200);
        assert_int_equal(o.attempts, 2);
        assert_in_range(st.retry_delay_ms, 1000, 2000);

        /* A date in the past asks for no wait: the backoff alone. */
        o = fetch(&opts, "/faildate/1/-3600/past", &st);
        assert_int_equal(o.status, 200);
        assert_int_equal(o.attempts, 2);
        assert_in_range(st.retry_delay_ms, 20, 200);

        /* Without Retry-After: exponential backoff within its bounds. */
        o = fetch(&opts, "/fail/429/2/-1/nora", &st);
        assert_int_equal(o.status, 200);
        assert_int_equal(o.attempts, 3);
        assert_int_equal(st.rate_limited, 2);
        assert_in_range(st.retry_delay_ms, 2 * 20, 2 * 200);
}

/* A 429 holds back every start, not only its own retry. */
static void test_429_pauses_transport(void **state)
{
        struct tw_http_options opts = default_options();
        struct outcome a = {0}, b = {0};
        struct tw_transport *t;
        char url[256];
        (void)state;

        server_reset();
        opts.max_concurrency = 1;
        t = tw_transport_curl_new(&opts);
        assert_non_null(t);
        assert_int_equal(
                tw_transport_get(t, url_of(url, sizeof(url), "/fail/429/1/1/p"), "a", on_done, &a),
                0);
        assert_int_equal(
                tw_transport_get(t, url_of(url, sizeof(url), "/ok/0/after-429"), "b", on_done, &b),
                0);
        assert_int_equal(tw_transport_run(t), 0);
        assert_int_equal(a.status, 200);
        assert_int_equal(b.status, 200);
        assert_true(server_start("/ok/0/after-429", 0) - server_start("/fail/429/1/1/p", 0) >=
                    950 * MS);
        tw_transport_free(t);
}

static void test_timeout(void **state)
{
        struct tw_http_options opts = default_options();
        struct tw_http_stats st;
        struct outcome o;
        (void)state;

        server_reset();
        opts.timeout_ms = 150;
        opts.max_retries = 1;
        o = fetch(&opts, "/hang/800/t", &st);
        assert_int_equal(o.error, -ETIMEDOUT);
        assert_int_equal(o.attempts, 2);
        assert_true(o.text[0] != '\0');
        assert_int_equal(st.retries[TW_RETRY_TIMEOUT], 1);
        assert_int_equal(code_count(&st, "test", 0), 2);
}

static void test_connection_closed(void **state)
{
        struct tw_http_options opts = default_options();
        struct tw_http_stats st;
        struct outcome o;
        (void)state;

        server_reset();
        o = fetch(&opts, "/close/1/once", &st);
        assert_int_equal(o.status, 200);
        assert_int_equal(o.attempts, 2);
        assert_int_equal(st.retries[TW_RETRY_CONNECTION], 1);

        opts.max_retries = 2;
        o = fetch(&opts, "/close/100/always", &st);
        assert_int_equal(o.error, -EPROTO);
        assert_int_equal(o.status, 0);
        assert_int_equal(o.attempts, 3);
        assert_int_equal(server_count("/close/100/always"), 3);
}

/* A loopback port that was free a moment ago and has no listener. */
static unsigned unused_port(void)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
        socklen_t len = sizeof(sa);
        int fd;

        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
        close(fd);
        return ntohs(sa.sin_port);
}

static void test_connection_refused(void **state)
{
        struct tw_http_options opts = default_options();
        struct tw_transport *t;
        struct outcome o = {0};
        char url[128];
        (void)state;

        snprintf(url, sizeof(url), "http://127.0.0.1:%u/ok/0/x", unused_port());

        /* Five retries allowed, one taken: a stopped server does not start
         * within seconds, and the listing should say so at once. */
        opts.max_retries = 5;
        t = tw_transport_curl_new(&opts);
        assert_non_null(t);
        assert_int_equal(tw_transport_get(t, url, "refused", on_done, &o), 0);
        assert_int_equal(tw_transport_run(t), 0);
        assert_int_equal(o.error, -ECONNREFUSED);
        assert_int_equal(o.attempts, 2);
        assert_true(o.text[0] != '\0');
        assert_int_equal(tw_transport_curl_stats(t)->retries[TW_RETRY_CONNECTION], 1);
        tw_transport_free(t);
}

/* A host name that does not resolve (.invalid never does, RFC 6761): one
 * quick retry, then -EHOSTUNREACH naming the host. */
static void test_name_not_resolved(void **state)
{
        struct tw_http_options opts = default_options();
        struct tw_transport *t;
        struct outcome o = {0};
        (void)state;

        opts.max_retries = 5;
        t = tw_transport_curl_new(&opts);
        assert_non_null(t);
        assert_int_equal(tw_transport_get(t, "http://api.tokenwatch-test.invalid/v1/x",
                                          "unresolved", on_done, &o),
                         0);
        assert_int_equal(tw_transport_run(t), 0);
        assert_int_equal(o.error, -EHOSTUNREACH);
        assert_int_equal(o.attempts, 2);
        assert_non_null(strstr(o.text, "api.tokenwatch-test.invalid"));
        assert_int_equal(tw_transport_curl_stats(t)->retries[TW_RETRY_CONNECTION], 1);
        tw_transport_free(t);
}

static void test_body_cap(void **state)
{
        struct tw_http_options opts = default_options();
        struct outcome o;
        (void)state;

        server_reset();
        opts.max_body = 1000;
        /* Known length: refused from Content-Length. */
        o = fetch(&opts, "/big/5000/0/len", NULL);
        assert_int_equal(o.error, -E2BIG);
        assert_int_equal(o.attempts, 1);
        assert_int_equal(server_count("/big/5000/0/len"), 1);
        /* Chunked: refused by the write callback. */
        o = fetch(&opts, "/big/50000/1/chunked", NULL);
        assert_int_equal(o.error, -E2BIG);
        assert_int_equal(o.attempts, 1);
        assert_int_equal(server_count("/big/50000/1/chunked"), 1);
        /* Exactly the cap is fine. */
        o = fetch(&opts, "/big/1000/1/exact", NULL);
        assert_int_equal(o.error, 0);
        assert_int_equal(o.status, 200);
        assert_int_equal(o.body_len, 1000);
}

static void test_headers_and_no_redirect(void **state)
{
        struct tw_http_options opts = default_options();
        struct outcome o;
        (void)state;

        server_reset();
        /* The handler has returned when the response arrives: no lock. */
        o = fetch(&opts, "/headers", NULL);
        assert_int_equal(o.status, 200);
        assert_string_equal(srv.auth, "Bearer " TOKEN);
        assert_string_equal(srv.accept, "application/json");
        assert_string_equal(srv.api_version, "1.0");
        assert_true(strncmp(srv.ua, "tokenwatch/", 11) == 0);
        /* CURLOPT_ACCEPT_ENCODING "": every encoding libcurl decodes. */
        assert_non_null(strstr(srv.accept_enc, "gzip"));

        opts.user_agent = "custom-agent/1";
        o = fetch(&opts, "/headers", NULL);
        assert_string_equal(srv.ua, "custom-agent/1");

        /* A redirect is returned, not followed: the bearer stays home. */
        o = fetch(&opts, "/redirect", NULL);
        assert_int_equal(o.status, 302);
        assert_int_equal(o.attempts, 1);
        assert_int_equal(server_count("/ok/0/redirected"), 0);
}

static void test_bad_url(void **state)
{
        struct tw_http_options opts = default_options();
        struct tw_transport *t = tw_transport_curl_new(&opts);
        struct outcome o = {0}, p = {0};
        (void)state;

        assert_non_null(t);
        assert_int_equal(tw_transport_get(t, "ftp://127.0.0.1/x", "bad", on_done, &o), 0);
        assert_int_equal(tw_transport_get(t, "file:///etc/passwd", "bad", on_done, &p), 0);
        assert_int_equal(tw_transport_run(t), 0);
        assert_int_equal(o.error, -EINVAL);
        assert_int_equal(o.attempts, 1);
        assert_int_equal(p.error, -EINVAL);
        assert_int_equal(tw_transport_get(t, NULL, "bad", on_done, &o), -EINVAL);
        tw_transport_free(t);
}

struct pager {
        struct tw_transport *t;
        int pages, calls;
        int last_status;
};

/* A done callback that queues the next page, as the collector does. */
static void on_page(void *userdata, const struct tw_http_result *r)
{
        struct pager *p = userdata;
        char url[256], path[64];

        p->calls++;
        p->last_status = (int)r->status;
        if (r->status == 200 && p->calls < p->pages) {
                snprintf(path, sizeof(path), "/ok/5/page%d", p->calls);
                assert_int_equal(
                        tw_transport_get(p->t, url_of(url, sizeof(url), path), "page", on_page, p),
                        0);
                /* run() is not reentrant. */
                assert_int_equal(tw_transport_run(p->t), -EBUSY);
        }
}

static void test_paging_from_callback(void **state)
{
        struct tw_http_options opts = default_options();
        struct pager p = {.pages = 5};
        char url[256];
        (void)state;

        server_reset();
        p.t = tw_transport_curl_new(&opts);
        assert_non_null(p.t);
        assert_int_equal(
                tw_transport_get(p.t, url_of(url, sizeof(url), "/ok/5/page0"), "page", on_page, &p),
                0);
        assert_int_equal(tw_transport_run(p.t), 0);
        assert_int_equal(p.calls, 5);
        assert_int_equal(p.last_status, 200);
        assert_int_equal(server_count("/ok/5/page4"), 1);

        /* The transport serves a second run (the daemon's next cycle). */
        p.calls = 0;
        p.pages = 2;
        assert_int_equal(
                tw_transport_get(p.t, url_of(url, sizeof(url), "/ok/5/page0"), "page", on_page, &p),
                0);
        assert_int_equal(tw_transport_run(p.t), 0);
        assert_int_equal(p.calls, 2);
        assert_int_equal(tw_transport_curl_stats(p.t)->requests, 7);
        tw_transport_free(p.t);
}

struct canceller {
        volatile sig_atomic_t *flag;
        int in_flight; /* cancel once the server handles this many requests */
};

/* Raises the flag once the server has the transfers in hand (bounded). */
static void *cancel_when_in_flight(void *arg)
{
        struct canceller *c = arg;
        int64_t deadline = tw_test_deadline(5000);
        int n;

        do {
                pthread_mutex_lock(&srv.mu);
                n = srv.in_flight;
                pthread_mutex_unlock(&srv.mu);
        } while (n < c->in_flight && tw_test_poll_again(deadline));
        *c->flag = 1;
        return NULL;
}

static void test_cancel(void **state)
{
        static volatile sig_atomic_t cancel;
        struct tw_http_options opts = default_options();
        struct canceller c = {&cancel, 2};
        struct outcome o[6] = {{0}};
        struct tw_transport *t;
        pthread_t th;
        char url[256], path[64];
        (void)state;

        server_reset();
        cancel = 0;
        opts.cancel = &cancel;
        opts.max_concurrency = 2;
        t = tw_transport_curl_new(&opts);
        assert_non_null(t);
        for (int i = 0; i < 6; i++) {
                snprintf(path, sizeof(path), "/hang/1500/k%d", i);
                assert_int_equal(
                        tw_transport_get(t, url_of(url, sizeof(url), path), "hang", on_done, &o[i]),
                        0);
        }
        assert_int_equal(pthread_create(&th, NULL, cancel_when_in_flight, &c), 0);
        assert_int_equal(tw_transport_run(t), -ECANCELED);
        pthread_join(th, NULL);
        /* The two transfers in flight were aborted, not answered (the server
         * would have said 200), and the four queued ones never started. */
        for (int i = 0; i < 6; i++) {
                assert_int_equal(o[i].calls, 1);
                assert_int_equal(o[i].error, -ECANCELED);
                assert_int_equal(o[i].status, 0);
                assert_int_equal(o[i].attempts, i < 2 ? 1 : 0);
        }
        for (int i = 0; i < 6; i++) {
                snprintf(path, sizeof(path), "/hang/1500/k%d", i);
                assert_int_equal(server_count(path), i < 2 ? 1 : 0);
        }
        assert_int_equal(tw_transport_curl_stats(t)->requests, 2);

        /* Already cancelled: nothing starts. */
        server_reset();
        memset(o, 0, sizeof(o));
        assert_int_equal(
                tw_transport_get(t, url_of(url, sizeof(url), "/ok/0/never"), "ok", on_done, &o[0]),
                0);
        assert_int_equal(tw_transport_run(t), -ECANCELED);
        assert_int_equal(o[0].calls, 1);
        assert_int_equal(o[0].error, -ECANCELED);
        assert_int_equal(o[0].attempts, 0);
        assert_int_equal(server_count("/ok/0/never"), 0);
        tw_transport_free(t);
}

/* POSTs a small body to path with client c; the error text is copied into
 * o->text. */
static struct tw_http_result post(struct tw_http_client *c, const char *path,
                                  volatile sig_atomic_t *cancel, struct outcome *o)
{
        static const char body[] = "{\"event\":\"test\"}";
        struct tw_http_result r;
        char url[256];

        memset(o, 0, sizeof(*o));
        tw_http_post(c, url_of(url, sizeof(url), path), NULL, body, sizeof(body) - 1, 0, cancel,
                     &r);
        snprintf(o->text, sizeof(o->text), "%s", r.error_text ? r.error_text : "");
        return r;
}

static void test_post_verdicts(void **state)
{
        static const struct {
                const char *name, *path;
                long status;
                enum tw_http_verdict verdict;
                int64_t retry_after_s;
        } cases[] = {
                {"accepted", "/ok/0/p", 200, TW_HTTP_DONE, 0},
                {"rejected", "/fail/400/100/-1/p", 400, TW_HTTP_FAIL, 0},
                {"gone", "/nothing-here", 404, TW_HTTP_FAIL, 0},
                {"server error", "/fail/503/100/-1/p", 503, TW_HTTP_RETRY, 0},
                {"rate limited, seconds", "/fail/429/100/7/p", 429, TW_HTTP_RETRY, 7},
                {"Retry-After capped at 5 min", "/fail/429/100/86400/p", 429, TW_HTTP_RETRY,
                 TW_RETRY_AFTER_MAX_S},
                {"redirect not followed", "/redirect", 302, TW_HTTP_FAIL, 0},
        };
        struct tw_http_client_options co = {.timeout_ms = 3000};
        struct tw_http_client *c = NULL;
        struct tw_http_result r;
        struct outcome o;
        (void)state;

        server_reset();
        assert_int_equal(tw_http_client_new(&co, &c), 0);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                r = post(c, cases[i].path, NULL, &o);
                if (r.error || r.status != cases[i].status || r.verdict != cases[i].verdict ||
                    r.retry_after_s != cases[i].retry_after_s || r.attempts != 1)
                        fail_msg("%s: error %d status %ld verdict %d retry-after %lld",
                                 cases[i].name, r.error, r.status, r.verdict,
                                 (long long)r.retry_after_s);
        }
        assert_int_equal(server_count("/ok/0/redirected"), 0);

        /* An HTTP-date, through CURLINFO_RETRY_AFTER as well. */
        r = post(c, "/faildate/100/2/p", NULL, &o);
        assert_int_equal(r.verdict, TW_HTTP_RETRY);
        assert_in_range(r.retry_after_s, 1, 2);

        /* An answer over the body cap is still an answer: kept in part,
         * the rest read away. */
        r = post(c, "/big/200000/1/p", NULL, &o);
        assert_int_equal(r.error, 0);
        assert_int_equal(r.verdict, TW_HTTP_DONE);
        assert_int_equal(r.body_len, 64 * 1024);
        tw_http_client_free(c);
}

/* One client keeps its connection from one POST to the next. */
static void test_post_reuses_connection(void **state)
{
        struct tw_http_client_options co = {0};
        struct tw_http_client *c = NULL;
        struct tw_http_result r;
        struct outcome o;
        int connections;
        (void)state;

        server_reset();
        assert_int_equal(tw_http_client_new(&co, &c), 0);
        r = post(c, "/ok/0/first", NULL, &o);
        assert_int_equal(r.status, 200);
        assert_int_equal(r.new_connections, 1);
        r = post(c, "/fail/503/1/-1/second", NULL, &o);
        assert_int_equal(r.status, 503);
        assert_int_equal(r.new_connections, 0);
        r = post(c, "/ok/0/third", NULL, &o);
        assert_int_equal(r.status, 200);
        assert_int_equal(r.new_connections, 0);
        pthread_mutex_lock(&srv.mu);
        connections = srv.connections;
        pthread_mutex_unlock(&srv.mu);
        assert_int_equal(connections, 1);
        tw_http_client_free(c);
}

static void test_post_failures(void **state)
{
        static volatile sig_atomic_t cancel = 1;
        struct tw_http_client_options co = {.timeout_ms = 150};
        struct tw_http_client *c = NULL;
        struct tw_http_result r;
        struct outcome o;
        char url[128];
        (void)state;

        server_reset();
        assert_int_equal(tw_http_client_new(&co, &c), 0);
        /* A timeout is worth another attempt. */
        r = post(c, "/hang/800/p", NULL, &o);
        assert_int_equal(r.error, -ETIMEDOUT);
        assert_int_equal(r.verdict, TW_HTTP_RETRY);
        assert_int_equal(r.reason, TW_RETRY_TIMEOUT);
        assert_true(o.text[0] != '\0');
        /* Cancelled before it started: nothing reaches the server. */
        r = post(c, "/ok/0/cancelled", &cancel, &o);
        assert_int_equal(r.error, -ECANCELED);
        assert_int_equal(r.verdict, TW_HTTP_FAIL);
        assert_int_equal(server_count("/ok/0/cancelled"), 0);
        /* Not http(s). */
        assert_int_equal(tw_http_post(c, "file:///etc/passwd", NULL, "", 0, 0, NULL, &r), -EINVAL);
        assert_int_equal(r.verdict, TW_HTTP_FAIL);

        /* A port with no listener: a connection failure, retried. */
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/hook/" TOKEN, unused_port());
        assert_int_equal(tw_http_post(c, url, NULL, "{}", 2, 0, NULL, &r), -ECONNREFUSED);
        assert_int_equal(r.verdict, TW_HTTP_RETRY);
        assert_int_equal(r.reason, TW_RETRY_CONNECTION);
        /* A webhook URL is a secret: its path is not in the error text. */
        assert_null(strstr(r.error_text, TOKEN));
        tw_http_client_free(c);
}

/* What a webhook sender settled: on_done calls. */
static struct {
        pthread_mutex_t mu;
        pthread_cond_t cond;
        int acks, errors;
} sink = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};

static void on_sink_done(void *ud, const char *name, uint64_t id)
{
        (void)ud, (void)name, (void)id;
        pthread_mutex_lock(&sink.mu);
        sink.acks++;
        pthread_cond_broadcast(&sink.cond);
        pthread_mutex_unlock(&sink.mu);
}

static void on_sink_error(void *ud, const char *name, const char *message, bool will_retry)
{
        (void)ud, (void)name, (void)message, (void)will_retry;
        pthread_mutex_lock(&sink.mu);
        sink.errors++;
        pthread_mutex_unlock(&sink.mu);
}

/* A webhook sender delivers through its own client: one connection for
 * every item, a retry included. */
static void test_sender_reuses_connection(void **state)
{
        char urls[128];
        struct tw_sink_options so = {
                .name = "reuse",
                .format = tw_sink_format_find("generic"),
                .urls = urls,
                .backoff_base_ms = 1,
                .backoff_max_ms = 5,
                .on_done = on_sink_done,
                .on_error = on_sink_error,
        };
        struct tw_sink *s = NULL;
        struct timespec until;
        struct tw_buf err;
        int connections, acks;
        (void)state;

        server_reset();
        url_of(urls, sizeof(urls), "/fail/503/1/-1/hook");
        tw_buf_init(&err, 0);
        assert_int_equal(tw_sink_new(&so, &s, &err), 0);
        assert_int_equal(tw_sink_start(s), 0);
        for (uint64_t id = 1; id <= 3; id++)
                assert_int_equal(tw_sink_push(s, tw_sink_item_new(id, "test", "k", "{}", false, 0)),
                                 0);
        tw_sink_release(s, 3);
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 20;
        pthread_mutex_lock(&sink.mu);
        while (sink.acks < 3 && pthread_cond_timedwait(&sink.cond, &sink.mu, &until) == 0)
                ;
        acks = sink.acks;
        pthread_mutex_unlock(&sink.mu);
        tw_sink_free(s);
        tw_buf_done(&err);
        assert_int_equal(acks, 3);
        assert_int_equal(sink.errors, 1); /* the 503, retried */
        assert_int_equal(server_count("/fail/503/1/-1/hook"), 4);
        pthread_mutex_lock(&srv.mu);
        connections = srv.connections;
        pthread_mutex_unlock(&srv.mu);
        assert_int_equal(connections, 1);
}

/* The benchmark's situation in small: the test Astro API server enforces 25
 * requests/s over a 1-second window, the transport runs at 20/s. */
static void test_sim_rate_limit_no_429(void **state)
{
        struct tw_sim_options so = {.latency_ms = 20, .rate_limit = 25};
        struct tw_http_options opts = default_options();
        struct outcome o[50] = {{0}};
        struct tw_sim_stats st;
        struct tw_transport *t;
        struct tw_sim *sim;
        char url[512];
        (void)state;

        sim = tw_sim_start(&so);
        assert_non_null(sim);
        opts.bearer = tw_sim_org_credential(sim);
        opts.rate_limit = 20;
        opts.max_retries = 0;
        t = tw_transport_curl_new(&opts);
        assert_non_null(t);
        snprintf(url, sizeof(url), "%s/v1/organizations/%s/workspaces?limit=1", tw_sim_url(sim),
                 tw_sim_organization_id(sim));
        for (int i = 0; i < 50; i++)
                assert_int_equal(tw_transport_get(t, url, "workspaces", on_done, &o[i]), 0);
        assert_int_equal(tw_transport_run(t), 0);
        tw_sim_get_stats(sim, &st);
        for (int i = 0; i < 50; i++)
                assert_int_equal(o[i].status, 200);
        assert_int_equal(st.requests, 50);
        assert_int_equal(st.status_429, 0);
        assert_true(st.max_rate_1s <= 22.0);
        assert_int_equal(tw_transport_curl_stats(t)->rate_limited, 0);
        tw_transport_free(t);
        tw_sim_stop(sim);
}

static void test_no_token_in_error_texts(void **state)
{
        (void)state;
        /* on_done checked every error text of the tests above. */
        assert_int_equal(token_leaks, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_concurrency_cap),
                cmocka_unit_test(test_rate_limit),
                cmocka_unit_test(test_server_errors_retried),
                cmocka_unit_test(test_max_retries),
                cmocka_unit_test(test_client_errors_not_retried),
                cmocka_unit_test(test_retry_after_honoured),
                cmocka_unit_test(test_429_pauses_transport),
                cmocka_unit_test(test_timeout),
                cmocka_unit_test(test_connection_closed),
                cmocka_unit_test(test_connection_refused),
                cmocka_unit_test(test_name_not_resolved),
                cmocka_unit_test(test_body_cap),
                cmocka_unit_test(test_headers_and_no_redirect),
                cmocka_unit_test(test_bad_url),
                cmocka_unit_test(test_paging_from_callback),
                cmocka_unit_test(test_cancel),
                cmocka_unit_test(test_post_verdicts),
                cmocka_unit_test(test_post_reuses_connection),
                cmocka_unit_test(test_post_failures),
                cmocka_unit_test(test_sender_reuses_connection),
                cmocka_unit_test(test_sim_rate_limit_no_429),
                cmocka_unit_test(test_no_token_in_error_texts),
        };

        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
