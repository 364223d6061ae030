/* The metrics server's access control on 127.0.0.1:0: basic auth, TLS and
 * mutual TLS (certificates made with openssl at test time). */
#include "exporters/http/server.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config/config.h"
#include "helpers/http_client.h"
#include "helpers/http_server.h"

static const char page1[] = "# HELP a_metric A.\n# TYPE a_metric gauge\na_metric 1\n";

static void test_basic_auth(void **state)
{
        /* Each case from its own loopback address: failed logins are
         * throttled per address (test_throttle_and_healthz). */
        static const struct {
                const char *name;
                const char *source;
                const char *path;
                const char *userpwd;
                long status;
        } cases[] = {
                {"right", "127.0.0.1", "/metrics", "prom:s3cret pass", 200},
                {"right again (cached)", "127.0.0.1", "/metrics", "prom:s3cret pass", 200},
                {"second user", "127.0.0.1", "/metrics", "grafana:other", 200},
                {"wrong password", "127.0.0.2", "/metrics", "prom:wrong", 401},
                {"unknown user", "127.0.0.3", "/metrics", "nobody:s3cret pass", 401},
                {"empty password", "127.0.0.4", "/metrics", "prom:", 401},
                {"missing", "127.0.0.5", "/metrics", NULL, 401},
                {"readyz needs auth", "127.0.0.5", "/readyz", NULL, 401},
                {"index needs auth", "127.0.0.5", "/", NULL, 401},
                {"healthz does not", "127.0.0.5", "/healthz", NULL, 200},
        };
        struct tw_web_user users[2] = {{.name = "prom"}, {.name = "grafana"}};
        const char *pw[2] = {"s3cret pass", "other"};
        char hashes[2][128];
        struct tw_http_server_options o = {.listen = "127.0.0.1:0", .users = users, .n_users = 2};
        struct tw_http_server *s;

        (void)state;
        for (int i = 0; i < 2; i++) {
                tw_test_bcrypt(pw[i], 4, hashes[i], sizeof(hashes[i]));
                users[i].hash = hashes[i];
        }
        s = tw_test_http_server_start(&o);
        assert_int_equal(tw_http_server_publish(s, page1, sizeof(page1) - 1), 0);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_test_request rq = {.path = cases[i].path,
                                             .userpwd = cases[i].userpwd,
                                             .source = cases[i].source};
                struct tw_test_reply r;
                char v[128];

                assert_int_equal(tw_test_fetch(tw_http_server_port(s), &rq, &r), CURLE_OK);
                if (r.status != cases[i].status)
                        fail_msg("%s: status %ld, want %ld", cases[i].name, r.status,
                                 cases[i].status);
                if (r.status == 401) {
                        assert_true(tw_test_reply_header(&r, "WWW-Authenticate", v, sizeof(v)));
                        assert_string_equal(v, "Basic realm=\"tokenwatch\"");
                        assert_null(strstr(r.body.ptr, "a_metric"));
                } else if (strcmp(cases[i].path, "/metrics") == 0) {
                        assert_string_equal(r.body.ptr, page1);
                }
                tw_test_reply_done(&r);
        }
        tw_http_server_stop(s);
}

/* Wrong passwords from one address: after the first, 429 with Retry-After
 * (no bcrypt run) while another address still logs in.  Locks last a
 * second or more, so a run of quick attempts meets one. */
static void test_throttle(void **state)
{
        struct tw_web_user user = {.name = "prom"};
        char hash[128];
        struct tw_http_server_options o = {.listen = "127.0.0.1:0", .users = &user, .n_users = 1};
        struct tw_http_server *s;
        struct tw_test_request bad = {
                .path = "/metrics", .userpwd = "prom:bad", .source = "127.0.0.9"};
        struct tw_test_request good = {.path = "/metrics", .userpwd = "prom:good"};
        long seen_429 = 0;

        (void)state;
        tw_test_bcrypt("good", 4, hash, sizeof(hash));
        user.hash = hash;
        s = tw_test_http_server_start(&o);
        assert_int_equal(tw_http_server_publish(s, page1, sizeof(page1) - 1), 0);
        for (int i = 0; i < 5 && !seen_429; i++) {
                struct tw_test_reply r;
                char v[32];

                assert_int_equal(tw_test_fetch(tw_http_server_port(s), &bad, &r), CURLE_OK);
                assert_true(r.status == 401 || r.status == 429);
                if (r.status == 429) {
                        seen_429 = 1;
                        assert_true(tw_test_reply_header(&r, "Retry-After", v, sizeof(v)));
                        assert_true(atoi(v) >= 1);
                }
                tw_test_reply_done(&r);
        }
        assert_true(seen_429);
        {
                struct tw_test_reply r;

                assert_int_equal(tw_test_fetch(tw_http_server_port(s), &good, &r), CURLE_OK);
                assert_int_equal(r.status, 200);
                tw_test_reply_done(&r);
        }
        tw_http_server_stop(s);
}

/* A temporary directory with a self-signed server certificate (CN and SAN
 * 127.0.0.1) and two self-signed client certificates. */
