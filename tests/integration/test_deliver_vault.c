/*
 * The Vault store client (exporters/deliver/vault.c) against the KV
 * version 2 fake: a new secret, the other keys and custom_metadata kept,
 * the token id noted, check-and-set refusing a version written in between
 * (before and during the write), an idempotent rewrite, namespaces, a
 * deleted current version, a missing mount, refused credentials, and 429
 * and 5xx retried.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        w->s.token_id = TOKEN_ID;
        w->iat = tw_now() - 5;
        w->value = tw_test_jwt(TOKEN_ID, w->iat);
        *state = w;
        return 0;
}

static int teardown(void **state)
{
        struct world *w = *state;

        tw_test_store_no_leak(&w->s, "keep-me-secret");
        tw_test_store_finish(&w->s, w->value);
        tw_secret_free(w->value);
        free(w);
        return 0;
}

static cJSON *custom_metadata(struct world *w)
{
        cJSON *j = tw_test_store_raw(&w->s, "GET", "/v1/secret/metadata/ci/astro", NULL, 200);
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
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_false(st.exists);
        assert_string_equal(st.version, "0");
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), 0);
        assert_true(after.written);
        assert_string_equal(after.version, "1");
        assert_string_equal(after.managed_token_id, TOKEN_ID);
        tw_test_store_assert_stored(&w->s, AT, w->value);
        cm = custom_metadata(w);
        assert_string_equal(cJSON_GetObjectItem(cm, "tokenwatch-token-id")->valuestring, TOKEN_ID);
        assert_string_equal(cJSON_GetObjectItem(cm, "managed-by")->valuestring, "tokenwatch");
        cJSON_Delete(cm);

        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_true(st.exists);
        assert_true(st.holds_jwt);
        assert_string_equal(st.api_token_id, TOKEN_ID);
        assert_int_equal(st.iat, w->iat);
        assert_string_equal(st.version, "1");
        assert_string_equal(st.managed_token_id, TOKEN_ID);
        assert_in_range(st.updated_at, tw_now() - 5, tw_now());

        /* Again with the same value: no new version. */
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), 0);
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
        cJSON_Delete(tw_test_store_raw(
                &w->s, "POST", "/v1/secret/metadata/ci/astro",
                "{\"custom_metadata\":{\"owner\":\"team-a\"},\"cas_required\":true}", 204));
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_false(st.exists); /* the secret is there, not its key */
        assert_string_equal(st.version, "1");
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), 0);
        assert_string_equal(after.version, "2");
        tw_test_store_assert_stored(&w->s, AT, w->value);
        tw_test_store_assert_stored(&w->s, "secret:ci/astro:OTHER", "keep-me-secret");
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

        assert_int_equal(tw_test_store_write(&w->s, w->value, NULL, &after), 0);
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_int_equal(tw_storesim_put(w->s.sim, AT, "someone-elses", NULL), 0);
        assert_int_equal(tw_test_store_write(&w->s, "mine-123456789", &st, &after), -EBUSY);
        assert_non_null(strstr(w->s.err.ptr, "version 2, not 1"));
        tw_test_store_assert_stored(&w->s, AT, "someone-elses");
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
        struct tw_test_store_bg b;

        assert_int_equal(tw_storesim_put(w->s.sim, AT, "first-value-12", NULL), 0);
        assert_int_equal(tw_storesim_add_fault(w->s.sim, &hang), 0);
        tw_test_store_write_bg(&b, &w->s, w->value);
        /* GET data, GET metadata, then the POST arrives and hangs. */
        tw_test_store_wait_requests(&w->s, 3);
        assert_int_equal(tw_storesim_put(w->s.sim, AT, "someone-elses", NULL), 0);
        assert_int_equal(tw_test_store_join(&b), -EBUSY);
        assert_non_null(strstr(w->s.err.ptr, "check-and-set"));
        tw_test_store_assert_stored(&w->s, AT, "someone-elses");
}

static void test_namespace_and_deleted_version(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;

        tw_test_store_set(&w->s, "namespace", "team-a/");
        assert_int_equal(tw_test_store_write(&w->s, w->value, NULL, &after), 0);
        tw_test_store_assert_stored(&w->s, "team-a@secret:ci/astro:ASTRO_API_TOKEN", w->value);
        assert_int_equal(tw_storesim_get(w->s.sim, AT, &(char *){0}), -ENOENT);

        /* Its current version deleted: absent, and cas names that version. */
        free(w->s.t.namespace);
        w->s.t.namespace = NULL;
        assert_int_equal(tw_storesim_put(w->s.sim, AT, "one-1234567", NULL), 0);
        assert_int_equal(tw_storesim_put(w->s.sim, AT, "two-1234567", NULL), 0);
        cJSON_Delete(tw_test_store_raw(&w->s, "DELETE", "/v1/secret/data/ci/astro", NULL, 204));
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_false(st.exists);
        assert_string_equal(st.version, "2");
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), 0);
        assert_string_equal(after.version, "3");
        tw_test_store_assert_stored(&w->s, AT, w->value);
}

static void test_missing_mount_and_refusals(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;
        const struct tw_sim_fault f429 = {
                .type = TW_SIM_FAULT_STATUS, .status = 429, .retry_after = 1, .count = 1};
        const struct tw_sim_fault f500 = {.type = TW_SIM_FAULT_STATUS, .status = 500, .count = 2};

        tw_test_store_set(&w->s, "mount", "kv-nowhere");
        assert_int_equal(tw_test_store_check(&w->s, &st), -ENOENT);
        assert_non_null(strstr(w->s.err.ptr, "no handler for route"));
        free(w->s.t.mount);
        w->s.t.mount = NULL;
        tw_test_store_credential(&w->s, "wrong-token");
        assert_int_equal(tw_test_store_check(&w->s, &st), -EPERM);
        assert_non_null(strstr(w->s.err.ptr, "permission denied"));
        tw_test_store_credential(&w->s, TW_TEST_STORE_READ_CRED);
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), -EPERM);
        tw_test_store_credential(&w->s, TW_TEST_STORE_CRED);

        assert_int_equal(tw_storesim_add_fault(w->s.sim, &f429), 0);
        assert_int_equal(tw_storesim_add_fault(w->s.sim, &f500), 0);
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), 0);
        tw_test_store_assert_stored(&w->s, AT, w->value);
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
