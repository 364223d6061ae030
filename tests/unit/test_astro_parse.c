/* Parsing Astro API bodies in both generations (collectors/astro/parse.c). */
#include "collectors/astro/parse.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "lib/timeutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- page envelope ---- */

struct page_case {
        const char *name;
        const char *body;
        long len; /* -1: strlen(body) */
        int rc;   /* of the page, or of reading its items */
        const char *want_msg;
        long limit, offset, total, n_items;
        const char *first_id; /* of the first item, when it has one */
};

#define ENV(items) "{\"limit\":2,\"offset\":4,\"totalCount\":7,\"tokens\":" items "}"

static const struct page_case page_cases[] = {
        {"page: two items", ENV("[{\"id\":\"a\"},{\"id\":\"b\"}]"), -1, 0, NULL, 2, 4, 7, 2, NULL},
        {"page: empty", "{\"limit\":1000,\"offset\":0,\"totalCount\":0,\"tokens\":[]}", -1, 0, NULL,
         1000, 0, 0, 0, NULL},
        {"page: extra fields ignored",
         "{\"x\":{},\"limit\":1,\"offset\":0,\"totalCount\":1,"
         "\"tokens\":[{}],\"next\":null}",
         -1, 0, NULL, 1, 0, 1, 1, NULL},
        {"page: len honoured, not the NUL", ENV("[]") "GARBAGE", (long)sizeof(ENV("[]")) - 1, 0,
         NULL, 2, 4, 7, 0, NULL},
        {"page: not JSON", "<html>502 Bad Gateway</html>", -1, -EBADMSG,
         "response is not valid JSON (28 bytes)", 0, 0, 0, 0, NULL},
        {"page: truncated", ENV("[{\"id\":\"a\"},{\"id\":\"b\""), -1, -EBADMSG, ", truncated)", 0,
         0, 0, 0, NULL},
        {"page: cut inside an escaped string", "{\"tokens\":[{\"name\":\"a\\\"", -1, -EBADMSG,
         "(23 bytes, truncated)", 0, 0, 0, 0, NULL},
        {"page: syntax error is not truncation", "{\"limit\":2 \"offset\":0}", -1, -EBADMSG,
         "response is not valid JSON (22 bytes)", 0, 0, 0, 0, NULL},
        {"page: cut short by len", ENV("[]"), 20, -EBADMSG, "(20 bytes, truncated)", 0, 0, 0, 0,
         NULL},
        {"page: empty body", "", -1, -EBADMSG, "response is not valid JSON (0 bytes", 0, 0, 0, 0,
         NULL},
        {"page: trailing junk after the document", ENV("[]") " {\"x\":1}", -1, -EBADMSG,
         "response is not valid JSON", 0, 0, 0, 0, NULL},
        {"page: trailing whitespace is fine", ENV("[]") " \r\n", -1, 0, NULL, 2, 4, 7, 0, NULL},
        {"page: an array", "[1,2]", -1, -EBADMSG, "response is not a JSON object", 0, 0, 0, 0,
         NULL},
        {"page: a string", "\"tokens\"", -1, -EBADMSG, "response is not a JSON object", 0, 0, 0, 0,
         NULL},
        {"page: no items", "{\"limit\":2,\"offset\":0,\"totalCount\":0}", -1, -EBADMSG,
         "response has no \"tokens\" array", 0, 0, 0, 0, NULL},
        {"page: items under another key",
         "{\"limit\":2,\"offset\":0,\"totalCount\":0,\"users\":[]}", -1, -EBADMSG,
         "response has no \"tokens\" array", 0, 0, 0, 0, NULL},
        {"page: items not an array", ENV("{}"), -1, -EBADMSG, "response has no \"tokens\" array", 0,
         0, 0, 0, NULL},
        {"page: no totalCount", "{\"limit\":2,\"offset\":0,\"tokens\":[]}", -1, -EBADMSG,
         "response has no numeric \"totalCount\"", 0, 0, 0, 0, NULL},
        {"page: limit a string", "{\"limit\":\"2\",\"offset\":0,\"totalCount\":0,\"tokens\":[]}",
         -1, -EBADMSG, "response has no numeric \"limit\"", 0, 0, 0, 0, NULL},
        {"page: negative offset", "{\"limit\":2,\"offset\":-1,\"totalCount\":0,\"tokens\":[]}", -1,
         -EBADMSG, "response has an invalid \"offset\"", 0, 0, 0, 0, NULL},
        {"page: fractional totalCount",
         "{\"limit\":2,\"offset\":0,\"totalCount\":1.5,\"tokens\":[]}", -1, -EBADMSG,
         "response has an invalid \"totalCount\"", 0, 0, 0, 0, NULL},
        {"page: huge totalCount", "{\"limit\":2,\"offset\":0,\"totalCount\":1e30,\"tokens\":[]}",
         -1, -EBADMSG, "response has an invalid \"totalCount\"", 0, 0, 0, 0, NULL},
        /* The items are delimited, counted and then read one at a time. */
        {"page: brackets and quotes inside items",
         ENV("[ {\"id\":\"a]\",\"n\":\"}\\\"[\",\"r\":[[],{}]} ,\"x\", 1 ,[2,[3]], null ]"), -1, 0,
         NULL, 2, 4, 7, 5, "a]"},
        {"page: backslash runs before quotes", ENV("[{\"id\":\"a\\\\\\\\\"},\"]\\\\\\\"\"]"), -1, 0,
         NULL, 2, 4, 7, 2, "a\\\\"},
        {"page: a string whose quote is escaped runs on", ENV("[\"a\\\\\\\"]"), -1, -EBADMSG,
         ", truncated)", 0, 0, 0, 0, NULL},
        {"page: items first, counts after",
         "{\"tokens\":[{\"id\":\"b\"}],\"totalCount\":1,\"offset\":0,\"limit\":9}", -1, 0, NULL, 9,
         0, 1, 1, "b"},
        {"page: the first items member counts",
         ENV("[{\"id\":\"a\"}]") ",\"tokens\":[{\"id\":\"b\"},{\"id\":\"c\"}]", -1, -EBADMSG,
         "response is not valid JSON", 0, 0, 0, 0, NULL},
        {"page: duplicate items, the first wins",
         "{\"limit\":2,\"offset\":4,\"totalCount\":7,\"tokens\":[{\"id\":\"a\"}],"
         "\"tokens\":[{\"id\":\"b\"},{\"id\":\"c\"}]}",
         -1, 0, NULL, 2, 4, 7, 1, "a"},
        {"page: duplicate items, the first is no array",
         "{\"limit\":2,\"offset\":4,\"totalCount\":7,\"tokens\":{},\"tokens\":[]}", -1, -EBADMSG,
         "response has no \"tokens\" array", 0, 0, 0, 0, NULL},
        {"page: duplicate counts, the first wins",
         "{\"limit\":2,\"limit\":\"x\",\"offset\":4,\"totalCount\":7,\"tokens\":[]}", -1, 0, NULL,
         2, 4, 7, 0, NULL},
        {"page: a byte-order mark first", "\xef\xbb\xbf" ENV("[]"), -1, 0, NULL, 2, 4, 7, 0, NULL},
        {"page: a byte-order mark before an item", ENV("[\xef\xbb\xbf{}]"), -1, -EBADMSG,
         "response is not valid JSON", 0, 0, 0, 0, NULL},
        {"page: a syntax error in the last item", ENV("[{\"id\":\"a\"},{\"id\":tru}]"), -1,
         -EBADMSG, "response is not valid JSON (", 0, 0, 0, 0, NULL},
        {"page: a trailing comma", ENV("[{\"id\":\"a\"},]"), -1, -EBADMSG,
         "response is not valid JSON", 0, 0, 0, 0, NULL},
        {"page: two items without a comma", ENV("[{\"id\":\"a\"} {\"id\":\"b\"}]"), -1, -EBADMSG,
         "response is not valid JSON", 0, 0, 0, 0, NULL},
        {"page: brackets that do not match", ENV("[{\"a\":[1}]]"), -1, -EBADMSG,
         "response is not valid JSON", 0, 0, 0, 0, NULL},
        {"page: an array closed by a brace", ENV("[{\"a\":1]}"), -1, -EBADMSG,
         "response is not valid JSON", 0, 0, 0, 0, NULL},
        {"page: a NUL inside the items", ENV("[1,\0]"), (long)sizeof(ENV("[1,\0]")) - 1, -EBADMSG,
         "response is not valid JSON (52 bytes)", 0, 0, 0, 0, NULL},
        /* fuzz-found: cJSON reads any byte up to ' ' as whitespace inside a
         * document, and so must the item-by-item reading */
        {"page: control bytes as whitespace",
         "{\"limit\":1,\x1e\"offset\":0,\"totalCount\":1,\"tokens\":[\x01{\"id\":\"a\"}\x7f]}", -1,
         -EBADMSG, "response is not valid JSON", 0, 0, 0, 0, NULL},
        {"page: control bytes in an empty array",
         "{\"limit\":1,\x1e\"offset\":0,\"totalCount\":1,\"tokens\":[\x01\x1f]\x02}", -1, 0, NULL,
         1, 0, 1, 0, NULL},
        {"page: control bytes after the document", ENV("[]") "\x01", -1, -EBADMSG,
         "response is not valid JSON", 0, 0, 0, 0, NULL},
        {"page: a key that is no string", "{1:2}", -1, -EBADMSG, "response is not valid JSON", 0, 0,
         0, 0, NULL},
        {"page: an empty object", "{ }", -1, -EBADMSG, "response has no \"tokens\" array", 0, 0, 0,
         0, NULL},
        {"page: escaped key", "{\"limit\":1,\"offset\":0,\"totalCount\":0,\"tok\\u0065ns\":[]}", -1,
         0, NULL, 1, 0, 0, 0, NULL},
};

