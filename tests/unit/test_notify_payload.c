/* Webhook payloads: golden JSON per format, hostile names, HMAC (RFC 4231). */
#include "notify_fixture.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>

#include "lib/buf.h"
#include "exporters/sink_format.h"
#include "helpers/helpers.h"

#define HOSTILE                                                    \
        "deploy \"prod\" <ci> & \\ `x`\n\xf0\x9f\x9a\x80 [Rotate " \
        "now](https://evil.example/login) "                        \
        "<https://evil.example|click> *bold*"

/* Compares text with tests/golden/NAME; TW_UPDATE_GOLDEN=1 rewrites it. */
static void check_golden(const char *name, const char *text)
{
        char path[4096];
        struct tw_buf want;
        FILE *f;
        char chunk[4096];
        size_t n;

        snprintf(path, sizeof(path), "%s/tests/golden/%s", tw_test_source_dir(), name);
        if (getenv("TW_UPDATE_GOLDEN") && strcmp(getenv("TW_UPDATE_GOLDEN"), "1") == 0) {
                f = fopen(path, "w");
                assert_non_null(f);
                assert_int_equal(fputs(text, f) >= 0, 1);
                assert_int_equal(fclose(f), 0);
                return;
        }
        f = fopen(path, "r");
        if (!f)
                fail_msg("missing golden file %s (run with TW_UPDATE_GOLDEN=1)", path);
        tw_buf_init(&want, 0);
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                assert_int_equal(tw_buf_add(&want, chunk, n), 0);
        fclose(f);
        if (strcmp(want.ptr ? want.ptr : "", text) != 0)
                fail_msg("%s differs from the output:\n%s", path, text);
        tw_buf_done(&want);
}

static struct tw_inventory *inventory(void)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");

        assert_non_null(inv);
        nf_add_workspace(inv, "ws-1", "Data <Eng>");
        nf_add_token(inv, "tok-a", HOSTILE, "WORKSPACE", "ws-1", "WORKSPACE_AUTHOR", NOW + 3 * DAY);
        return inv;
}

static struct tw_notify_event event(const struct tw_inventory *inv, enum tw_notify_event_type type,
                                    enum tw_finding_kind kind, enum tw_severity sev,
                                    const char *key)
{
        const struct tw_token *t = tw_inventory_token(inv, "tok-a");
        struct tw_notify_event e = {0};

        e.type = type;
        e.token = type == TW_NOTIFY_RESOLVED ? NULL : t; /* resolved: the token was deleted */
        e.token_id = "tok-a";
        e.token_name = HOSTILE;
        e.kind = kind;
        e.severity = sev;
        e.prev_kind = TW_FINDING_EXPIRING;
        e.prev_severity = TW_SEVERITY_WARNING;
        e.message = "Token \"" HOSTILE "\" expires 2026-06-04 12:00 UTC (in 3 days). "
                    "Fix: astro workspace token rotate tok-a --workspace-id ws-1.";
        e.since = NOW - 2 * DAY;
        e.changed_at = NOW - HOUR;
        e.at = NOW;
        snprintf(e.idempotency_key, sizeof(e.idempotency_key), "%s", key);
        return e;
}

static const struct tw_sink_ctx ctx = {
        .organization_id = "org-1",
        .now = NOW,
        .routing_key = "R0UT1NG",
        .alert_ttl = 900,
};

/* Prints each event's payload of one format into a JSON array, checks the golden file. */
static void golden_push(const struct tw_sink_ctx *c, const char *fmt, const char *file,
                        const struct tw_notify_event *evs, size_t n)
{
        cJSON *arr = cJSON_CreateArray(), *p, *back;
        char *text;

        for (size_t i = 0; i < n; i++) {
                assert_int_equal(tw_sink_format_find(fmt)->build(c, &evs[i], 1, &p, NULL), 0);
                cJSON_AddItemToArray(arr, p);
        }
        text = cJSON_Print(arr);
        assert_non_null(text);
        back = cJSON_Parse(text); /* hostile names stay valid JSON */
        assert_non_null(back);
        cJSON_Delete(back);
        check_golden(file, text);
        free(text);
        cJSON_Delete(arr);
}

