/*
 * The Astro token writes (collectors/astro/manage.c) against tw-astrosim:
 * create, roles, rotate, delete, get, list, the value check; a 403 naming
 * the role; Astro's POST and DELETE limits kept client-side; 429s waited
 * out; and a create or rotate whose answer is lost (or a 5xx) never sent
 * twice.
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

#include "collectors/astro/manage.h"
#include "core/config/config.h"
#include "lib/buf.h"
#include "lib/secret.h"
#include "sim/sim.h"
#include "helpers/sim_client.h"

#define OWNER "clvq1zxzf1eas1v6a29ybbgat" /* break-glass-admin, ORGANIZATION_OWNER */
#define WS "cwuo8oc09zcke5raw4y1tgy5c"    /* data-platform */

struct world {
        struct tw_sim *sim;
        struct tw_config *cfg;
        struct tw_astro_manage *m;
        char *owner;
        struct tw_buf err;
};

static struct tw_astro_manage *client(struct world *w, const char *bearer)
{
        const struct tw_astro_manage_options o = {.astro = &w->cfg->astro,
                                                  .organization_id = tw_sim_organization_id(w->sim),
                                                  .bearer = bearer,
                                                  .timeout_ms = 5000,
                                                  .max_retries = 3,
                                                  .backoff_base_ms = 10,
                                                  .backoff_max_ms = 50,
                                                  .seed = 7};
        struct tw_astro_manage *m = NULL;

        assert_int_equal(tw_astro_manage_new(&o, &m), 0);
        return m;
}

static int setup(void **state)
{
        struct world *w = calloc(1, sizeof(*w));
        char ini[512];

        w->sim = tw_test_start_demo();
        assert_int_equal(tw_sim_token_credential(w->sim, OWNER, &w->owner), 0);
        snprintf(ini, sizeof(ini), "[astro]\napi_url = %s\n", tw_sim_url(w->sim));
        assert_int_equal(tw_config_load_string(ini, "t.ini", &w->cfg, NULL), 0);
        w->m = client(w, w->owner);
        tw_buf_init(&w->err, 1 << 16);
        *state = w;
        return 0;
}

static int teardown(void **state)
{
        struct world *w = *state;

        if (w->err.ptr && strstr(w->err.ptr, w->owner))
                fail_msg("a message holds the credential");
        tw_astro_manage_free(w->m);
        tw_config_free(w->cfg);
        tw_secret_free(w->owner);
        tw_buf_done(&w->err);
        tw_sim_stop(w->sim);
        free(w);
        return 0;
}

static const struct tw_astro_create ws_token = {.name = "renewal-test",
                                                .description = "made by the test",
                                                .scope = "WORKSPACE",
                                                .entity_id = WS,
                                                .role = "WORKSPACE_AUTHOR",
                                                .expiry_days = 30};

static void test_create_rotate_delete(void **state)
{
        struct world *w = *state;
        struct tw_astro_issued a = {0}, b = {0};
        struct tw_token got = {0};

        assert_int_equal(tw_astro_token_create(w->m, &ws_token, &a, &w->err), 0);
        assert_non_null(a.value);
        assert_string_equal(a.token.name, "renewal-test");
        assert_string_equal(a.token.scope, "WORKSPACE");
        assert_int_equal(a.token.expiry_period_days, 30);
        assert_int_equal(tw_astro_value_check(w->m, a.value, &w->err), 0);

        assert_int_equal(tw_astro_token_get(w->m, a.token.id, &got, &w->err), 0);
        assert_string_equal(got.description, "made by the test");
        tw_token_done(&got);

        assert_int_equal(tw_astro_token_rotate(w->m, a.token.id, "WORKSPACE", &b, &w->err), 0);
        assert_string_equal(b.token.id, a.token.id);
        assert_string_not_equal(b.value, a.value);
        assert_int_equal(tw_astro_value_check(w->m, a.value, &w->err), -EACCES);
        assert_int_equal(tw_astro_value_check(w->m, b.value, &w->err), 0);

        assert_int_equal(tw_astro_token_delete(w->m, a.token.id, "WORKSPACE", &w->err), 0);
        assert_int_equal(tw_astro_token_delete(w->m, a.token.id, "WORKSPACE", &w->err), -ENOENT);
        assert_int_equal(tw_astro_token_get(w->m, a.token.id, &got, &w->err), -ENOENT);
        assert_int_equal(tw_astro_value_check(w->m, b.value, &w->err), -EACCES);
        if (strstr(w->err.ptr, a.value) || strstr(w->err.ptr, b.value))
                fail_msg("a message holds a value");
        tw_astro_issued_done(&a);
        tw_astro_issued_done(&b);
        assert_null(a.value);
}

