/* The audit command's Part 2 sections (exporters/report/usage_view*.c): who uses
 * each token and who changed it, in every format, filtered by --token and
 * --since, with hostile values escaped for each format. */
#include "exporters/report/changes.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/usage/auditlog_entry.h"
#include "core/events.h"
#include "core/usage/usage.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define T0 1793700000 /* 2026-11-03T10:00:00Z */
#define ORG "cm9r8jgormxbek92l8s8wppie"
#define T1 "cl4kkvmqolewvmtye5npp4wkt"
#define T2 "cl2cttcpribqbcqkm8iv8pqsa"
#define T9 "clvsd9cpht7cbds8ee1qfi2dl"
#define D1 "cd46ldooftqx8x047y9pkcv30"

/* T1 ("ci|deploy" in the listing) used twice from one address, once from
 * another with a formula-like user agent; rotated by token T9 ("admin
 * bot"); T2 created and deleted by a user. */
static const char *const entries[] = {
        "{\"subjectId\":\"u1\",\"subjectType\":\"USER\",\"timestamp\":\"2026-10-01T10:00:00Z\","
        "\"sourceIp\":\"198.51.100.1\",\"userAgent\":\"Mozilla/5.0\",\"method\":\"POST\","
        "\"path\":\"/v1alpha1/organizations/" ORG "/api-tokens\",\"requestBody\":{\"name\":\"t2 "
        "name\"},\"responseStatus\":200}",
        "{\"subjectId\":\"" T9
        "\",\"subjectType\":\"SERVICEKEY\",\"timestamp\":\"2026-10-02T10:00:00Z\","
        "\"sourceIp\":\"192.0.2.9\",\"userAgent\":\"astro-cli/1.30.1\",\"method\":\"POST\","
        "\"path\":\"/v1/organizations/" ORG "/tokens/" T1 "/rotate\",\"responseStatus\":200}",
        "{\"subjectId\":\"" T1
        "\",\"subjectType\":\"SERVICEKEY\",\"timestamp\":\"2026-11-01T10:00:00Z\","
        "\"sourceIp\":\"203.0.113.10\",\"userAgent\":\"astro-cli/1.30.1\",\"method\":\"GET\","
        "\"path\":\"/v1/organizations/" ORG "/deployments/" D1 "\",\"responseStatus\":200}",
        "{\"subjectId\":\"" T1
        "\",\"subjectType\":\"SERVICEKEY\",\"timestamp\":\"2026-11-02T10:00:00Z\","
        "\"sourceIp\":\"203.0.113.10\",\"userAgent\":\"astro-cli/1.30.1\",\"method\":\"GET\","
        "\"path\":\"/v1/organizations/" ORG "/deployments/" D1 "\",\"responseStatus\":200}",
        "{\"subjectId\":\"" T1
        "\",\"subjectType\":\"SERVICEKEY\",\"timestamp\":\"2026-11-03T10:00:00Z\","
        "\"sourceIp\":\"198.51.100.7\",\"userAgent\":\"=HYPERLINK(x)|y\",\"method\":\"GET\","
        "\"path\":\"/v1/organizations/" ORG "/deployments/" D1 "\",\"responseStatus\":200}",
        "{\"subjectId\":\"u1\",\"subjectType\":\"USER\",\"timestamp\":\"2026-11-03T10:00:00Z\","
        "\"sourceIp\":\"198.51.100.1\",\"userAgent\":\"Mozilla/5.0\",\"method\":\"DELETE\","
        "\"path\":\"/v1/organizations/" ORG "/tokens/" T2 "\",\"responseStatus\":204}",
};

struct fixture {
        struct tw_usage *usage;
        struct tw_listing listing;
        struct tw_listed_token tokens[2];
};

static int setup(void **state)
{
        static const char *const known[] = {T1, T2, T9};
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        assert_int_equal(tw_usage_new(NULL, &f->usage), 0);
        assert_int_equal(tw_usage_set_known_tokens(f->usage, known, ARRAY_SIZE(known)), 0);
        for (size_t i = 0; i < ARRAY_SIZE(entries); i++) {
                struct tw_auditlog_entry e;

                assert_int_equal(tw_auditlog_entry_parse(entries[i], strlen(entries[i]), &e, NULL),
                                 0);
                assert_int_equal(tw_usage_add(f->usage, &e), 0);
                tw_auditlog_entry_done(&e);
        }
        f->tokens[0] = (struct tw_listed_token){.id = T1, .name = "ci|deploy"};
        f->tokens[1] = (struct tw_listed_token){.id = T9, .name = "admin bot"};
        f->listing.tokens = f->tokens;
        f->listing.n_tokens = 2;
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        tw_usage_free(f->usage);
        free(f);
        return 0;
}