static void run_page(void **state)
{
        const struct page_case *c = *state;
        size_t len = c->len < 0 ? strlen(c->body) : (size_t)c->len;
        struct tw_page page;
        struct tw_buf err;
        int r;

        tw_buf_init(&err, 0);
        memset(&page, 0x5a, sizeof(page));
        r = tw_astro_parse_page(c->body, len, "tokens", SIZE_MAX, &page, &err);
        /* a page is only valid once each of its items was read */
        for (long i = 0; r == 0; i++) {
                cJSON *item = NULL;

                assert_true(i <= (long)page.n_items);
                r = tw_page_next(&page, &item, &err);
                if (r == 0 && !item) {
                        assert_int_equal(i, page.n_items);
                        break;
                }
                if (r == 0 && i == 0 && c->first_id)
                        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(item, "id")),
                                            c->first_id);
                cJSON_Delete(item);
        }
        assert_int_equal(r, c->rc);
        if (r == 0) {
                cJSON *item = (cJSON *)1;

                assert_null(err.ptr);
                assert_int_equal(page.limit, c->limit);
                assert_int_equal(page.offset, c->offset);
                assert_int_equal(page.total, c->total);
                assert_int_equal(page.n_items, c->n_items);
                /* read to the end: no more */
                assert_int_equal(tw_page_next(&page, &item, &err), 0);
                assert_null(item);
                tw_page_done(&page);
                tw_page_done(&page);
        } else {
                assert_non_null(err.ptr);
                if (!strstr(err.ptr, c->want_msg))
                        fail_msg("error: %s\nwant: %s", err.ptr, c->want_msg);
        }
        tw_page_done(NULL);
        tw_buf_done(&err);
}

