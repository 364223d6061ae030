/*
 * Self-tests of tw-astrosim over real HTTP on 127.0.0.1 (libcurl easy).
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

#include "lib/timeutil.h"

#include <errno.h>

static void test_paging_generated(void **state)
{
        struct tw_sim_options o = {
                .base_time = BASE, .generate_tokens = 2500, .generate_workspaces = 100};
        struct tw_sim *sim = tw_sim_start(&o);
        char path[512], q[64];
        cJSON *j, *arr, *it, *seen = cJSON_CreateObject();
        int total = 0;

        (void)state;
        assert_non_null(sim);
        assert_int_equal(tw_sim_token_count(sim), 2500);
        for (int off = 0; off < 2500; off += 1000) {
                snprintf(q, sizeof(q), "?offset=%d&limit=1000", off);
                tw_test_tokens_path(sim, "/v1", q, path, sizeof(path));
                j = tw_test_get_json(sim, path, 200);
                assert_int_equal(tw_test_num(j, "totalCount"), 2500);
                assert_int_equal(tw_test_num(j, "offset"), off);
                assert_int_equal(tw_test_num(j, "limit"), 1000);
                arr = cJSON_GetObjectItemCaseSensitive(j, "tokens");
                cJSON_ArrayForEach (it, arr) {
                        const char *id =
                                cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "id"));

                        assert_non_null(id);
                        assert_int_equal(strlen(id), 25);
                        assert_null(cJSON_GetObjectItemCaseSensitive(seen, id));
                        cJSON_AddTrueToObject(seen, id);
                        total++;
                }
                cJSON_Delete(j);
        }
        assert_int_equal(total, 2500);
        /* Defaults: offset 0, limit 20; past the end: an empty page. */
        tw_test_tokens_path(sim, "/v1", "", path, sizeof(path));
        j = tw_test_get_json(sim, path, 200);
        assert_int_equal(tw_test_num(j, "limit"), 20);
        assert_int_equal(tw_test_num(j, "offset"), 0);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "tokens")), 20);
        cJSON_Delete(j);
        tw_test_tokens_path(sim, "/v1", "?offset=2500", path, sizeof(path));
        j = tw_test_get_json(sim, path, 200);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "tokens")), 0);
        cJSON_Delete(j);
        /* The workspaces of a generated org page too. */
        snprintf(path, sizeof(path), "/v1/organizations/%s/workspaces?limit=1000",
                 tw_sim_organization_id(sim));
        j = tw_test_get_json(sim, path, 200);
        assert_int_equal(tw_test_num(j, "totalCount"), 100);
        cJSON_Delete(j);
        cJSON_Delete(seen);
        tw_sim_stop(sim);
}

static void test_errors(void **state)
{
        static const struct {
                const char *name, *path, *bearer; /* bearer "org": the org credential */
                long status;
        } cases[] = {
                {"limit over 1000", "/v1/organizations/ORG/tokens?limit=1001", "org", 400},
                {"users limit over 1000", "/v1/organizations/ORG/users?limit=5000", "org", 400},
                {"deployments have no maximum", "/v1/organizations/ORG/deployments?limit=5000",
                 "org", 200},
                {"negative offset", "/v1/organizations/ORG/tokens?offset=-1", "org", 400},
                {"bad sorts", "/v1/organizations/ORG/tokens?sorts=secret:asc", "org", 400},
                {"no bearer", "/v1/organizations/ORG/tokens", NULL, 401},
                {"bad bearer", "/v1/organizations/ORG/tokens", "not-a-credential", 401},
                {"unknown token id", "/v1/organizations/ORG/tokens/cnope0000000000000000000a",
                 "org", 404},
                {"another organization", "/v1/organizations/cother000000000000000000a/tokens",
                 "org", 403},
                {"tokens are not under platform", "/platform/v1beta1/organizations/ORG/tokens",
                 "org", 404},
                {"workspaces are not under iam", "/iam/v1beta1/organizations/ORG/workspaces", "org",
                 404},
                {"unknown route", "/v2/organizations", "org", 404},
        };
        struct tw_sim *sim = tw_test_start_demo();
        char path[512], url[1024];
        const char *org = tw_sim_organization_id(sim), *p;

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_test_resp r;
                cJSON *j;

                p = strstr(cases[i].path, "ORG");
                if (p)
                        snprintf(path, sizeof(path), "%.*s%s%s", (int)(p - cases[i].path),
                                 cases[i].path, org, p + 3);
                else
                        snprintf(path, sizeof(path), "%s", cases[i].path);
                snprintf(url, sizeof(url), "%s%s", tw_sim_url(sim), path);
                tw_test_req(&r, "GET", url,
                            cases[i].bearer && strcmp(cases[i].bearer, "org") == 0
                                    ? tw_sim_org_credential(sim)
                                    : cases[i].bearer,
                            NULL);
                print_message("case: %s\n", cases[i].name);
                assert_int_equal(r.status, cases[i].status);
                j = cJSON_ParseWithLength(r.body.ptr, r.body.len);
                assert_non_null(j);
                if (cases[i].status >= 400) {
                        assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "message"));
                        assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "requestId"));
                        assert_int_equal(tw_test_num(j, "statusCode"), cases[i].status);
                }
                cJSON_Delete(j);
                tw_buf_done(&r.body);
        }
        tw_sim_stop(sim);
}

