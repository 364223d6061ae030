/* Astro audit log entries (core/usage/auditlog_entry.h): the NDJSON splitter over
 * every cut of a stream, lines over the cap, and the parser's tolerance of
 * absent, null and mistyped fields. */
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
#include "lib/buf.h"

/* Collects lines as "a|b|c". */
static int collect(void *ctx, const char *line, size_t len)
{
        struct tw_buf *b = ctx;

        if (b->len)
                tw_buf_addc(b, '|');
        return tw_buf_add(b, line, len);
}

/* Feeds text in chunks of `cut` bytes and checks the lines and skips. */
static void split(const char *text, size_t max_line, size_t cut, const char *want,
                  uint64_t want_too_long)
{
        struct tw_ndjson s;
        struct tw_buf got;
        size_t len = strlen(text);

        tw_buf_init(&got, 1 << 20);
        tw_ndjson_init(&s, max_line);
        for (size_t off = 0; off < len; off += cut)
                assert_int_equal(tw_ndjson_feed(&s, text + off, len - off < cut ? len - off : cut,
                                                collect, &got),
                                 0);
        assert_int_equal(tw_ndjson_finish(&s, collect, &got), 0);
        assert_string_equal(got.ptr ? got.ptr : "", want);
        assert_int_equal(s.too_long, want_too_long);
        tw_ndjson_done(&s);
        tw_buf_done(&got);
}

