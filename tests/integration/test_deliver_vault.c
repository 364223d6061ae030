/*
 * The Vault store client (exporters/deliver/vault.c) against the KV
 * version 2 fake: a new secret, the other keys and custom_metadata kept,
 * the token id noted, check-and-set refusing a version written in between
 * (before and during the write), an idempotent rewrite, namespaces, a
 * deleted current version, a missing mount, refused credentials, and 429
 * and 5xx retried.
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

#include <cjson/cJSON.h>
#include <cmocka.h>
#include <curl/curl.h>

#include "helpers/store_fixture.h"
#include "lib/secret.h"
#include "lib/timeutil.h"
#include "sim/sim.h"

#define TOKEN_ID "clvault000000000000000001"
#define AT "secret:ci/astro:ASTRO_API_TOKEN"

struct world {
        struct tw_test_store s;
        char *value;
        int64_t iat;
};

static int setup(void **state)
{
        struct world *w = calloc(1, sizeof(*w));

        tw_test_store_start(&w->s, TW_STORESIM_VAULT, NULL);
        tw_test_store_set(&w->s, "path", "ci/astro");
        tw_test_store_set(&w->s, "key", "ASTRO_API_TOKEN");
        w->iat = tw_now() - 5;
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
        tw_test_store_no_leak(&w->s, "keep-me-secret");
        tw_secret_free(w->value);
        tw_test_store_stop(&w->s);
        free(w);
        return 0;
}

static const struct tw_deliver_ops *ops(void)
{
        return tw_deliver_ops_find("vault");
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

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
        return tw_buf_add(ud, p, size * n) < 0 ? 0 : size * n;
}

/* A raw request to the fake with the credential; the parsed answer. */
static cJSON *raw(struct world *w, const char *method, const char *path, const char *body,
                  long want)
{
        CURL *c = curl_easy_init();
        struct curl_slist *h = curl_slist_append(NULL, "X-Vault-Token: " TW_TEST_STORE_CRED);
        struct tw_buf out;
        char url[512];
        long status = 0;
        cJSON *j;

        tw_buf_init(&out, 1 << 20);
        snprintf(url, sizeof(url), "%s%s", tw_storesim_url(w->s.sim), path);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (body)
                curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
        assert_int_equal(curl_easy_perform(c), CURLE_OK);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        assert_int_equal(status, want);
        j = out.len ? cJSON_Parse(out.ptr) : NULL;
        tw_buf_done(&out);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        return j;
}

static cJSON *custom_metadata(struct world *w)
{
        cJSON *j = raw(w, "GET", "/v1/secret/metadata/ci/astro", NULL, 200);
        cJSON *cm = cJSON_DetachItemFromObject(cJSON_GetObjectItem(j, "data"), "custom_metadata");

        cJSON_Delete(j);
        return cm;
}

static void test_new_secret_and_note(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;
        cJSON *cm;

        assert_int_equal(tw_deliver_target_validate(&w->s.t, &w->s.err), 0);
        assert_int_equal(check(w, &st), 0);
        assert_false(st.exists);
        assert_string_equal(st.version, "0");
        assert_int_equal(write_value(w, w->value, &st, &after), 0);
        assert_true(after.written);
        assert_string_equal(after.version, "1");
        assert_string_equal(after.managed_token_id, TOKEN_ID);
        assert_stored(w, AT, w->value);
        cm = custom_metadata(w);
        assert_string_equal(cJSON_GetObjectItem(cm, "tokenwatch-token-id")->valuestring, TOKEN_ID);
        assert_string_equal(cJSON_GetObjectItem(cm, "managed-by")->valuestring, "tokenwatch");
        cJSON_Delete(cm);

        assert_int_equal(check(w, &st), 0);
        assert_true(st.exists);
        assert_true(st.holds_jwt);
        assert_string_equal(st.api_token_id, TOKEN_ID);
        assert_int_equal(st.iat, w->iat);
        assert_string_equal(st.version, "1");
        assert_string_equal(st.managed_token_id, TOKEN_ID);
        assert_in_range(st.updated_at, tw_now() - 5, tw_now());

        /* Again with the same value: no new version. */
        assert_int_equal(write_value(w, w->value, &st, &after), 0);
        assert_false(after.written);
        assert_string_equal(after.version, "1");
}

/* The other keys of the secret and the other custom_metadata stay. */
static void test_other_keys_kept(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;
        cJSON *cm;

        assert_int_equal(tw_storesim_put(w->s.sim, "secret:ci/astro:OTHER", "keep-me-secret", NULL),
                         0);
        cJSON_Delete(raw(w, "POST", "/v1/secret/metadata/ci/astro",
                         "{\"custom_metadata\":{\"owner\":\"team-a\"},\"cas_required\":true}",
                         204));
        assert_int_equal(check(w, &st), 0);
        assert_false(st.exists); /* the secret is there, not its key */
        assert_string_equal(st.version, "1");
        assert_int_equal(write_value(w, w->value, &st, &after), 0);
        assert_string_equal(after.version, "2");
        assert_stored(w, AT, w->value);
        assert_stored(w, "secret:ci/astro:OTHER", "keep-me-secret");
        cm = custom_metadata(w);
        assert_string_equal(cJSON_GetObjectItem(cm, "owner")->valuestring, "team-a");
        assert_string_equal(cJSON_GetObjectItem(cm, "tokenwatch-token-id")->valuestring, TOKEN_ID);
        cJSON_Delete(cm);
}

