/* The findings that read audit-log usage: new_source and the least-privilege
 * evidence of over_privileged (core/evaluate/usage.c), with now a parameter. */
#include "helpers/evaluate_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#include <stdio.h>

#include "core/evaluate/evaluate.h"
#include "core/usage/usage.h"

#define MS(t) ((long long)(t)*1000)

static struct tw_usage *usage_from(const char *tokens_json)
{
        struct tw_usage *u = NULL;
        char text[8192];
        int n = snprintf(
                text, sizeof(text),
                "{\"v\":1,\"entries\":1,\"unlinked\":0,\"tokensDropped\":0,\"tokens\":[%s],"
                "\"lifecycle\":[]}",
                tokens_json);

        assert_true(n > 0 && (size_t)n < sizeof(text));
        assert_int_equal(tw_usage_from_json(text, (size_t)n, NULL, &u), 0);
        return u;
}

/* One token's usage: history from `first`, one IP and one agent with their
 * own first times, the operations given (a JSON array body). */
static void token_usage_json(char *buf, size_t size, int64_t first, int64_t ip_first,
                             int ips_dropped, int64_t ua_first, const char *ops, int ops_dropped)
{
        snprintf(buf, size,
                 "{\"id\":\"tok\",\"first\":%lld,\"last\":%lld,\"calls\":9,\"pushes\":0,"
                 "\"lastPush\":null,\"ips\":[[\"10.0.0.1\",5,%lld,%lld],[\"203.0.113.9\",2,%lld,"
                 "%lld]],\"ipsDropped\":%d,\"agents\":[[\"ci-runner/1\",7,%lld,%lld],"
                 "[\"curl/8.0 \\\"<x>\\\"\",2,%lld,%lld]],\"agentsDropped\":0,\"opsDropped\":%d,"
                 "\"ops\":[%s]}",
                 MS(first), MS(NOW), MS(first), MS(NOW), MS(ip_first), MS(ip_first), ips_dropped,
                 MS(first), MS(NOW), MS(ua_first), MS(ua_first), ops_dropped, ops ? ops : "");
}

struct source_case {
        const char *name;
        int64_t history; /* NOW - first */
        int64_t ip_age, ua_age;
        int ips_dropped;
        int64_t after, active_for; /* after TW_OFF: off */
        int64_t now;
        enum tw_severity want;
        const char *has[3];
        const char *lacks;
};

static const struct source_case source_cases[] = {
        {"a new IP after 40 days of history",
         40 * DAY,
         DAY,
         40 * DAY,
         0,
         30 * DAY,
         7 * DAY,
         NOW,
         TW_SEVERITY_WARNING,
         {"source IP \"203.0.113.9\" first seen 2026-05-31 12:00 UTC (1 day ago, 2 calls)",
          "not seen in the 30d before (its audit-log usage begins 2026-04-22",
          "If it is not one of the token's pipelines, rotate it."},
         "user agent"},
        {"both kinds new",
         40 * DAY,
         DAY,
         2 * HOUR,
         0,
         30 * DAY,
         7 * DAY,
         NOW,
         TW_SEVERITY_WARNING,
         {"used from sources not seen", "source IP \"203.0.113.9\"",
          "user agent \"curl/8.0 \"<x>\"\" first seen"},
         NULL},
        {"history too short: no claim",
         20 * DAY,
         DAY,
         DAY,
         0,
         30 * DAY,
         7 * DAY,
         NOW,
         TW_SEVERITY_NONE,
         {NULL},
         NULL},
        {"exactly N days of history counts",
         31 * DAY,
         DAY,
         31 * DAY,
         0,
         30 * DAY,
         7 * DAY,
         NOW,
         TW_SEVERITY_WARNING,
         {"203.0.113.9"},
         NULL},
        {"first seen too long ago: no longer active",
         60 * DAY,
         8 * DAY,
         60 * DAY,
         0,
         30 * DAY,
         7 * DAY,
         NOW,
         TW_SEVERITY_NONE,
         {NULL},
         NULL},
        {"a longer active period keeps it",
         60 * DAY,
         8 * DAY,
         60 * DAY,
         0,
         30 * DAY,
         10 * DAY,
         NOW,
         TW_SEVERITY_WARNING,
         {"8 days ago"},
         NULL},
        {"evaluated before the source appeared",
         40 * DAY,
         DAY,
         40 * DAY,
         0,
         30 * DAY,
         7 * DAY,
         NOW - 2 * DAY,
         TW_SEVERITY_NONE,
         {NULL},
         NULL},
        {"dropped IPs: no claim about IPs",
         40 * DAY,
         DAY,
         40 * DAY,
         3,
         30 * DAY,
         7 * DAY,
         NOW,
         TW_SEVERITY_NONE,
         {NULL},
         NULL},
        {"dropped IPs, a new agent still counts",
         40 * DAY,
         DAY,
         DAY,
         3,
         30 * DAY,
         7 * DAY,
         NOW,
         TW_SEVERITY_WARNING,
         {"user agent"},
         "source IP"},
        {"off", 400 * DAY, DAY, DAY, 0, TW_OFF, 7 * DAY, NOW, TW_SEVERITY_NONE, {NULL}, NULL},
};

