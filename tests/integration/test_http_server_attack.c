/* The metrics server under hostile clients on loopback:
 * a slowloris of a few hundred sockets, from one address and from many, a
 * wrong-password flood against bcrypt auth, and the absolute request
 * deadline.  Attackers connect from 127.0.0.2 and up, the authorised
 * scraper from 127.0.0.1.  These are functional checks: every authorised
 * scrape must succeed within a generous client timeout.  The latency
 * figures are measured by bench/attack.sh, not asserted here. */
#include "exporters/http/server.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/config/config.h"
#include "helpers/http_attack.h"
#include "helpers/http_client.h"
#include "helpers/http_server.h"
#include "helpers/wait.h"

static const char page[] = "# HELP a_metric A.\n# TYPE a_metric gauge\na_metric 1\n";

static char hash[128];
static struct tw_web_user user = {.name = "prom", .hash = hash};

/* n authorised scrapes from 127.0.0.1, each of which must succeed within
 * timeout_s seconds. */
static void scrape_within(unsigned short port, unsigned n, long timeout_s)
{
        struct tw_test_request rq = {
                .path = "/metrics", .userpwd = "prom:right", .timeout = timeout_s};

        for (unsigned i = 0; i < n; i++) {
                struct tw_test_reply r;
                CURLcode rc = tw_test_fetch(port, &rq, &r);

                if (rc != CURLE_OK || r.status != 200 || strcmp(r.body.ptr, page) != 0)
                        fail_msg("scrape %u under attack: curl %d (%s), status %ld", i, rc,
                                 curl_easy_strerror(rc), r.status);
                tw_test_reply_done(&r);
                tw_test_sleep_ms(200); /* a scraper's pace, not a wait */
        }
}

static void scrape_ok(unsigned short port, unsigned n)
{
        scrape_within(port, n, 30);
}

static struct tw_http_server *start(unsigned request_timeout_ms)
{
        struct tw_http_server_options o = {.listen = "127.0.0.1:0",
                                           .users = &user,
                                           .n_users = 1,
                                           .request_timeout_ms = request_timeout_ms};
        struct tw_http_server *s = tw_test_http_server_start(&o);

        assert_int_equal(tw_http_server_publish(s, page, sizeof(page) - 1), 0);
        /* The scraper was logged in before the attack began. */
        scrape_ok(tw_http_server_port(s), 1);
        return s;
}

struct slowloris_case {
        const char *name;
        unsigned sockets, sources;
};

/* 300 sockets trickling header bytes.  From one address, the per-address
 * limit refuses all but a few; from 30 addresses, the deadline recycles
 * them.  Either way the scraper gets through. */
static void test_slowloris(void **state)
{
        static const struct slowloris_case cases[] = {
                {"one address", 300, 1},
                {"30 addresses", 300, 30},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_http_server *s = start(2000);
                struct tw_test_attack_options ao = {.kind = TW_TEST_SLOWLORIS,
                                                    .port = tw_http_server_port(s),
                                                    .sockets = cases[i].sockets,
                                                    .sources = cases[i].sources,
                                                    .seconds = 60,
                                                    .byte_interval_ms = 500};
                struct tw_test_attack *a = NULL;
                struct tw_test_attack_stats st;

                assert_int_equal(tw_test_attack_start(&ao, &a), 0);
                /* the attack takes hold: every socket opened once */
                TW_TEST_WAIT_FOR((tw_test_attack_stats(a, &st), st.connects >= ao.sockets),
                                 TW_TEST_WAIT_MS);
                scrape_ok(ao.port, 10);
                /* The deadline closes a trickling socket (the idle timeout
                 * never would, a byte arrives every 500 ms). */
                TW_TEST_WAIT_FOR(tw_http_server_deadlines_expired(s) > 0, TW_TEST_WAIT_MS);
                scrape_ok(ao.port, 2);
                tw_test_attack_stop(a, &st);
                if (tw_http_server_deadlines_expired(s) == 0)
                        fail_msg("%s: no connection hit the request deadline", cases[i].name);
                if (st.closed == 0)
                        fail_msg("%s: the server closed no attacking socket", cases[i].name);
                print_message("%s: %lu attacker connects, %lu closed by the server, %lu expired\n",
                              cases[i].name, st.connects, st.closed,
                              tw_http_server_deadlines_expired(s));
                tw_http_server_stop(s);
        }
}

/* 1,000 trickling sockets from 250 addresses (4 each, under the per-address
 * limit), more than the old global limit of 256 connections, against the
 * daemon's defaults (a 10 s request deadline): every authorised scrape
 * still answers within 5 s, where the old limit kept the scraper in the
 * accept queue until a deadline freed a slot.  With the limit at 256 again,
 * the connection whose request waited longest makes room for the scraper. */
