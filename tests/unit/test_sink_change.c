/* Token change events as sink bodies: one golden per format (hostile names),
 * the escaping of the chat formats, and what each format promises. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/events.h"
#include "exporters/sinks/sinks.h"
#include "helpers/golden.h"
#include "helpers/notify_fixture.h"

/* A deleted-while-in-use (critical), a created-without-expiry (warning) and
 * a roles_changed (warning) event about the hostile token. */
static void events(struct tw_event ev[3])
{
        memset(ev, 0, 3 * sizeof(*ev));
        for (int i = 0; i < 3; i++) {
                ev[i].token_id = "tok-a";
                ev[i].token_name = NF_HOSTILE;
                ev[i].scope = "WORKSPACE";
                ev[i].observed_at = NOW - 60;
        }
        ev[0].kind = TW_EVENT_DELETED;
        ev[0].severity = TW_SEVERITY_CRITICAL;
        ev[0].before = "WORKSPACE:ws-1=WORKSPACE_AUTHOR";
        ev[0].detail = "last used 2 hours before";
        ev[1].kind = TW_EVENT_CREATED;
        ev[1].severity = TW_SEVERITY_WARNING;
        ev[1].after = "WORKSPACE:ws-1=WORKSPACE_OWNER";
        ev[1].detail = "no expiry, role above the ceiling";
        ev[2].kind = TW_EVENT_ROLES_CHANGED;
        ev[2].severity = TW_SEVERITY_WARNING;
        ev[2].before = "WORKSPACE:ws-1=WORKSPACE_AUTHOR";
        ev[2].after = "WORKSPACE:ws-1=WORKSPACE_OWNER <x> [a](https://evil.example)";
        ev[2].detail = "role above the ceiling";
}

static cJSON *build(const char *format, const struct tw_event *ev)
{
        const struct tw_sink_format *f = tw_sink_format_find(format);
        struct tw_sink_ctx c = nf_sink_ctx;
        cJSON *j = NULL;

        assert_non_null(f);
        assert_non_null(f->change);
        assert_int_equal(f->change(&c, ev, "k-change", &j), 0);
        return j;
}

static void golden(const char *format, const char *file)
{
        struct tw_event ev[3];
        cJSON *arr = cJSON_CreateArray(), *back;
        char *text;

        events(ev);
        for (int i = 0; i < 3; i++)
                cJSON_AddItemToArray(arr, build(format, &ev[i]));
        text = cJSON_Print(arr);
        assert_non_null(text);
        back = cJSON_Parse(text);
        assert_non_null(back);
        cJSON_Delete(back);
        tw_golden_check(file, text, strlen(text));
        free(text);
        cJSON_Delete(arr);
}

static void test_goldens(void **unused)
{
        (void)unused;
        golden("generic", "notify-change-generic.json");
        golden("slack", "notify-change-slack.json");
        golden("teams", "notify-change-teams.json");
        golden("pagerduty", "notify-change-pagerduty.json");
        golden("alertmanager", "notify-change-alertmanager.json");
}

static const char *str(const cJSON *o, const char *k)
{
        return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void test_generic_fields(void **unused)
{
        struct tw_event ev[3];
        cJSON *j, *t;

        (void)unused;
        events(ev);
        j = build("generic", &ev[0]);
        assert_string_equal(str(j, "type"), "token_change");
        assert_string_equal(str(j, "event"), "deleted");
        assert_string_equal(str(j, "severity"), "critical");
        assert_string_equal(str(j, "idempotency_key"), "k-change");
        assert_string_equal(str(j, "observed_at"), "2026-06-01T11:59:00Z");
        assert_string_equal(str(j, "before"), "WORKSPACE:ws-1=WORKSPACE_AUTHOR");
        assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "after")));
        t = cJSON_GetObjectItemCaseSensitive(j, "token");
        assert_string_equal(str(t, "id"), "tok-a");
        assert_string_equal(str(t, "name"), NF_HOSTILE);
        assert_string_equal(str(t, "scope"), "WORKSPACE");
        cJSON_Delete(j);
}

/* No raw < or & in mrkdwn: nothing can become a link or mention. */
static void slack_mrkdwn_safe(const char *s)
{
        assert_non_null(s);
        assert_null(strchr(s, '<'));
        assert_null(strchr(s, '>'));
        for (const char *p = strchr(s, '&'); p; p = strchr(p + 1, '&'))
                assert_true(strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&lt;", 4) == 0 ||
                            strncmp(p, "&gt;", 4) == 0);
}

/* Slack: & < > escaped in every text; Teams: Markdown links and emphasis. */
static void test_chat_escaping(void **unused)
{
        struct tw_event ev[3];
        char *text;
        cJSON *j, *b;

        (void)unused;
        events(ev);
        j = build("slack", &ev[2]);
        slack_mrkdwn_safe(str(j, "text"));
        assert_non_null(strstr(str(j, "text"), "&lt;ci&gt; &amp;"));
        text = cJSON_PrintUnformatted(j);
        assert_non_null(strstr(text, "OWNER &lt;x&gt;")); /* the After field */
        free(text);
        cJSON_ArrayForEach (b, cJSON_GetObjectItemCaseSensitive(j, "blocks")) {
                const cJSON *f, *t = cJSON_GetObjectItemCaseSensitive(b, "text");

                if (t && strcmp(str(t, "type"), "mrkdwn") == 0)
                        slack_mrkdwn_safe(str(t, "text"));
                cJSON_ArrayForEach (f, cJSON_GetObjectItemCaseSensitive(b, "fields"))
                        slack_mrkdwn_safe(str(f, "text"));
        }
        cJSON_Delete(j);
        j = build("teams", &ev[2]);
        text = cJSON_PrintUnformatted(j);
        assert_null(strstr(text, "[Rotate now](https"));
        assert_non_null(strstr(text, "\\\\[Rotate now\\\\]"));
        assert_null(strstr(text, "[a](https"));
        free(text);
        cJSON_Delete(j);
}

