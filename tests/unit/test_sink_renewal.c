/* Renewal events as sink bodies: a renewal that failed (critical), a
 * replaced token still in use (warning) and a renewal done (info), one
 * golden per format; the failure's incident or alert is the one the
 * renewal done resolves. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/events.h"
#include "exporters/sinks/sinks.h"
#include "helpers/golden.h"
#include "helpers/notify_fixture.h"

static void events(struct tw_event ev[3])
{
        memset(ev, 0, 3 * sizeof(*ev));
        for (int i = 0; i < 3; i++) {
                ev[i].token_id = "tok-a";
                ev[i].token_name = NF_HOSTILE;
                ev[i].scope = "WORKSPACE";
                ev[i].observed_at = NOW - 60;
        }
        ev[0].kind = TW_EVENT_RENEWAL_FAILED;
        ev[0].severity = TW_SEVERITY_CRITICAL;
        ev[0].before = "issued";
        ev[0].detail = "[deliver.gh] changed since the renewal began: someone else wrote it; next "
                       "attempt 2026-06-01T13:00:00Z";
        ev[1].kind = TW_EVENT_RETIRE_HELD;
        ev[1].severity = TW_SEVERITY_WARNING;
        ev[1].after = "tok-b";
        ev[1].detail = "the old token tok-a is still used (by 203.0.113.7)";
        ev[2].kind = TW_EVENT_RENEWED;
        ev[2].severity = TW_SEVERITY_NONE;
        ev[2].before = "tok-a";
        ev[2].after = "tok-b";
        ev[2].replaced_by = "tok-b";
        ev[2].detail = "replaced by tok-b; 3 copies hold its value";
}

static cJSON *build(const char *format, const struct tw_event *ev)
{
        const struct tw_sink_format *f = tw_sink_format_find(format);
        struct tw_sink_ctx c = nf_sink_ctx;
        cJSON *j = NULL;

        assert_non_null(f);
        assert_int_equal(f->change(&c, ev, "k-renewal", &j), 0);
        return j;
}

static void test_goldens(void **unused)
{
        static const char *const formats[] = {"generic", "slack", "teams", "pagerduty",
                                              "alertmanager"};
        struct tw_event ev[3];

        (void)unused;
        events(ev);
        for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
                cJSON *arr = cJSON_CreateArray();
                char file[64], *text;

                for (int k = 0; k < 3; k++)
                        cJSON_AddItemToArray(arr, build(formats[i], &ev[k]));
                text = cJSON_Print(arr);
                snprintf(file, sizeof(file), "notify-renewal-%s.json", formats[i]);
                tw_golden_check(file, text, strlen(text));
                free(text);
                cJSON_Delete(arr);
        }
}

static const char *str(const cJSON *o, const char *k)
{
        return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void test_generic_says_info(void **unused)
{
        struct tw_event ev[3];
        cJSON *j;

        (void)unused;
        events(ev);
        j = build("generic", &ev[2]);
        assert_string_equal(str(j, "event"), "renewed");
        assert_string_equal(str(j, "severity"), "info");
        assert_string_equal(str(j, "after"), "tok-b");
        cJSON_Delete(j);
}

/* The failure triggers the incident the renewal done resolves. */
static void test_pagerduty_resolves_the_failure(void **unused)
{
        struct tw_event ev[3];
        cJSON *fail, *done;

        (void)unused;
        events(ev);
        fail = build("pagerduty", &ev[0]);
        done = build("pagerduty", &ev[2]);
        assert_string_equal(str(fail, "event_action"), "trigger");
        assert_string_equal(str(done, "event_action"), "resolve");
        assert_string_equal(str(fail, "dedup_key"), str(done, "dedup_key"));
        assert_string_equal(str(done, "dedup_key"), "tokenwatch:org-1:tok-a:change:renewal");
        cJSON_Delete(fail);
        cJSON_Delete(done);
}

/* The renewal done is the failure's alert, ended: same labels. */
static void test_alertmanager_resolves_the_failure(void **unused)
{
        struct tw_event ev[3];
        cJSON *fail, *done, *lf, *ld;

        (void)unused;
        events(ev);
        fail = build("alertmanager", &ev[0]);
        done = build("alertmanager", &ev[2]);
        lf = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(fail, 0), "labels");
        ld = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(done, 0), "labels");
        assert_string_equal(str(lf, "alertname"), "TokenRenewalFailed");
        assert_true(cJSON_Compare(lf, ld, true));
        assert_string_equal(str(cJSON_GetArrayItem(done, 0), "startsAt"),
                            str(cJSON_GetArrayItem(done, 0), "endsAt"));
        cJSON_Delete(fail);
        cJSON_Delete(done);
}

/* A renewed event is pushed though its severity is none; no other is. */
static void test_pushed(void **unused)
{
        struct tw_event ev[3];

        (void)unused;
        events(ev);
        assert_true(tw_event_pushed(&ev[2]));
        ev[2].kind = TW_EVENT_CREATED;
        assert_false(tw_event_pushed(&ev[2]));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_goldens),
                cmocka_unit_test(test_generic_says_info),
                cmocka_unit_test(test_pagerduty_resolves_the_failure),
                cmocka_unit_test(test_alertmanager_resolves_the_failure),
                cmocka_unit_test(test_pushed),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
