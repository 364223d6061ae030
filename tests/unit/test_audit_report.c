/* The audit command's renderings (exporters/report/changes.h), with hostile
 * token names in every format. */
#include <cjson/cJSON.h>
#include <errno.h>

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

#include "core/events.h"
#include "exporters/report/changes.h"
#include "lib/buf.h"

static const struct tw_event events[] = {
        {.kind = TW_EVENT_CREATED,
         .severity = TW_SEVERITY_WARNING,
         .observed_at = NOW - DAY,
         .token_id = "t1",
         .token_name = "=HYPERLINK(\"x\")",
         .scope = "WORKSPACE",
         .after = "WORKSPACE:w1=WORKSPACE_OWNER",
         .detail = "no expiry"},
        {.kind = TW_EVENT_RENAMED,
         .observed_at = NOW - HOUR,
         .token_id = "t2",
         .token_name = "[Rotate now](https://evil.example/login)|x\n\x1b[31m",
         .scope = "DEPLOYMENT",
         .before = "old",
         .after = "[Rotate now](https://evil.example/login)|x\n\x1b[31m"},
        {.kind = TW_EVENT_DELETED,
         .severity = TW_SEVERITY_CRITICAL,
         .observed_at = NOW,
         .token_id = "t3",
         .token_name = "ci",
         .scope = "ORGANIZATION",
         .before = "ORGANIZATION:o=ORGANIZATION_MEMBER",
         .detail = "in use: last used 2026-06-01T10:00:00Z; pipelines that use it are failing now"},
};

static const struct tw_audit_view view = {
        .events = events,
        .n_events = ARRAY_SIZE(events),
        .generated_at = NOW,
        .since = NOW - 30 * DAY,
        .token_id = NULL,
        .skipped = 1,
};

static char *render(enum tw_report_format fmt, const struct tw_audit_view *v)
{
        struct tw_buf out;

        tw_buf_init(&out, 1 << 20);
        assert_int_equal(tw_audit_render(v, fmt, &out), 0);
        return tw_buf_steal(&out);
}

static void json(void **state)
{
        char *s = render(TW_REPORT_JSON, &view);
        cJSON *root = cJSON_Parse(s), *arr, *e;

        (void)state;
        assert_non_null(root);
        arr = cJSON_GetObjectItemCaseSensitive(root, "events");
        assert_int_equal(cJSON_GetArraySize(arr), 3);
        e = cJSON_GetArrayItem(arr, 2);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(e, "event")->valuestring, "deleted");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(e, "severity")->valuestring,
                            "critical");
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(root, "since")->valuestring,
                            "2026-05-02T12:00:00Z");
        assert_int_equal(cJSON_GetObjectItemCaseSensitive(root, "skipped_lines")->valuedouble, 1);
        e = cJSON_GetArrayItem(arr, 1);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(e, "token_name")->valuestring,
                            events[1].token_name);
        cJSON_Delete(root);
        free(s);
}

static void csv(void **state)
{
        char *s = render(TW_REPORT_CSV, &view);

        (void)state;
        assert_true(strncmp(s, "observed_at,event,severity,token_id,token_name,", 47) == 0);
        /* A formula is text; a newline is a blank, a terminal escape '?'. */
        assert_non_null(strstr(s, ",\"'=HYPERLINK(\"\"x\"\")\","));
        assert_non_null(strstr(s, ",[Rotate now](https://evil.example/login)|x ?[31m,"));
        assert_non_null(strstr(s, "2026-06-01T12:00:00Z,deleted,critical,t3,ci,ORGANIZATION,"));
        free(s);
}

static void markdown(void **state)
{
        char *s = render(TW_REPORT_MARKDOWN, &view);

        (void)state;
        assert_non_null(strstr(s, "3 events since 2026-05-02."));
        /* No link, no broken table: brackets, pipes and the newline escaped. */
        assert_null(strstr(s, "[Rotate now](https"));
        assert_non_null(strstr(s, "\\[Rotate now\\](https://evil.example/login)\\|x"));
        /* one Markdown table style for every document (lib/md.h) */
        assert_non_null(strstr(s, "| Observed (UTC) | Event |"));
        assert_non_null(strstr(s, "\n|---|---|---|---|---|---|---|\n"));
        assert_null(strstr(s, "| --- |"));
        for (const char *line = s; (line = strchr(line, '\n')) != NULL; line++)
                assert_true(line[1] == '\0' || line[1] == '|' || line[1] == '\n' || line[1] == '3');
        free(s);
}

static void table(void **state)
{
        char *s = render(TW_REPORT_TABLE, &view);
        struct tw_audit_view empty = {.generated_at = NOW, .since = TW_NO_TIME};
        size_t lines = 0;

        (void)state;
        assert_true(strncmp(s, "OBSERVED (UTC)", 14) == 0);
        assert_null(strchr(s, '\x1b')); /* no terminal escapes */
        for (const char *p = s; *p; p++)
                lines += *p == '\n';
        assert_int_equal(lines, 4); /* a header and one line per event */
        assert_non_null(strstr(s, "pipelines that use it are failing now"));
        free(s);
        s = render(TW_REPORT_TABLE, &empty);
        assert_string_equal(s, "No token changes recorded.\n");
        free(s);
}

static void bad_input(void **state)
{
        struct tw_buf out;
        struct tw_audit_view v = {.n_events = 1};

        (void)state;
        tw_buf_init(&out, 64);
        assert_int_equal(tw_audit_render(&v, TW_REPORT_JSON, &out), -EINVAL);
        assert_int_equal(tw_audit_render(&view, TW_REPORT_JSON, &out), -E2BIG);
        assert_int_equal(out.len, 0);
        tw_buf_done(&out);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(json),  cmocka_unit_test(csv),       cmocka_unit_test(markdown),
                cmocka_unit_test(table), cmocka_unit_test(bad_input),
        };

        return cmocka_run_group_tests_name("audit_report", tests, NULL, NULL);
}