static const struct tw_finding *find(const struct tw_evaluation *ev, size_t token,
                                     enum tw_finding_kind kind)
{
        for (size_t j = ev->token_first[token]; j < ev->token_first[token] + ev->token_count[token];
             j++)
                if (ev->findings[j].kind == kind)
                        return &ev->findings[j];
        return NULL;
}

static struct tw_inventory *one_token(const char *scope, const char *etype, const char *eid,
                                      const char *role)
{
        struct tw_inventory *inv = ef_base_inventory();
        struct token_spec s = HEALTHY_TOKEN("tok");

        s.scope = scope;
        s.roles[0] = (struct role_spec){etype, eid, role};
        ef_add_token(inv, &s);
        return inv;
}

static void test_new_source(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(source_cases); i++) {
                const struct source_case *c = &source_cases[i];
                struct tw_inventory *inv =
                        one_token("ORGANIZATION", "ORGANIZATION", "org1", "ORGANIZATION_MEMBER");
                struct tw_evaluation *ev = NULL;
                struct tw_policy p;
                struct tw_usage *u;
                const struct tw_finding *f;
                char tok[4096];

                print_message("case: %s\n", c->name);
                ef_policy_default(&p);
                p.new_source_after = c->after;
                p.new_source_for = c->active_for;
                token_usage_json(tok, sizeof(tok), NOW - c->history, NOW - c->ip_age,
                                 c->ips_dropped, NOW - c->ua_age, NULL, 0);
                u = usage_from(tok);
                assert_int_equal(tw_evaluate_usage(inv, &p, NULL, 0, u, c->now, &ev), 0);
                f = find(ev, 0, TW_FINDING_NEW_SOURCE);
                assert_int_equal(f ? f->severity : TW_SEVERITY_NONE, c->want);
                for (size_t k = 0; f && k < ARRAY_SIZE(c->has) && c->has[k]; k++)
                        if (!strstr(ef_finding_message(ev, inv, f), c->has[k]))
                                fail_msg("'%s' not in '%s'", c->has[k],
                                         ef_finding_message(ev, inv, f));
                if (f && c->lacks)
                        assert_null(strstr(ef_finding_message(ev, inv, f), c->lacks));
                if (f)
                        assert_string_equal(ef_finding_fix(ev, inv, f),
                                            "astro organization token rotate tok");
                assert_int_equal(ev->active[TW_FINDING_NEW_SOURCE][TW_SEVERITY_WARNING],
                                 c->want == TW_SEVERITY_WARNING);
                tw_evaluation_free(ev);
                /* without usage: never */
                assert_int_equal(tw_evaluate(inv, &p, NULL, 0, c->now, &ev), 0);
                assert_null(find(ev, 0, TW_FINDING_NEW_SOURCE));
                tw_evaluation_free(ev);
                tw_usage_free(u);
                tw_inventory_free(inv);
        }
}

