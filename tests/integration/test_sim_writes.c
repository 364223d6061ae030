/*
 * Self-tests of tw-astrosim's token writes: create, rotate, roles, update,
 * delete, the values they mint (JWTs that authenticate as their token and
 * stop working when rotated or deleted), who may write, validation, the
 * write rate limits, a write that commits but whose answer is lost, and the
 * control routes that count writes and list live tokens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/credential.h"
#include "helpers/sim_client.h"
#include "lib/secret.h"
#include "lib/timeutil.h"

#define OWNER "clvq1zxzf1eas1v6a29ybbgat" /* break-glass-admin, ORGANIZATION_OWNER */
#define WS "cwuo8oc09zcke5raw4y1tgy5c"    /* data-platform */
#define WS2 "cwkw5o9fcigqnl1xbvls67t60"   /* analytics */
#define DEP "cd46ldooftqx8x047y9pkcv30"   /* a deployment of data-platform */

struct world {
        struct tw_sim *sim;
        char *owner; /* the owner token's value */
        char base[512];
};

static int setup(void **state)
{
        struct world *w = calloc(1, sizeof(*w));

        w->sim = tw_test_start_demo();
        assert_int_equal(tw_sim_token_credential(w->sim, OWNER, &w->owner), 0);
        snprintf(w->base, sizeof(w->base), "%s/v1/organizations/%s/tokens", tw_sim_url(w->sim),
                 tw_sim_organization_id(w->sim));
        *state = w;
        return 0;
}

static int teardown(void **state)
{
        struct world *w = *state;

        tw_secret_free(w->owner);
        tw_sim_stop(w->sim);
        free(w);
        return 0;
}

/* method on base + suffix with bearer; asserts the status; returns the
 * parsed body (NULL when empty). */
static cJSON *call(struct world *w, const char *method, const char *suffix, const char *bearer,
                   const char *body, long want)
{
        struct tw_test_resp r;
        char url[1024];
        cJSON *j;

        snprintf(url, sizeof(url), "%s%s", w->base, suffix);
        tw_test_req(&r, method, url, bearer, body);
        if (r.rc != CURLE_OK || r.status != want)
                fail_msg("%s %s: curl %d, status %ld (want %ld): %s", method, suffix, r.rc,
                         r.status, want, r.body.ptr ? r.body.ptr : "");
        j = r.body.len ? cJSON_Parse(r.body.ptr) : NULL;
        tw_buf_done(&r.body);
        return j;
}

static const char *str(const cJSON *o, const char *k)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

        return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t time_of(const cJSON *o, const char *k)
{
        int64_t t = TW_NO_TIME;

        assert_non_null(str(o, k));
        assert_int_equal(tw_time_parse(str(o, k), &t), 0);
        return t;
}

/* Creates a token of scope in entity (NULL: organization) with role; the
 * caller frees the object, which holds "token". */
static cJSON *create(struct world *w, const char *bearer, const char *name, const char *scope,
                     const char *entity, const char *role, int days, long want)
{
        char body[512];

        snprintf(body, sizeof(body),
                 "{\"name\":\"%s\",\"description\":\"d\",\"role\":\"%s\",\"scope\":\"%s\"%s%s%s"
                 ",\"tokenExpiryPeriodInDays\":%d}",
                 name, role, scope, entity ? ",\"entityId\":\"" : "", entity ? entity : "",
                 entity ? "\"" : "", days);
        return call(w, "POST", "", bearer, body, want);
}

/* A value authenticates (200 on GET /organizations) or is refused (401). */
static void authenticates(struct world *w, const char *value, bool yes)
{
        struct tw_test_resp r;
        char url[256];

        snprintf(url, sizeof(url), "%s/v1/organizations", tw_sim_url(w->sim));
        tw_test_req(&r, "GET", url, value, NULL);
        assert_int_equal(r.rc, CURLE_OK);
        assert_int_equal(r.status, yes ? 200 : 401);
        tw_buf_done(&r.body);
}

