/* What audit log entries mean (core/usage/usage.h, core/usage/permissions_internal.h): path
 * templates, token lifecycle calls, per-token usage within its caps, the
 * lowest sufficient role, and the persisted index (untrusted on load). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/usage/auditlog_entry.h"
#include "core/usage/permissions_internal.h"
#include "core/usage/usage.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#define ORG "cm9r8jgormxbek92l8s8wppie"
#define WS "cwuo8oc09zcke5raw4y1tgy5c"
#define DEP "cd46ldooftqx8x047y9pkcv30"
#define TOK "cl4kkvmqolewvmtye5npp4wkt"
#define TOK2 "clfjm8xtjdmzgvoqrzahg9n31"

static void test_path_template(void **state)
{
        static const struct {
                const char *in, *want;
        } cases[] = {
                {"/v1/organizations/" ORG "/deployments/" DEP,
                 "/v1/organizations/{organizationId}/deployments/{deploymentId}"},
                {"/v1alpha1/organizations/" ORG "/workspaces/" WS "/api-tokens/" TOK "/rotate",
                 "/v1alpha1/organizations/{organizationId}/workspaces/{workspaceId}/api-tokens/"
                 "{apiTokenId}/rotate"},
                {"/platform/v1beta1/organizations/" ORG "/deployments?workspaceIds=" WS,
                 "/platform/v1beta1/organizations/{organizationId}/deployments"},
                {"/v1/organizations/" ORG "/widgets/12345",
                 "/v1/organizations/{organizationId}/widgets/{id}"},
                {"/home", "/home"},
                {"", "/"},
                {NULL, "/"},
        };
        char buf[256], small[24];

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                tw_usage_path_template(cases[i].in, buf, sizeof(buf));
                assert_string_equal(buf, cases[i].want);
        }
        tw_usage_path_template("/v1/organizations/" ORG "/deployments", small, sizeof(small));
        assert_true(strlen(small) < sizeof(small));
        assert_string_equal(small + strlen(small) - 3, "...");
}

static void test_lifecycle_match(void **state)
{
        static const struct {
                const char *method, *path;
                bool match;
                enum tw_lifecycle_action action;
                const char *id;
        } cases[] = {
                {"POST", "/v1alpha1/organizations/" ORG "/api-tokens", true, TW_LIFECYCLE_CREATED,
                 ""},
                {"POST", "/v1alpha1/organizations/" ORG "/workspaces/" WS "/api-tokens", true,
                 TW_LIFECYCLE_CREATED, ""},
                {"POST", "/v1alpha1/organizations/" ORG "/workspaces/" WS "/api-tokens/" TOK, true,
                 TW_LIFECYCLE_UPDATED, TOK},
                {"POST", "/v1alpha1/organizations/" ORG "/api-tokens/" TOK "/rotate", true,
                 TW_LIFECYCLE_ROTATED, TOK},
                {"DELETE", "/v1alpha1/organizations/" ORG "/api-tokens/" TOK, true,
                 TW_LIFECYCLE_DELETED, TOK},
                {"POST", "/v1/organizations/" ORG "/tokens", true, TW_LIFECYCLE_CREATED, ""},
                {"POST", "/v1/organizations/" ORG "/tokens/" TOK, true, TW_LIFECYCLE_UPDATED, TOK},
                {"POST", "/v1/organizations/" ORG "/tokens/" TOK "/roles", true,
                 TW_LIFECYCLE_UPDATED, TOK},
                {"POST", "/v1/organizations/" ORG "/tokens/" TOK "/rotate?x=1", true,
                 TW_LIFECYCLE_ROTATED, TOK},
                {"DELETE", "/iam/v1beta1/organizations/" ORG "/tokens/" TOK, true,
                 TW_LIFECYCLE_DELETED, TOK},
                {"GET", "/v1/organizations/" ORG "/tokens/" TOK, false, 0, NULL},
                {"GET", "/v1/organizations/" ORG "/tokens", false, 0, NULL},
                {"POST", "/v1/organizations/" ORG "/deployments", false, 0, NULL},
                {"POST", "/tokens/" TOK, false, 0, NULL},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                enum tw_lifecycle_action a = _TW_LIFECYCLE_MAX;
                char id[64] = "x";

                print_message("%s %s\n", cases[i].method, cases[i].path);
                assert_int_equal(tw_usage_lifecycle_match(cases[i].method, cases[i].path, &a, id,
                                                          sizeof(id)),
                                 cases[i].match);
                if (!cases[i].match)
                        continue;
                assert_int_equal(a, cases[i].action);
                assert_string_equal(id, cases[i].id);
        }
}

/* Parses and adds one entry line. */
static void add(struct tw_usage *u, const char *line)
{
        struct tw_auditlog_entry e;

        assert_int_equal(tw_auditlog_entry_parse(line, strlen(line), &e, NULL), 0);
        assert_int_equal(tw_usage_add(u, &e), 0);
        tw_auditlog_entry_done(&e);
}