/* A new_source finding is suppressed like any other, by kind. */
static void test_new_source_suppressed(void **state)
{
        struct tw_inventory *inv =
                one_token("ORGANIZATION", "ORGANIZATION", "org1", "ORGANIZATION_MEMBER");
        struct tw_suppression s = {.token_id = "tok",
                                   .kind = TW_FINDING_NEW_SOURCE,
                                   .until = NOW + DAY,
                                   .reason = "new runner"};
        struct tw_evaluation *ev = NULL;
        struct tw_policy p;
        struct tw_usage *u;
        char tok[4096];

        (void)state;
        ef_policy_default(&p);
        p.new_source_after = 30 * DAY;
        p.new_source_for = 7 * DAY;
        token_usage_json(tok, sizeof(tok), NOW - 40 * DAY, NOW - DAY, 0, NOW - 40 * DAY, NULL, 0);
        u = usage_from(tok);
        assert_int_equal(tw_evaluate_usage(inv, &p, &s, 1, u, NOW, &ev), 0);
        assert_true(find(ev, 0, TW_FINDING_NEW_SOURCE)->suppressed);
        assert_int_equal(ev->suppressed_count, 1);
        assert_int_equal(ev->active[TW_FINDING_NEW_SOURCE][TW_SEVERITY_WARNING], 0);
        tw_evaluation_free(ev);
        tw_usage_free(u);
        tw_inventory_free(inv);
}

#define OP_PUSH "[\"IMAGE_PUSH registry\",4,1]"
#define OP_DEPLOYS                                                                           \
        "[\"POST /v1/organizations/{organizationId}/deployments/{deploymentId}/deploys\",3," \
        "1]"
#define OP_LIST "[\"GET /v1/organizations/{organizationId}/deployments\",9,1]"
#define OP_TOKENS "[\"POST /v1/organizations/{organizationId}/tokens\",1,1]"
#define OP_USERS "[\"GET /v1/organizations/{organizationId}/users\",2,1]"
#define OP_UNKNOWN "[\"GRAPHQL <weird>\",1,1]"

struct priv_case {
        const char *name;
        const char *etype, *eid, *role; /* the token's one role */
        const char *ops;                /* NULL: no usage at all */
        int ops_dropped;
        enum tw_severity want;
        const char *has[3];   /* in the message */
        const char *lacks[2]; /* not in the message */
        const char *fix;      /* the exact fix */
};

