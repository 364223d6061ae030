/*
 * The GitHub store client (exporters/deliver/github.c) against the GitHub
 * secrets fake: the sealed box opens to the exact value, repository,
 * environment and organization secrets (visibility kept), a conflict, a
 * missing secret and repository, refused and read-only credentials,
 * retries on 5xx, 429 and secondary limits with Retry-After, the primary
 * limit, a key that changes between the two calls, and the headers GitHub
 * asks for.  Never a value or credential in a message.
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
#include "helpers/wait.h"
#include "lib/secret.h"
#include "lib/timeutil.h"
#include "sim/sim.h"

#define TOKEN_ID "clrotated0000000000000001"

struct world {
        struct tw_test_store s;
        char *value;
};

static int setup(void **state)
{
        struct world *w = calloc(1, sizeof(*w));

        tw_test_store_start(&w->s, TW_STORESIM_GITHUB, NULL);
        tw_test_store_set(&w->s, "repository", "acme/dags");
        tw_test_store_set(&w->s, "secret", "ASTRO_API_TOKEN");
        assert_int_equal(tw_storesim_put(w->s.sim, "repo:acme/dags", NULL, NULL), 0);
        w->s.token_id = TOKEN_ID;
        w->value = tw_test_jwt(TOKEN_ID, tw_now());
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

static void test_write_and_check_repository_secret(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;
        struct tw_storesim_request *log = NULL;
        size_t n = 0;
        int64_t before = tw_now();

        assert_int_equal(tw_deliver_target_validate(&w->s.t, &w->s.err), 0);
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_false(st.exists);
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), 0);
        assert_true(after.written);
        assert_true(after.exists);
        assert_false(after.readable); /* GitHub never gives a value back */
        assert_in_range(after.updated_at, before, tw_now());
        tw_test_store_assert_stored(&w->s, "repo:acme/dags:ASTRO_API_TOKEN", w->value);

        /* Checked again: the same metadata; written again over it. */
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_true(st.exists);
        assert_string_equal(st.version, after.version);
        assert_int_equal(tw_test_store_write(&w->s, "second-value-abc", &st, &after), 0);
        tw_test_store_assert_stored(&w->s, "repo:acme/dags:ASTRO_API_TOKEN", "second-value-abc");

        /* Every call carried the headers GitHub asks for. */
        assert_int_equal(tw_storesim_get_requests(w->s.sim, &log, &n), 0);
        assert_true(n >= 6);
        for (size_t i = 0; i < n; i++) {
                assert_string_equal(log[i].accept, "application/vnd.github+json");
                assert_string_equal(log[i].api_version, "2022-11-28");
                assert_non_null(log[i].user_agent);
                assert_memory_equal(log[i].user_agent, "tokenwatch/", 11);
                assert_string_equal(log[i].auth, "full");
        }
        tw_storesim_requests_free(log, n);
}

static void test_environment_secret(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;

        tw_test_store_set(&w->s, "environment", "prod/eu");
        assert_int_equal(tw_test_store_check(&w->s, &st), -ENOENT); /* no such environment yet */
        assert_non_null(strstr(w->s.err.ptr, "deliver copy:"));
        assert_int_equal(tw_storesim_put(w->s.sim, "env:acme/dags:prod/eu", NULL, NULL), 0);
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_false(st.exists);
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), 0);
        tw_test_store_assert_stored(&w->s, "env:acme/dags:prod/eu:ASTRO_API_TOKEN", w->value);
        /* The repository's own secret is another one. */
        assert_int_equal(tw_storesim_get(w->s.sim, "repo:acme/dags:ASTRO_API_TOKEN", &(char *){0}),
                         -ENOENT);
}

static const char *str(const cJSON *o, const char *k)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

        return cJSON_IsString(v) ? v->valuestring : "(none)";
}