static void call(struct tw_usage *u, const char *tok, const char *ts, const char *ip,
                 const char *ua, const char *method, const char *path)
{
        char line[1024];

        snprintf(line, sizeof(line),
                 "{\"subjectId\":\"%s\",\"subjectType\":\"SERVICEKEY\",\"timestamp\":\"%s\","
                 "\"sourceIp\":\"%s\",\"userAgent\":\"%s\",\"method\":\"%s\",\"path\":\"%s\","
                 "\"responseStatus\":200}",
                 tok, ts, ip, ua, method, path);
        add(u, line);
}

static struct tw_usage *demo_usage(const struct tw_usage_limits *lim)
{
        static const char *const known[] = {TOK, TOK2};
        struct tw_usage *u = NULL;

        assert_int_equal(tw_usage_new(lim, &u), 0);
        assert_int_equal(tw_usage_set_known_tokens(u, known, 2), 0);
        call(u, TOK, "2026-11-01T10:00:00Z", "203.0.113.10", "astro-cli/1.30", "GET",
             "/v1/organizations/" ORG "/deployments/" DEP);
        call(u, TOK, "2026-11-02T10:00:00Z", "203.0.113.10", "astro-cli/1.30", "POST",
             "/v1/organizations/" ORG "/deployments/" DEP "/deploys");
        call(u, TOK, "2026-11-03T10:00:00Z", "198.51.100.77", "astro-cli/1.30", "GET",
             "/v1/organizations/" ORG "/deployments/" DEP);
        add(u, "{\"subjectId\":\"" TOK "\",\"subjectType\":\"SERVICEKEY\",\"timestamp\":"
               "\"2026-11-02T10:00:01Z\",\"sourceIp\":\"203.0.113.10\",\"userAgent\":\"docker\","
               "\"method\":\"PUT\",\"path\":\"/v2/" ORG "/" DEP "/manifests/deploy-1\"}");
        call(u, TOK2, "2026-11-01T11:00:00Z", "192.0.2.81", "looker", "GET",
             "/v1/organizations/" ORG "/workspaces/" WS);
        call(u, "clunknown000000000000000z", "2026-11-01T11:00:00Z", "192.0.2.99", "curl", "GET",
             "/v1/organizations/" ORG "/tokens");
        add(u, "{\"subjectId\":\"cu2avs0lnodn3va8sue4abd61\",\"subjectType\":\"USER\","
               "\"timestamp\":\"2026-11-04T09:00:00Z\",\"sourceIp\":\"198.51.100.7\","
               "\"userAgent\":\"astro-cli\",\"method\":\"POST\",\"path\":\"/v1alpha1/"
               "organizations/" ORG "/workspaces/" WS "/api-tokens\",\"requestBody\":{\"name\":"
               "\"prod-deployer\"},\"responseStatus\":200}");
        add(u, "{\"subjectId\":\"" TOK2 "\",\"subjectType\":\"SERVICEKEY\",\"timestamp\":"
               "\"2026-11-05T09:00:00Z\",\"method\":\"DELETE\",\"path\":\"/v1/organizations/" ORG
               "/tokens/" TOK "\",\"statusCode\":\"403\"}");
        return u;
}