/* ---- tokens ---- */

#define T_V1                                                                        \
        "\"id\":\"cjfljooa5lqsaj08xui6d39zz\",\"name\":\"ws-deployer\","            \
        "\"description\":\"GitHub "                                                 \
        "Actions "                                                                  \
        "deploys\",\"shortToken\":\"cjfljooa\",\"scope\":\"WORKSPACE\",\"kind\":"   \
        "\"STANDARD\","                                                             \
        "\"startAt\":\"2026-05-20T09:30:00Z\",\"endAt\":\"2026-08-18T09:30:00Z\","  \
        "\"expiryPeriodInDays\":90,\"createdAt\":\"2026-05-20T09:30:00Z\","         \
        "\"updatedAt\":\"2026-05-20T09:30:00Z\",\"lastUsedAt\":\"2026-08-12T17:44:" \
        "02.118Z\","                                                                \
        "\"roles\":[{\"entityType\":\"WORKSPACE\",\"entityId\":"                    \
        "\"czdoc9is0j8ht9lgmxg9edn58\","                                            \
        "\"role\":\"WORKSPACE_AUTHOR\"}],\"createdBy\":{\"id\":"                    \
        "\"cjqwx4hh5344tfjgvq4k7bn7x\","                                            \
        "\"subjectType\":\"USER\",\"username\":\"jane.doe@example.com\","           \
        "\"fullName\":\"Jane "                                                      \
        "Doe\","                                                                    \
        "\"avatarUrl\":\"https://avatar.example/j.png\"}"
/* The minimum a token needs: id, name, scope or type, createdAt. */
#define T_NONAME "\"id\":\"t1\",\"createdAt\":\"2026-01-05T00:00:00Z\""
#define T_MIN T_NONAME ",\"name\":\"n\""

/* What a parsed token must hold.  NULL strings must be NULL; a 0 timestamp
 * must be TW_NO_TIME (absent). */
struct token_want {
        const char *id, *name, *description, *short_token, *scope, *kind;
        int64_t start_at, end_at, created_at, last_used_at, last_rotated_at;
        int expiry_period_days;
        size_t n_roles;
        const char *role0_entity_type, *role0_role, *role0_deployment_id;
        const char *created_by_id, *created_by_type, *created_by_token_name;
        bool updated_by;
};

struct token_case {
        const char *name;
        const char *json;
        int rc;
        const char *want_msg; /* on failure */
        struct token_want want;
};

#define TS_0520 1779269400 /* 2026-05-20T09:30:00Z */
#define TS_0105 1767571200 /* 2026-01-05T00:00:00Z */
/* The T_MIN token with a scope and nothing else. */
#define MINIMAL(scope_)                                                        \
        {                                                                      \
                .id = "t1", .name = "n", .description = "", .scope = (scope_), \
                .start_at = TS_0105, .created_at = TS_0105                     \
        }