struct format_case {
        const char *name;
        enum tw_report_format fmt;
        const char *token_id;
        int64_t since;
        const char *const present[8];
        const char *const absent[4];
};

static const struct format_case cases[] = {
        {"table",
         TW_REPORT_TABLE,
         NULL,
         TW_NO_TIME,
         {"Who uses each token (Astro audit logs): 2 tokens\n",
          "ci|deploy (" T1 ")\n  last seen 2026-11-03T10:00:00Z, first seen "
          "2026-11-01T10:00:00Z, 3 calls, 0 image pushes\n",
          "  source IPs: 203.0.113.10 (2), 198.51.100.7 (1)\n",
          "  operations: GET /v1/organizations/{organizationId}/deployments/{deploymentId} (3)\n",
          "Who changed each token (Astro audit logs): 3 changes\n",
          "rotated  ci|deploy (" T1 ") by token admin bot (" T9
          ") from 192.0.2.9 (astro-cli/1.30.1), status 200\n",
          "created  t2 name (new) by user u1 from 198.51.100.1", NULL},
         {NULL}},
        {"markdown escapes pipes",
         TW_REPORT_MARKDOWN,
         NULL,
         TW_NO_TIME,
         {"## Who uses each token\n", "| ci\\|deploy | " T1 " | 2026-11-03T10:00:00Z | 3 | 0 | ",
          "=HYPERLINK(x)\\|y (1)", "## Who changed each token\n",
          "| 2026-11-03T10:00:00Z | deleted |  | " T2 " | user u1 | 198.51.100.1 | Mozilla/5.0 | "
          "204 |\n",
          NULL},
         {NULL}},
        {"csv guards formulas",
         TW_REPORT_CSV,
         NULL,
         TW_NO_TIME,
         {"\r\nrecord,token_id,token_name,first_seen,last_seen,calls,image_pushes,source_ips,"
          "user_agents,operations\r\n",
          "usage," T1 ",ci|deploy,2026-11-01T10:00:00Z,",
          "\"astro-cli/1.30.1 (2), =HYPERLINK(x)|y (1)\"",
          "\r\nrecord,at,action,token_id,token_name,actor,source_ip,user_agent,status\r\n",
          "lifecycle,2026-10-02T10:00:00Z,rotated," T1 ",ci|deploy,token admin bot (" T9
          "),192.0.2.9,",
          NULL},
         {NULL}},
        {"--token",
         TW_REPORT_TABLE,
         T2,
         TW_NO_TIME,
         {"Who uses each token (Astro audit logs): 0 tokens\n", "deleted  - (" T2 ") by user u1",
          NULL},
         {"rotated", "created", NULL}},
        {"--since",
         TW_REPORT_MARKDOWN,
         NULL,
         T0 - 3600,
         {"1 token seen", "1 change in the Astro audit logs", "| deleted |", NULL},
         {"| rotated |", NULL}},
        {"--since after the last use",
         TW_REPORT_CSV,
         NULL,
         T0 + 1,
         {NULL},
         {"usage,", "lifecycle,", "record,", NULL}},
};

static void formats(void **state)
{
        struct fixture *f = *state;

        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                const struct format_case *c = &cases[i];
                struct tw_audit_view v = {.generated_at = T0,
                                          .since = c->since,
                                          .token_id = c->token_id,
                                          .usage = f->usage,
                                          .listing = &f->listing};
                struct tw_buf out;

                tw_buf_init(&out, 1 << 20);
                assert_int_equal(tw_audit_render(&v, c->fmt, &out), 0);
                for (size_t k = 0; c->present[k]; k++)
                        if (!strstr(out.ptr, c->present[k]))
                                fail_msg("%s: missing \"%s\" in\n%s", c->name, c->present[k],
                                         out.ptr);
                for (size_t k = 0; c->absent[k]; k++)
                        if (strstr(out.ptr, c->absent[k]))
                                fail_msg("%s: unexpected \"%s\" in\n%s", c->name, c->absent[k],
                                         out.ptr);
                tw_buf_done(&out);
        }
}