static void test_auth_log(void **state)
{
        struct tw_sim *sim = tw_test_start_demo();
        struct tw_sim_request *reqs = NULL;
        char path[512], url[1024];
        struct tw_test_resp r;
        size_t n = 0;

        (void)state;
        tw_test_tokens_path(sim, "/v1", "", path, sizeof(path));
        snprintf(url, sizeof(url), "%s%s", tw_sim_url(sim), path);
        tw_test_req(&r, "GET", url, NULL, NULL);
        tw_buf_done(&r.body);
        tw_test_req(&r, "GET", url, "wrong", NULL);
        tw_buf_done(&r.body);
        tw_test_req(&r, "GET", url, tw_sim_org_credential(sim), NULL);
        tw_buf_done(&r.body);
        assert_int_equal(tw_sim_get_requests(sim, &reqs, &n), 0);
        assert_int_equal(n, 3);
        assert_string_equal(reqs[0].auth, "none");
        assert_int_equal(reqs[0].status, 401);
        assert_string_equal(reqs[1].auth, "bearer-bad");
        assert_string_equal(reqs[2].auth, "bearer-ok");
        assert_int_equal(reqs[2].status, 200);
        assert_string_equal(reqs[2].path, path);
        for (size_t i = 0; i < n; i++)
                assert_null(strstr(reqs[i].path, tw_sim_org_credential(sim)));
        tw_sim_requests_free(reqs, n);
        tw_sim_stop(sim);
}

static void test_workspace_credential(void **state)
{
        struct tw_sim *sim = tw_test_start_demo();
        cJSON *ws = tw_test_get_json(sim, "/v1/organizations/cm9r8jgormxbek92l8s8wppie/workspaces",
                                     200);
        const char *w0 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ws, "workspaces"), 0), "id"));
        const char *w1 = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ws, "workspaces"), 1), "id"));
        const char *cred = tw_sim_workspace_credential(sim, w0);
        char q[128], path[512], url[1024];
        struct tw_test_resp r;

        (void)state;
        assert_non_null(cred);
        assert_ptr_equal(cred, tw_sim_workspace_credential(sim, w0));
        tw_test_tokens_path(sim, "/v1", "", path, sizeof(path));
        snprintf(url, sizeof(url), "%s%s", tw_sim_url(sim), path);
        tw_test_req(&r, "GET", url, cred, NULL);
        assert_int_equal(r.status, 403);
        tw_buf_done(&r.body);
        snprintf(q, sizeof(q), "?workspaceId=%s", w0);
        tw_test_tokens_path(sim, "/v1", q, path, sizeof(path));
        snprintf(url, sizeof(url), "%s%s", tw_sim_url(sim), path);
        tw_test_req(&r, "GET", url, cred, NULL);
        assert_int_equal(r.status, 200);
        tw_buf_done(&r.body);
        snprintf(q, sizeof(q), "?workspaceId=%s", w1);
        tw_test_tokens_path(sim, "/v1", q, path, sizeof(path));
        snprintf(url, sizeof(url), "%s%s", tw_sim_url(sim), path);
        tw_test_req(&r, "GET", url, cred, NULL);
        assert_int_equal(r.status, 403);
        tw_buf_done(&r.body);
        cJSON_Delete(ws);
        tw_sim_stop(sim);
}