static const struct token_case token_cases[] = {
        {"token: v1 example",
         "{" T_V1 "}",
         0,
         NULL,
         {.id = "cjfljooa5lqsaj08xui6d39zz",
          .name = "ws-deployer",
          .description = "GitHub Actions deploys",
          .short_token = "cjfljooa",
          .scope = "WORKSPACE",
          .kind = "STANDARD",
          .start_at = TS_0520,
          .end_at = 1787045400,
          .created_at = TS_0520,
          .last_used_at = 1786556642,
          .expiry_period_days = 90,
          .n_roles = 1,
          .role0_entity_type = "WORKSPACE",
          .role0_role = "WORKSPACE_AUTHOR",
          .created_by_id = "cjqwx4hh5344tfjgvq4k7bn7x",
          .created_by_type = "USER"}},
        {"token: v1beta1 type, no kind",
         "{" T_MIN ",\"type\":\"DEPLOYMENT\",\"description\":\"\",\"shortToken\":\"s\","
         "\"roles\":[{\"entityType\":\"DEPLOYMENT\",\"entityId\":\"d1\",\"role\":"
         "\"DEPLOYMENT_ADMIN\","
         "\"deploymentId\":\"d1\"}],\"createdBy\":{\"id\":\"k1\",\"subjectType\":"
         "\"SERVICEKEY\","
         "\"apiTokenName\":\"ci-org-admin\"},\"updatedBy\":{\"id\":\"u2\"}}",
         0,
         NULL,
         {.id = "t1",
          .name = "n",
          .description = "",
          .short_token = "s",
          .scope = "DEPLOYMENT",
          .start_at = TS_0105,
          .created_at = TS_0105,
          .n_roles = 1,
          .role0_entity_type = "DEPLOYMENT",
          .role0_role = "DEPLOYMENT_ADMIN",
          .role0_deployment_id = "d1",
          .created_by_id = "k1",
          .created_by_type = "SERVICEKEY",
          .created_by_token_name = "ci-org-admin",
          .updated_by = true}},
        {"token: scope wins over type",
         "{" T_MIN ",\"scope\":\"ORGANIZATION\",\"type\":\"WORKSPACE\"}", 0, NULL,
         MINIMAL("ORGANIZATION")},
        {"token: null scope, type given", "{" T_MIN ",\"scope\":null,\"type\":\"WORKSPACE\"}", 0,
         NULL, MINIMAL("WORKSPACE")},
        {"token: absent optional fields", "{" T_MIN ",\"scope\":\"WORKSPACE\"}", 0, NULL,
         MINIMAL("WORKSPACE")},
        {"token: null optional fields",
         "{" T_MIN ",\"scope\":\"WORKSPACE\",\"description\":null,\"kind\":null,"
         "\"endAt\":null,"
         "\"lastUsedAt\":null,\"expiryPeriodInDays\":null,\"roles\":null,"
         "\"createdBy\":null}",
         0, NULL, MINIMAL("WORKSPACE")},
        {"token: empty roles", "{" T_MIN ",\"scope\":\"WORKSPACE\",\"roles\":[]}", 0, NULL,
         MINIMAL("WORKSPACE")},
        {"token: unknown enum values kept (and a DAG tag's entityId is a name, not an id)",
         "{" T_MIN ",\"scope\":\"TEAM\",\"kind\":\"DIRECT_ACCESS\",\"roles\":[{"
         "\"entityType\":"
         "\"DAG_TAG\",\"entityId\":\"etl.daily tag\",\"role\":\"DAG_OBSERVER_2\"}],"
         "\"createdBy\":{\"id\":\"q\","
         "\"subjectType\":\"ROBOT\"}}",
         0,
         NULL,
         {.id = "t1",
          .name = "n",
          .description = "",
          .scope = "TEAM",
          .kind = "DIRECT_ACCESS",
          .start_at = TS_0105,
          .created_at = TS_0105,
          .n_roles = 1,
          .role0_entity_type = "DAG_TAG",
          .role0_role = "DAG_OBSERVER_2",
          .created_by_id = "q",
          .created_by_type = "ROBOT"}},
        {"token: timestamps with fraction and offsets",
         "{\"id\":\"t1\",\"name\":\"n\",\"scope\":\"WORKSPACE\",\"startAt\":\"2026-"
         "05-20T11:30:00+02:00\","
         "\"createdAt\":\"2026-05-20T09:30:00.123456Z\",\"endAt\":\"2026-05-20T04:"
         "00:00.5-05:30\","
         "\"lastUsedAt\":\"2026-05-20t09:30:00z\",\"lastRotatedAt\":\"2026-05-"
         "20T09:30:00.1+00:00\"}",
         0,
         NULL,
         {.id = "t1",
          .name = "n",
          .description = "",
          .scope = "WORKSPACE",
          .start_at = TS_0520,
          .end_at = TS_0520,
          .created_at = TS_0520,
          .last_used_at = TS_0520,
          .last_rotated_at = TS_0520}},
        {"token: hostile name and description",
         "{" T_NONAME ",\"scope\":\"WORKSPACE\",\"name\":\"a \\\"quoted\\\" \\\\ "
         "back\\\\slash\\nnew "
         "line\\ttab \\ud83d\\udd11 \\u00e9 "
         "<b>&amp;</b>,;=\",\"description\":\"\\r\\n\\u0001\"}",
         0,
         NULL,
         {.id = "t1",
          .name = "a \"quoted\" \\ back\\slash\nnew line\ttab \xf0\x9f\x94\x91 "
                  "\xc3\xa9 <b>&amp;</b>,;=",
          .description = "\r\n\x01",
          .scope = "WORKSPACE",
          .start_at = TS_0105,
          .created_at = TS_0105}},
        /* failures: a message naming the token and the field */
        {"token: not an object", "[1]", -EINVAL, "token is not a JSON object", {0}},
        {"token: id missing",
         "{\"name\":\"n\",\"scope\":\"WORKSPACE\"}",
         -EINVAL,
         "token: field \"id\" is missing",
         {0}},
        {"token: id not a string",
         "{\"id\":7,\"name\":\"n\"}",
         -EINVAL,
         "token: field \"id\" is not a string",
         {0}},
        {"token: name missing",
         "{\"id\":\"t1\",\"scope\":\"WORKSPACE\"}",
         -EINVAL,
         "token \"t1\": field \"name\" is missing",
         {0}},
        {"token: name a number",
         "{" T_NONAME ",\"scope\":\"WORKSPACE\",\"name\":42}",
         -EINVAL,
         "token \"t1\": field \"name\" is not a string",
         {0}},
        {"token: description an object",
         "{" T_MIN ",\"scope\":\"WORKSPACE\",\"description\":{}}",
         -EINVAL,
         "token \"t1\": field \"description\" is not a string",
         {0}},
        {"token: neither scope nor type",
         "{" T_MIN "}",
         -EINVAL,
         "token \"t1\": field \"type\" is missing (nor \"scope\")",
         {0}},
        {"token: scope not a string",
         "{" T_MIN ",\"scope\":[\"WORKSPACE\"]}",
         -EINVAL,
         "token \"t1\": field \"scope\" is not a string",
         {0}},
        {"token: type not a string",
         "{" T_MIN ",\"type\":1}",
         -EINVAL,
         "token \"t1\": field \"type\" is not a string",
         {0}},
        {"token: createdAt missing",
         "{\"id\":\"t1\",\"name\":\"n\",\"scope\":\"WORKSPACE\"}",
         -EINVAL,
         "token \"t1\": field \"createdAt\" is missing",
         {0}},
        {"token: endAt not RFC 3339",
         "{" T_MIN ",\"scope\":\"WORKSPACE\",\"endAt\":\"2026-08-18\"}",
         -EINVAL,
         "token \"t1\": field \"endAt\" is not an RFC 3339 date-time",
         {0}},
        {"token: endAt a number",
         "{" T_MIN ",\"scope\":\"WORKSPACE\",\"endAt\":1787045400}",
         -EINVAL,
         "token \"t1\": field \"endAt\" is not a string",
         {0}},
        {"token: lastUsedAt impossible date",
         "{" T_MIN ",\"scope\":\"WORKSPACE\",\"lastUsedAt\":\"2026-02-30T00:00:00Z\"}",
         -EINVAL,
         "token \"t1\": field \"lastUsedAt\" is not an RFC 3339 date-time",
         {0}},
        {"token: expiryPeriodInDays a string",
         "{" T_MIN ",\"scope\":\"WORKSPACE\",\"expiryPeriodInDays\":\"90\"}",
         -EINVAL,
         "token \"t1\": field \"expiryPeriodInDays\" is not a number of days",
         {0}},
        {"token: expiryPeriodInDays negative",
         "{" T_MIN ",\"scope\":\"WORKSPACE\",\"expiryPeriodInDays\":-1}",
         -EINVAL,
         "token \"t1\": field \"expiryPeriodInDays\" is not a number of days",
         {0}},
        {"token: roles an object",
         "{" T_MIN ",\"scope\":\"WORKSPACE\",\"roles\":{}}",
         -EINVAL,
         "token \"t1\": field \"roles\" is not an array",
         {0}},
        {"token: roles holding a string",
         "{" T_MIN ",\"scope\":\"WORKSPACE\",\"roles\":[\"x\"]}",
         -EINVAL,
         "token \"t1\": field \"roles\" holds a non-object",
         {0}},
        {"token: role without a role",
         "{" T_MIN ",\"scope\":\"WORKSPACE\",\"roles\":[{\"entityType\":\"WORKSPACE\","
         "\"entityId\":\"w\",\"role\":\"WORKSPACE_MEMBER\"},{\"entityType\":"
         "\"WORKSPACE\","
         "\"entityId\":\"w\"}]}",
         -EINVAL,
         "role: field \"role\" is missing (in token \"t1\")",
         {0}},
        {"token: role entityId a number",
         "{" T_MIN ",\"scope\":\"WORKSPACE\",\"roles\":[{\"entityType\":\"WORKSPACE\","
         "\"entityId\":5,\"role\":\"R\"}]}",
         -EINVAL,
         "role: field \"entityId\" is not a string (in token \"t1\")",
         {0}},
        /* ids go into request URLs and Astro CLI commands */
        {"token: an id with a slash",
         "{\"id\":\"t1/../x\",\"createdAt\":\"2026-01-05T00:00:00Z\",\"name\":\"n\","
         "\"scope\":\"WORKSPACE\"}",
         -EINVAL,
         "token: field \"id\" is not a valid id",
         {0}},
        {"token: an id of 65 characters",
         "{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
         "\"createdAt\":\"2026-01-05T00:00:00Z\",\"name\":\"n\",\"scope\":\"WORKSPACE\"}",
         -EINVAL,
         "token: field \"id\" is not a valid id",
         {0}},
        {"token: an empty id",
         "{\"id\":\"\",\"createdAt\":\"2026-01-05T00:00:00Z\",\"name\":\"n\","
         "\"scope\":\"WORKSPACE\"}",
         -EINVAL,
         "token: field \"id\" is not a valid id",
         {0}},
        {"token: a workspace role's entityId with a space",
         "{" T_MIN ",\"scope\":\"WORKSPACE\",\"roles\":[{\"entityType\":\"WORKSPACE\","
         "\"entityId\":\"w1 --role X\",\"role\":\"R\"}]}",
         -EINVAL,
         "role: field \"entityId\" is not a valid id (in token \"t1\")",
         {0}},
        {"token: a role's deploymentId with a semicolon",
         "{" T_MIN ",\"scope\":\"WORKSPACE\",\"roles\":[{\"entityType\":\"DAG\","
         "\"entityId\":\"my.dag\",\"role\":\"R\",\"deploymentId\":\"d1;x\"}]}",
         -EINVAL,
         "role: field \"deploymentId\" is not a valid id (in token \"t1\")",
         {0}},
        {"token: createdBy a string",
         "{" T_MIN ",\"scope\":\"WORKSPACE\",\"createdBy\":\"jane\"}",
         -EINVAL,
         "token \"t1\": field \"createdBy\" is not an object",
         {0}},
        {"token: createdBy without id",
         "{" T_MIN ",\"scope\":\"WORKSPACE\",\"createdBy\":{\"subjectType\":\"USER\"}}",
         -EINVAL,
         "createdBy: field \"id\" is missing (in token \"t1\")",
         {0}},
        {"token: updatedBy username a number",
         "{" T_MIN ",\"scope\":\"WORKSPACE\",\"updatedBy\":{\"id\":\"u\",\"username\":1}}",
         -EINVAL,
         "updatedBy: field \"username\" is not a string (in token \"t1\")",
         {0}},
};

