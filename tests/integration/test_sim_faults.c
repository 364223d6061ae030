/*
 * Self-tests of tw-astrosim's faults, rate limit and stats over real HTTP
 * on 127.0.0.1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "helpers/sim_client.h"

static size_t on_body_discard(char *p, size_t size, size_t n, void *cls)
{
        (void)p;
        (void)cls;
        return size * n;
}

enum expect { OK_JSON, ERROR_JSON, NOT_JSON, NAME_NUMBER, NO_ID, SIZE, NOTHING };

static void tokens_url(struct tw_sim *sim, char *url, size_t size)
{
        snprintf(url, size, "%s/v1/organizations/%s/tokens?limit=5", tw_sim_url(sim),
                 tw_sim_organization_id(sim));
}

/* Checks one answer against what the case expects. */
static void check(const struct tw_test_resp *r, enum expect e, long status, const char *retry_after,
                  size_t size)
{
        cJSON *j = cJSON_ParseWithLength(r->body.ptr, r->body.len);
        cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "tokens"), 0);

        if (e == NOTHING) {
                assert_int_equal(r->rc, CURLE_GOT_NOTHING);
                cJSON_Delete(j);
                return;
        }
        assert_int_equal(r->rc, CURLE_OK);
        assert_int_equal(r->status, status);
        assert_string_equal(r->retry_after, retry_after);
        switch (e) {
        case OK_JSON:
                assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "tokens")),
                                 5);
                break;
        case ERROR_JSON:
                assert_int_equal(tw_test_num(j, "statusCode"), status);
                break;
        case NOT_JSON:
                assert_null(j);
                break;
        case NAME_NUMBER:
                assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(first, "name")));
                break;
        case NO_ID:
                assert_non_null(first);
                assert_null(cJSON_GetObjectItemCaseSensitive(first, "id"));
                break;
        case SIZE:
                assert_int_equal(r->body.len, size);
                break;
        case NOTHING:
                break;
        }
        cJSON_Delete(j);
}

static void test_each_fault(void **state)
{
        static const struct {
                const char *name;
                struct tw_sim_fault fault;
                enum expect expect;
                long status;
                const char *retry_after;
        } cases[] = {
                {"429 with Retry-After",
                 {.type = TW_SIM_FAULT_STATUS, .status = 429, .retry_after = 2},
                 ERROR_JSON,
                 429,
                 "2"},
                {"429 without Retry-After",
                 {.type = TW_SIM_FAULT_STATUS, .status = 429, .retry_after = -1},
                 ERROR_JSON,
                 429,
                 ""},
                {"503",
                 {.type = TW_SIM_FAULT_STATUS, .status = 503, .retry_after = -1},
                 ERROR_JSON,
                 503,
                 ""},
                {"hang", {.type = TW_SIM_FAULT_HANG, .hang_ms = 100}, OK_JSON, 200, ""},
                {"malformed", {.type = TW_SIM_FAULT_MALFORMED}, NOT_JSON, 200, ""},
                {"truncated", {.type = TW_SIM_FAULT_TRUNCATED}, NOT_JSON, 200, ""},
                {"wrong type", {.type = TW_SIM_FAULT_WRONG_TYPE}, NAME_NUMBER, 200, ""},
                {"missing field", {.type = TW_SIM_FAULT_MISSING_FIELD}, NO_ID, 200, ""},
                {"huge", {.type = TW_SIM_FAULT_HUGE, .huge_bytes = 3 << 20}, SIZE, 200, ""},
                {"drop", {.type = TW_SIM_FAULT_DROP}, NOTHING, 0, ""},
        };
        struct tw_sim *sim = tw_test_start_demo();
        struct tw_sim_stats st;
        char url[1024];
        struct tw_test_resp r;

        (void)state;
        tokens_url(sim, url, sizeof(url));
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_sim_fault f = cases[i].fault;

                print_message("case: %s\n", cases[i].name);
                f.count = 1;
                f.match = "/tokens";
                tw_sim_reset_stats(sim);
                assert_int_equal(tw_sim_add_fault(sim, &f), 0);
                tw_test_req(&r, "GET", url, tw_sim_org_credential(sim), NULL);
                check(&r, cases[i].expect, cases[i].status, cases[i].retry_after, f.huge_bytes);
                tw_buf_done(&r.body);
                /* count = 1: the next request is served normally. */
                tw_test_req(&r, "GET", url, tw_sim_org_credential(sim), NULL);
                check(&r, OK_JSON, 200, "", 0);
                tw_buf_done(&r.body);
                tw_sim_get_stats(sim, &st);
                assert_int_equal(st.requests, 2);
                assert_int_equal(st.status_429, cases[i].status == 429);
        }
        tw_sim_stop(sim);
}