static void test_roles(void **state)
{
        struct world *w = *state;
        const struct tw_astro_create org = {.name = "org-renewal",
                                            .scope = "ORGANIZATION",
                                            .role = "ORGANIZATION_MEMBER",
                                            .expiry_days = 7};
        struct tw_role roles[2] = {
                {.entity_type = "ORGANIZATION", .role = "ORGANIZATION_MEMBER"},
                {.entity_type = "WORKSPACE", .entity_id = WS, .role = "WORKSPACE_OPERATOR"},
        };
        struct tw_astro_issued a = {0};
        struct tw_token got = {0};

        assert_int_equal(tw_astro_token_create(w->m, &org, &a, &w->err), 0);
        roles[0].entity_id = (char *)tw_sim_organization_id(w->sim);
        assert_int_equal(
                tw_astro_token_set_roles(w->m, a.token.id, "ORGANIZATION", roles, 2, &w->err), 0);
        assert_int_equal(tw_astro_token_get(w->m, a.token.id, &got, &w->err), 0);
        assert_int_equal(got.n_roles, 2);
        assert_string_equal(got.roles[1].role, "WORKSPACE_OPERATOR");
        tw_token_done(&got);
        tw_astro_issued_done(&a);
}

struct count {
        size_t n, named;
};

static int count_token(void *userdata, const struct tw_token *t)
{
        struct count *c = userdata;

        c->n++;
        c->named += strcmp(t->name, "renewal-test") == 0;
        return 0;
}

static void test_list(void **state)
{
        struct world *w = *state;
        struct tw_astro_issued a = {0};
        struct count all = {0}, ws = {0};
        size_t skipped = 9;

        assert_int_equal(tw_astro_token_create(w->m, &ws_token, &a, &w->err), 0);
        assert_int_equal(
                tw_astro_token_list(w->m, NULL, NULL, count_token, &all, &skipped, &w->err), 0);
        assert_int_equal(all.n, tw_sim_token_count(w->sim));
        assert_int_equal(all.named, 1);
        assert_int_equal(skipped, 0);
        assert_int_equal(
                tw_astro_token_list(w->m, "workspaceId", WS, count_token, &ws, NULL, &w->err), 0);
        assert_true(ws.n < all.n);
        assert_int_equal(ws.named, 1);
        tw_astro_issued_done(&a);
}

/* A page cut short is invalid as a whole: an error, and the callback sees
 * none of its tokens (not the ones before the cut). */
static void test_list_truncated_page(void **state)
{
        struct world *w = *state;
        const struct tw_sim_fault f = {
                .type = TW_SIM_FAULT_TRUNCATED, .match = "/tokens", .method = "GET", .count = 1};
        struct count all = {0};

        assert_int_equal(tw_sim_add_fault(w->sim, &f), 0);
        assert_true(tw_astro_token_list(w->m, NULL, NULL, count_token, &all, NULL, &w->err) < 0);
        assert_int_equal(all.n, 0);
        assert_true(w->err.len > 0);
}

/* A credential that may not manage tokens: 403, and the message says
 * which role it needs. */
static void test_forbidden_names_the_role(void **state)
{
        struct world *w = *state;
        struct tw_astro_manage *weak = client(w, tw_sim_org_credential(w->sim));
        struct tw_astro_issued a = {0};

        assert_int_equal(tw_astro_token_create(weak, &ws_token, &a, &w->err), -EPERM);
        assert_non_null(strstr(w->err.ptr, "WORKSPACE_OWNER"));
        tw_buf_reset(&w->err);
        assert_int_equal(tw_astro_token_delete(weak, OWNER, "ORGANIZATION", &w->err), -EPERM);
        assert_non_null(strstr(w->err.ptr, "needs ORGANIZATION_OWNER"));
        tw_astro_manage_free(weak);
}

/* 25 creates in a row: the client keeps under 10 POSTs a second, so the
 * sim (which enforces the documented limit) never answers 429. */
static void test_post_limit_kept(void **state)
{
        struct world *w = *state;
        struct tw_sim_stats st;

        tw_sim_reset_stats(w->sim);
        for (int i = 0; i < 25; i++) {
                struct tw_astro_issued a = {0};

                assert_int_equal(tw_astro_token_create(w->m, &ws_token, &a, &w->err), 0);
                assert_int_equal(tw_astro_token_delete(w->m, a.token.id, "WORKSPACE", &w->err), 0);
                tw_astro_issued_done(&a);
        }
        tw_sim_get_stats(w->sim, &st);
        assert_int_equal(st.status_429, 0);
        assert_true(st.requests >= 50);
}