static void assert_str_or_null(const char *got, const char *want)
{
        if (want)
                assert_string_equal(got, want);
        else
                assert_null(got);
}

static void check_token(const struct tw_token *t, const struct token_want *w)
{
        assert_string_equal(t->id, w->id);
        assert_string_equal(t->name, w->name);
        assert_string_equal(t->description, w->description);
        assert_str_or_null(t->short_token, w->short_token);
        assert_string_equal(t->scope, w->scope);
        assert_str_or_null(t->kind, w->kind);
        assert_int_equal(t->start_at, w->start_at);
        assert_int_equal(t->end_at, w->end_at ? w->end_at : TW_NO_TIME);
        assert_int_equal(t->created_at, w->created_at);
        assert_int_equal(t->last_used_at, w->last_used_at ? w->last_used_at : TW_NO_TIME);
        assert_int_equal(t->last_rotated_at, w->last_rotated_at ? w->last_rotated_at : TW_NO_TIME);
        assert_int_equal(t->expiry_period_days, w->expiry_period_days);
        assert_int_equal(t->n_roles, w->n_roles);
        if (w->n_roles) {
                assert_string_equal(t->roles[0].entity_type, w->role0_entity_type);
                assert_string_equal(t->roles[0].role, w->role0_role);
                assert_str_or_null(t->roles[0].deployment_id, w->role0_deployment_id);
        }
        if (w->created_by_id) {
                assert_non_null(t->created_by);
                assert_string_equal(t->created_by->id, w->created_by_id);
                assert_str_or_null(t->created_by->subject_type, w->created_by_type);
                assert_str_or_null(t->created_by->api_token_name, w->created_by_token_name);
        } else {
                assert_null(t->created_by);
        }
        assert_true((t->updated_by != NULL) == w->updated_by);
}

