/*
 * The GitLab store client (exporters/deliver/gitlab.c) against the GitLab
 * variables fake: create and update (flags kept), read back (token id, issue
 * time, fingerprint), numeric and path ids, groups, environment scopes, a
 * conflict, an idempotent rewrite, a masked-and-hidden variable, missing
 * project and variable, refused credentials, the rate limit's 429 with
 * Retry-After and 5xx retried.
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

#define TOKEN_ID "clgitlab00000000000000001"
#define AT "project:acme/dags:ASTRO_API_TOKEN"

struct world {
        struct tw_test_store s;
        char *value;
        int64_t iat;
};

static void begin(struct world *w, const struct tw_storesim_options *o)
{
        tw_test_store_start(&w->s, TW_STORESIM_GITLAB, o);
        tw_test_store_set(&w->s, "project", "acme/dags");
        tw_test_store_set(&w->s, "variable", "ASTRO_API_TOKEN");
        assert_int_equal(tw_storesim_put(w->s.sim, "project:acme/dags", NULL, NULL), 0);
        w->s.token_id = TOKEN_ID;
}

static int setup(void **state)
{
        struct world *w = calloc(1, sizeof(*w));

        begin(w, NULL);
        w->iat = tw_now() - 60;
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

static bool flag(const cJSON *o, const char *k)
{
        return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void test_create_then_read_back(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;
        char fp[TW_DELIVER_FINGERPRINT_LEN + 1];
        cJSON *v;

        assert_int_equal(tw_deliver_target_validate(&w->s.t, &w->s.err), 0);
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_false(st.exists);
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), 0);
        assert_true(after.written);
        tw_test_store_assert_stored(&w->s, AT, w->value);
        v = tw_test_store_raw(&w->s, "GET",
                              "/api/v4/projects/acme%2Fdags/variables/ASTRO_API_TOKEN", NULL, 0);
        assert_true(flag(v, "masked")); /* a JWT can be masked */
        assert_true(flag(v, "raw"));
        cJSON_Delete(v);

        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_true(st.exists);
        assert_true(st.readable);
        assert_true(st.holds_jwt);
        assert_string_equal(st.api_token_id, TOKEN_ID);
        assert_int_equal(st.iat, w->iat);
        assert_int_equal(tw_deliver_fingerprint(w->value, fp), 0);
        assert_string_equal(st.fingerprint, fp);
        assert_true(tw_deliver_state_holds(&st, w->value));
        assert_false(tw_deliver_state_holds(&st, "another"));
}

/* An existing variable keeps its flags; the same value twice writes once. */
static void test_update_keeps_flags_and_is_idempotent(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;
        struct tw_storesim_stats s0, s1;
        cJSON *v;

        assert_int_equal(tw_storesim_put(w->s.sim, AT, "old-value-12345",
                                         "{\"protected\":true,\"masked\":false,"
                                         "\"description\":\"deploys\",\"variable_type\":\"file\"}"),
                         0);
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_true(st.exists);
        assert_false(st.holds_jwt);
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), 0);
        tw_test_store_assert_stored(&w->s, AT, w->value);
        v = tw_test_store_raw(&w->s, "GET",
                              "/api/v4/projects/acme%2Fdags/variables/ASTRO_API_TOKEN", NULL, 0);
        assert_true(flag(v, "protected"));
        assert_false(flag(v, "masked"));
        assert_string_equal(cJSON_GetObjectItem(v, "description")->valuestring, "deploys");
        assert_string_equal(cJSON_GetObjectItem(v, "variable_type")->valuestring, "file");
        cJSON_Delete(v);

        tw_storesim_get_stats(w->s.sim, &s0);
        assert_int_equal(tw_test_store_write(&w->s, w->value, &after, &st), 0);
        assert_false(st.written);
        tw_storesim_get_stats(w->s.sim, &s1);
        assert_int_equal(s1.writes, s0.writes);
}