static void test_create_mints_a_value_that_authenticates(void **state)
{
        struct world *w = *state;
        struct tw_jwt_claims c;
        struct tw_sim_writes wr;
        cJSON *t = create(w, w->owner, "ci-deploy", "WORKSPACE", WS, "WORKSPACE_AUTHOR", 90, 200);
        cJSON *got;
        char path[128];
        int64_t now = tw_sim_now(w->sim);

        assert_non_null(str(t, "token"));
        assert_int_equal(tw_jwt_decode(str(t, "token"), &c), 0);
        assert_string_equal(c.api_token_id, str(t, "id"));
        assert_in_range(c.iat, now - 5, now);
        assert_int_equal(c.exp, time_of(t, "endAt"));
        assert_int_equal(time_of(t, "endAt") - time_of(t, "startAt"), 90 * 86400);
        assert_string_equal(c.organization_id, tw_sim_organization_id(w->sim));
        tw_jwt_claims_done(&c);
        assert_string_equal(str(t, "scope"), "WORKSPACE");
        assert_string_equal(str(cJSON_GetObjectItem(t, "createdBy"), "id"), OWNER);
        assert_int_equal(strlen(str(t, "shortToken")), 8);

        /* The value reads as a workspace credential of its workspace. */
        authenticates(w, str(t, "token"), true);
        snprintf(path, sizeof(path), "?workspaceId=%s", WS);
        cJSON_Delete(call(w, "GET", path, str(t, "token"), NULL, 200));
        cJSON_Delete(call(w, "GET", "", str(t, "token"), NULL, 403));
        /* Listed, never with its value. */
        snprintf(path, sizeof(path), "/%s", str(t, "id"));
        got = call(w, "GET", path, tw_sim_org_credential(w->sim), NULL, 200);
        assert_null(cJSON_GetObjectItem(got, "token"));
        assert_string_equal(str(got, "name"), "ci-deploy");
        cJSON_Delete(got);
        tw_sim_get_writes(w->sim, &wr);
        assert_int_equal(wr.created, 1);
        cJSON_Delete(t);
}

static void test_rotate_refuses_the_old_value_at_once(void **state)
{
        struct world *w = *state;
        cJSON *t = create(w, w->owner, "to-rotate", "ORGANIZATION", NULL, "ORGANIZATION_MEMBER", 30,
                          200);
        cJSON *r2;
        char path[128];
        struct tw_jwt_claims c;

        snprintf(path, sizeof(path), "/%s/rotate", str(t, "id"));
        r2 = call(w, "POST", path, w->owner, NULL, 200);
        assert_string_equal(str(r2, "id"), str(t, "id"));
        assert_string_not_equal(str(r2, "token"), str(t, "token"));
        assert_string_not_equal(str(r2, "shortToken"), str(t, "shortToken"));
        assert_non_null(str(r2, "lastRotatedAt"));
        assert_null(str(t, "lastRotatedAt"));
        assert_int_equal(time_of(r2, "startAt"), time_of(r2, "lastRotatedAt"));
        assert_int_equal(time_of(r2, "endAt"), time_of(r2, "lastRotatedAt") + 30 * 86400);
        authenticates(w, str(t, "token"), false);
        authenticates(w, str(r2, "token"), true);
        assert_int_equal(tw_jwt_decode(str(r2, "token"), &c), 0);
        assert_int_equal(c.iat, time_of(r2, "lastRotatedAt"));
        tw_jwt_claims_done(&c);
        /* A member may not rotate, not even itself. */
        snprintf(path, sizeof(path), "/%s/rotate", str(t, "id"));
        cJSON_Delete(call(w, "POST", path, str(r2, "token"), NULL, 403));
        cJSON_Delete(call(w, "POST", "/clnosuchtoken00000000000/rotate", w->owner, NULL, 404));
        cJSON_Delete(r2);
        cJSON_Delete(t);
}