static void run_token(void **state)
{
        const struct token_case *c = *state;
        cJSON *json = cJSON_Parse(c->json);
        struct tw_token t;
        struct tw_buf err;
        int r;

        if (!json)
                fail_msg("test JSON does not parse: %s", c->json);
        tw_buf_init(&err, 0);
        memset(&t, 0x5a, sizeof(t));
        r = tw_astro_parse_token(json, &t, &err);
        if (r != c->rc)
                fail_msg("rc %d, want %d; error: %s", r, c->rc, err.ptr ? err.ptr : "");
        if (r == 0) {
                assert_null(err.ptr);
                check_token(&t, &c->want);
                tw_token_done(&t);
                assert_null(t.id);
        } else if (!err.ptr || !strstr(err.ptr, c->want_msg)) {
                fail_msg("error: %s\nwant: %s", err.ptr ? err.ptr : "(none)", c->want_msg);
        }
        cJSON_Delete(json);
        tw_buf_done(&err);
}

/* A 300-character name (and a 300-emoji one) comes through unchanged. */
static void token_long_names(void **state)
{
        struct tw_buf body, name, err;
        struct tw_token t;
        cJSON *json;

        (void)state;
        tw_buf_init(&err, 0);
        for (int emoji = 0; emoji <= 1; emoji++) {
                tw_buf_init(&body, 0);
                tw_buf_init(&name, 0);
                for (int i = 0; i < 300; i++)
                        assert_int_equal(tw_buf_adds(&name, emoji ? "\xf0\x9f\x94\x91" : "x"), 0);
                assert_int_equal(tw_buf_printf(&body,
                                               "{" T_NONAME
                                               ",\"scope\":\"WORKSPACE\",\"name\":\"%s\"}",
                                               name.ptr),
                                 0);
                json = cJSON_Parse(body.ptr);
                assert_non_null(json);
                assert_int_equal(tw_astro_parse_token(json, &t, &err), 0);
                assert_int_equal(strlen(t.name), emoji ? 1200 : 300);
                assert_string_equal(t.name, name.ptr);
                tw_token_done(&t);
                cJSON_Delete(json);
                tw_buf_done(&body);
                tw_buf_done(&name);
        }
        assert_null(err.ptr);
        tw_buf_done(&err);
}

/* ---- workspaces, deployments, users ---- */

enum obj_kind { O_WORKSPACE, O_DEPLOYMENT, O_USER };

struct obj_case {
        const char *name;
        enum obj_kind kind;
        const char *json;
        int rc;
        const char *want; /* failure: message; success: "id|name-or-username|third" */
};