static const char *str(const cJSON *o, const char *k)
{
        return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static cJSON *find_token(cJSON *page, const char *name)
{
        cJSON *it;

        cJSON_ArrayForEach (it, cJSON_GetObjectItemCaseSensitive(page, "tokens"))
                if (str(it, "name") && strcmp(str(it, "name"), name) == 0)
                        return it;
        return NULL;
}

static void test_demo_fixture(void **state)
{
        struct tw_sim *sim = tw_test_start_demo();
        char path[512], want[64];
        cJSON *j, *t, *payload;
        const char *cred = tw_sim_org_credential(sim), *dot1, *dot2;
        char b64[1024];
        unsigned char raw[1024];
        size_t n = 0;

        (void)state;
        assert_string_equal(tw_sim_organization_id(sim), "cm9r8jgormxbek92l8s8wppie");
        assert_true(tw_sim_token_count(sim) >= 30);
        tw_test_tokens_path(sim, "/v1", "?limit=1000", path, sizeof(path));
        j = tw_test_get_json(sim, path, 200);
        t = find_token(j, "tokenwatch-agent");
        assert_non_null(t);
        assert_string_equal(str(t, "id"), DEMO_CRED);
        assert_string_equal(str(t, "endAt"), tw_time_format(BASE + 60 * 86400, want));
        assert_string_equal(str(t, "createdAt"), tw_time_format(BASE - 30 * 86400, want));
        assert_string_equal(str(t, "lastUsedAt"), "2026-05-28T20:21:40.123Z");
        assert_string_equal(str(t, "shortToken"), "cl6657tt");
        assert_string_equal(str(t, "scope"), "ORGANIZATION");
        assert_string_equal(str(t, "kind"), "STANDARD");
        /* Absolute times are served verbatim; hostile names survive. */
        assert_string_equal(str(find_token(j, "imported-legacy-key"), "createdAt"),
                            "2025-06-01T10:00:00+02:00");
        assert_non_null(find_token(j, "multi\nline token"));
        assert_non_null(find_token(j, "say \"hi\" \\ to prod"));
        assert_string_equal(str(find_token(j, "airflow-ui-direct"), "kind"), "DIRECT_ACCESS");
        cJSON_Delete(j);

        /* The JWT payload: exp as far from now as the credential token's endAt
         * is from the base time. */
        dot1 = strchr(cred, '.');
        assert_non_null(dot1);
        dot2 = strchr(dot1 + 1, '.');
        assert_non_null(dot2);
        snprintf(b64, sizeof(b64), "%.*s", (int)(dot2 - dot1 - 1), dot1 + 1);
        for (char *p = b64; *p; p++)
                *p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
        while (strlen(b64) % 4)
                strcat(b64, "=");
        {
                /* Decode base64 with a tiny loop: enough for a test. */
                static const char tab[] =
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
                unsigned v = 0;
                int bits = 0;

                for (const char *p = b64; *p && *p != '='; p++) {
                        v = (v << 6) | (unsigned)(strchr(tab, *p) - tab);
                        bits += 6;
                        if (bits >= 8) {
                                bits -= 8;
                                raw[n++] = (unsigned char)(v >> bits);
                        }
                }
        }
        payload = cJSON_ParseWithLength((const char *)raw, n);
        assert_non_null(payload);
        /* 60 days from now on the real clock, as from the base time in the fixture */
        assert_true(tw_test_num(payload, "exp") - tw_test_num(payload, "iat") == 60 * 86400);
        assert_true(tw_test_num(payload, "iat") >= (double)tw_now() - 600);
        assert_string_equal(str(payload, "apiTokenId"), DEMO_CRED);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(
                                    cJSON_GetObjectItemCaseSensitive(payload, "permissions"), 0)),
                            "organizationId:cm9r8jgormxbek92l8s8wppie");
        cJSON_Delete(payload);
        tw_sim_stop(sim);
}

static void test_v1beta1(void **state)
{
        struct tw_sim *sim = tw_test_start_demo();
        char path[512];
        cJSON *j, *it;

        (void)state;
        tw_test_tokens_path(sim, "/iam/v1beta1", "?limit=1000", path, sizeof(path));
        j = tw_test_get_json(sim, path, 200);
        assert_int_equal(tw_test_num(j, "totalCount"), (int)tw_sim_token_count(sim));
        cJSON_ArrayForEach (it, cJSON_GetObjectItemCaseSensitive(j, "tokens")) {
                assert_non_null(str(it, "type"));
                assert_null(cJSON_GetObjectItemCaseSensitive(it, "scope"));
                assert_null(cJSON_GetObjectItemCaseSensitive(it, "kind"));
                assert_null(cJSON_GetObjectItemCaseSensitive(it, "lastRotatedAt"));
        }
        cJSON_Delete(j);
        tw_test_tokens_path(sim, "/iam/v1beta1", "/" DEMO_CRED, path, sizeof(path));
        j = tw_test_get_json(sim, path, 200);
        assert_string_equal(str(j, "type"), "ORGANIZATION");
        cJSON_Delete(j);
        snprintf(path, sizeof(path), "/platform/v1beta1/organizations/%s/deployments",
                 tw_sim_organization_id(sim));
        j = tw_test_get_json(sim, path, 200);
        assert_int_equal(tw_test_num(j, "totalCount"), 6);
        cJSON_Delete(j);
        j = tw_test_get_json(sim, "/platform/v1beta1/organizations", 200);
        assert_int_equal(tw_test_num(j, "totalCount"), 1);
        cJSON_Delete(j);
        tw_sim_stop(sim);
}