static void test_delete_refuses_the_value(void **state)
{
        struct world *w = *state;
        cJSON *t = create(w, w->owner, "to-delete", "DEPLOYMENT", DEP, "DEPLOYMENT_ADMIN", 7, 200);
        struct tw_sim_writes wr;
        char path[128];

        authenticates(w, str(t, "token"), true);
        snprintf(path, sizeof(path), "/%s", str(t, "id"));
        assert_null(call(w, "DELETE", path, w->owner, NULL, 204));
        authenticates(w, str(t, "token"), false);
        cJSON_Delete(call(w, "GET", path, tw_sim_org_credential(w->sim), NULL, 404));
        cJSON_Delete(call(w, "DELETE", path, w->owner, NULL, 404));
        tw_sim_get_writes(w->sim, &wr);
        assert_int_equal(wr.deleted, 1);
        cJSON_Delete(t);
}

static void test_who_may_write(void **state)
{
        struct world *w = *state;
        const char *member = tw_sim_org_credential(w->sim); /* ORGANIZATION_MEMBER */
        struct tw_sim_writes before, after;
        cJSON *wo, *t;

        tw_sim_get_writes(w->sim, &before);
        cJSON_Delete(create(w, member, "nope", "WORKSPACE", WS, "WORKSPACE_MEMBER", 1, 403));
        tw_sim_get_writes(w->sim, &after);
        assert_int_equal(after.created, before.created);
        /* A Workspace Owner manages its workspace's tokens, nothing else. */
        wo = create(w, w->owner, "ws-owner", "WORKSPACE", WS, "WORKSPACE_OWNER", 10, 200);
        t = create(w, str(wo, "token"), "ws-token", "WORKSPACE", WS, "WORKSPACE_AUTHOR", 10, 200);
        cJSON_Delete(
                create(w, str(wo, "token"), "dep", "DEPLOYMENT", DEP, "DEPLOYMENT_ADMIN", 1, 200));
        cJSON_Delete(
                create(w, str(wo, "token"), "x", "WORKSPACE", WS2, "WORKSPACE_AUTHOR", 1, 403));
        cJSON_Delete(create(w, str(wo, "token"), "x", "ORGANIZATION", NULL, "ORGANIZATION_MEMBER",
                            1, 403));
        cJSON_Delete(t);
        cJSON_Delete(wo);
}

static void test_create_validation(void **state)
{
        static const struct {
                const char *name, *body, *field;
        } cases[] = {
                {"no name", "{\"role\":\"ORGANIZATION_MEMBER\",\"scope\":\"ORGANIZATION\"}",
                 "name"},
                {"bad scope", "{\"name\":\"a\",\"role\":\"X\",\"scope\":\"TEAM\"}", "scope"},
                {"role of another level",
                 "{\"name\":\"a\",\"role\":\"WORKSPACE_OWNER\",\"scope\":\"ORGANIZATION\"}",
                 "role"},
                {"no entity",
                 "{\"name\":\"a\",\"role\":\"WORKSPACE_OWNER\",\"scope\":\"WORKSPACE\"}",
                 "entityId"},
                {"unknown workspace",
                 "{\"name\":\"a\",\"role\":\"WORKSPACE_OWNER\",\"scope\":\"WORKSPACE\","
                 "\"entityId\":\"cwnotaworkspace0000000000\"}",
                 "entityId"},
                {"period too long",
                 "{\"name\":\"a\",\"role\":\"ORGANIZATION_MEMBER\",\"scope\":\"ORGANIZATION\","
                 "\"tokenExpiryPeriodInDays\":3651}",
                 "tokenExpiryPeriodInDays"},
                {"fractional period",
                 "{\"name\":\"a\",\"role\":\"ORGANIZATION_MEMBER\",\"scope\":\"ORGANIZATION\","
                 "\"tokenExpiryPeriodInDays\":1.5}",
                 "tokenExpiryPeriodInDays"},
        };
        struct world *w = *state;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                cJSON *e;
                const cJSON *fe;

                print_message("%s\n", cases[i].name);
                e = call(w, "POST", "", w->owner, cases[i].body, 400);
                fe = cJSON_GetArrayItem(cJSON_GetObjectItem(e, "fieldErrors"), 0);
                assert_string_equal(str(fe, "field"), cases[i].field);
                assert_int_equal(cJSON_GetObjectItem(e, "statusCode")->valueint, 400);
                cJSON_Delete(e);
        }
        cJSON_Delete(call(w, "POST", "", w->owner, "not json", 400));
        /* No period: never expires. */
        {
                cJSON *t = call(w, "POST", "", w->owner,
                                "{\"name\":\"forever\",\"role\":\"ORGANIZATION_MEMBER\","
                                "\"scope\":\"ORGANIZATION\"}",
                                200);
                assert_null(str(t, "endAt"));
                cJSON_Delete(t);
        }
}