/* An organization secret keeps its visibility and repositories. */
static void test_organization_visibility_kept(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;
        cJSON *j;

        free(w->s.t.repository);
        w->s.t.repository = NULL;
        tw_test_store_set(&w->s, "github_org", "acme");
        assert_int_equal(tw_storesim_put(w->s.sim, "org:acme:ASTRO_API_TOKEN", "old-value-123",
                                         "{\"visibility\":\"selected\","
                                         "\"selected_repository_ids\":[1001,1002]}"),
                         0);
        assert_int_equal(tw_deliver_target_validate(&w->s.t, &w->s.err), 0);
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_true(st.exists);
        assert_string_equal(st.detail, "visibility selected");
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), 0);
        tw_test_store_assert_stored(&w->s, "org:acme:ASTRO_API_TOKEN", w->value);
        j = tw_test_store_raw(&w->s, "GET", "/orgs/acme/actions/secrets/ASTRO_API_TOKEN", NULL,
                              200);
        assert_string_equal(str(j, "visibility"), "selected");
        cJSON_Delete(j);
        j = tw_test_store_raw(&w->s, "GET",
                              "/orgs/acme/actions/secrets/ASTRO_API_TOKEN/repositories", NULL, 200);
        assert_int_equal(cJSON_GetObjectItem(j, "total_count")->valueint, 2);
        assert_int_equal(
                cJSON_GetArrayItem(cJSON_GetObjectItem(j, "repositories"), 1)->child->valueint,
                1002);
        cJSON_Delete(j);

        /* A new one takes the configured visibility. */
        free(w->s.t.secret);
        w->s.t.secret = strdup("NEW_TOKEN");
        tw_test_store_set(&w->s, "visibility", "all");
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_false(st.exists);
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), 0);
        j = tw_test_store_raw(&w->s, "GET", "/orgs/acme/actions/secrets/NEW_TOKEN", NULL, 200);
        assert_string_equal(str(j, "visibility"), "all");
        cJSON_Delete(j);
}

/* Someone else writes between the check and the write: -EBUSY, and their
 * value stays. */
static void test_conflict_is_not_overwritten(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;
        int64_t t0;

        assert_int_equal(tw_test_store_write(&w->s, "first-value-123", NULL, &after), 0);
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        /* updated_at counts seconds: let the next write fall in another. */
        t0 = tw_now();
        TW_TEST_WAIT_FOR(tw_now() != t0, 2000);
        assert_int_equal(tw_storesim_put(w->s.sim, "repo:acme/dags:ASTRO_API_TOKEN",
                                         "someone-elses-value", NULL),
                         0);
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), -EBUSY);
        assert_non_null(strstr(w->s.err.ptr, "someone else"));
        tw_test_store_assert_stored(&w->s, "repo:acme/dags:ASTRO_API_TOKEN", "someone-elses-value");
        /* Expected absent, but there now: also a conflict. */
        {
                struct tw_deliver_state absent = {.exists = false};

                assert_int_equal(tw_test_store_write(&w->s, w->value, &absent, &after), -EBUSY);
        }
}

static void test_missing_repository_and_credentials(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;

        /* No such repository (or one the credential cannot see). */
        free(w->s.t.repository);
        w->s.t.repository = strdup("acme/nothing");
        assert_int_equal(tw_test_store_check(&w->s, &st), -ENOENT);
        free(w->s.t.repository);
        w->s.t.repository = strdup("acme/dags");

        /* A refused credential, a read-only one, none at all. */
        tw_test_store_credential(&w->s, "not-the-credential");
        assert_int_equal(tw_test_store_check(&w->s, &st), -EACCES);
        assert_non_null(strstr(w->s.err.ptr, "HTTP 401"));
        tw_test_store_no_leak(&w->s, "not-the-credential");
        tw_test_store_credential(&w->s, TW_TEST_STORE_READ_CRED);
        assert_int_equal(tw_test_store_check(&w->s, &st), 0);
        assert_int_equal(tw_test_store_write(&w->s, w->value, &st, &after), -EPERM);
        assert_non_null(strstr(w->s.err.ptr, "Secrets: write"));
        free(w->s.t.credential_file);
        w->s.t.credential_file = strdup("/nonexistent/credential");
        assert_int_equal(tw_test_store_check(&w->s, &st), -EACCES);
        assert_int_equal(tw_storesim_get(w->s.sim, "repo:acme/dags:ASTRO_API_TOKEN", &(char *){0}),
                         -ENOENT);
}

static void add_fault(struct world *w, enum tw_sim_fault_type type, int status, int retry_after,
                      const char *match, unsigned count)
{
        const struct tw_sim_fault f = {.type = type,
                                       .status = status,
                                       .retry_after = retry_after,
                                       .match = match,
                                       .count = count};

        assert_int_equal(tw_storesim_add_fault(w->s.sim, &f), 0);
}

/* 5xx and 429 are retried (the 429 after its Retry-After), a GitHub
 * secondary limit (403 with Retry-After) too. */