static void test_slowloris_many_addresses(void **state)
{
        static const struct {
                const char *name;
                unsigned limit;
                bool evicts;
        } cases[] = {
                {"the default limit", 0, false},
                {"a limit of 256", 256, true},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_http_server_options o = {.listen = "127.0.0.1:0",
                                                   .users = &user,
                                                   .n_users = 1,
                                                   .connection_limit = cases[i].limit};
                struct tw_http_server *s = tw_test_http_server_start(&o);
                struct tw_test_attack_options ao = {.kind = TW_TEST_SLOWLORIS,
                                                    .port = tw_http_server_port(s),
                                                    .sockets = 1000,
                                                    .sources = 250,
                                                    .seconds = 120,
                                                    .byte_interval_ms = 500};
                struct tw_test_attack *a = NULL;
                struct tw_test_attack_stats st;

                assert_int_equal(tw_http_server_publish(s, page, sizeof(page) - 1), 0);
                scrape_ok(ao.port, 1); /* logged in before the attack */
                assert_int_equal(tw_test_attack_start(&ao, &a), 0);
                /* the attack takes hold: every socket connected at once */
                TW_TEST_WAIT_FOR((tw_test_attack_stats(a, &st), st.max_open >= ao.sockets),
                                 TW_TEST_WAIT_MS);
                scrape_within(ao.port, 10, 5);
                tw_test_attack_stop(a, &st);
                print_message("%s, 1000 sockets from 250 addresses: %lu connects, at most %lu "
                              "open, %lu closed by the server, %lu to make room\n",
                              cases[i].name, st.connects, st.max_open, st.closed,
                              tw_http_server_evicted(s));
                assert_int_equal(tw_http_server_evicted(s) > 0, cases[i].evicts);
                tw_http_server_stop(s);
        }
}

/* 48 connections sending a wrong password in a loop against a cost-10
 * bcrypt hash: failures are throttled per address (429), so the
 * authorised scraper still gets through. */
static void test_password_flood(void **state)
{
        static const unsigned sources[] = {1, 48};

        (void)state;
        for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
                struct tw_http_server *s = start(0);
                struct tw_test_attack_options ao = {.kind = TW_TEST_PASSWORD_FLOOD,
                                                    .port = tw_http_server_port(s),
                                                    .sockets = 48,
                                                    .sources = sources[i],
                                                    .seconds = 60,
                                                    .authorization = "Basic cHJvbTp3cm9uZw=="};
                struct tw_test_attack *a = NULL;
                struct tw_test_attack_stats st;

                assert_int_equal(tw_test_attack_start(&ao, &a), 0);
                /* the flood takes hold: wrong passwords are being answered */
                TW_TEST_WAIT_FOR((tw_test_attack_stats(a, &st), st.status_401 > 0),
                                 TW_TEST_WAIT_MS);
                scrape_ok(ao.port, 10);
                tw_test_attack_stop(a, &st);
                print_message("flood from %u: %lu answers, %lu 401, %lu 429\n", sources[i],
                              st.responses, st.status_401, st.status_429);
                assert_true(st.status_401 > 0);
                assert_true(st.status_429 > 0);
                tw_http_server_stop(s);
        }
}

/* One client trickling a header byte every 100 ms, which MHD's idle
 * timeout alone never closes: the 500 ms request deadline does. */
static void test_request_deadline(void **state)
{
        struct tw_http_server *s = start(500);
        struct sockaddr_in sa = {.sin_family = AF_INET};
        static const char head[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ";
        bool closed = false;
        int fd;

        (void)state;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sa.sin_port = htons(tw_http_server_port(s));
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(send(fd, head, sizeof(head) - 1, MSG_NOSIGNAL), sizeof(head) - 1);
        /* At most 30 s of trickling; the deadline closes it long before. */
        for (int i = 0; i < 300 && !closed; i++) {
                struct pollfd pfd = {.fd = fd, .events = POLLIN};
                char c;

                if (send(fd, "a", 1, MSG_NOSIGNAL) < 0 ||
                    (poll(&pfd, 1, 100) > 0 && recv(fd, &c, 1, 0) <= 0))
                        closed = true;
        }
        close(fd);
        assert_true(closed);
        assert_int_equal(tw_http_server_deadlines_expired(s), 1);
        /* The server still serves. */
        scrape_ok(tw_http_server_port(s), 1);
        tw_http_server_stop(s);
}

static int setup(void **state)
{
        struct rlimit rl;

        (void)state;
        /* Each attacking socket is two descriptors here: client and server side. */
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
                setrlimit(RLIMIT_NOFILE, &rl);
        }
        tw_test_bcrypt("right", 10, hash, sizeof(hash));
        return 0;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_request_deadline),
                cmocka_unit_test(test_slowloris),
                cmocka_unit_test(test_slowloris_many_addresses),
                cmocka_unit_test(test_password_flood),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, setup, NULL);
        curl_global_cleanup();
        return r;
}