/* Counts the items of a listing. */
static int count(struct tw_sim *sim, const char *res, const char *query)
{
        char path[512];
        cJSON *j;
        int n;

        snprintf(path, sizeof(path), "/v1/organizations/%s/%s%s", tw_sim_organization_id(sim), res,
                 query);
        j = tw_test_get_json(sim, path, 200);
        n = tw_test_num(j, "totalCount");
        cJSON_Delete(j);
        return n;
}

static void test_filters(void **state)
{
        /* demo-org ids: data-platform workspace, its prod deployment. */
        static const char ws_dp[] = "cwuo8oc09zcke5raw4y1tgy5c";
        struct tw_sim *sim = tw_test_start_demo();
        cJSON *deps;
        char q[256];
        const char *dep;
        int all, org, in_dp;

        (void)state;
        all = count(sim, "tokens", "");
        org = count(sim, "tokens", "?includeOnlyOrganizationTokens=true");
        assert_int_equal(org, 5);
        snprintf(q, sizeof(q), "?workspaceId=%s", ws_dp);
        in_dp = count(sim, "tokens", q);
        /* WORKSPACE roles, DEPLOYMENT roles on its deployments, the org token added to it. */
        assert_true(in_dp >= 10 && in_dp < all);
        snprintf(q, sizeof(q), "?workspaceIds=%s", ws_dp);
        assert_int_equal(count(sim, "workspaces", q), 1);
        assert_int_equal(count(sim, "deployments", q), 2);
        snprintf(q, sizeof(q), "?workspaceIds=%s,cwkw5o9fcigqnl1xbvls67t60", ws_dp);
        assert_int_equal(count(sim, "workspaces", q), 2);
        snprintf(q, sizeof(q), "?workspaceId=%s", ws_dp);
        assert_int_equal(count(sim, "users", q), 3);
        assert_int_equal(count(sim, "users", ""), 8);
        snprintf(q, sizeof(q), "/v1/organizations/%s/deployments?workspaceIds=%s",
                 tw_sim_organization_id(sim), ws_dp);
        deps = tw_test_get_json(sim, q, 200);
        dep = str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(deps, "deployments"), 0),
                  "id");
        snprintf(q, sizeof(q), "?deploymentId=%s", dep);
        assert_int_equal(count(sim, "tokens", q), 2);
        cJSON_Delete(deps);
        tw_sim_stop(sim);
}

static void test_token_edits(void **state)
{
        struct tw_sim *sim = tw_test_start_demo();
        size_t n = tw_sim_token_count(sim);
        char path[512], want[64];
        cJSON *j;

        (void)state;
        assert_int_equal(tw_sim_remove_token(sim, DEMO_CRED), 0);
        assert_int_equal(tw_sim_remove_token(sim, DEMO_CRED), -ENOENT);
        assert_int_equal(tw_sim_token_count(sim), n - 1);
        tw_test_tokens_path(sim, "/v1", "/" DEMO_CRED, path, sizeof(path));
        cJSON_Delete(tw_test_get_json(sim, path, 404));
        assert_int_equal(tw_sim_put_token(sim, "{\"id\":\"" DEMO_CRED "\",\"name\":\"back\","
                                               "\"scope\":\"ORGANIZATION\",\"endAt\":\"@+3d\"}"),
                         0);
        assert_int_equal(tw_sim_put_token(sim, "[1]"), -EINVAL);
        assert_int_equal(tw_sim_put_token(sim, "{\"id\":\"x\",\"endAt\":\"@soon\"}"), -EINVAL);
        assert_int_equal(tw_sim_token_count(sim), n);
        j = tw_test_get_json(sim, path, 200);
        assert_string_equal(str(j, "name"), "back");
        assert_string_equal(str(j, "endAt"), tw_time_format(BASE + 3 * 86400, want));
        assert_string_equal(str(j, "description"), "");
        cJSON_Delete(j);
        tw_sim_stop(sim);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_paging_generated),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_auth_log),
                cmocka_unit_test(test_workspace_credential),
                cmocka_unit_test(test_demo_fixture),
                cmocka_unit_test(test_v1beta1),
                cmocka_unit_test(test_filters),
                cmocka_unit_test(test_token_edits),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
