/* lib/http_stream: the cancel flag ends a GET whose server never answers
 * within ~100 ms (the daemon's SIGTERM and reload budget), not after
 * libcurl's once-a-second progress call. */
#include "lib/http/stream.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers/wait.h"
#include "lib/timeutil.h"

static volatile sig_atomic_t cancel;

static int on_data(void *ctx, const char *data, size_t len)
{
        (void)ctx, (void)data, (void)len;
        return 0;
}

static int listen_fd;
static _Atomic int64_t cancelled_at;
static _Atomic bool connected;

/* Sets the cancel flag once the client's connection waits in the listening
 * socket's backlog (the request is in flight), and notes when. */
static void *canceller(void *arg)
{
        struct pollfd p = {.fd = listen_fd, .events = POLLIN};

        (void)arg;
        connected = poll(&p, 1, TW_TEST_WAIT_MS) == 1;
        cancelled_at = tw_mono_ns();
        cancel = 1;
        return NULL;
}

static void cancel_while_waiting(void **state)
{
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(sa);
        struct tw_http_stream_options o = {.timeout_ms = 30000, .cancel = &cancel};
        struct tw_http_stream *s = NULL;
        struct tw_http_result res;
        pthread_t t;
        char url[64];
        int64_t took_ms;
        int fd;

        (void)state;
        /* Listening, never accepting: the connection is made (the backlog),
         * the request is sent, no answer ever comes. */
        fd = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(listen(fd, 4), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/audit-logs", ntohs(sa.sin_port));
        assert_int_equal(tw_http_stream_new(&o, &s), 0);
        listen_fd = fd;
        assert_int_equal(pthread_create(&t, NULL, canceller, NULL), 0);
        assert_int_equal(tw_http_stream_get(s, url, on_data, NULL, &res, NULL), -ECANCELED);
        took_ms = (tw_mono_ns() - cancelled_at) / 1000000;
        pthread_join(t, NULL);
        assert_true(connected); /* cancelled while the request was in flight */
        if (took_ms > 250)
                fail_msg("cancel took %lld ms after the flag", (long long)took_ms);
        tw_http_stream_free(s);
        close(fd);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(cancel_while_waiting),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