static void test_retries(void **state)
{
        static const struct {
                const char *name;
                int status, retry_after;
                unsigned count;
        } cases[] = {
                {"two 502s", 502, -1, 2},
                {"a 429 with Retry-After: 1", 429, 1, 1},
                {"a secondary limit: 403 with Retry-After: 1", 403, 1, 1},
        };
        struct world *w = *state;
        struct tw_deliver_state after;
        struct tw_storesim_stats st;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int64_t t0 = tw_mono_ns();

                print_message("%s\n", cases[i].name);
                add_fault(w, TW_SIM_FAULT_STATUS, cases[i].status, cases[i].retry_after,
                          "/public-key", cases[i].count);
                assert_int_equal(tw_test_store_write(&w->s, w->value, NULL, &after), 0);
                if (cases[i].retry_after > 0)
                        assert_true(tw_mono_ns() - t0 >= 900000000LL);
                tw_storesim_clear_faults(w->s.sim);
        }
        tw_test_store_assert_stored(&w->s, "repo:acme/dags:ASTRO_API_TOKEN", w->value);
        tw_storesim_get_stats(w->s.sim, &st);
        assert_int_equal(st.status_429, 1);

        /* Longer than max_wait_s (3): not waited for; said when instead. */
        add_fault(w, TW_SIM_FAULT_STATUS, 429, 120, "/ASTRO_API_TOKEN", 1);
        assert_int_equal(tw_test_store_write(&w->s, w->value, NULL, &after), -EAGAIN);
        assert_int_equal(tw_deliver_retry_after(w->s.ctx), 120);
        tw_storesim_clear_faults(w->s.sim);
        /* 5xx every time: given up on after the retries. */
        add_fault(w, TW_SIM_FAULT_STATUS, 500, -1, "", 0);
        assert_int_equal(tw_test_store_write(&w->s, w->value, NULL, &after), -EPROTO);
        assert_non_null(strstr(w->s.err.ptr, "HTTP 500"));
}

/* The primary limit: 403, x-ratelimit-remaining 0, the reset an hour away. */
static void test_primary_rate_limit(void **state)
{
        struct world *w = *state;
        struct tw_storesim_options o = {.rate_limit = 2};
        struct tw_deliver_state st;

        tw_test_store_stop(&w->s);
        tw_test_store_start(&w->s, TW_STORESIM_GITHUB, &o);
        tw_test_store_set(&w->s, "repository", "acme/dags");
        tw_test_store_set(&w->s, "secret", "ASTRO_API_TOKEN");
        assert_int_equal(tw_storesim_put(w->s.sim, "repo:acme/dags", NULL, NULL), 0);
        assert_int_equal(tw_test_store_check(&w->s, &st),
                         0); /* 2 calls: the secret, then the key */
        assert_int_equal(tw_test_store_check(&w->s, &st), -EAGAIN);
        assert_in_range(tw_deliver_retry_after(w->s.ctx), 3500, 3602);
        assert_non_null(strstr(w->s.err.ptr, "rate limited"));
}

/* The key changes while the PUT is on its way: GitHub's 422, a fresh key,
 * one more PUT. */
static void test_key_changed_in_between(void **state)
{
        struct world *w = *state;
        const struct tw_sim_fault hang = {
                .type = TW_SIM_FAULT_HANG, .hang_ms = 400, .method = "PUT", .count = 1};
        struct tw_storesim_stats st = {0};
        struct tw_test_store_bg b;

        assert_int_equal(tw_storesim_add_fault(w->s.sim, &hang), 0);
        tw_test_store_write_bg(&b, &w->s, w->value);
        /* GET the secret (absent), GET the public key (the repository is
         * there), GET it to seal, then the PUT arrives and hangs. */
        tw_test_store_wait_requests(&w->s, 4);
        assert_int_equal(tw_storesim_github_rotate_key(w->s.sim, "repo:acme/dags"), 0);
        assert_int_equal(tw_test_store_join(&b), 0);
        tw_test_store_assert_stored(&w->s, "repo:acme/dags:ASTRO_API_TOKEN", w->value);
        tw_storesim_get_stats(w->s.sim, &st);
        assert_int_equal(st.writes, 1);
        /* The first PUT was refused for its key; the second sealed to the new one. */
        {
                struct tw_storesim_request *log = NULL;
                size_t n = 0, puts = 0, refused = 0;

                assert_int_equal(tw_storesim_get_requests(w->s.sim, &log, &n), 0);
                for (size_t i = 0; i < n; i++) {
                        puts += strcmp(log[i].method, "PUT") == 0;
                        refused += log[i].status == 422;
                }
                tw_storesim_requests_free(log, n);
                assert_int_equal(puts, 2);
                assert_int_equal(refused, 1);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_write_and_check_repository_secret, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_environment_secret, setup, teardown),
                cmocka_unit_test_setup_teardown(test_organization_visibility_kept, setup, teardown),
                cmocka_unit_test_setup_teardown(test_conflict_is_not_overwritten, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_repository_and_credentials, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_retries, setup, teardown),
                cmocka_unit_test_setup_teardown(test_primary_rate_limit, setup, teardown),
                cmocka_unit_test_setup_teardown(test_key_changed_in_between, setup, teardown),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