struct certs {
        char dir[64];
        char server_cert[128], server_key[128];
        char client_cert[128], client_key[128];
        char other_cert[128], other_key[128];
};

static void make_cert(const char *dir, const char *name, const char *cn)
{
        char cmd[1024];

        snprintf(cmd, sizeof(cmd),
                 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                 "-keyout %s/%s.key -out %s/%s.pem -days 2 -subj /CN=%s "
                 "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
                 dir, name, dir, name, cn);
        if (system(cmd) != 0)
                fail_msg("openssl failed: %s", cmd);
}

static void certs_make(struct certs *c)
{
        snprintf(c->dir, sizeof(c->dir), "/tmp/tw-tls-XXXXXX");
        assert_non_null(mkdtemp(c->dir));
        make_cert(c->dir, "server", "127.0.0.1");
        make_cert(c->dir, "client", "prometheus");
        make_cert(c->dir, "other", "intruder");
        snprintf(c->server_cert, sizeof(c->server_cert), "%s/server.pem", c->dir);
        snprintf(c->server_key, sizeof(c->server_key), "%s/server.key", c->dir);
        snprintf(c->client_cert, sizeof(c->client_cert), "%s/client.pem", c->dir);
        snprintf(c->client_key, sizeof(c->client_key), "%s/client.key", c->dir);
        snprintf(c->other_cert, sizeof(c->other_cert), "%s/other.pem", c->dir);
        snprintf(c->other_key, sizeof(c->other_key), "%s/other.key", c->dir);
}

static void certs_remove(struct certs *c)
{
        const char *files[] = {c->server_cert, c->server_key, c->client_cert,
                               c->client_key,  c->other_cert, c->other_key};

        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
                unlink(files[i]);
        rmdir(c->dir);
}

static void test_tls(void **state)
{
        struct certs c;
        struct tw_http_server_options o = {.listen = "127.0.0.1:0"};
        struct tw_http_server *s;
        struct tw_test_reply r;

        (void)state;
        certs_make(&c);
        o.tls_cert_file = c.server_cert;
        o.tls_key_file = c.server_key;
        s = tw_test_http_server_start(&o);
        assert_int_equal(tw_http_server_publish(s, page1, sizeof(page1) - 1), 0);
        {
                struct tw_test_request rq = {
                        .path = "/metrics", .https = true, .ca_file = c.server_cert};

                assert_int_equal(tw_test_fetch(tw_http_server_port(s), &rq, &r), CURLE_OK);
                assert_int_equal(r.status, 200);
                assert_string_equal(r.body.ptr, page1);
                tw_test_reply_done(&r);
        }
        {
                /* An untrusted server certificate is refused by the client. */
                struct tw_test_request rq = {
                        .path = "/metrics", .https = true, .ca_file = c.client_cert};

                assert_int_not_equal(tw_test_fetch(tw_http_server_port(s), &rq, &r), CURLE_OK);
                tw_test_reply_done(&r);
        }
        {
                /* Plain HTTP to the TLS port gets no page. */
                struct tw_test_request rq = {.path = "/metrics"};

                tw_test_fetch(tw_http_server_port(s), &rq, &r);
                assert_true(r.status != 200);
                tw_test_reply_done(&r);
        }
        tw_http_server_stop(s);
        certs_remove(&c);
}

static void test_mutual_tls(void **state)
{
        struct certs c;
        struct tw_http_server_options o = {.listen = "127.0.0.1:0"};
        struct tw_http_server *s;

        (void)state;
        certs_make(&c);
        o.tls_cert_file = c.server_cert;
        o.tls_key_file = c.server_key;
        o.client_ca_file = c.client_cert;
        s = tw_test_http_server_start(&o);
        assert_int_equal(tw_http_server_publish(s, page1, sizeof(page1) - 1), 0);
        struct {
                const char *name;
                const char *cert, *key;
                long status;
        } cases[] = {
                {"trusted client", c.client_cert, c.client_key, 200},
                {"no client certificate", NULL, NULL, 403},
                {"untrusted client", c.other_cert, c.other_key, 403},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_test_request rq = {.path = "/metrics",
                                             .https = true,
                                             .ca_file = c.server_cert,
                                             .client_cert = cases[i].cert,
                                             .client_key = cases[i].key};
                struct tw_test_reply r;
                CURLcode rc = tw_test_fetch(tw_http_server_port(s), &rq, &r);

                /* MHD only requests a client certificate, so the handshake
                 * succeeds and the handler refuses with 403. */
                if (rc != CURLE_OK || r.status != cases[i].status)
                        fail_msg("%s: curl %d, status %ld, want %ld", cases[i].name, rc, r.status,
                                 cases[i].status);
                if (cases[i].status == 200)
                        assert_string_equal(r.body.ptr, page1);
                else
                        assert_null(strstr(r.body.ptr, "a_metric"));
                tw_test_reply_done(&r);
        }
        tw_http_server_stop(s);
        certs_remove(&c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_basic_auth),
                cmocka_unit_test(test_throttle),
                cmocka_unit_test(test_tls),
                cmocka_unit_test(test_mutual_tls),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
