/*
 * The Kubernetes store client (exporters/deliver/kubernetes.c) against the
 * Secret API fake: a Secret created, one key patched with the others kept,
 * the token id annotated, resourceVersion refusing a write in between (before
 * and during the write), an idempotent rewrite, the token file read again
 * at every call, refused and get-only credentials, TLS with the service
 * account's CA, and 429 and 5xx retried.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "helpers/store_fixture.h"
#include "lib/secret.h"
#include "lib/timeutil.h"
#include "sim/sim.h"

#define TOKEN_ID "clkube0000000000000000001"
#define AT "ci:astro-token:ASTRO_API_TOKEN"

struct world {
        struct tw_test_store s;
        char *value;
        int64_t iat;
};

static void begin(struct world *w, const struct tw_storesim_options *o)
{
        tw_test_store_start(&w->s, TW_STORESIM_KUBERNETES, o);
        tw_test_store_set(&w->s, "namespace", "ci");
        tw_test_store_set(&w->s, "secret", "astro-token");
        tw_test_store_set(&w->s, "key", "ASTRO_API_TOKEN");
}

static int setup(void **state)
{
        struct world *w = calloc(1, sizeof(*w));

        begin(w, NULL);
        w->iat = tw_now() - 30;
        w->value = tw_test_jwt(TOKEN_ID, w->iat);
        *state = w;
        return 0;
}

static int teardown(void **state)
{
        struct world *w = *state;

        if (w->s.err.ptr)
                print_message("messages: %s\n", w->s.err.ptr);
        tw_test_store_no_leak(&w->s, w->value);
        tw_test_store_no_leak(&w->s, TW_TEST_STORE_CRED);
        tw_secret_free(w->value);
        tw_test_store_stop(&w->s);
        free(w);
        return 0;
}

static const struct tw_deliver_ops *ops(void)
{
        return tw_deliver_ops_find("kubernetes");
}

static int check(struct world *w, struct tw_deliver_state *st)
{
        return ops()->check(w->s.ctx, &w->s.t, st, &w->s.err);
}

static int write_value(struct world *w, const char *value, const struct tw_deliver_state *expect,
                       struct tw_deliver_state *after)
{
        const struct tw_deliver_write wr = {.value = value, .token_id = TOKEN_ID, .expect = expect};

        return ops()->write(w->s.ctx, &w->s.t, &wr, after, &w->s.err);
}

static void assert_stored(struct world *w, const char *at, const char *want)
{
        char *got = NULL;

        assert_int_equal(tw_storesim_get(w->s.sim, at, &got), 0);
        assert_string_equal(got, want);
        tw_secret_free(got);
}

static void test_create_patch_and_read_back(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;
        struct tw_storesim_request *log = NULL;
        size_t n = 0;

        assert_int_equal(tw_deliver_target_validate(&w->s.t, &w->s.err), 0);
        assert_int_equal(check(w, &st), 0);
        assert_false(st.exists);
        assert_string_equal(st.version, "");
        assert_int_equal(write_value(w, w->value, &st, &after), 0); /* POST: created */
        assert_true(after.written);
        assert_stored(w, AT, w->value);
        assert_int_equal(check(w, &st), 0);
        assert_true(st.exists);
        assert_string_equal(st.api_token_id, TOKEN_ID);
        assert_int_equal(st.iat, w->iat);
        assert_string_equal(st.managed_token_id, TOKEN_ID);
        assert_string_equal(st.version, after.version);
        assert_in_range(st.updated_at, tw_now() - 5, tw_now());

        /* Someone adds a key; ours is patched, theirs kept. */
        assert_int_equal(tw_storesim_put(w->s.sim, "ci:astro-token:OTHER", "theirs-1234", NULL), 0);
        assert_int_equal(check(w, &st), 0);
        assert_int_equal(write_value(w, "second-value-1234", &st, &after), 0);
        assert_stored(w, AT, "second-value-1234");
        assert_stored(w, "ci:astro-token:OTHER", "theirs-1234");
        /* The same again: nothing written. */
        assert_int_equal(write_value(w, "second-value-1234", &after, &st), 0);
        assert_false(st.written);

        assert_int_equal(tw_storesim_get_requests(w->s.sim, &log, &n), 0);
        for (size_t i = 0; i < n; i++)
                if (strcmp(log[i].method, "PATCH") == 0)
                        assert_string_equal(log[i].content_type, "application/merge-patch+json");
        tw_storesim_requests_free(log, n);
}

static void test_conflict_before_the_write(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;

        assert_int_equal(tw_storesim_put(w->s.sim, AT, "first-1234567", NULL), 0);
        assert_int_equal(check(w, &st), 0);
        assert_int_equal(tw_storesim_put(w->s.sim, AT, "someone-elses", NULL), 0);
        assert_int_equal(write_value(w, w->value, &st, &after), -EBUSY);
        assert_stored(w, AT, "someone-elses");
}

struct bg {
        struct world *w;
        int r;
};

static void *bg_write(void *arg)
{
        struct bg *b = arg;
        struct tw_deliver_state after;

        b->r = write_value(b->w, b->w->value, NULL, &after);
        return NULL;
}

