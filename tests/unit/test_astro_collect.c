/* The collector's logic (planning, paging, de-duplication, failures) against a
 * fake transport: no network, no clock. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "core/config/config.h"
#include "core/credential.h"
#include "core/inventory.h"
#include "lib/timeutil.h"
#include "collectors/astro/astro.h"
#include "helpers/fake_transport.h"

#define NOW 1795000000 /* 2026-11-18 */

/* A fake organization and how it misbehaves. */
struct org {
        int n_tokens;    /* tokens tk0000..; token i is in workspace ws(i % 3) */
        bool beta;       /* answer with "type" instead of "scope" */
        int fail_status; /* answer this status for URLs containing fail_match */
        const char *fail_match;
        const char *bad_body_match; /* answer a malformed body for these */
        bool ignore_limit;          /* answer 7 items a page whatever the limit */
        bool ignore_offset;         /* answer the first page whatever the offset */
        int transport_error;
        const char *transport_error_match;
        /* tokens bad_from..bad_to-1 carry bad_field[i % 2] first (the first
         * of two equal keys wins) */
        int bad_from, bad_to;
        const char *bad_field[2];
};

static const char *scope_of(int i)
{
        return i % 5 == 0 ? "ORGANIZATION" : i % 5 == 1 ? "DEPLOYMENT" : "WORKSPACE";
}

static long query_long(const char *url, const char *key, long def)
{
        const char *p = strstr(url, key);

        return p ? strtol(p + strlen(key), NULL, 10) : def;
}

static void token_json(struct tw_buf *b, const struct org *o, int i)
{
        if (i >= o->bad_from && i < o->bad_to)
                tw_buf_printf(b, "{%s,", o->bad_field[i % 2]);
        else
                tw_buf_addc(b, '{');
        tw_buf_printf(
                b,
                "\"id\":\"tk%04d\",\"name\":\"token \\\"%d\\\"\",\"description\":\"\","
                "\"shortToken\":\"tk%04d\",\"%s\":\"%s\",\"startAt\":\"2026-01-01T00:00:00Z\","
                "\"createdAt\":\"2026-01-01T00:00:00.123Z\",\"updatedAt\":\"2026-01-01T00:00:00Z\","
                "\"roles\":[{\"entityType\":\"WORKSPACE\",\"entityId\":\"ws%d\","
                "\"role\":\"WORKSPACE_MEMBER\"}]}",
                i, i, i, o->beta ? "type" : "scope", scope_of(i), i % 3);
}

/* Tokens matching the URL's filter, as the real API would list them. */
static bool token_matches(const char *url, int i)
{
        const char *ws = strstr(url, "workspaceId=");

        if (strstr(url, "includeOnlyOrganizationTokens=true"))
                return strcmp(scope_of(i), "ORGANIZATION") == 0;
        if (strstr(url, "deploymentId="))
                return strcmp(scope_of(i), "DEPLOYMENT") == 0 &&
                       i % 3 == atoi(strstr(url, "deploymentId=dp") + 15);
        if (ws)
                return (strcmp(scope_of(i), "WORKSPACE") == 0 && i % 3 == atoi(ws + 14)) ||
                       strcmp(scope_of(i), "ORGANIZATION") == 0;
        return true;
}

