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
        return tw_deliver_ops_find("gitlab");
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

/* The variable as the fake shows it (GET with the credential). */
static cJSON *raw_variable(struct world *w, const char *path)
{
        CURL *c = curl_easy_init();
        struct curl_slist *h = curl_slist_append(NULL, "PRIVATE-TOKEN: " TW_TEST_STORE_CRED);
        struct tw_buf body;
        char url[512];
        cJSON *j;

        tw_buf_init(&body, 1 << 20);
        snprintf(url, sizeof(url), "%s%s", tw_storesim_url(w->s.sim), path);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
        assert_int_equal(curl_easy_perform(c), CURLE_OK);
        j = cJSON_Parse(body.ptr);
        tw_buf_done(&body);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        return j;
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
        assert_int_equal(check(w, &st), 0);
        assert_false(st.exists);
        assert_int_equal(write_value(w, w->value, &st, &after), 0);
        assert_true(after.written);
        assert_stored(w, AT, w->value);
        v = raw_variable(w, "/api/v4/projects/acme%2Fdags/variables/ASTRO_API_TOKEN");
        assert_true(flag(v, "masked")); /* a JWT can be masked */
        assert_true(flag(v, "raw"));
        cJSON_Delete(v);

        assert_int_equal(check(w, &st), 0);
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
        assert_int_equal(check(w, &st), 0);
        assert_true(st.exists);
        assert_false(st.holds_jwt);
        assert_int_equal(write_value(w, w->value, &st, &after), 0);
        assert_stored(w, AT, w->value);
        v = raw_variable(w, "/api/v4/projects/acme%2Fdags/variables/ASTRO_API_TOKEN");
        assert_true(flag(v, "protected"));
        assert_false(flag(v, "masked"));
        assert_string_equal(cJSON_GetObjectItem(v, "description")->valuestring, "deploys");
        assert_string_equal(cJSON_GetObjectItem(v, "variable_type")->valuestring, "file");
        cJSON_Delete(v);

        tw_storesim_get_stats(w->s.sim, &s0);
        assert_int_equal(write_value(w, w->value, &after, &st), 0);
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
        assert_int_equal(write_value(w, w->value, NULL, &after), 0);
        assert_stored(w, AT, w->value);

        free(w->s.t.project);
        w->s.t.project = NULL;
        tw_test_store_set(&w->s, "group", "acme");
        assert_int_equal(tw_storesim_put(w->s.sim, "group:acme", NULL, NULL), 0);
        assert_int_equal(write_value(w, w->value, NULL, &after), 0);
        assert_stored(w, "group:acme:ASTRO_API_TOKEN", w->value);

        /* Two variables of one key: the scope must say which. */
        assert_int_equal(tw_storesim_put(w->s.sim, "group:acme:ASTRO_API_TOKEN:production",
                                         "prod-value-1234", NULL),
                         0);
        assert_int_equal(check(w, &st), -EINVAL);
        assert_non_null(strstr(w->s.err.ptr, "environment_scope"));
        tw_test_store_set(&w->s, "environment_scope", "production");
        assert_int_equal(check(w, &st), 0);
        assert_int_equal(write_value(w, "new-prod-value-1", &st, &after), 0);
        assert_stored(w, "group:acme:ASTRO_API_TOKEN:production", "new-prod-value-1");
        assert_stored(w, "group:acme:ASTRO_API_TOKEN", w->value);
}

static void test_conflict_and_hidden(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st, after;

        assert_int_equal(write_value(w, w->value, NULL, &after), 0);
        assert_int_equal(check(w, &st), 0);
        assert_int_equal(tw_storesim_put(w->s.sim, AT, "someone-elses-1", NULL), 0);
        assert_int_equal(write_value(w, "my-new-value-123", &st, &after), -EBUSY);
        assert_stored(w, AT, "someone-elses-1");

        /* Masked and hidden: there, unreadable, still writable. */
        assert_int_equal(tw_storesim_put(w->s.sim, "project:acme/dags:HIDDEN", "hidden-value-1",
                                         "{\"hidden\":true}"),
                         0);
        free(w->s.t.variable);
        w->s.t.variable = strdup("HIDDEN");
        assert_int_equal(check(w, &st), 0);
        assert_true(st.exists);
        assert_false(st.readable);
        assert_string_equal(st.detail, "masked and hidden: not readable");
        assert_int_equal(write_value(w, w->value, &st, &after), 0);
        assert_stored(w, "project:acme/dags:HIDDEN", w->value);
        /* A masked variable refuses a value with a space. */
        assert_int_equal(write_value(w, "has a space", NULL, &after), -EPROTO);
        assert_non_null(strstr(w->s.err.ptr, "is invalid"));
        tw_test_store_no_leak(&w->s, "has a space");
}

static void test_missing_and_refused(void **state)
{
        struct world *w = *state;
        struct tw_deliver_state st;

        free(w->s.t.project);
        w->s.t.project = strdup("acme/nothing");
        assert_int_equal(check(w, &st), -ENOENT);
        assert_non_null(strstr(w->s.err.ptr, "Project Not Found"));
        free(w->s.t.project);
        w->s.t.project = strdup("acme/dags");
        tw_test_store_credential(&w->s, "wrong-credential");
        assert_int_equal(check(w, &st), -EACCES);
        tw_test_store_no_leak(&w->s, "wrong-credential");
        tw_test_store_credential(&w->s, TW_TEST_STORE_READ_CRED);
        assert_int_equal(check(w, &st), -EPERM);
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
        assert_int_equal(check(w, &st), 0);
        /* GET (the window's second call), then the POST: over the limit. */
        assert_int_equal(write_value(w, w->value, &st, &after), 0);
        tw_storesim_get_stats(w->s.sim, &stats);
        assert_true(stats.status_429 >= 1);
        assert_stored(w, AT, w->value);

        /* Without the limit: two 503s, then the answer. */
        tw_test_store_stop(&w->s);
        begin(w, NULL);
        assert_int_equal(tw_storesim_put(w->s.sim, AT, w->value, NULL), 0);
        assert_int_equal(tw_storesim_add_fault(w->s.sim, &f), 0);
        assert_int_equal(check(w, &st), 0);
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