static void test_usage_per_token(void **state)
{
        struct tw_usage *u = demo_usage(NULL);
        const struct tw_token_usage *t = tw_usage_find(u, TOK);
        const struct tw_usage_source *top[4];
        int64_t first;

        (void)state;
        assert_non_null(t);
        assert_int_equal(u->entries, 8);
        assert_int_equal(u->unlinked, 1);
        assert_int_equal(t->calls, 4);
        assert_int_equal(tw_time_parse_ms("2026-11-01T10:00:00Z", &first), 0);
        assert_int_equal(t->first_ms, first);
        assert_int_equal(t->last_ms, first + 2 * 86400000LL);
        assert_int_equal(t->image_pushes, 1);
        assert_int_equal(t->last_push_ms, first + 86400000LL + 1000);
        assert_int_equal(t->n_ips, 2);
        assert_int_equal(tw_usage_top(t->ips, t->n_ips, top, 4), 2);
        assert_string_equal(top[0]->value, "203.0.113.10");
        assert_int_equal(top[0]->count, 3);
        assert_string_equal(top[1]->value, "198.51.100.77");
        assert_int_equal(t->n_agents, 2);
        assert_int_equal(t->n_ops, 3);
        assert_string_equal(t->ops[0].op,
                            "GET /v1/organizations/{organizationId}/deployments/{deploymentId}");
        assert_int_equal(t->ops[0].count, 2);
        assert_string_equal(t->ops[2].op, "IMAGE_PUSH registry");
        assert_null(tw_usage_find(u, "clunknown000000000000000z"));
        tw_usage_free(u);
}

static void test_lifecycle_actors(void **state)
{
        struct tw_usage *u = demo_usage(NULL);

        (void)state;
        assert_int_equal(u->n_lifecycle, 2);
        assert_int_equal(u->lifecycle[0].action, TW_LIFECYCLE_CREATED);
        assert_null(u->lifecycle[0].token_id);
        assert_string_equal(u->lifecycle[0].token_name, "prod-deployer");
        assert_string_equal(u->lifecycle[0].actor_id, "cu2avs0lnodn3va8sue4abd61");
        assert_int_equal(u->lifecycle[0].actor_type, TW_AUDITLOG_SUBJECT_USER);
        assert_string_equal(u->lifecycle[0].source_ip, "198.51.100.7");
        assert_int_equal(u->lifecycle[0].status, 200);
        /* A token acting on another, refused: kept with its status. */
        assert_int_equal(u->lifecycle[1].action, TW_LIFECYCLE_DELETED);
        assert_string_equal(u->lifecycle[1].token_id, TOK);
        assert_int_equal(u->lifecycle[1].actor_type, TW_AUDITLOG_SUBJECT_SERVICEKEY);
        assert_null(u->lifecycle[1].source_ip);
        assert_int_equal(u->lifecycle[1].status, 403);
        tw_usage_free(u);
}

static void test_caps(void **state)
{
        struct tw_usage_limits lim = {
                .max_tokens = 1, .max_sources = 2, .max_operations = 1, .max_lifecycle = 1};
        struct tw_usage *u = demo_usage(&lim);
        const struct tw_token_usage *t = tw_usage_find(u, TOK);

        (void)state;
        assert_int_equal(u->n_tokens, 1);
        assert_int_equal(u->tokens_dropped, 2); /* TOK2's two entries */
        assert_int_equal(t->n_ops, 1);
        assert_int_equal(t->ops_dropped, 3);
        assert_null(tw_usage_lowest_role(t, "WORKSPACE")); /* evidence lost */
        assert_int_equal(t->n_agents, 2);
        assert_int_equal(t->agents_dropped, 0);
        call(u, TOK, "2026-11-06T10:00:00Z", "192.0.2.1", "third-agent", "GET", "/x");
        assert_int_equal(t->n_ips, 2);
        assert_int_equal(t->ips_dropped, 1);
        /* The least recently seen went: 203.0.113.10 (last on 11-02). */
        assert_true(strcmp(t->ips[0].value, "203.0.113.10") != 0 &&
                    strcmp(t->ips[1].value, "203.0.113.10") != 0);
        assert_int_equal(u->n_lifecycle, 1);
        assert_int_equal(u->lifecycle[0].action, TW_LIFECYCLE_DELETED);
        tw_usage_free(u);
}