/* A version written after the check: refused before writing. */
static void test_conflict_before_the_write(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;

        assert_int_equal(write_value(w, w->value, NULL, &after), 0);
        assert_int_equal(check(w, &st), 0);
        assert_int_equal(tw_storesim_put(w->s.sim, AT, "someone-elses", NULL), 0);
        assert_int_equal(write_value(w, "mine-123456789", &st, &after), -EBUSY);
        assert_non_null(strstr(w->s.err.ptr, "version 2, not 1"));
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

/* A version written while the write is on its way: Vault's cas refuses it. */
static void test_conflict_during_the_write(void **state)
{
        struct world *w = *state;
        const struct tw_sim_fault hang = {.type = TW_SIM_FAULT_HANG,
                                          .hang_ms = 400,
                                          .method = "POST",
                                          .match = "/data/",
                                          .count = 1};
        struct tw_storesim_stats st = {0};
        struct bg b = {.w = w};
        int64_t deadline = tw_mono_ns() + 10000000000LL;
        pthread_t th;

        assert_int_equal(tw_storesim_put(w->s.sim, AT, "first-value-12", NULL), 0);
        assert_int_equal(tw_storesim_add_fault(w->s.sim, &hang), 0);
        assert_int_equal(pthread_create(&th, NULL, bg_write, &b), 0);
        /* GET data, GET metadata, then the POST arrives and hangs. */
        while (st.requests < 3 && tw_mono_ns() < deadline) {
                struct timespec ts = {0, 5000000};

                nanosleep(&ts, NULL);
                tw_storesim_get_stats(w->s.sim, &st);
        }
        assert_int_equal(st.requests, 3);
        assert_int_equal(tw_storesim_put(w->s.sim, AT, "someone-elses", NULL), 0);
        pthread_join(th, NULL);
        assert_int_equal(b.r, -EBUSY);
        assert_non_null(strstr(w->s.err.ptr, "check-and-set"));
        assert_stored(w, AT, "someone-elses");
}

static void test_namespace_and_deleted_version(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;

        tw_test_store_set(&w->s, "namespace", "team-a/");
        assert_int_equal(write_value(w, w->value, NULL, &after), 0);
        assert_stored(w, "team-a@secret:ci/astro:ASTRO_API_TOKEN", w->value);
        assert_int_equal(tw_storesim_get(w->s.sim, AT, &(char *){0}), -ENOENT);

        /* Its current version deleted: absent, and cas names that version. */
        free(w->s.t.namespace);
        w->s.t.namespace = NULL;
        assert_int_equal(tw_storesim_put(w->s.sim, AT, "one-1234567", NULL), 0);
        assert_int_equal(tw_storesim_put(w->s.sim, AT, "two-1234567", NULL), 0);
        cJSON_Delete(raw(w, "DELETE", "/v1/secret/data/ci/astro", NULL, 204));
        assert_int_equal(check(w, &st), 0);
        assert_false(st.exists);
        assert_string_equal(st.version, "2");
        assert_int_equal(write_value(w, w->value, &st, &after), 0);
        assert_string_equal(after.version, "3");
        assert_stored(w, AT, w->value);
}

static void test_missing_mount_and_refusals(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;
        const struct tw_sim_fault f429 = {
                .type = TW_SIM_FAULT_STATUS, .status = 429, .retry_after = 1, .count = 1};
        const struct tw_sim_fault f500 = {.type = TW_SIM_FAULT_STATUS, .status = 500, .count = 2};

        tw_test_store_set(&w->s, "mount", "kv-nowhere");
        assert_int_equal(check(w, &st), -ENOENT);
        assert_non_null(strstr(w->s.err.ptr, "no handler for route"));
        free(w->s.t.mount);
        w->s.t.mount = NULL;
        tw_test_store_credential(&w->s, "wrong-token");
        assert_int_equal(check(w, &st), -EPERM);
        assert_non_null(strstr(w->s.err.ptr, "permission denied"));
        tw_test_store_credential(&w->s, TW_TEST_STORE_READ_CRED);
        assert_int_equal(check(w, &st), 0);
        assert_int_equal(write_value(w, w->value, &st, &after), -EPERM);
        tw_test_store_credential(&w->s, TW_TEST_STORE_CRED);

        assert_int_equal(tw_storesim_add_fault(w->s.sim, &f429), 0);
        assert_int_equal(tw_storesim_add_fault(w->s.sim, &f500), 0);
        assert_int_equal(write_value(w, w->value, &st, &after), 0);
        assert_stored(w, AT, w->value);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_new_secret_and_note, setup, teardown),
                cmocka_unit_test_setup_teardown(test_other_keys_kept, setup, teardown),
                cmocka_unit_test_setup_teardown(test_conflict_before_the_write, setup, teardown),
                cmocka_unit_test_setup_teardown(test_conflict_during_the_write, setup, teardown),
                cmocka_unit_test_setup_teardown(test_namespace_and_deleted_version, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_missing_mount_and_refusals, setup, teardown),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