static int answer(void *ud, const char *url, long *status, struct tw_buf *b)
{
        const struct org *o = ud;
        long offset = query_long(url, "offset=", 0), limit = query_long(url, "limit=", 20);
        int matched[4096], n = 0, total;

        if (o->transport_error && strstr(url, o->transport_error_match))
                return o->transport_error;
        if (o->fail_match && strstr(url, o->fail_match)) {
                *status = o->fail_status;
                tw_buf_printf(b,
                              "{\"message\":\"nope\\n\",\"requestId\":\"req-1\",\"statusCode\":%d}",
                              o->fail_status);
                return 0;
        }
        *status = 200;
        if (o->bad_body_match && strstr(url, o->bad_body_match)) {
                tw_buf_adds(b,
                            "{\"limit\":1000,\"offset\":0,\"totalCount\":3,\"tokens\":[{\"id\":");
                return 0;
        }
        if (o->ignore_limit)
                limit = 7;
        if (o->ignore_offset)
                offset = 0;
        if (strstr(url, "/workspaces?")) {
                tw_buf_adds(b,
                            "{\"limit\":1000,\"offset\":0,\"totalCount\":3,\"workspaces\":["
                            "{\"id\":\"ws0\",\"name\":\"zero\"},{\"id\":\"ws1\",\"name\":\"one\"},"
                            "{\"id\":\"ws2\",\"name\":\"two\"}]}");
                return 0;
        }
        if (strstr(url, "/deployments?")) {
                tw_buf_adds(b, "{\"limit\":1000,\"offset\":0,\"totalCount\":3,\"deployments\":["
                               "{\"id\":\"dp0\",\"name\":\"d0\",\"workspaceId\":\"ws0\"},"
                               "{\"id\":\"dp1\",\"name\":\"d1\",\"workspaceId\":\"ws1\"},"
                               "{\"id\":\"dp2\",\"name\":\"d2\",\"workspaceId\":\"ws2\"}]}");
                return 0;
        }
        if (strstr(url, "/users?")) {
                tw_buf_adds(b,
                            "{\"limit\":1000,\"offset\":0,\"totalCount\":1,\"users\":["
                            "{\"id\":\"u1\",\"username\":\"a@example.com\",\"status\":\"ACTIVE\","
                            "\"createdAt\":\"2026-01-01T00:00:00Z\",\"updatedAt\":\"2026-01-01T00:"
                            "00:00Z\"}]}");
                return 0;
        }
        for (int i = 0; i < o->n_tokens; i++)
                if (token_matches(url, i))
                        matched[n++] = i;
        total = n;
        tw_buf_printf(b, "{\"limit\":%ld,\"offset\":%ld,\"totalCount\":%d,\"tokens\":[", limit,
                      offset, total);
        for (long k = offset; k < total && k < offset + limit; k++) {
                if (k > offset)
                        tw_buf_addc(b, ',');
                token_json(b, o, matched[k]);
        }
        tw_buf_adds(b, "]}");
        return 0;
}

struct run {
        struct tw_config *cfg;
        struct tw_credential_info cred;
        struct tw_transport *t;
        struct tw_inventory *inv;
};

static void collect(struct run *r, struct org *o, const char *ini)
{
        struct tw_buf err;

        tw_buf_init(&err, 0);
        assert_int_equal(tw_config_load_string(ini, "test.ini", &r->cfg, &err), 0);
        tw_buf_done(&err);
        r->cred.organization_id = strdup("org1");
        r->cred.claims.exp = TW_NO_TIME;
        r->t = tw_fake_transport_new(answer, o);
        assert_non_null(r->t);
        assert_int_equal(tw_astro_collect(r->cfg, &r->cred, r->t, NOW, &r->inv), 0);
}

/* One table case against the default config. */
static void collect_case(struct run *r, struct org *o, const char *name)
{
        print_message("case: %s\n", name);
        collect(r, o, "[astro]\napi_url = http://127.0.0.1:1\n");
}

static void run_done(struct run *r)
{
        tw_inventory_free(r->inv);
        tw_transport_free(r->t);
        tw_credential_done(&r->cred);
        tw_config_free(r->cfg);
}

static size_t count_requests(const struct tw_transport *t, const char *match)
{
        const char *const *urls;
        size_t n = tw_fake_transport_requests(t, &urls), c = 0;

        for (size_t i = 0; i < n; i++)
                c += strstr(urls[i], match) != NULL;
        return c;
}

static void test_org_wide_paging(void **state)
{
        struct org o = {.n_tokens = 2500};
        struct run r = {0};

        (void)state;
        collect(&r, &o, "[astro]\napi_url = http://127.0.0.1:1\n");
        assert_true(tw_inventory_complete(r.inv));
        assert_int_equal(r.inv->n_tokens, 2500);
        assert_int_equal(r.inv->n_workspaces, 3);
        assert_int_equal(r.inv->n_deployments, 3);
        assert_int_equal(r.inv->n_users, 1);
        /* 2,500 tokens at limit=1000: three pages, offsets 0, 1000, 2000 */
        assert_int_equal(count_requests(r.t, "/v1/organizations/org1/tokens?"), 3);
        assert_int_equal(count_requests(r.t, "offset=2000&limit=1000"), 1);
        assert_string_equal(r.inv->tokens[0].id, "tk0000"); /* sorted */
        assert_string_equal(r.inv->tokens[0].name, "token \"0\"");
        run_done(&r);
}

