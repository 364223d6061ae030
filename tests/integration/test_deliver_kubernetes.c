/*
 * The Kubernetes store client (exporters/deliver/kubernetes.c) against the
 * Secret API fake: a Secret created, one key patched with the others kept,
 * the token id annotated, resourceVersion refusing a write in between (before
 * and during the write), an idempotent rewrite, the token file read again
 * at every call, refused and get-only credentials, TLS with the service
 * account's CA, and 429 and 5xx retried.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        w->s.token_id = TOKEN_ID;
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

        tw_test_store_finish(&w->s, w->value);
        tw_secret_free(w->value);
        free(w);
        return 0;
}

static void test_create_patch_and_read_back(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;
        struct tw_storesim_request *log = NULL;
        size_t n = 0;

        assert_int_equal(tw_deliver_target_validate(&w->s.t, &w->s.err), 0);
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_false(st.exists);
        assert_string_equal(st.version, "");
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), 0); /* POST: created */
        assert_true(after.written);
        tw_test_store_assert_stored(&w->s, AT, w->value);
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_true(st.exists);
        assert_string_equal(st.api_token_id, TOKEN_ID);
        assert_int_equal(st.iat, w->iat);
        assert_string_equal(st.managed_token_id, TOKEN_ID);
        assert_string_equal(st.version, after.version);
        assert_in_range(st.updated_at, tw_now() - 5, tw_now());

        /* Someone adds a key; ours is patched, theirs kept. */
        assert_int_equal(tw_storesim_put(w->s.sim, "ci:astro-token:OTHER", "theirs-1234", NULL), 0);
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_int_equal(tw_test_store_write(&w->s, "second-value-1234", &st, &after), 0);
        tw_test_store_assert_stored(&w->s, AT, "second-value-1234");
        tw_test_store_assert_stored(&w->s, "ci:astro-token:OTHER", "theirs-1234");
        /* The same again: nothing written. */
        assert_int_equal(tw_test_store_write(&w->s, "second-value-1234", &after, &st), 0);
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
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_int_equal(tw_storesim_put(w->s.sim, AT, "someone-elses", NULL), 0);
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), -EBUSY);
        tw_test_store_assert_stored(&w->s, AT, "someone-elses");
}

/* Written while the PATCH is on its way: the API server's 409. */
static void test_conflict_during_the_write(void **state)
{
        struct world *w = *state;
        const struct tw_sim_fault hang = {
                .type = TW_SIM_FAULT_HANG, .hang_ms = 400, .method = "PATCH", .count = 1};
        struct tw_test_store_bg b;

        assert_int_equal(tw_storesim_put(w->s.sim, AT, "first-1234567", NULL), 0);
        assert_int_equal(tw_storesim_add_fault(w->s.sim, &hang), 0);
        tw_test_store_write_bg(&b, &w->s, w->value);
        tw_test_store_wait_requests(&w->s, 2);
        assert_int_equal(tw_storesim_put(w->s.sim, AT, "someone-elses", NULL), 0);
        assert_int_equal(tw_test_store_join(&b), -EBUSY);
        assert_non_null(strstr(w->s.err.ptr, "resourceVersion"));
        tw_test_store_assert_stored(&w->s, AT, "someone-elses");
}

/* The token file is read at every call (it is rotated in a pod). */
static void test_credentials(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;

        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        tw_test_store_credential(&w->s, "rotated-away");
        assert_int_equal(tw_test_store_check(&w->s, &st), -EACCES);
        assert_non_null(strstr(w->s.err.ptr, "HTTP 401"));
        tw_test_store_credential(&w->s, TW_TEST_STORE_CRED);
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        tw_test_store_credential(&w->s, TW_TEST_STORE_READ_CRED);
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), -EPERM);
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
                assert_int_equal(tw_test_store_check(&tls, &st), -EKEYREJECTED);
                tw_test_store_set(&tls, "ca_file", cert);
                assert_int_equal(tw_test_store_check(&tls, &st), 0);
                assert_int_equal(tw_test_store_write(&tls, w->value, NULL, &after), 0);
                tw_test_store_finish(&tls, w->value);
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
        assert_int_equal(tw_test_store_write(&w->s, w->value, NULL, &after), 0);
        tw_storesim_get_stats(w->s.sim, &stats);
        assert_true(stats.status_429 >= 1);
        tw_test_store_assert_stored(&w->s, AT, w->value);

        tw_test_store_stop(&w->s);
        begin(w, NULL);
        assert_int_equal(tw_storesim_add_fault(w->s.sim, &f), 0);
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
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