/* A 429 is waited out and the create goes through once. */
static void test_429_retried(void **state)
{
        struct world *w = *state;
        const struct tw_sim_fault f = {.type = TW_SIM_FAULT_STATUS,
                                       .status = 429,
                                       .retry_after = 0,
                                       .match = "/tokens",
                                       .method = "POST",
                                       .count = 2};
        struct tw_sim_writes before, after;
        struct tw_astro_issued a = {0};

        tw_sim_get_writes(w->sim, &before);
        assert_int_equal(tw_sim_add_fault(w->sim, &f), 0);
        assert_int_equal(tw_astro_token_create(w->m, &ws_token, &a, &w->err), 0);
        tw_sim_get_writes(w->sim, &after);
        assert_int_equal(after.created, before.created + 1);
        tw_astro_issued_done(&a);
}

/* The create committed but its answer was lost, or a 5xx came: -EIO, and
 * the request was not sent again (one token made, not two) - also when it
 * went out on a reused connection, which libcurl repeats by itself when it
 * closes unanswered. */
static void test_unknown_outcome_not_repeated(void **state)
{
        struct world *w = *state;
        const struct tw_sim_fault drop = {
                .type = TW_SIM_FAULT_DROP_AFTER, .match = "/tokens", .method = "POST", .count = 1};
        const struct tw_sim_fault e500 = {.type = TW_SIM_FAULT_STATUS,
                                          .status = 503,
                                          .retry_after = -1,
                                          .match = "/rotate",
                                          .method = "POST",
                                          .count = 1};
        struct tw_sim_writes before, after;
        struct tw_astro_issued a = {0}, b = {0};
        struct tw_token got = {0};

        tw_sim_get_writes(w->sim, &before);
        assert_int_equal(tw_sim_add_fault(w->sim, &drop), 0);
        assert_int_equal(tw_astro_token_get(w->m, OWNER, &got, &w->err), 0); /* a connection */
        tw_token_done(&got);
        assert_int_equal(tw_astro_token_create(w->m, &ws_token, &a, &w->err), -EIO);
        assert_null(a.value);
        assert_non_null(strstr(w->err.ptr, "outcome is unknown"));
        tw_sim_get_writes(w->sim, &after);
        assert_int_equal(after.created, before.created + 1);

        assert_int_equal(tw_astro_token_create(w->m, &ws_token, &a, &w->err), 0);
        assert_int_equal(tw_sim_add_fault(w->sim, &e500), 0);
        assert_int_equal(tw_astro_token_rotate(w->m, a.token.id, "WORKSPACE", &b, &w->err), -EIO);
        tw_sim_get_writes(w->sim, &after);
        assert_int_equal(after.rotated, before.rotated);
        tw_astro_issued_done(&a);
}

/* A DELETE may be repeated: a 503 is retried. */
static void test_delete_retried(void **state)
{
        struct world *w = *state;
        const struct tw_sim_fault e503 = {.type = TW_SIM_FAULT_STATUS,
                                          .status = 503,
                                          .retry_after = -1,
                                          .method = "DELETE",
                                          .count = 1};
        struct tw_astro_issued a = {0};

        assert_int_equal(tw_astro_token_create(w->m, &ws_token, &a, &w->err), 0);
        assert_int_equal(tw_sim_add_fault(w->sim, &e503), 0);
        assert_int_equal(tw_astro_token_delete(w->m, a.token.id, "WORKSPACE", &w->err), 0);
        assert_int_equal(tw_astro_value_check(w->m, a.value, &w->err), -EACCES);
        tw_astro_issued_done(&a);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_create_rotate_delete, setup, teardown),
                cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
                cmocka_unit_test_setup_teardown(test_list, setup, teardown),
                cmocka_unit_test_setup_teardown(test_list_truncated_page, setup, teardown),
                cmocka_unit_test_setup_teardown(test_forbidden_names_the_role, setup, teardown),
                cmocka_unit_test_setup_teardown(test_post_limit_kept, setup, teardown),
                cmocka_unit_test_setup_teardown(test_429_retried, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unknown_outcome_not_repeated, setup, teardown),
                cmocka_unit_test_setup_teardown(test_delete_retried, setup, teardown),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