static void test_golden(void **unused)
{
        struct tw_inventory *inv = inventory();
        struct tw_sink_ctx c = ctx;
        struct tw_notify_event evs[] = {
                event(inv, TW_NOTIFY_FIRING, TW_FINDING_EXPIRING, TW_SEVERITY_WARNING, "k-firing"),
                event(inv, TW_NOTIFY_ESCALATED, TW_FINDING_EXPIRING, TW_SEVERITY_CRITICAL,
                      "k-escalated"),
                event(inv, TW_NOTIFY_RESOLVED, TW_FINDING_EXPIRING, TW_SEVERITY_CRITICAL,
                      "k-resolved"),
                event(inv, TW_NOTIFY_REMINDER, TW_FINDING_EXPIRING, TW_SEVERITY_CRITICAL,
                      "k-reminder"),
        };
        struct tw_notify_event am[] = {
                evs[0],
                event(inv, TW_NOTIFY_ACTIVE, TW_FINDING_UNUSED, TW_SEVERITY_WARNING, "k-active"),
                evs[1],
                evs[2],
        };
        cJSON *j;
        char *text;
        bool coalesce = true;

        (void)unused;
        c.inv = inv;
        golden_push(&c, "generic", "notify-generic.json", evs, 3);
        golden_push(&c, "slack", "notify-slack.json", evs, 3);
        golden_push(&c, "teams", "notify-teams.json", evs, 2);
        golden_push(&c, "pagerduty", "notify-pagerduty.json", evs, 4);
        assert_int_equal(tw_sink_alertmanager_build(&c, am, ARRAY_SIZE(am), &j, &coalesce), 0);
        assert_false(coalesce);                     /* it resolves something */
        assert_int_equal(cJSON_GetArraySize(j), 5); /* escalation resolves the old labels too */
        text = cJSON_Print(j);
        check_golden("notify-alertmanager.json", text);
        free(text);
        cJSON_Delete(j);
        tw_inventory_free(inv);
}

static void test_hostile_names(void **unused)
{
        struct tw_inventory *inv = inventory();
        struct tw_sink_ctx c = ctx;
        struct tw_notify_event e =
                event(inv, TW_NOTIFY_FIRING, TW_FINDING_EXPIRED, TW_SEVERITY_CRITICAL, "k");
        cJSON *j;
        char *text;

        (void)unused;
        c.inv = inv;
        assert_int_equal(tw_sink_generic_build(&c, &e, 1, &j, NULL), 0);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                                    cJSON_GetObjectItemCaseSensitive(j, "token"), "name")),
                            HOSTILE);
        cJSON_Delete(j);
        assert_int_equal(tw_sink_slack_build(&c, &e, 1, &j, NULL), 0);
        text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "text"));
        assert_null(strstr(text, "<ci>")); /* mrkdwn control characters escaped */
        assert_non_null(strstr(text, "&lt;ci&gt; &amp;"));
        assert_null(strstr(text, "<https://evil.example|click>")); /* no Slack link */
        cJSON_Delete(j);
        /* Teams: the name shows as typed, never as a link under our heading */
        assert_int_equal(tw_sink_teams_build(&c, &e, 1, &j, NULL), 0);
        text = cJSON_PrintUnformatted(j);
        assert_null(strstr(text, "[Rotate now](https"));
        assert_non_null(strstr(text, "\\\\[Rotate now\\\\](https://evil.example/login)"));
        assert_null(strstr(text, " *bold*"));
        assert_null(strstr(text, "\\n")); /* a name's line break cannot start a block */
        free(text);
        cJSON_Delete(j);
        e.type = TW_NOTIFY_ACTIVE;
        assert_int_equal(tw_sink_generic_build(&c, &e, 1, &j, NULL), -EINVAL);
        tw_inventory_free(inv);
}

/* RFC 4231 test cases 1, 2 and 6 (a key longer than the block size). */
static void test_hmac_rfc4231(void **unused)
{
        static const struct {
                const char *name, *key, *data, *want;
                size_t key_len;
        } cases[] = {
                {"case 1",
                 "\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b\x0b",
                 "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
                 20},
                {"case 2", "Jefe", "what do ya want for nothing?",
                 "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", 4},
                {"case 6", NULL, "Test Using Larger Than Block-Size Key - Hash Key First",
                 "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", 131},
        };
        char key6[131];
        char hex[65];

        (void)unused;
        memset(key6, 0xaa, sizeof(key6));
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                print_message("case: %s\n", cases[i].name);
                assert_int_equal(tw_hmac_sha256_hex(cases[i].key ? cases[i].key : key6,
                                                    cases[i].key_len, cases[i].data,
                                                    strlen(cases[i].data), hex),
                                 0);
                assert_string_equal(hex, cases[i].want);
        }
}

/* The signature covers "<timestamp>.<body>": same as HMAC over that string. */
static void test_sign(void **unused)
{
        char sig[72], hex[65];
        const char *body = "{\"event\":\"firing\"}";
        const char *signed_text = "1780315200.{\"event\":\"firing\"}";

        (void)unused;
        assert_int_equal(tw_sink_sign("s3cret", NOW, body, strlen(body), sig), 0);
        assert_int_equal(tw_hmac_sha256_hex("s3cret", 6, signed_text, strlen(signed_text), hex), 0);
        assert_int_equal(strncmp(sig, "sha256=", 7), 0);
        assert_string_equal(sig + 7, hex);
        assert_int_equal(tw_sink_sign("other", NOW, body, strlen(body), sig), 0);
        assert_string_not_equal(sig + 7, hex);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_golden),
                cmocka_unit_test(test_hostile_names),
                cmocka_unit_test(test_hmac_rfc4231),
                cmocka_unit_test(test_sign),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