static const struct obj_case obj_cases[] = {
        {"workspace", O_WORKSPACE,
         "{\"id\":\"w1\",\"name\":\"Data "
         "\\\"Eng\\\"\",\"organizationId\":\"o\",\"cicdEnforcedDefault\":"
         "false}",
         0, "w1|Data \"Eng\"|"},
        {"workspace: id missing", O_WORKSPACE, "{\"name\":\"x\"}", -EINVAL,
         "workspace: field \"id\" is missing"},
        {"workspace: name a number", O_WORKSPACE, "{\"id\":\"w1\",\"name\":3}", -EINVAL,
         "workspace \"w1\": field \"name\" is not a string"},
        {"deployment", O_DEPLOYMENT, "{\"id\":\"d1\",\"name\":\"prod\",\"workspaceId\":\"w1\"}", 0,
         "d1|prod|w1"},
        {"deployment: no workspace", O_DEPLOYMENT, "{\"id\":\"d1\",\"name\":\"prod\"}", 0,
         "d1|prod|"},
        {"deployment: name missing", O_DEPLOYMENT, "{\"id\":\"d1\"}", -EINVAL,
         "deployment \"d1\": field \"name\" is missing"},
        {"workspace: id with a query", O_WORKSPACE, "{\"id\":\"w1?x=1\",\"name\":\"x\"}", -EINVAL,
         "workspace: field \"id\" is not a valid id"},
        {"deployment: id with a slash", O_DEPLOYMENT, "{\"id\":\"d/1\",\"name\":\"p\"}", -EINVAL,
         "deployment: field \"id\" is not a valid id"},
        {"deployment: workspaceId with a space", O_DEPLOYMENT,
         "{\"id\":\"d1\",\"name\":\"p\",\"workspaceId\":\"w 1\"}", -EINVAL,
         "deployment \"d1\": field \"workspaceId\" is not a valid id"},
        {"deployment: workspaceId an array", O_DEPLOYMENT,
         "{\"id\":\"d1\",\"name\":\"p\",\"workspaceId\":[]}", -EINVAL,
         "deployment \"d1\": field \"workspaceId\" is not a string"},
        {"user", O_USER,
         "{\"id\":\"u1\",\"username\":\"jane@example.com\",\"fullName\":\"Jane\","
         "\"status\":"
         "\"ACTIVE\"}",
         0, "u1|jane@example.com|ACTIVE"},
        {"user: unknown status kept", O_USER, "{\"id\":\"u1\",\"status\":\"SUSPENDED_2\"}", 0,
         "u1||SUSPENDED_2"},
        {"user: id not a string", O_USER, "{\"id\":null}", -EINVAL,
         "user: field \"id\" is missing"},
        {"user: status a number", O_USER, "{\"id\":\"u1\",\"status\":1}", -EINVAL,
         "user \"u1\": field \"status\" is not a string"},
};

static void run_obj(void **state)
{
        const struct obj_case *c = *state;
        cJSON *json = cJSON_Parse(c->json);
        struct tw_workspace w = {0};
        struct tw_deployment d = {0};
        struct tw_user u = {0};
        struct tw_buf err, got;
        int r = 0;

        assert_non_null(json);
        tw_buf_init(&err, 0);
        tw_buf_init(&got, 0);
        switch (c->kind) {
        case O_WORKSPACE:
                r = tw_astro_parse_workspace(json, &w, &err);
                if (r == 0)
                        tw_buf_printf(&got, "%s|%s|", w.id, w.name);
                break;
        case O_DEPLOYMENT:
                r = tw_astro_parse_deployment(json, &d, &err);
                if (r == 0)
                        tw_buf_printf(&got, "%s|%s|%s", d.id, d.name,
                                      d.workspace_id ? d.workspace_id : "");
                break;
        case O_USER:
                r = tw_astro_parse_user(json, &u, &err);
                if (r == 0)
                        tw_buf_printf(&got, "%s|%s|%s", u.id, u.username ? u.username : "",
                                      u.status ? u.status : "");
                break;
        }
        assert_int_equal(r, c->rc);
        if (r == 0)
                assert_string_equal(got.ptr, c->want);
        else if (!err.ptr || !strstr(err.ptr, c->want))
                fail_msg("error: %s\nwant: %s", err.ptr ? err.ptr : "(none)", c->want);
        tw_workspace_done(&w);
        tw_deployment_done(&d);
        tw_user_done(&u);
        cJSON_Delete(json);
        tw_buf_done(&err);
        tw_buf_done(&got);
}

/* ---- error bodies ---- */

struct describe_case {
        const char *name;
        const char *body;
        const char *want;
};

static char long_message[420];

static const struct describe_case describe_cases[] = {
        {"describe: message and requestId",
         "{\"message\":\"Unauthorized\",\"requestId\":\"req-1\",\"statusCode\":"
         "401}",
         "Unauthorized (requestId req-1)"},
        {"describe: message only", "{\"message\":\"Forbidden\"}", "Forbidden"},
        {"describe: requestId only", "{\"requestId\":\"req-2\"}", "(requestId req-2)"},
        {"describe: empty message", "{\"message\":\"\",\"requestId\":\"req-3\"}",
         "(requestId req-3)"},
        {"describe: message not a string", "{\"message\":5,\"requestId\":\"req-4\"}",
         "(requestId req-4)"},
        {"describe: control characters become spaces",
         "{\"message\":\"bad\\nline\\r\\u0007\\u007f!\",\"requestId\":\"a\\nb\"}",
         "bad line   ! (requestId a b)"},
        {"describe: unicode kept", "{\"message\":\"caf\\u00e9 \\ud83d\\udd11\"}",
         "caf\xc3\xa9 \xf0\x9f\x94\x91"},
        {"describe: long message cut at 300", NULL, NULL},
        {"describe: malformed UTF-8 becomes ?",
         "{\"message\":\"bad \xc3\x28 \xed\xa0\x80 \xc0\xaf \xf4\x90\x80\x80 \xe2\x82\"}",
         "bad ?( ??? ?? ???? ??"},
        {"describe: C1 controls become spaces", "{\"message\":\"a\\u0085b\\u009bc\\u00a0d\"}",
         "a b c\xc2\xa0"
         "d"},
        {"describe: not JSON", "<html>Bad Gateway</html>", ""},
        {"describe: a JSON array", "[\"message\"]", ""},
        {"describe: no known fields", "{\"error\":\"x\"}", ""},
        {"describe: empty body", "", ""},
};