static void test_short_pages_advance_by_items(void **state)
{
        struct org o = {.n_tokens = 30, .ignore_limit = true};
        struct run r = {0};

        (void)state;
        collect(&r, &o, "[astro]\napi_url = http://127.0.0.1:1\n");
        assert_int_equal(r.inv->n_tokens, 30);
        assert_int_equal(count_requests(r.t, "offset=7&"), 1);
        assert_int_equal(count_requests(r.t, "offset=28&"), 1);
        run_done(&r);
}

static void test_v1beta1_routes_and_type(void **state)
{
        struct org o = {.n_tokens = 10, .beta = true};
        struct run r = {0};

        (void)state;
        collect(&r, &o, "[astro]\napi_url = http://127.0.0.1:1\napi_version = v1beta1\n");
        assert_true(tw_inventory_complete(r.inv));
        assert_int_equal(r.inv->n_tokens, 10);
        assert_int_equal(count_requests(r.t, "/iam/v1beta1/organizations/org1/tokens?"), 1);
        assert_int_equal(count_requests(r.t, "/iam/v1beta1/organizations/org1/users?"), 1);
        assert_int_equal(count_requests(r.t, "/platform/v1beta1/organizations/org1/workspaces?"),
                         1);
        assert_string_equal(r.inv->tokens[0].scope, "ORGANIZATION");
        run_done(&r);
}

static void test_workspace_list_dedups(void **state)
{
        struct org o = {.n_tokens = 60};
        struct run r = {0};

        (void)state;
        collect(&r, &o, "[astro]\napi_url = http://127.0.0.1:1\nworkspaces = ws0, ws1\n");
        assert_true(tw_inventory_complete(r.inv));
        assert_int_equal(count_requests(r.t, "workspaceId=ws0"), 1);
        assert_int_equal(count_requests(r.t, "workspaceId=ws1"), 1);
        assert_int_equal(count_requests(r.t, "workspaceId=ws2"), 0);
        assert_int_equal(count_requests(r.t, "includeOnlyOrganizationTokens=true"), 1);
        assert_int_equal(count_requests(r.t, "deploymentId=dp0"), 1);
        assert_int_equal(count_requests(r.t, "deploymentId=dp2"), 0);
        /* organization tokens come from three listings, and are kept once */
        for (size_t i = 0; i < r.inv->n_tokens; i++) {
                int id = atoi(r.inv->tokens[i].id + 2);

                assert_true(strcmp(scope_of(id), "ORGANIZATION") == 0 || id % 3 != 2);
                if (i)
                        assert_true(strcmp(r.inv->tokens[i - 1].id, r.inv->tokens[i].id) < 0);
        }
        {
                size_t want = 0;

                for (int i = 0; i < 60; i++)
                        want += strcmp(scope_of(i), "ORGANIZATION") == 0 || i % 3 != 2;
                assert_int_equal(r.inv->n_tokens, want);
        }
        run_done(&r);
}

static void test_scope_filters(void **state)
{
        struct org o = {.n_tokens = 50};
        struct run r = {0};

        (void)state;
        collect(&r, &o,
                "[astro]\napi_url = http://127.0.0.1:1\ninclude_organization_tokens = false\n"
                "include_deployment_tokens = false\n");
        for (size_t i = 0; i < r.inv->n_tokens; i++)
                assert_string_equal(r.inv->tokens[i].scope, "WORKSPACE");
        assert_int_equal(r.inv->n_tokens, 30);
        run_done(&r);
}