static void test_lowest_role(void **state)
{
        static const struct {
                const char *name;
                const char *ops[4];
                size_t n;
                const char *scope, *want;
        } cases[] = {
                {"reads only",
                 {"GET /v1/organizations/{organizationId}/deployments"},
                 1,
                 "WORKSPACE",
                 "WORKSPACE_MEMBER"},
                {"reads and deploys",
                 {"GET /v1/organizations/{organizationId}/deployments/{deploymentId}",
                  "POST /v1/organizations/{organizationId}/deployments/{deploymentId}/deploys",
                  "IMAGE_PUSH registry"},
                 3,
                 "WORKSPACE",
                 "WORKSPACE_AUTHOR"},
                {"creates deployments, v1beta1",
                 {"POST /platform/v1beta1/organizations/{organizationId}/deployments",
                  "IMAGE_PUSH registry"},
                 2,
                 "WORKSPACE",
                 "WORKSPACE_OPERATOR"},
                {"org token reading users",
                 {"GET /v1/organizations/{organizationId}/users"},
                 1,
                 "ORGANIZATION",
                 "ORGANIZATION_MEMBER"},
                {"org token reading audit logs",
                 {"GET /v1/organizations/{organizationId}/users",
                  "GET /v1/organizations/{organizationId}/audit-logs"},
                 2,
                 "ORGANIZATION",
                 "ORGANIZATION_OWNER"},
                {"deployment token deploying",
                 {"IMAGE_PUSH registry"},
                 1,
                 "DEPLOYMENT",
                 "DEPLOYMENT_ADMIN"},
                {"an unknown operation",
                 {"GET /v1/organizations/{organizationId}/deployments",
                  "GET /v1/organizations/{organizationId}/widgets"},
                 2,
                 "WORKSPACE",
                 NULL},
                {"not possible at that scope",
                 {"GET /v1/organizations/{organizationId}/audit-logs"},
                 1,
                 "WORKSPACE",
                 NULL},
                {"graphql is not in the table", {"GRAPHQL Q"}, 1, "WORKSPACE", NULL},
                {"nothing performed", {NULL}, 0, "WORKSPACE", NULL},
                {"unknown scope", {"IMAGE_PUSH registry"}, 1, "TEAM", NULL},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const char *got =
                        tw_permissions_lowest_role(cases[i].ops, cases[i].n, cases[i].scope);

                print_message("%s\n", cases[i].name);
                if (cases[i].want)
                        assert_string_equal(got, cases[i].want);
                else
                        assert_null(got);
        }
}

static void test_usage_lowest_role(void **state)
{
        struct tw_usage *u = demo_usage(NULL);

        (void)state;
        assert_string_equal(tw_usage_lowest_role(tw_usage_find(u, TOK), "WORKSPACE"),
                            "WORKSPACE_AUTHOR");
        /* Its refused DELETE of a token (403) is no evidence. */
        assert_string_equal(tw_usage_lowest_role(tw_usage_find(u, TOK2), "WORKSPACE"),
                            "WORKSPACE_MEMBER");
        assert_int_equal(tw_usage_find(u, TOK2)->calls, 2);
        assert_null(tw_usage_lowest_role(NULL, "WORKSPACE"));
        tw_usage_free(u);
}

static void test_json_round_trip(void **state)
{
        struct tw_usage *u = demo_usage(NULL), *back = NULL;
        struct tw_buf a, b;

        (void)state;
        tw_buf_init(&a, 1 << 20);
        tw_buf_init(&b, 1 << 20);
        assert_int_equal(tw_usage_to_json(u, &a), 0);
        assert_int_equal(tw_usage_from_json(a.ptr, a.len, NULL, &back), 0);
        assert_int_equal(tw_usage_to_json(back, &b), 0);
        assert_string_equal(a.ptr, b.ptr);
        assert_int_equal(tw_usage_find(back, TOK)->calls, 4);
        assert_int_equal(tw_usage_find(back, TOK2)->last_push_ms, TW_NO_TIME);
        tw_buf_done(&a);
        tw_buf_done(&b);
        tw_usage_free(u);
        tw_usage_free(back);
}

#define HEAD "{\"v\":1,\"entries\":1,\"unlinked\":0,\"tokensDropped\":0,"
#define TOKEN_OK                                                                            \
        "{\"id\":\"t\",\"first\":1,\"last\":2,\"calls\":1,\"pushes\":0,\"lastPush\":null,"  \
        "\"ips\":[[\"1.2.3.4\",1,1,2]],\"ipsDropped\":0,\"agents\":[],\"agentsDropped\":0," \
        "\"opsDropped\":0,\"ops\":[[\"GET /x\",1,2]]}"