static void test_match_skip_forever(void **state)
{
        struct tw_sim_fault users = {.type = TW_SIM_FAULT_STATUS,
                                     .match = "/users",
                                     .status = 500,
                                     .retry_after = -1,
                                     .skip = 1,
                                     .count = 1};
        struct tw_sim_fault all = {.type = TW_SIM_FAULT_STATUS, .status = 502, .retry_after = -1};
        struct tw_sim *sim = tw_test_start_demo();
        char turl[1024], uurl[1024];
        struct tw_test_resp r;
        static const long want_users[] = {200, 500, 200};

        (void)state;
        tokens_url(sim, turl, sizeof(turl));
        snprintf(uurl, sizeof(uurl), "%s/v1/organizations/%s/users", tw_sim_url(sim),
                 tw_sim_organization_id(sim));
        assert_int_equal(tw_sim_add_fault(sim, &users), 0);
        tw_test_req(&r, "GET", turl, tw_sim_org_credential(sim), NULL);
        assert_int_equal(r.status, 200);
        tw_buf_done(&r.body);
        for (size_t i = 0; i < 3; i++) {
                tw_test_req(&r, "GET", uurl, tw_sim_org_credential(sim), NULL);
                assert_int_equal(r.status, want_users[i]);
                tw_buf_done(&r.body);
        }
        /* count = 0: forever, until cleared. */
        assert_int_equal(tw_sim_add_fault(sim, &all), 0);
        for (int i = 0; i < 3; i++) {
                tw_test_req(&r, "GET", turl, tw_sim_org_credential(sim), NULL);
                assert_int_equal(r.status, 502);
                tw_buf_done(&r.body);
        }
        tw_sim_clear_faults(sim);
        tw_test_req(&r, "GET", turl, tw_sim_org_credential(sim), NULL);
        assert_int_equal(r.status, 200);
        tw_buf_done(&r.body);
        tw_sim_stop(sim);
}

static void test_rate_limit(void **state)
{
        static const struct {
                const char *name;
                bool retry_after;
                const char *want;
        } cases[] = {{"with Retry-After", true, "1"}, {"without Retry-After", false, ""}};

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_sim_options o = {.rate_limit = 1,
                                           .rate_limit_retry_after = cases[i].retry_after};
                struct tw_sim *sim = tw_sim_start(&o);
                struct tw_sim_stats st;
                char url[1024];
                struct tw_test_resp r;
                int n429 = 0;

                print_message("case: %s\n", cases[i].name);
                assert_non_null(sim);
                snprintf(url, sizeof(url), "%s/v1/organizations", tw_sim_url(sim));
                tw_test_req(&r, "GET", url, tw_sim_org_credential(sim), NULL);
                assert_int_equal(r.status, 200);
                tw_buf_done(&r.body);
                /* Well within the second that the first request opened. */
                for (int k = 0; k < 3; k++) {
                        tw_test_req(&r, "GET", url, tw_sim_org_credential(sim), NULL);
                        if (r.status == 429) {
                                assert_string_equal(r.retry_after, cases[i].want);
                                n429++;
                        }
                        tw_buf_done(&r.body);
                }
                assert_true(n429 >= 1);
                tw_sim_get_stats(sim, &st);
                assert_int_equal(st.requests, 4);
                assert_int_equal(st.status_429, (uint64_t)n429);
                tw_sim_stop(sim);
        }
}

static void test_in_flight_and_rate_stats(void **state)
{
        struct tw_sim_options o = {.latency_ms = 300};
        struct tw_sim *sim = tw_sim_start(&o);
        CURL *e[4];
        CURLM *m = curl_multi_init();
        struct tw_sim_stats st;
        char url[1024];
        int running = 1;

        (void)state;
        assert_non_null(sim);
        snprintf(url, sizeof(url), "%s/v1/organizations", tw_sim_url(sim));
        for (int i = 0; i < 4; i++) {
                e[i] = curl_easy_init();
                curl_easy_setopt(e[i], CURLOPT_URL, url);
                curl_easy_setopt(e[i], CURLOPT_NOSIGNAL, 1L);
                curl_easy_setopt(e[i], CURLOPT_WRITEFUNCTION, on_body_discard);
                curl_multi_add_handle(m, e[i]);
        }
        while (running) {
                curl_multi_perform(m, &running);
                if (running)
                        curl_multi_poll(m, NULL, 0, 1000, NULL);
        }
        tw_sim_get_stats(sim, &st);
        assert_int_equal(st.requests, 4);
        assert_true(st.max_in_flight >= 2 && st.max_in_flight <= 4);
        assert_true(st.max_rate_1s >= 2.0 && st.max_rate_1s <= 4.0);
        tw_sim_reset_stats(sim);
        tw_sim_get_stats(sim, &st);
        assert_int_equal(st.requests, 0);
        assert_true(st.max_rate_1s == 0.0);
        for (int i = 0; i < 4; i++) {
                curl_multi_remove_handle(m, e[i]);
                curl_easy_cleanup(e[i]);
        }
        curl_multi_cleanup(m);
        tw_sim_stop(sim);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_each_fault),
                cmocka_unit_test(test_match_skip_forever),
                cmocka_unit_test(test_rate_limit),
                cmocka_unit_test(test_in_flight_and_rate_stats),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