static void run_describe(void **state)
{
        const struct describe_case *c = *state;
        struct tw_buf out, want;
        const char *body = c->body;

        tw_buf_init(&out, 0);
        tw_buf_init(&want, 0);
        if (!body) { /* the long message: 400 characters, cut at 300 */
                memset(long_message, 'm', 400);
                long_message[400] = '\0';
                assert_int_equal(tw_buf_printf(&want, "{\"message\":\"%s\"}", long_message), 0);
                body = tw_buf_steal(&want);
                long_message[300] = '\0';
                assert_int_equal(tw_buf_printf(&want, "%s...", long_message), 0);
        } else {
                assert_int_equal(tw_buf_adds(&want, c->want), 0);
        }
        assert_int_equal(tw_buf_adds(&out, "HTTP 401: "), 0);
        tw_astro_describe_error(body, strlen(body), &out);
        assert_string_equal(out.ptr + strlen("HTTP 401: "), want.ptr);
        tw_astro_describe_error(NULL, 0, &out);
        assert_string_equal(out.ptr + strlen("HTTP 401: "), want.ptr);
        if (!c->body)
                free((char *)body);
        tw_buf_done(&out);
        tw_buf_done(&want);
}

/* A message cut inside a multi-byte character keeps the whole character or
 * none of it: the error stays valid UTF-8 (fuzz_astro_error checks this too). */
static void describe_cut_on_utf8_boundary(void **state)
{
        static const struct {
                const char *ch; /* repeated to fill the message */
                size_t kept;    /* bytes of message before "..." */
        } cases[] = {{"\xc3\xa9", 300},
                     {"\xe4\xb8\xad", 300},
                     {"\xf0\x9f\x94\x91", 300},
                     {"a\xe4\xb8\xad", 300},
                     {"abcd\xe4\xb8\xad", 298}};
        struct tw_buf body, out;

        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                tw_buf_init(&body, 0);
                tw_buf_init(&out, 0);
                assert_int_equal(tw_buf_adds(&body, "{\"message\":\""), 0);
                while (body.len < 500)
                        assert_int_equal(tw_buf_adds(&body, cases[i].ch), 0);
                assert_int_equal(tw_buf_adds(&body, "\"}"), 0);
                tw_astro_describe_error(body.ptr, body.len, &out);
                if (out.len != cases[i].kept + 3 || strcmp(out.ptr + cases[i].kept, "...") != 0 ||
                    memcmp(out.ptr, body.ptr + strlen("{\"message\":\""), cases[i].kept) != 0)
                        fail_msg("case %zu: got %zu bytes \"%s\"", i, out.len, out.ptr);
                tw_buf_done(&body);
                tw_buf_done(&out);
        }
}

/* More items than asked for: refused before any is read, so that no caller
 * sizes its work by what a hostile server sends. */
static void page_more_items_than_asked(void **state)
{
        static const char body[] = ENV("[{\"id\":\"a\"},{\"id\":\"b\"},{\"id\":\"c\"}]");
        struct tw_page page;
        struct tw_buf err;

        (void)state;
        tw_buf_init(&err, 0);
        assert_int_equal(tw_astro_parse_page(body, strlen(body), "tokens", 2, &page, &err),
                         -EBADMSG);
        assert_string_equal(err.ptr, "response has 3 items in one page, more than the 2 asked for");
        tw_buf_reset(&err);
        assert_int_equal(tw_astro_parse_page(body, strlen(body), "tokens", 3, &page, &err), 0);
        assert_int_equal(page.n_items, 3);
        tw_page_done(&page);
        tw_buf_done(&err);
}

#define CASES(arr, fn)                                                                         \
        for (size_t i = 0; i < ARRAY_SIZE(arr); i++)                                           \
                tests[n++] = (struct CMUnitTest)                                               \
                {                                                                              \
                        .name = arr[i].name, .test_func = fn, .initial_state = (void *)&arr[i] \
                }

int main(void)
{
        struct CMUnitTest tests[ARRAY_SIZE(page_cases) + ARRAY_SIZE(token_cases) +
                                ARRAY_SIZE(obj_cases) + ARRAY_SIZE(describe_cases) + 3];
        size_t n = 0;

        CASES(page_cases, run_page);
        tests[n++] = (struct CMUnitTest){.name = "page: more items than asked for",
                                         .test_func = page_more_items_than_asked};
        CASES(token_cases, run_token);
        tests[n++] = (struct CMUnitTest){.name = "token: 300-character names",
                                         .test_func = token_long_names};
        CASES(obj_cases, run_obj);
        CASES(describe_cases, run_describe);
        tests[n++] = (struct CMUnitTest){.name = "describe: cut on a UTF-8 boundary",
                                         .test_func = describe_cut_on_utf8_boundary};
        return _cmocka_run_group_tests("astro_parse", tests, n, NULL, NULL) ? 1 : 0;
}