static void test_split_every_cut(void **state)
{
        static const struct {
                const char *name, *text;
                size_t max_line;
                const char *want;
                uint64_t too_long;
        } cases[] = {
                {"plain", "a\nbb\nccc\n", 8, "a|bb|ccc", 0},
                {"no final newline", "a\nbb", 8, "a|bb", 0},
                {"crlf and empty lines", "a\r\n\r\n\nb\r\n", 8, "a|b", 0},
                {"exactly the cap", "1234\nab\n", 4, "1234|ab", 0},
                {"over the cap", "12345\nab\n", 4, "ab", 1},
                {"over the cap with crlf at cap", "1234\r\nab\n", 4, "1234|ab", 0},
                {"long last line", "ab\n123456789", 4, "ab", 1},
                {"two long lines", "123456789\n987654321\nok\n", 4, "ok", 2},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                for (size_t cut = 1; cut <= strlen(cases[i].text); cut++) {
                        print_message("%s, cut %zu\n", cases[i].name, cut);
                        split(cases[i].text, cases[i].max_line, cut, cases[i].want,
                              cases[i].too_long);
                }
}

static int stop_at_b(void *ctx, const char *line, size_t len)
{
        (void)ctx;
        return len == 1 && line[0] == 'b' ? 42 : 0;
}

static void test_split_callback_stops(void **state)
{
        struct tw_ndjson s;

        (void)state;
        tw_ndjson_init(&s, 0);
        assert_int_equal(s.max_line, TW_AUDITLOG_MAX_LINE);
        assert_int_equal(tw_ndjson_feed(&s, "a\nb\nc\n", 6, stop_at_b, NULL), 42);
        tw_ndjson_done(&s);
}

#define COMMON "\"organizationId\":\"o\",\"timestamp\":\"2025-11-01T10:00:00.250Z\""

static void test_parse_shapes(void **state)
{
        static const struct {
                const char *name, *line;
                enum tw_auditlog_kind kind;
                enum tw_auditlog_subject subject;
                const char *subject_id, *path, *request_name;
                int status;
                bool image_push;
        } cases[] = {
                {"rest v1alpha1 create",
                 "{\"subjectId\":\"u1\",\"subjectType\":\"USER\"," COMMON ",\"method\":\"POST\","
                 "\"path\":\"/v1alpha1/organizations/o/"
                 "api-tokens\",\"requestBody\":{\"name\":\"n1\"},"
                 "\"responseStatus\":200}",
                 TW_AUDITLOG_KIND_REST, TW_AUDITLOG_SUBJECT_USER, "u1",
                 "/v1alpha1/organizations/o/api-tokens", "n1", 200, false},
                {"body as a JSON string, status as a string",
                 "{\"subjectId\":\"u1\",\"subjectType\":\"USER\"," COMMON ",\"method\":\"POST\","
                 "\"path\":\"/"
                 "p\",\"requestBody\":\"{\\\"name\\\":\\\"n2\\\"}\",\"statusCode\":\"204\"}",
                 TW_AUDITLOG_KIND_REST, TW_AUDITLOG_SUBJECT_USER, "u1", "/p", "n2", 204, false},
                {"status under status, text after the digits",
                 "{\"subjectType\":\"SERVICEKEY\",\"subjectId\":\"t1\"," COMMON
                 ",\"method\":\"GET\",\"path\":\"/x\",\"status\":\"403 Forbidden\"}",
                 TW_AUDITLOG_KIND_REST, TW_AUDITLOG_SUBJECT_SERVICEKEY, "t1", "/x", NULL, 403,
                 false},
                {"graphql",
                 "{\"subjectId\":\"u1\",\"subjectType\":\"USER\"," COMMON
                 ",\"correlationId\":\"c\",\"graphqlClientName\":\"cli\",\"operationName\":\"Q\"}",
                 TW_AUDITLOG_KIND_GRAPHQL, TW_AUDITLOG_SUBJECT_USER, "u1", NULL, NULL, -1, false},
                {"registry push by path",
                 "{\"subjectId\":\"t1\",\"subjectType\":\"SERVICEKEY\"," COMMON
                 ",\"method\":\"PUT\",\"path\":\"/v2/o/d/manifests/deploy-1\",\"statusCode\":201}",
                 TW_AUDITLOG_KIND_REGISTRY, TW_AUDITLOG_SUBJECT_SERVICEKEY, "t1",
                 "/v2/o/d/manifests/deploy-1", NULL, 201, true},
                {"registry pull by category",
                 "{\"subjectId\":\"t1\",\"subjectType\":\"SERVICEKEY\"," COMMON
                 ",\"category\":\"REGISTRY\",\"method\":\"GET\",\"path\":\"/v2/o/d/blobs/x\"}",
                 TW_AUDITLOG_KIND_REGISTRY, TW_AUDITLOG_SUBJECT_SERVICEKEY, "t1", "/v2/o/d/blobs/x",
                 NULL, -1, false},
                {"airflow ui",
                 "{\"subjectId\":\"u1\",\"subjectType\":\"USER\"," COMMON
                 ",\"category\":\"AIRFLOW_UI\",\"path\":\"/home\"}",
                 TW_AUDITLOG_KIND_AIRFLOW_UI, TW_AUDITLOG_SUBJECT_USER, "u1", "/home", NULL, -1,
                 false},
                {"unknown fields and shape",
                 "{\"subjectId\":\"u1\",\"subjectType\":\"ROBOT\"," COMMON ",\"x\":{\"y\":[1]}}",
                 TW_AUDITLOG_KIND_OTHER, TW_AUDITLOG_SUBJECT_UNKNOWN, "u1", NULL, NULL, -1, false},
                {"nulls and other types",
                 "{\"subjectId\":null,\"subjectType\":42," COMMON
                 ",\"sourceIp\":[\"1.2.3.4\"],\"method\":5,\"path\":{\"a\":1},\"status\":\"OK\","
                 "\"responseStatus\":true,\"statusCode\":99999,\"requestBody\":\"{broken\"}",
                 TW_AUDITLOG_KIND_OTHER, TW_AUDITLOG_SUBJECT_UNKNOWN, NULL, NULL, NULL, -1, false},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_auditlog_entry e;

                print_message("%s\n", cases[i].name);
                assert_int_equal(
                        tw_auditlog_entry_parse(cases[i].line, strlen(cases[i].line), &e, NULL), 0);
                assert_int_equal(e.time_ms, 1761991200250LL);
                assert_int_equal(e.kind, cases[i].kind);
                assert_int_equal(e.subject, cases[i].subject);
                if (cases[i].subject_id)
                        assert_string_equal(e.subject_id, cases[i].subject_id);
                else
                        assert_null(e.subject_id);
                if (cases[i].path)
                        assert_string_equal(e.path, cases[i].path);
                else
                        assert_null(e.path);
                if (cases[i].request_name)
                        assert_string_equal(e.request_name, cases[i].request_name);
                else
                        assert_null(e.request_name);
                assert_int_equal(e.status, cases[i].status);
                assert_int_equal(e.image_push, cases[i].image_push);
                tw_auditlog_entry_done(&e);
        }
}

static void test_parse_rejects(void **state)
{
        static const struct {
                const char *name, *line;
                enum tw_auditlog_skip reason;
        } cases[] = {
                {"cut short", "{\"timestamp\":\"2025-11-01T10:00:00Z\"",
                 TW_AUDITLOG_SKIP_MALFORMED},
                {"trailing garbage", "{\"timestamp\":\"2025-11-01T10:00:00Z\"} x",
                 TW_AUDITLOG_SKIP_MALFORMED},
                {"not json", "<html>", TW_AUDITLOG_SKIP_MALFORMED},
                {"array", "[1,2]", TW_AUDITLOG_SKIP_NOT_OBJECT},
                {"string", "\"x\"", TW_AUDITLOG_SKIP_NOT_OBJECT},
                {"no timestamp", "{\"subjectId\":\"u\"}", TW_AUDITLOG_SKIP_NO_TIMESTAMP},
                {"timestamp a number", "{\"timestamp\":1761991200}", TW_AUDITLOG_SKIP_NO_TIMESTAMP},
                {"timestamp unparsable", "{\"timestamp\":\"yesterday\"}",
                 TW_AUDITLOG_SKIP_NO_TIMESTAMP},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_auditlog_entry e = {.status = 7};
                enum tw_auditlog_skip why = _TW_AUDIT_SKIP_MAX;

                print_message("%s\n", cases[i].name);
                assert_int_equal(
                        tw_auditlog_entry_parse(cases[i].line, strlen(cases[i].line), &e, &why),
                        -EBADMSG);
                assert_int_equal(why, cases[i].reason);
                assert_int_equal(e.status, 7); /* untouched */
        }
        assert_string_equal(tw_auditlog_skip_to_string(TW_AUDITLOG_SKIP_TOO_LONG), "too_long");
        assert_string_equal(tw_auditlog_skip_to_string(TW_AUDITLOG_SKIP_MALFORMED), "malformed");
        assert_string_equal(tw_auditlog_skip_to_string(_TW_AUDIT_SKIP_MAX), "unknown");
}

static void test_time_ms(void **state)
{
        static const struct {
                const char *in;
                int64_t want;
        } cases[] = {
                {"2025-11-01T10:00:00Z", 1761991200000LL},
                {"2025-11-01T10:00:00.5Z", 1761991200500LL},
                {"2025-11-01T10:00:00.123456789Z", 1761991200123LL},
                {"2025-11-01T12:00:00.010+02:00", 1761991200010LL},
        };
        char buf[40];
        int64_t t;

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                assert_int_equal(tw_time_parse_ms(cases[i].in, &t), 0);
                assert_int_equal(t, cases[i].want);
        }
        assert_int_equal(tw_time_parse_ms("2026-11-01", &t), -EINVAL);
        assert_string_equal(tw_time_format_ms(1761991200050LL, buf, sizeof(buf)),
                            "2025-11-01T10:00:00.050Z");
        assert_string_equal(tw_time_format_ms(-1, buf, sizeof(buf)), "1969-12-31T23:59:59.999Z");
        assert_true(tw_auditlog_line_identity("a", 1) != tw_auditlog_line_identity("b", 1));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_split_every_cut), cmocka_unit_test(test_split_callback_stops),
                cmocka_unit_test(test_parse_shapes),    cmocka_unit_test(test_parse_rejects),
                cmocka_unit_test(test_time_ms),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