static void test_failed_listing_keeps_the_rest(void **state)
{
        static const struct {
                const char *name;
                struct org org;
                const char *listing;
                const char *message;
                enum tw_listing_kind kind;
        } cases[] = {
                {"users 403",
                 {.n_tokens = 5, .fail_status = 403, .fail_match = "/users?"},
                 "users",
                 "HTTP 403: nope  (requestId req-1) - the API token lacks",
                 TW_LISTING_USERS},
                {"tokens 401: a credential error",
                 {.n_tokens = 5, .fail_status = 401, .fail_match = "/tokens?"},
                 "credential",
                 "the Astro API refused the credential in ASTRO_API_TOKEN (HTTP 401: nope  "
                 "(requestId req-1)): create a new API token and put it in ASTRO_API_TOKEN",
                 TW_LISTING_TOKENS},
                {"unreachable: the key to check",
                 {.n_tokens = 5,
                  .transport_error = -ECONNREFUSED,
                  .transport_error_match = "/deployments?"},
                 "connection",
                 "nothing accepts connections at [astro] api_url",
                 TW_LISTING_DEPLOYMENTS},
                {"org-wide 403 hint",
                 {.n_tokens = 5, .fail_status = 403, .fail_match = "/tokens?"},
                 "tokens organization",
                 "cannot list the whole organization",
                 TW_LISTING_TOKENS},
                {"malformed page",
                 {.n_tokens = 5, .bad_body_match = "/tokens?"},
                 "tokens organization",
                 "not valid JSON",
                 TW_LISTING_TOKENS},
                {"timeout",
                 {.n_tokens = 5,
                  .transport_error = -ETIMEDOUT,
                  .transport_error_match = "/deployments?"},
                 "deployments",
                 "simulated transport failure after 1 attempt",
                 TW_LISTING_DEPLOYMENTS},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct org o = cases[i].org;
                struct run r = {0};

                collect_case(&r, &o, cases[i].name);
                assert_false(tw_inventory_complete(r.inv));
                assert_int_equal(r.inv->n_errors, 1);
                assert_string_equal(r.inv->errors[0].listing, cases[i].listing);
                assert_non_null(strstr(r.inv->errors[0].message, cases[i].message));
                assert_false(r.inv->listed[cases[i].kind]);
                /* everything else survived */
                assert_int_equal(r.inv->n_workspaces, 3);
                if (cases[i].kind != TW_LISTING_TOKENS)
                        assert_int_equal(r.inv->n_tokens, 5);
                run_done(&r);
        }
}

static void test_server_ignoring_offset_is_an_error(void **state)
{
        struct org o = {.n_tokens = 2500, .ignore_offset = true};
        struct run r = {0};

        (void)state;
        collect(&r, &o, "[astro]\napi_url = http://127.0.0.1:1\n");
        assert_int_equal(r.inv->n_errors, 1);
        assert_string_equal(r.inv->errors[0].listing, "tokens organization");
        assert_non_null(strstr(r.inv->errors[0].message, "returned the previous page again"));
        /* two requests, not MAX_PAGES */
        assert_int_equal(count_requests(r.t, "/tokens?"), 2);
        assert_int_equal(r.inv->n_tokens, 1000);
        run_done(&r);
}

static void test_unknown_workspace_is_an_error(void **state)
{
        struct org o = {.n_tokens = 5};
        struct run r = {0};

        (void)state;
        collect(&r, &o, "[astro]\napi_url = http://127.0.0.1:1\nworkspaces = ws0, nosuch\n");
        assert_int_equal(r.inv->n_errors, 1);
        assert_string_equal(r.inv->errors[0].listing, "workspace nosuch");
        assert_true(r.inv->n_tokens > 0);
        run_done(&r);
}

#define BAD_TIME "\"lastUsedAt\":\"2026-13-45T99:99:99Z\""
#define BAD_ROLE "\"roles\":[{\"entityId\":42,\"role\":null}]"

/* One token that does not parse is left out and named; the listing is
 * incomplete (nothing resolves, no token counts as deleted) but every other
 * token is kept and every page was read.  Before, one bad field failed the
 * whole listing: 0 of 183 good tokens. */
