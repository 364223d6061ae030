/* One name for one person: the report, the metrics page and the
 * notifications name a token's creator by tw_subject_name(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "core/config/config.h"
#include "core/inventory.h"
#include "core/notify/state.h"
#include "core/snapshot.h"
#include "core/status.h"
#include "exporters/metrics/metrics.h"
#include "exporters/sinks/sinks.h"
#include "exporters/report/report.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

#define NOW ((int64_t)1780315200)

static char *dup_or_null(const char *s)
{
        char *p = s ? strdup(s) : NULL;

        assert_true(!s || p);
        return p;
}

static const struct {
        const char *name;
        const char *full_name, *username, *api_token_name;
        const char *expect;
} cases[] = {
        {"a person", "Jane Doe", "jane@example.com", NULL, "Jane Doe"},
        {"no full name", "", "jane@example.com", NULL, "jane@example.com"},
        /* report said the username here, metrics and alerts the token name */
        {"username and token name", NULL, "svc@example.com", "deploy-key", "svc@example.com"},
        {"a service key", NULL, NULL, "deploy-key", "deploy-key"},
        {"nothing but an id", NULL, NULL, NULL, "subject-1"},
};

static struct tw_inventory *inventory_with(size_t i)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");
        struct tw_token t = {0};

        assert_non_null(inv);
        t.id = dup_or_null("tok-1");
        t.name = dup_or_null("ci");
        t.scope = dup_or_null("ORGANIZATION");
        t.start_at = t.created_at = t.updated_at = NOW - 86400;
        t.end_at = NOW + 3600;
        t.last_used_at = t.last_rotated_at = TW_NO_TIME;
        t.created_by = calloc(1, sizeof(*t.created_by));
        assert_non_null(t.created_by);
        t.created_by->id = dup_or_null("subject-1");
        t.created_by->subject_type = dup_or_null("USER");
        t.created_by->full_name = dup_or_null(cases[i].full_name);
        t.created_by->username = dup_or_null(cases[i].username);
        t.created_by->api_token_name = dup_or_null(cases[i].api_token_name);
        assert_int_equal(tw_inventory_add_token(inv, &t), 0);
        return inv;
}

/* The created_by.name of the report's only token. */
static char *report_name(const struct tw_snapshot *snap)
{
        struct tw_buf out;
        cJSON *j, *tok;
        char *name;

        tw_buf_init(&out, 1 << 20);
        assert_int_equal(tw_report_render(snap, TW_REPORT_JSON, &out), 0);
        j = cJSON_Parse(out.ptr);
        assert_non_null(j);
        tok = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "tokens"), 0);
        name = dup_or_null(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(tok, "created_by"), "name")));
        cJSON_Delete(j);
        tw_buf_done(&out);
        return name;
}

/* Whether the metrics page carries creator_name="expect". */
static bool metrics_has(const struct tw_snapshot *snap, const char *expect)
{
        struct tw_agent_status st;
        struct tw_buf out;
        char want[256];
        bool found;

        tw_agent_status_init(&st, "test");
        tw_buf_init(&out, 1 << 20);
        assert_int_equal(tw_metrics_render(snap, &st, &out), 0);
        snprintf(want, sizeof(want), "creator_name=\"%s\"", expect);
        found = strstr(out.ptr, want) != NULL;
        tw_buf_done(&out);
        return found;
}

/* Whether the Slack and the generic payloads name the creator expect. */
static bool payloads_have(const struct tw_inventory *inv, const char *expect)
{
        struct tw_sink_ctx ctx = {.organization_id = "org-1", .inv = inv, .now = NOW};
        struct tw_notify_event ev = {
                .type = TW_NOTIFY_FIRING,
                .token_id = "tok-1",
                .token_name = "ci",
                .kind = TW_FINDING_EXPIRING,
                .severity = TW_SEVERITY_CRITICAL,
                .message = "Token \"ci\" expires in 1 hour.",
                .fix = "astro organization token rotate tok-1",
                .since = NOW,
                .changed_at = NOW,
                .at = NOW,
        };
        cJSON *j = NULL;
        char *text;
        bool slack, generic;

        /* the event carries the token's creator as the notifier copies it */
        assert_int_equal(tw_notify_event_set_token(&ev, inv, &inv->tokens[0], true), 0);
        assert_int_equal(tw_sink_slack_build(&ctx, &ev, 1, &j, NULL), 0);
        text = cJSON_PrintUnformatted(j);
        assert_non_null(text);
        slack = strstr(text, expect) != NULL;
        free(text);
        cJSON_Delete(j);
        assert_int_equal(tw_sink_generic_build(&ctx, &ev, 1, &j, NULL), 0);
        generic =
                strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                               cJSON_GetObjectItemCaseSensitive(
                                       cJSON_GetObjectItemCaseSensitive(j, "token"), "created_by"),
                               "name")),
                       expect) == 0;
        cJSON_Delete(j);
        cJSON_Delete(ev.token_json);
        return slack && generic;
}

static void test_same_name_everywhere(void **unused)
{
        (void)unused;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tw_inventory *inv = inventory_with(i);
                struct tw_config *cfg = NULL;
                struct tw_snapshot snap;
                char *name;

                assert_int_equal(tw_config_new_default(&cfg), 0);
                cfg->agent.metrics_creator_names = true;
                snap = (struct tw_snapshot){.cfg = cfg, .inv = inv, .ev = NULL};
                if (strcmp(tw_subject_name(inv->tokens[0].created_by), cases[i].expect) != 0)
                        fail_msg("%s: tw_subject_name", cases[i].name);
                name = report_name(&snap);
                if (!name || strcmp(name, cases[i].expect) != 0)
                        fail_msg("%s: report says %s", cases[i].name, name ? name : "(null)");
                if (!metrics_has(&snap, cases[i].expect))
                        fail_msg("%s: metrics", cases[i].name);
                if (!payloads_have(inv, cases[i].expect))
                        fail_msg("%s: webhook payloads", cases[i].name);
                free(name);
                tw_config_free(cfg);
                tw_inventory_free(inv);
        }
        assert_null(tw_subject_name(NULL));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_same_name_everywhere),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