static void test_roles_and_update(void **state)
{
        struct world *w = *state;
        cJSON *t =
                create(w, w->owner, "org-tok", "ORGANIZATION", NULL, "ORGANIZATION_MEMBER", 5, 200);
        char path[128], body[512];
        cJSON *r;

        snprintf(path, sizeof(path), "/%s/roles", str(t, "id"));
        snprintf(body, sizeof(body),
                 "{\"roles\":[{\"entityType\":\"ORGANIZATION\",\"entityId\":\"%s\",\"role\":"
                 "\"ORGANIZATION_MEMBER\"},{\"entityType\":\"WORKSPACE\",\"entityId\":\"%s\","
                 "\"role\":\"WORKSPACE_OPERATOR\"}]}",
                 tw_sim_organization_id(w->sim), WS);
        r = call(w, "POST", path, w->owner, body, 200);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "roles")), 2);
        assert_null(str(r, "token"));
        cJSON_Delete(r);
        cJSON_Delete(call(w, "POST", path, w->owner, "{\"roles\":[]}", 400));
        snprintf(path, sizeof(path), "/%s", str(t, "id"));
        r = call(w, "POST", path, w->owner, "{\"name\":\"renamed\",\"description\":\"new\"}", 200);
        assert_string_equal(str(r, "name"), "renamed");
        assert_string_equal(str(r, "description"), "new");
        cJSON_Delete(r);
        cJSON_Delete(call(w, "POST", path, w->owner, "{\"name\":\"\"}", 400));
        /* The value still works: neither call rotates. */
        authenticates(w, str(t, "token"), true);
        cJSON_Delete(t);
}

/* v1beta1 takes and answers "type" for "scope". */
static void test_v1beta1_create(void **state)
{
        struct world *w = *state;
        struct tw_test_resp r;
        char url[512];
        cJSON *t;

        snprintf(url, sizeof(url), "%s/iam/v1beta1/organizations/%s/tokens", tw_sim_url(w->sim),
                 tw_sim_organization_id(w->sim));
        tw_test_req(&r, "POST", url, w->owner,
                    "{\"name\":\"beta\",\"role\":\"ORGANIZATION_MEMBER\",\"type\":\"ORGANIZATION\","
                    "\"tokenExpiryPeriodInDays\":3}");
        assert_int_equal(r.status, 200);
        t = cJSON_Parse(r.body.ptr);
        assert_string_equal(str(t, "type"), "ORGANIZATION");
        assert_null(str(t, "scope"));
        assert_non_null(str(t, "token"));
        authenticates(w, str(t, "token"), true);
        cJSON_Delete(t);
        tw_buf_done(&r.body);
}

/* "The create succeeded server-side but the response was lost." */
static void test_drop_after_commit(void **state)
{
        struct world *w = *state;
        struct tw_sim_fault f = {
                .type = TW_SIM_FAULT_DROP_AFTER, .match = "/tokens", .method = "POST", .count = 1};
        struct tw_sim_writes before, after;
        struct tw_test_resp r;
        cJSON *all, *it, *found = NULL;
        char *text;

        tw_sim_get_writes(w->sim, &before);
        assert_int_equal(tw_sim_add_fault(w->sim, &f), 0);
        tw_test_req(&r, "POST", w->base, w->owner,
                    "{\"name\":\"lost-answer\",\"role\":\"ORGANIZATION_MEMBER\","
                    "\"scope\":\"ORGANIZATION\",\"tokenExpiryPeriodInDays\":3}");
        assert_int_not_equal(r.rc, CURLE_OK);
        tw_buf_done(&r.body);
        tw_sim_get_writes(w->sim, &after);
        assert_int_equal(after.created, before.created + 1);
        text = tw_sim_tokens_json(w->sim);
        assert_non_null(text);
        all = cJSON_Parse(text);
        free(text);
        cJSON_ArrayForEach (it, all)
                if (str(it, "name") && strcmp(str(it, "name"), "lost-answer") == 0)
                        found = it;
        assert_non_null(found);
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(found, "live_value")));
        assert_null(str(found, "token"));
        cJSON_Delete(all);
        /* A GET to the same path is not touched by a POST fault. */
        cJSON_Delete(call(w, "GET", "?limit=1", tw_sim_org_credential(w->sim), NULL, 200));
}