static void test_bad_token_is_left_out(void **state)
{
        static const struct {
                const char *name;
                struct org org;
                size_t tokens, errors;
                const char *first_error[2]; /* substrings of errors[0] */
                const char *last_error;     /* substring of the last error */
        } cases[] = {
                {"bad lastUsedAt and a malformed role",
                 {.n_tokens = 185, .bad_from = 10, .bad_to = 12, .bad_field = {BAD_TIME, BAD_ROLE}},
                 183,
                 2,
                 {"token \"tk0010\": field \"lastUsedAt\" is not an RFC 3339 date-time",
                  "(page at offset 0, item 10): the token is left out"},
                 "token \"tk0011\""},
                {"an id that is not an id",
                 {.n_tokens = 5, .bad_from = 2, .bad_to = 3, .bad_field = {"\"id\":\"../x?y\""}},
                 4,
                 1,
                 {"field \"id\" is not a valid id", "item 2"},
                 NULL},
                {"a workspace role whose entityId is not an id",
                 {.n_tokens = 5,
                  .bad_from = 1,
                  .bad_to = 2,
                  .bad_field = {NULL, "\"roles\":[{\"entityType\":\"WORKSPACE\",\"entityId\":"
                                      "\"ws0 --role OWNER\",\"role\":\"WORKSPACE_MEMBER\"}]"}},
                 4,
                 1,
                 {"role: field \"entityId\" is not a valid id", "token \"tk0001\""},
                 NULL},
                {"on the second page",
                 {.n_tokens = 2500, .bad_from = 1500, .bad_to = 1501, .bad_field = {BAD_TIME}},
                 2499,
                 1,
                 {"tk1500", "(page at offset 1000, item 500)"},
                 NULL},
                {"beyond 10 named, the rest counted",
                 {.n_tokens = 100, .bad_from = 20, .bad_to = 50, .bad_field = {BAD_TIME, BAD_ROLE}},
                 70,
                 11,
                 {"tk0020", NULL},
                 "20 more items did not parse and are left out"},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct org o = cases[i].org;
                struct run r = {0};

                collect_case(&r, &o, cases[i].name);
                for (size_t e = 0; e < r.inv->n_errors; e++)
                        print_message("  %s: %s\n", r.inv->errors[e].listing,
                                      r.inv->errors[e].message);
                assert_int_equal(r.inv->n_tokens, cases[i].tokens);
                assert_int_equal(r.inv->n_errors, cases[i].errors);
                assert_false(tw_inventory_complete(r.inv));
                assert_false(r.inv->listed[TW_LISTING_TOKENS]);
                assert_true(r.inv->all_pages[TW_LISTING_TOKENS]);
                assert_true(r.inv->listed[TW_LISTING_USERS]);
                assert_string_equal(r.inv->errors[0].listing, "tokens organization");
                for (size_t k = 0; k < 2; k++)
                        if (cases[i].first_error[k])
                                assert_non_null(
                                        strstr(r.inv->errors[0].message, cases[i].first_error[k]));
                if (cases[i].last_error)
                        assert_non_null(strstr(r.inv->errors[r.inv->n_errors - 1].message,
                                               cases[i].last_error));
                run_done(&r);
        }
}

/* A page none of whose items parse fails as a page: the API more likely
 * changed than every token broke, and the daemon keeps its last good data. */
static void test_page_of_bad_tokens_fails(void **state)
{
        struct org o = {
                .n_tokens = 5, .bad_from = 0, .bad_to = 5, .bad_field = {BAD_TIME, BAD_ROLE}};
        struct run r = {0};

        (void)state;
        collect(&r, &o, "[astro]\napi_url = http://127.0.0.1:1\n");
        assert_int_equal(r.inv->n_tokens, 0);
        assert_int_equal(r.inv->n_errors, 1);
        assert_non_null(strstr(r.inv->errors[0].message, "page at offset 0: token \"tk0000\""));
        assert_false(r.inv->listed[TW_LISTING_TOKENS]);
        assert_false(r.inv->all_pages[TW_LISTING_TOKENS]);
        run_done(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_org_wide_paging),
                cmocka_unit_test(test_short_pages_advance_by_items),
                cmocka_unit_test(test_v1beta1_routes_and_type),
                cmocka_unit_test(test_workspace_list_dedups),
                cmocka_unit_test(test_scope_filters),
                cmocka_unit_test(test_failed_listing_keeps_the_rest),
                cmocka_unit_test(test_server_ignoring_offset_is_an_error),
                cmocka_unit_test(test_unknown_workspace_is_an_error),
                cmocka_unit_test(test_bad_token_is_left_out),
                cmocka_unit_test(test_page_of_bad_tokens_fails),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