static void json(void **state)
{
        struct fixture *f = *state;
        struct tw_audit_view v = {
                .generated_at = T0, .since = TW_NO_TIME, .usage = f->usage, .listing = &f->listing};
        const cJSON *u, *ev;
        struct tw_buf out;
        cJSON *root;

        tw_buf_init(&out, 1 << 20);
        assert_int_equal(tw_audit_render(&v, TW_REPORT_JSON, &out), 0);
        root = cJSON_Parse(out.ptr);
        assert_non_null(root);
        /* In order of first use: t9 (the rotation) before t1. */
        u = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "usage"), 1);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(u, "token_id")), T1);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(u, "token_name")),
                            "ci|deploy");
        assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(u, "calls")), 3);
        assert_string_equal(
                cJSON_GetStringValue(cJSON_GetObjectItem(
                        cJSON_GetArrayItem(cJSON_GetObjectItem(u, "source_ips"), 0), "value")),
                "203.0.113.10");
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "lifecycle")), 3);
        ev = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "lifecycle"), 1);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(ev, "action")), "rotated");
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(ev, "actor_type")), "token");
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(ev, "actor_name")),
                            "admin bot");
        assert_true(cJSON_IsNull(cJSON_GetObjectItem(
                cJSON_GetArrayItem(cJSON_GetObjectItem(root, "lifecycle"), 0), "token_id")));
        cJSON_Delete(root);
        /* Without the usage index: Part 1's document, unchanged. */
        v.usage = NULL;
        tw_buf_reset(&out);
        assert_int_equal(tw_audit_render(&v, TW_REPORT_JSON, &out), 0);
        assert_null(strstr(out.ptr, "\"usage\""));
        assert_null(strstr(out.ptr, "\"lifecycle\""));
        tw_buf_reset(&out);
        assert_int_equal(tw_audit_render(&v, TW_REPORT_TABLE, &out), 0);
        assert_string_equal(out.ptr, "No token changes recorded.\n");
        tw_buf_done(&out);
}

/* Where the usage comes from, in every format; said even without usage. */
static void usage_source(void **state)
{
        static const struct tw_usage_origin read_now = {
                "org-1", NULL, TW_USAGE_FROM_READ_NOW, T0 - 30 * 86400, T0, NULL};
        static const struct tw_usage_origin denied = {
                "org-1",    NULL,       TW_USAGE_FROM_NONE,
                TW_NO_TIME, TW_NO_TIME, "the credential may not read the Astro audit logs (403)"};
        static const struct {
                enum tw_report_format fmt;
                const char *with, *without;
        } source_cases[] = {
                {TW_REPORT_TABLE,
                 "\nUsage data: audit logs read now, 30 days to 2026-11-03T10:00:00Z\n"
                 "Who uses each token",
                 "No token changes recorded.\n\nUsage data: not included: the credential may "
                 "not read the Astro audit logs (403)\n"},
                {TW_REPORT_MARKDOWN, "## Who uses each token\n\nUsage data: audit logs read now",
                 "## Who uses each token\n\nUsage data: not included: "},
                {TW_REPORT_CSV,
                 "\r\nrecord,organization_id,usage_source\r\nusage_source,org-1,\"audit logs read "
                 "now, 30 days to 2026-11-03T10:00:00Z\"\r\n",
                 "usage_source,org-1,not included: the credential may not read the Astro audit "
                 "logs (403)\r\n"},
                {TW_REPORT_JSON, "\"source\":\t\"audit_logs\"", "\"source\":\t\"none\""},
        };
        struct fixture *f = *state;

        for (size_t i = 0; i < ARRAY_SIZE(source_cases); i++) {
                struct tw_audit_view v = {.generated_at = T0,
                                          .since = TW_NO_TIME,
                                          .usage = f->usage,
                                          .listing = &f->listing,
                                          .origins = &read_now,
                                          .n_origins = 1};
                struct tw_buf out;

                tw_buf_init(&out, 1 << 20);
                assert_int_equal(tw_audit_render(&v, source_cases[i].fmt, &out), 0);
                if (!strstr(out.ptr, source_cases[i].with))
                        fail_msg("missing \"%s\" in\n%s", source_cases[i].with, out.ptr);
                v.usage = NULL;
                v.origins = &denied;
                tw_buf_reset(&out);
                assert_int_equal(tw_audit_render(&v, source_cases[i].fmt, &out), 0);
                if (!strstr(out.ptr, source_cases[i].without))
                        fail_msg("missing \"%s\" in\n%s", source_cases[i].without, out.ptr);
                tw_buf_done(&out);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(formats, setup, teardown),
                cmocka_unit_test_setup_teardown(json, setup, teardown),
                cmocka_unit_test_setup_teardown(usage_source, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