/* POSTs are limited to 10 a second per credential: the first 10 pass. */
static void test_write_rate_limit(void **state)
{
        struct world *w = *state;
        int64_t start = tw_mono_ns();
        long status[11];

        for (int i = 0; i < 11; i++) {
                struct tw_test_resp r;

                tw_test_req(&r, "POST", w->base, w->owner, "{}");
                status[i] = r.status;
                tw_buf_done(&r.body);
        }
        for (int i = 0; i < 10; i++)
                assert_int_equal(status[i], 400); /* passed the limit, then failed validation */
        if (tw_mono_ns() - start < 900000000LL)
                assert_int_equal(status[10], 429);
        else
                print_message("11 POSTs took over 0.9 s: the 11th may pass\n");
        /* Another credential has its own budget. */
        cJSON_Delete(call(w, "POST", "", tw_sim_org_credential(w->sim), "{}", 403));
}

static void test_control_routes(void **state)
{
        struct world *w = *state;
        struct tw_test_resp r;
        char url[512];
        cJSON *j;

        snprintf(url, sizeof(url), "%s/_sim/tokens/%s/credential", tw_sim_url(w->sim), OWNER);
        tw_test_req(&r, "POST", url, NULL, NULL);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body.ptr, w->owner); /* the same live value */
        tw_buf_done(&r.body);
        snprintf(url, sizeof(url), "%s/_sim/tokens/clnosuch/credential", tw_sim_url(w->sim));
        tw_test_req(&r, "POST", url, NULL, NULL);
        assert_int_equal(r.status, 404);
        tw_buf_done(&r.body);
        cJSON_Delete(create(w, w->owner, "counted", "ORGANIZATION", NULL, "ORGANIZATION_MEMBER", 1,
                            200));
        snprintf(url, sizeof(url), "%s/_sim/writes", tw_sim_url(w->sim));
        tw_test_req(&r, "GET", url, NULL, NULL);
        j = cJSON_Parse(r.body.ptr);
        assert_int_equal(tw_test_num(j, "created"), 1);
        assert_int_equal(tw_test_num(j, "deleted"), 0);
        cJSON_Delete(j);
        tw_buf_done(&r.body);
        snprintf(url, sizeof(url), "%s/_sim/tokens", tw_sim_url(w->sim));
        tw_test_req(&r, "GET", url, NULL, NULL);
        j = cJSON_Parse(r.body.ptr);
        assert_int_equal(cJSON_GetArraySize(j), (int)tw_sim_token_count(w->sim));
        assert_null(strstr(r.body.ptr, w->owner));
        cJSON_Delete(j);
        tw_buf_done(&r.body);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_create_mints_a_value_that_authenticates, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_rotate_refuses_the_old_value_at_once, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_delete_refuses_the_value, setup, teardown),
                cmocka_unit_test_setup_teardown(test_who_may_write, setup, teardown),
                cmocka_unit_test_setup_teardown(test_create_validation, setup, teardown),
                cmocka_unit_test_setup_teardown(test_roles_and_update, setup, teardown),
                cmocka_unit_test_setup_teardown(test_v1beta1_create, setup, teardown),
                cmocka_unit_test_setup_teardown(test_drop_after_commit, setup, teardown),
                cmocka_unit_test_setup_teardown(test_write_rate_limit, setup, teardown),
                cmocka_unit_test_setup_teardown(test_control_routes, setup, teardown),
        };
        int r;

        curl_global_init(CURL_GLOBAL_DEFAULT);
        r = cmocka_run_group_tests(tests, NULL, NULL);
        curl_global_cleanup();
        return r;
}
