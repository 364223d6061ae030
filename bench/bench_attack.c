/*
 * The metrics endpoint under hostile clients: starts the server in-process
 * on 127.0.0.1:0 with bcrypt basic auth (cost 10), runs one attack from
 * loopback addresses 127.0.0.2... (see tests/helpers/http_attack.h), and
 * times authorised scrapes from 127.0.0.1 (a new connection each, 5 s
 * client timeout), after one login made before the attack (a Prometheus
 * that was already scraping).
 *
 *   bench_attack slowloris|flood SOCKETS SOURCES [SCRAPES]
 *
 * Prints the scrape latency p50/p99/max in ms and how many failed.  Driven
 * by bench/attack.sh; never part of the test suite.
 */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/config/config.h"
#include "exporters/http/server.h"
#include "helpers/http_attack.h"
#include "helpers/http_client.h"
#include "lib/timeutil.h"

static const char page[] = "# HELP a_metric A.\n# TYPE a_metric gauge\na_metric 1\n";

static double now_ms(void)
{
        return (double)tw_mono_ns() / 1e6;
}

static int cmp_double(const void *x, const void *y)
{
        double a = *(const double *)x, b = *(const double *)y;

        return (a > b) - (a < b);
}

static struct tw_http_server *start_server(char *hash, size_t hash_size)
{
        static struct tw_web_user user = {.name = "prom"};
        struct tw_http_server_options o = {.listen = "127.0.0.1:0", .users = &user, .n_users = 1};
        struct tw_http_server *s = NULL;
        struct crypt_data cd;
        char salt[128];

        memset(&cd, 0, sizeof(cd));
        if (!crypt_gensalt_rn("$2y$", 10, NULL, 0, salt, sizeof(salt)))
                return NULL;
        snprintf(hash, hash_size, "%s", crypt_r("right", salt, &cd));
        user.hash = hash;
        if (tw_http_server_start(&o, &s, NULL) < 0 ||
            tw_http_server_publish(s, page, sizeof(page) - 1) < 0)
                return NULL;
        return s;
}

int main(int argc, char **argv)
{
        struct tw_test_attack_options ao = {.byte_interval_ms = 3000, .seconds = 120};
        struct tw_test_request rq = {.path = "/metrics", .userpwd = "prom:right", .timeout = 5};
        struct tw_test_attack_stats st;
        struct tw_test_attack *attack = NULL;
        struct tw_http_server *s;
        struct rlimit rl;
        unsigned scrapes, failed = 0, ok = 0;
        double *lat;
        char hash[128];

        if (argc < 4 || (strcmp(argv[1], "slowloris") && strcmp(argv[1], "flood"))) {
                fprintf(stderr, "usage: %s slowloris|flood SOCKETS SOURCES [SCRAPES]\n", argv[0]);
                return 2;
        }
        ao.kind = strcmp(argv[1], "flood") ? TW_TEST_SLOWLORIS : TW_TEST_PASSWORD_FLOOD;
        ao.sockets = (unsigned)atoi(argv[2]);
        ao.sources = (unsigned)atoi(argv[3]);
        scrapes = argc > 4 ? (unsigned)atoi(argv[4]) : 40;
        lat = calloc(scrapes ? scrapes : 1, sizeof(*lat));
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
        }
        curl_global_init(CURL_GLOBAL_DEFAULT);
        s = start_server(hash, sizeof(hash));
        if (!s || !lat) {
                fprintf(stderr, "cannot start the server\n");
                return 1;
        }
        ao.port = tw_http_server_port(s);
        /* Prometheus was scraping before the attack began: one login first. */
        {
                struct tw_test_reply r;

                rq.timeout = 30;
                if (tw_test_fetch(ao.port, &rq, &r) != CURLE_OK || r.status != 200) {
                        fprintf(stderr, "the first login failed\n");
                        return 1;
                }
                tw_test_reply_done(&r);
                rq.timeout = 5;
        }
        if (tw_test_attack_start(&ao, &attack) < 0) {
                fprintf(stderr, "cannot start the attack\n");
                return 1;
        }
        sleep(2); /* let the attack take hold */
        for (unsigned i = 0; i < scrapes; i++) {
                struct tw_test_reply r;
                double t0 = now_ms();
                CURLcode rc = tw_test_fetch(ao.port, &rq, &r);

                lat[i] = now_ms() - t0;
                if (rc == CURLE_OK && r.status == 200)
                        ok++;
                else if (failed++ == 0)
                        fprintf(stderr, "first failure: %s, status %ld\n", curl_easy_strerror(rc),
                                r.status);
                tw_test_reply_done(&r);
                nanosleep(&(struct timespec){.tv_nsec = 200000000}, NULL);
        }
        tw_test_attack_stop(attack, &st);
        qsort(lat, scrapes, sizeof(*lat), cmp_double);
        printf("%-9s sockets=%u sources=%u: %u scrapes, %u ok, %u failed; "
               "p50 %.0f ms, p99 %.0f ms, max %.0f ms; attacker: %lu connects, %lu closed by "
               "server, %lu answers (%lu 401, %lu 429), %lu open at most\n",
               argv[1], ao.sockets, ao.sources ? ao.sources : 1, scrapes, ok, failed,
               lat[scrapes / 2], lat[(scrapes * 99) / 100 < scrapes ? (scrapes * 99) / 100 : 0],
               lat[scrapes - 1], st.connects, st.closed, st.responses, st.status_401, st.status_429,
               st.max_open);
        tw_http_server_stop(s);
        free(lat);
        curl_global_cleanup();
        return failed ? 1 : 0;
}