/* A numeric id, a group, and scopes sharing a key. */
static void test_ids_groups_and_scopes(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;
        char id[32];

        snprintf(id, sizeof(id), "%ld", tw_storesim_gitlab_id(w->s.sim, "project:acme/dags"));
        free(w->s.t.project);
        w->s.t.project = strdup(id);
        assert_int_equal(tw_test_store_write(&w->s, w->value, NULL, &after), 0);
        tw_test_store_assert_stored(&w->s, AT, w->value);

        free(w->s.t.project);
        w->s.t.project = NULL;
        tw_test_store_set(&w->s, "group", "acme");
        assert_int_equal(tw_storesim_put(w->s.sim, "group:acme", NULL, NULL), 0);
        assert_int_equal(tw_test_store_write(&w->s, w->value, NULL, &after), 0);
        tw_test_store_assert_stored(&w->s, "group:acme:ASTRO_API_TOKEN", w->value);

        /* Two variables of one key: the scope must say which. */
        assert_int_equal(tw_storesim_put(w->s.sim, "group:acme:ASTRO_API_TOKEN:production",
                                         "prod-value-1234", NULL),
                         0);
        assert_int_equal(tw_test_store_check(&w->s, &st), -EINVAL);
        assert_non_null(strstr(w->s.err.ptr, "environment_scope"));
        tw_test_store_set(&w->s, "environment_scope", "production");
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_int_equal(tw_test_store_write(&w->s, "new-prod-value-1", &st, &after), 0);
        tw_test_store_assert_stored(&w->s, "group:acme:ASTRO_API_TOKEN:production",
                                    "new-prod-value-1");
        tw_test_store_assert_stored(&w->s, "group:acme:ASTRO_API_TOKEN", w->value);
}

static void test_conflict_and_hidden(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;

        assert_int_equal(tw_test_store_write(&w->s, w->value, NULL, &after), 0);
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_int_equal(tw_storesim_put(w->s.sim, AT, "someone-elses-1", NULL), 0);
        assert_int_equal(tw_test_store_write(&w->s, "my-new-value-123", &st, &after), -EBUSY);
        tw_test_store_assert_stored(&w->s, AT, "someone-elses-1");

        /* Masked and hidden: there, unreadable, still writable. */
        assert_int_equal(tw_storesim_put(w->s.sim, "project:acme/dags:HIDDEN", "hidden-value-1",
                                         "{\"hidden\":true}"),
                         0);
        free(w->s.t.variable);
        w->s.t.variable = strdup("HIDDEN");
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_true(st.exists);
        assert_false(st.readable);
        assert_string_equal(st.detail, "masked and hidden: not readable");
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), 0);
        tw_test_store_assert_stored(&w->s, "project:acme/dags:HIDDEN", w->value);
        /* A masked variable refuses a value with a space. */
        assert_int_equal(tw_test_store_write(&w->s, "has a space", NULL, &after), -EPROTO);
        assert_non_null(strstr(w->s.err.ptr, "is invalid"));
        tw_test_store_no_leak(&w->s, "has a space");
}

static void test_missing_and_refused(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st;

        free(w->s.t.project);
        w->s.t.project = strdup("acme/nothing");
        assert_int_equal(tw_test_store_check(&w->s, &st), -ENOENT);
        assert_non_null(strstr(w->s.err.ptr, "Project Not Found"));
        free(w->s.t.project);
        w->s.t.project = strdup("acme/dags");
        tw_test_store_credential(&w->s, "wrong-credential");
        assert_int_equal(tw_test_store_check(&w->s, &st), -EACCES);
        tw_test_store_no_leak(&w->s, "wrong-credential");
        tw_test_store_credential(&w->s, TW_TEST_STORE_READ_CRED);
        assert_int_equal(tw_test_store_check(&w->s, &st), -EPERM);
        assert_non_null(strstr(w->s.err.ptr, "Maintainer"));
        tw_test_store_no_leak(&w->s, TW_TEST_STORE_READ_CRED);
}

/* The fake's own rate limit (2 calls a window of 1.5 s): a 429 with
 * Retry-After, waited for; 5xx retried. */
static void test_rate_limit_and_5xx(void **state)
{
        struct world *w = *state;
        struct tw_storesim_options o = {.rate_limit = 2, .rate_window_ms = 1500};
        const struct tw_sim_fault f = {.type = TW_SIM_FAULT_STATUS, .status = 503, .count = 2};
        struct tw_deliver_state st, after;
        struct tw_storesim_stats stats;

        tw_test_store_stop(&w->s);
        begin(w, &o);
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        /* GET (the window's second call), then the POST: over the limit. */
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), 0);
        tw_storesim_get_stats(w->s.sim, &stats);
        assert_true(stats.status_429 >= 1);
        tw_test_store_assert_stored(&w->s, AT, w->value);

        /* Without the limit: two 503s, then the answer. */
        tw_test_store_stop(&w->s);
        begin(w, NULL);
        assert_int_equal(tw_storesim_put(w->s.sim, AT, w->value, NULL), 0);
        assert_int_equal(tw_storesim_add_fault(w->s.sim, &f), 0);
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_true(st.exists);
        assert_string_equal(st.api_token_id, TOKEN_ID);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_create_then_read_back, setup, teardown),
                cmocka_unit_test_setup_teardown(test_update_keeps_flags_and_is_idempotent, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_ids_groups_and_scopes, setup, teardown),
                cmocka_unit_test_setup_teardown(test_conflict_and_hidden, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_and_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rate_limit_and_5xx, setup, teardown),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