static void test_json_load_untrusted(void **state)
{
        static const struct {
                const char *name, *text;
                int want;
        } cases[] = {
                {"valid", HEAD "\"tokens\":[" TOKEN_OK "],\"lifecycle\":[]}", 0},
                {"not json", "{", -EBADMSG},
                {"not an object", "[]", -EBADMSG},
                {"other version",
                 "{\"v\":2,\"entries\":1,\"unlinked\":0,\"tokensDropped\":0,"
                 "\"tokens\":[],\"lifecycle\":[]}",
                 -EBADMSG},
                {"negative count",
                 "{\"v\":1,\"entries\":-1,\"unlinked\":0,\"tokensDropped\":0,"
                 "\"tokens\":[],\"lifecycle\":[]}",
                 -EBADMSG},
                {"huge count",
                 "{\"v\":1,\"entries\":1e300,\"unlinked\":0,\"tokensDropped\":0,"
                 "\"tokens\":[],\"lifecycle\":[]}",
                 -EBADMSG},
                {"fractional count",
                 "{\"v\":1,\"entries\":1.5,\"unlinked\":0,\"tokensDropped\":0,"
                 "\"tokens\":[],\"lifecycle\":[]}",
                 -EBADMSG},
                {"duplicate token", HEAD "\"tokens\":[" TOKEN_OK "," TOKEN_OK "],\"lifecycle\":[]}",
                 -EBADMSG},
                {"token without id", HEAD "\"tokens\":[{\"first\":1}],\"lifecycle\":[]}", -EBADMSG},
                {"source not a tuple",
                 HEAD "\"tokens\":[{\"id\":\"t\",\"first\":1,\"last\":2,\"calls\":1,\"pushes\":0,"
                      "\"lastPush\":null,\"ips\":[[\"a\",1]],\"ipsDropped\":0,\"agents\":[],"
                      "\"agentsDropped\":0,\"opsDropped\":0,\"ops\":[]}],\"lifecycle\":[]}",
                 -EBADMSG},
                {"too many sources for the limits",
                 HEAD "\"tokens\":[{\"id\":\"t\",\"first\":1,\"last\":2,\"calls\":1,\"pushes\":0,"
                      "\"lastPush\":null,\"ips\":[[\"a\",1,1,1],[\"b\",1,1,1],[\"c\",1,1,1]],"
                      "\"ipsDropped\":0,\"agents\":[],\"agentsDropped\":0,\"opsDropped\":0,"
                      "\"ops\":[]}],\"lifecycle\":[]}",
                 -EBADMSG},
                {"unknown action",
                 HEAD "\"tokens\":[],\"lifecycle\":[{\"at\":1,\"action\":\"exploded\",\"status\":"
                      "200}]}",
                 -EBADMSG},
                {"status out of range",
                 HEAD "\"tokens\":[],\"lifecycle\":[{\"at\":1,\"action\":\"created\",\"status\":"
                      "1000}]}",
                 -EBADMSG},
                {"valid event",
                 HEAD "\"tokens\":[],\"lifecycle\":[{\"at\":1,\"action\":\"rotated\",\"token\":"
                      "\"t\",\"actor\":\"u\",\"actorType\":\"USER\",\"status\":-1}]}",
                 0},
        };
        struct tw_usage_limits lim = {.max_sources = 2};

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_usage *u = NULL;

                print_message("%s\n", cases[i].name);
                assert_int_equal(tw_usage_from_json(cases[i].text, strlen(cases[i].text), &lim, &u),
                                 cases[i].want);
                assert_true(cases[i].want == 0 ? u != NULL : u == NULL);
                tw_usage_free(u);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_path_template),
                cmocka_unit_test(test_lifecycle_match),
                cmocka_unit_test(test_usage_per_token),
                cmocka_unit_test(test_lifecycle_actors),
                cmocka_unit_test(test_caps),
                cmocka_unit_test(test_lowest_role),
                cmocka_unit_test(test_usage_lowest_role),
                cmocka_unit_test(test_json_round_trip),
                cmocka_unit_test(test_json_load_untrusted),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