static void test_pagerduty(void **unused)
{
        struct tw_event ev[3];
        cJSON *j, *p;

        (void)unused;
        events(ev);
        j = build("pagerduty", &ev[0]);
        assert_string_equal(str(j, "event_action"), "trigger");
        assert_string_equal(str(j, "dedup_key"), "tokenwatch:org-1:tok-a:change:deleted");
        assert_string_equal(str(j, "routing_key"), "R0UT1NG");
        p = cJSON_GetObjectItemCaseSensitive(j, "payload");
        assert_string_equal(str(p, "severity"), "critical");
        assert_string_equal(str(p, "class"), "token_change");
        cJSON_Delete(j);
        j = build("pagerduty", &ev[1]);
        p = cJSON_GetObjectItemCaseSensitive(j, "payload");
        assert_string_equal(str(p, "severity"), "warning");
        assert_string_equal(str(j, "dedup_key"), "tokenwatch:org-1:tok-a:change:created");
        cJSON_Delete(j);
}

static void test_alertmanager(void **unused)
{
        struct tw_event ev[3];
        cJSON *j, *a, *l;

        (void)unused;
        events(ev);
        j = build("alertmanager", &ev[0]);
        assert_int_equal(cJSON_GetArraySize(j), 1);
        a = cJSON_GetArrayItem(j, 0);
        l = cJSON_GetObjectItemCaseSensitive(a, "labels");
        assert_string_equal(str(l, "alertname"), "TokenDeletedWhileInUse");
        assert_string_equal(str(l, "event"), "deleted");
        assert_string_equal(str(l, "severity"), "critical");
        assert_string_equal(str(l, "token_id"), "tok-a");
        assert_string_equal(str(a, "startsAt"), "2026-06-01T11:59:00Z");
        assert_string_equal(str(a, "endsAt"), "2026-06-01T12:59:00Z");
        cJSON_Delete(j);
        ev[0].kind = TW_EVENT_EXPIRED;
        j = build("alertmanager", &ev[0]);
        l = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(j, 0), "labels");
        assert_string_equal(str(l, "alertname"), "TokenExpiredWhileInUse");
        cJSON_Delete(j);
        j = build("alertmanager", &ev[1]);
        l = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(j, 0), "labels");
        assert_string_equal(str(l, "alertname"), "TokenChange");
        assert_string_equal(str(l, "event"), "created");
        cJSON_Delete(j);
}

/* A record-only event (severity none) is never a body. */
static void test_none_refused(void **unused)
{
        struct tw_event ev[3];
        const struct tw_sink_format *f;
        struct tw_sink_ctx c = nf_sink_ctx;
        cJSON *j = NULL;

        (void)unused;
        events(ev);
        ev[0].severity = TW_SEVERITY_NONE;
        for (size_t i = 0; (f = tw_sink_format_at(i)); i++)
                assert_int_equal(f->change(&c, &ev[0], "k", &j), -EINVAL);
        assert_null(j);
}

/* A staged expiry notice about the hostile token, in the push formats that send them. */
static void test_stage_goldens(void **unused)
{
        static const char *const formats[] = {"generic", "slack", "teams"};
        static const char *const files[] = {"notify-stage-generic.json", "notify-stage-slack.json",
                                            "notify-stage-teams.json"};
        struct tw_inventory *inv = nf_hostile_inventory();
        struct tw_notify_events evs = {0};
        struct tw_notify_event e = *nf_hostile_event(
                &evs, inv, TW_NOTIFY_STAGE, TW_FINDING_EXPIRING, TW_SEVERITY_WARNING, "k-stage");
        const struct tw_sink_format *f;

        (void)unused;
        e.lead = 7 * DAY;
        e.message = "Expires at 2026-06-04T12:00:00Z, in less than 7 days (expiry notice): rotate "
                    "the token, or create a replacement and move its pipelines to it, before then.";
        for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
                f = tw_sink_format_find(formats[i]);
                assert_true(f->stages);
                nf_golden_bodies(formats[i], files[i], inv, &e, 1);
        }
        /* incidents and alerts follow the finding: no notices there */
        assert_false(tw_sink_format_find("pagerduty")->stages);
        assert_false(tw_sink_format_find("alertmanager")->stages);
        tw_notify_events_done(&evs);
        tw_inventory_free(inv);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_goldens),       cmocka_unit_test(test_generic_fields),
                cmocka_unit_test(test_chat_escaping), cmocka_unit_test(test_pagerduty),
                cmocka_unit_test(test_alertmanager),  cmocka_unit_test(test_none_refused),
                cmocka_unit_test(test_stage_goldens),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