static const struct priv_case priv_cases[] = {
        {"workspace owner that only deploys",
         "WORKSPACE",
         "ws1",
         "WORKSPACE_OWNER",
         OP_PUSH "," OP_DEPLOYS "," OP_LIST,
         0,
         TW_SEVERITY_WARNING,
         {"above the ceiling WORKSPACE_OPERATOR, and every operation it performed is allowed by "
          "WORKSPACE_AUTHOR.",
          "Operations it performed (audit logs, 3 kinds): \"GET "
          "/v1/organizations/{organizationId}/deployments\" x9, \"IMAGE_PUSH registry\" x4",
          "IMAGE_PUSH"},
         {NULL},
         "astro workspace token update tok --workspace-id ws1 --role WORKSPACE_AUTHOR"},
        {"an unknown operation: no suggestion (today's message)",
         "WORKSPACE",
         "ws1",
         "WORKSPACE_OWNER",
         OP_PUSH "," OP_UNKNOWN,
         0,
         TW_SEVERITY_WARNING,
         {"above the ceiling WORKSPACE_OPERATOR."},
         {"Operations", "allowed by"},
         "astro workspace token update tok --workspace-id ws1 --role WORKSPACE_OPERATOR"},
        {"dropped operations: no suggestion",
         "WORKSPACE",
         "ws1",
         "WORKSPACE_OWNER",
         OP_PUSH,
         2,
         TW_SEVERITY_WARNING,
         {"above the ceiling WORKSPACE_OPERATOR."},
         {"Operations", "allowed by"},
         "astro workspace token update tok --workspace-id ws1 --role WORKSPACE_OPERATOR"},
        {"no usage: today's message",
         "WORKSPACE",
         "ws1",
         "WORKSPACE_OWNER",
         NULL,
         0,
         TW_SEVERITY_WARNING,
         {"above the ceiling WORKSPACE_OPERATOR."},
         {"Operations", NULL},
         "astro workspace token update tok --workspace-id ws1 --role WORKSPACE_OPERATOR"},
        {"operations need more than the ceiling: the ceiling, with a warning",
         "WORKSPACE",
         "ws1",
         "WORKSPACE_OWNER",
         OP_TOKENS "," OP_PUSH,
         0,
         TW_SEVERITY_WARNING,
         {"the operations it performed need WORKSPACE_OWNER, so lowering it to the ceiling may "
          "break its pipelines"},
         {NULL},
         "astro workspace token update tok --workspace-id ws1 --role WORKSPACE_OPERATOR"},
        {"organization owner that only lists users",
         "ORGANIZATION",
         "org1",
         "ORGANIZATION_OWNER",
         OP_USERS,
         0,
         TW_SEVERITY_CRITICAL,
         {"every operation it performed is allowed by ORGANIZATION_MEMBER"},
         {NULL},
         "astro organization token update tok --role ORGANIZATION_MEMBER"},
        {"organization owner listing deployments (needs the owner)",
         "ORGANIZATION",
         "org1",
         "ORGANIZATION_OWNER",
         OP_LIST,
         0,
         TW_SEVERITY_CRITICAL,
         {"the operations it performed need ORGANIZATION_OWNER"},
         {NULL},
         "astro organization token update tok --role ORGANIZATION_BILLING_ADMIN"},
        {"within the ceiling: no finding whatever the usage",
         "WORKSPACE",
         "ws1",
         "WORKSPACE_OPERATOR",
         OP_PUSH,
         0,
         TW_SEVERITY_NONE,
         {NULL},
         {NULL},
         NULL},
};

static void test_least_privilege(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(priv_cases); i++) {
                const struct priv_case *c = &priv_cases[i];
                struct tw_inventory *inv = one_token(c->etype, c->etype, c->eid, c->role);
                struct tw_evaluation *ev = NULL;
                struct tw_usage *u = NULL;
                const struct tw_finding *f;
                struct tw_policy p;
                char tok[4096];

                print_message("case: %s\n", c->name);
                ef_policy_default(&p);
                if (c->ops) {
                        token_usage_json(tok, sizeof(tok), NOW - 10 * DAY, NOW - 10 * DAY, 0,
                                         NOW - 10 * DAY, c->ops, c->ops_dropped);
                        u = usage_from(tok);
                }
                assert_int_equal(tw_evaluate_usage(inv, &p, NULL, 0, u, NOW, &ev), 0);
                f = find(ev, 0, TW_FINDING_OVER_PRIVILEGED);
                assert_int_equal(f ? f->severity : TW_SEVERITY_NONE, c->want);
                for (size_t k = 0; f && k < ARRAY_SIZE(c->has) && c->has[k]; k++)
                        if (!strstr(ef_finding_message(ev, inv, f), c->has[k]))
                                fail_msg("'%s' not in '%s'", c->has[k],
                                         ef_finding_message(ev, inv, f));
                for (size_t k = 0; f && k < ARRAY_SIZE(c->lacks) && c->lacks[k]; k++)
                        if (strstr(ef_finding_message(ev, inv, f), c->lacks[k]))
                                fail_msg("'%s' in '%s'", c->lacks[k],
                                         ef_finding_message(ev, inv, f));
                if (f)
                        assert_string_equal(ef_finding_fix(ev, inv, f), c->fix);
                tw_evaluation_free(ev);
                tw_usage_free(u);
                tw_inventory_free(inv);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_new_source),
                cmocka_unit_test(test_new_source_suppressed),
                cmocka_unit_test(test_least_privilege),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