/* Written while the PATCH is on its way: the API server's 409. */
static void test_conflict_during_the_write(void **state)
{
        struct world *w = *state;
        const struct tw_sim_fault hang = {
                .type = TW_SIM_FAULT_HANG, .hang_ms = 400, .method = "PATCH", .count = 1};
        struct tw_storesim_stats st = {0};
        struct bg b = {.w = w};
        int64_t deadline = tw_mono_ns() + 10000000000LL;
        pthread_t th;

        assert_int_equal(tw_storesim_put(w->s.sim, AT, "first-1234567", NULL), 0);
        assert_int_equal(tw_storesim_add_fault(w->s.sim, &hang), 0);
        assert_int_equal(pthread_create(&th, NULL, bg_write, &b), 0);
        while (st.requests < 2 && tw_mono_ns() < deadline) {
                struct timespec ts = {0, 5000000};

                nanosleep(&ts, NULL);
                tw_storesim_get_stats(w->s.sim, &st);
        }
        assert_int_equal(st.requests, 2);
        assert_int_equal(tw_storesim_put(w->s.sim, AT, "someone-elses", NULL), 0);
        pthread_join(th, NULL);
        assert_int_equal(b.r, -EBUSY);
        assert_non_null(strstr(w->s.err.ptr, "resourceVersion"));
        assert_stored(w, AT, "someone-elses");
}

/* The token file is read at every call (it is rotated in a pod). */
static void test_credentials(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;

        assert_int_equal(check(w, &st), 0);
        tw_test_store_credential(&w->s, "rotated-away");
        assert_int_equal(check(w, &st), -EACCES);
        assert_non_null(strstr(w->s.err.ptr, "HTTP 401"));
        tw_test_store_credential(&w->s, TW_TEST_STORE_CRED);
        assert_int_equal(check(w, &st), 0);
        tw_test_store_credential(&w->s, TW_TEST_STORE_READ_CRED);
        assert_int_equal(check(w, &st), 0);
        assert_int_equal(write_value(w, w->value, &st, &after), -EPERM);
        assert_non_null(strstr(w->s.err.ptr, "cannot create resource"));
        assert_non_null(strstr(w->s.err.ptr, "RBAC"));
}

/* HTTPS with a CA of its own (the service account's ca.crt in a pod). */
static void test_tls_with_ca_file(void **state)
{
        struct world *w = *state;
        struct tw_storesim_options o = {0};
        struct tw_deliver_state st, after;
        char cert[512], key[512], cmd[2048];

        snprintf(cert, sizeof(cert), "%s/ca.crt", w->s.dir);
        snprintf(key, sizeof(key), "%s/server.key", w->s.dir);
        snprintf(cmd, sizeof(cmd),
                 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                 "-keyout %s -out %s -days 2 -subj /CN=127.0.0.1 "
                 "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
                 key, cert);
        assert_int_equal(system(cmd), 0);
        o.tls_cert_file = cert;
        o.tls_key_file = key;
        {
                /* a second fake, over TLS, beside the first */
                struct tw_test_store tls;

                tw_test_store_start(&tls, TW_STORESIM_KUBERNETES, &o);
                assert_memory_equal(tw_storesim_url(tls.sim), "https://", 8);
                tw_test_store_set(&tls, "namespace", "ci");
                tw_test_store_set(&tls, "secret", "astro-token");
                tw_test_store_set(&tls, "key", "ASTRO_API_TOKEN");
                assert_int_equal(ops()->check(tls.ctx, &tls.t, &st, &tls.err), -EKEYREJECTED);
                tw_test_store_set(&tls, "ca_file", cert);
                assert_int_equal(ops()->check(tls.ctx, &tls.t, &st, &tls.err), 0);
                assert_int_equal(ops()->write(tls.ctx, &tls.t,
                                              &(struct tw_deliver_write){.value = w->value}, &after,
                                              &tls.err),
                                 0);
                tw_test_store_no_leak(&tls, w->value);
                tw_test_store_stop(&tls);
        }
}

static void test_rate_limit_and_5xx(void **state)
{
        struct world *w = *state;
        struct tw_storesim_options o = {.rate_limit = 1, .rate_window_ms = 1200};
        const struct tw_sim_fault f = {.type = TW_SIM_FAULT_STATUS, .status = 500, .count = 2};
        struct tw_deliver_state st, after;
        struct tw_storesim_stats stats;

        tw_test_store_stop(&w->s);
        begin(w, &o);
        assert_int_equal(write_value(w, w->value, NULL, &after), 0);
        tw_storesim_get_stats(w->s.sim, &stats);
        assert_true(stats.status_429 >= 1);
        assert_stored(w, AT, w->value);

        tw_test_store_stop(&w->s);
        begin(w, NULL);
        assert_int_equal(tw_storesim_add_fault(w->s.sim, &f), 0);
        assert_int_equal(check(w, &st), 0);
        assert_false(st.exists);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_create_patch_and_read_back, setup, teardown),
                cmocka_unit_test_setup_teardown(test_conflict_before_the_write, setup, teardown),
                cmocka_unit_test_setup_teardown(test_conflict_during_the_write, setup, teardown),
                cmocka_unit_test_setup_teardown(test_credentials, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tls_with_ca_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rate_limit_and_5xx, setup, teardown),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
