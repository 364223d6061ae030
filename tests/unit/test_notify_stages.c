/* Staged expiry notices: a table of (stage mark, token expiry, findings,
 * filter, now) -> notice and new mark, and the mark's persistence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <errno.h>

#include "core/notify/state_stages.h"
#include "core/notify/state.h"
#include "core/notify/stages.h"
#include "helpers/notify_fixture.h"
#include "lib/timeutil.h"

#define EXPIRING TW_FINDING_EXPIRING
#define UNUSED TW_FINDING_UNUSED
#define WARN TW_SEVERITY_WARNING
#define CRIT TW_SEVERITY_CRITICAL
#define NONE TW_SEVERITY_NONE

struct stage_case {
        const char *name;
        int64_t end_at;              /* tok-a's, relative to now (TW_NO_TIME: never) */
        int64_t mark_end, mark_lead; /* the old mark (lead 0: none); end relative to now */
        enum tw_severity finding;    /* tok-a's expiring finding (NONE: none) */
        bool suppressed;             /* that finding is suppressed */
        bool entry;                  /* the sink already has that finding (no FIRING now) */
        unsigned kinds;              /* 0: all */
        enum tw_severity min_severity;
        bool other_workspace; /* the sink routes ws-9 only */
        const char *stages;   /* NULL: "60d, 30d, 7d, 1d" */
        int64_t want_lead;    /* the notice's lead, 0: none */
        enum tw_severity want_sev;
        int64_t want_mark; /* the new mark's lead, 0: none */
};

static const struct stage_case cases[] = {
        {"outside every stage", 90 * DAY, 0, 0, NONE, false, false, 0, WARN, false, NULL, 0, NONE,
         0},
        {"crossing 60d notifies", 59 * DAY, 0, 0, NONE, false, false, 0, WARN, false, NULL,
         60 * DAY, WARN, 60 * DAY},
        {"the same stage again is quiet", 59 * DAY, 59 * DAY, 60 * DAY, NONE, false, false, 0, WARN,
         false, NULL, 0, NONE, 60 * DAY},
        {"the next stage notifies", 29 * DAY, 29 * DAY, 60 * DAY, WARN, false, true, 0, WARN, false,
         NULL, 30 * DAY, WARN, 30 * DAY},
        {"first seen inside several: the innermost only", 6 * DAY, 0, 0, CRIT, false, true, 0, WARN,
         false, NULL, 7 * DAY, CRIT, 7 * DAY},
        {"a new end_at starts over", 59 * DAY, 3 * DAY, 7 * DAY, NONE, false, false, 0, WARN, false,
         NULL, 60 * DAY, WARN, 60 * DAY},
        {"the finding fires in the same step: recorded, not sent", 29 * DAY, 29 * DAY, 60 * DAY,
         WARN, false, false, 0, WARN, false, NULL, 0, NONE, 30 * DAY},
        {"expired: no stage, mark kept", -HOUR, -HOUR, DAY, CRIT, false, true, 0, WARN, false, NULL,
         0, NONE, DAY},
        {"never expires", TW_NO_TIME, 0, 0, NONE, false, false, 0, WARN, false, NULL, 0, NONE, 0},
        {"a sink without expiring hears nothing", 59 * DAY, 0, 0, NONE, false, false, 1u << UNUSED,
         WARN, false, NULL, 0, NONE, 0},
        {"a suppressed expiry sends nothing", 29 * DAY, 0, 60 * DAY, WARN, true, false, 0, WARN,
         false, NULL, 0, NONE, 0},
        {"min_severity critical: not for a warning", 29 * DAY, 0, 0, WARN, false, true, 0, CRIT,
         false, NULL, 0, NONE, 0},
        {"min_severity critical: inside the critical threshold", 20 * HOUR, 0, 0, CRIT, false, true,
         0, CRIT, false, NULL, DAY, CRIT, DAY},
        {"another workspace's sink hears nothing", 59 * DAY, 0, 0, NONE, false, false, 0, WARN,
         true, NULL, 0, NONE, 0},
        {"a lead no longer configured counts as the stages outside it", 50 * DAY, 50 * DAY,
         45 * DAY, NONE, false, false, 0, WARN, false, NULL, 0, NONE, 45 * DAY},
        {"...and the next configured stage still notifies", 29 * DAY, 29 * DAY, 45 * DAY, WARN,
         false, true, 0, WARN, false, NULL, 30 * DAY, WARN, 30 * DAY},
        {"hours", 11 * HOUR, 0, 0, CRIT, false, true, 0, WARN, false, "2d, 12h", 12 * HOUR, CRIT,
         12 * HOUR},
};

static char *ws_other[] = {"ws-9"};

static struct tw_inventory *inventory(int64_t now, int64_t end_at, bool incomplete)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");

        assert_non_null(inv);
        nf_add_workspace(inv, "ws-1", "Data Eng");
        nf_add_token(inv, "tok-a", "deployer", "WORKSPACE", "ws-1", "WORKSPACE_AUTHOR",
                     end_at == TW_NO_TIME ? TW_NO_TIME : now + end_at);
        if (incomplete)
                assert_int_equal(tw_inventory_add_error(inv, "tokens", "HTTP 500"), 0);
        return inv;
}

/* A one-sink ("a") state with an optional entry and an optional mark for
 * tok-a (literal strings: its arena stays empty). */
static struct tw_notify_state *state(bool entry, enum tw_severity sev, int64_t mark_end,
                                     int64_t mark_lead)
{
        struct tw_notify_state *s = calloc(1, sizeof(*s));

        assert_non_null(s);
        s->sinks = calloc(1, sizeof(*s->sinks));
        assert_non_null(s->sinks);
        s->n_sinks = 1;
        s->sinks[0].name = "a";
        s->sinks[0].entries = calloc(1, sizeof(struct tw_notify_entry));
        s->sinks[0].marks = calloc(1, sizeof(struct tw_notify_stage_mark));
        assert_non_null(s->sinks[0].entries);
        assert_non_null(s->sinks[0].marks);
        if (entry) {
                struct tw_notify_entry *e = &s->sinks[0].entries[0];

                e->token_id = "tok-a";
                e->token_name = "deployer";
                e->message = "m";
                e->kind = EXPIRING;
                e->severity = sev;
                e->since = e->changed_at = e->last_sent = NOW - HOUR;
                s->sinks[0].n_entries = 1;
        }
        if (mark_lead) {
                s->sinks[0].marks[0].token_id = "tok-a";
                s->sinks[0].marks[0].end_at = mark_end;
                s->sinks[0].marks[0].lead = mark_lead;
                s->sinks[0].n_marks = 1;
        }
        return s;
}

struct run {
        struct tw_notify_state *st;
        struct tw_notify_events evs, stages;
};

static void step(const struct tw_notify_state *old, const struct tw_inventory *inv,
                 const struct tw_evaluation *ev, const struct tw_notify_filter *flt, int64_t now,
                 struct run *ret)
{
        memset(ret, 0, sizeof(*ret));
        assert_int_equal(
                tw_notify_state_step(old, inv, ev, flt, 1, now, false, &ret->st, &ret->evs), 0);
        assert_int_equal(
                tw_notify_state_stages(ret->st, old, inv, ev, flt, 1, &ret->evs, now, &ret->stages),
                0);
}

static void run_done(struct run *r)
{
        tw_notify_state_free(r->st);
        tw_notify_events_done(&r->evs);
        tw_notify_events_done(&r->stages);
}

static void check_case(const struct stage_case *tc, int64_t now)
{
        struct tw_inventory *inv = inventory(now, tc->end_at, false);
        struct nf_finding fs[2] = {{NULL}};
        struct tw_notify_filter flt = {
                .name = "a", .min_severity = tc->min_severity, .kinds = tc->kinds};
        struct tw_stages st;
        const char *why = NULL;
        struct tw_notify_state *old;
        struct tw_evaluation *ev;
        struct run r;

        assert_int_equal(tw_stages_parse(tc->stages ? tc->stages : "60d, 30d, 7d, 1d", &st, &why),
                         0);
        flt.stages = &st;
        if (tc->other_workspace) {
                flt.workspaces = ws_other;
                flt.n_workspaces = 1;
        }
        if (tc->finding != NONE)
                fs[0] = (struct nf_finding){"tok-a", EXPIRING, tc->finding, tc->suppressed};
        ev = nf_evaluation(inv, fs, now);
        old = state(tc->entry, tc->finding, tc->end_at == TW_NO_TIME ? 0 : now + tc->mark_end,
                    tc->mark_lead);
        step(old, inv, ev, &flt, now, &r);
        if (tc->want_lead) {
                assert_int_equal(r.stages.n, 1);
                assert_int_equal(r.stages.events[0].type, TW_NOTIFY_STAGE);
                assert_int_equal(r.stages.events[0].lead, tc->want_lead);
                assert_int_equal(r.stages.events[0].severity, tc->want_sev);
                assert_int_equal(r.stages.events[0].kind, EXPIRING);
                assert_string_equal(r.stages.events[0].token_id, "tok-a");
                assert_true(r.stages.events[0].listed);
                assert_non_null(r.stages.events[0].token_json);
                /* the fix is the command, never in the message */
                assert_non_null(strstr(r.stages.events[0].fix, "token rotate tok-a"));
                assert_int_equal(strncmp(r.stages.events[0].fix, "astro ", 6), 0);
                assert_null(strstr(r.stages.events[0].message, "Fix"));
                assert_int_equal(strlen(r.stages.events[0].idempotency_key), 32);
        } else {
                assert_int_equal(r.stages.n, 0);
        }
        if (tc->want_mark) {
                assert_int_equal(r.st->sinks[0].n_marks, 1);
                assert_int_equal(r.st->sinks[0].marks[0].lead, tc->want_mark);
                assert_int_equal(r.st->sinks[0].marks[0].end_at, now + tc->end_at);
        } else {
                assert_int_equal(r.st->sinks[0].n_marks, 0);
        }
        run_done(&r);
        tw_notify_state_free(old);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

/* The table at several `now`s: only relative times matter. */
static void test_table(void **unused)
{
        const int64_t nows[] = {NOW, NOW + 17 * DAY + 5, NOW - 400 * DAY};

        (void)unused;
        for (size_t k = 0; k < ARRAY_SIZE(nows); k++)
                for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                        print_message("case: %s (now %lld)\n", cases[i].name, (long long)nows[k]);
                        check_case(&cases[i], nows[k]);
                }
}

/* A token walking towards its expiry, a cycle every 6 hours, with the state
 * saved and loaded between cycles (restarts): each stage once, in order. */
static void test_walk_with_restarts(void **unused)
{
        const int64_t end = NOW + 70 * DAY;
        struct tw_notify_filter flt = {.name = "a", .min_severity = WARN};
        struct tw_notify_state *s = NULL;
        int64_t got[8];
        size_t n_got = 0;
        struct tw_stages st;

        (void)unused;
        assert_int_equal(tw_stages_parse("1d, 60d, 7d, 30d", &st, NULL), 0);
        flt.stages = &st;
        for (int64_t now = NOW; now < end + DAY; now += 6 * HOUR) {
                struct tw_inventory *inv = tw_inventory_new("org-1", "v1");
                struct nf_finding fs[2] = {{NULL}};
                struct tw_evaluation *ev;
                struct tw_notify_state *loaded = NULL;
                cJSON *j;
                struct run r;

                assert_non_null(inv);
                nf_add_workspace(inv, "ws-1", "Data Eng");
                nf_add_token(inv, "tok-a", "deployer", "WORKSPACE", "ws-1", "WORKSPACE_AUTHOR",
                             end);
                if (end - now <= 7 * DAY)
                        fs[0] = (struct nf_finding){"tok-a", EXPIRING, CRIT, false};
                else if (end - now <= 30 * DAY)
                        fs[0] = (struct nf_finding){"tok-a", EXPIRING, WARN, false};
                ev = nf_evaluation(inv, fs, now);
                step(s, inv, ev, &flt, now, &r);
                for (size_t i = 0; i < r.stages.n; i++) {
                        assert_true(n_got < ARRAY_SIZE(got));
                        got[n_got++] = r.stages.events[i].lead;
                }
                j = tw_notify_state_to_json(r.st);
                assert_non_null(j);
                assert_int_equal(tw_notify_state_from_json(j, &loaded), 0);
                cJSON_Delete(j);
                tw_notify_state_free(s);
                s = loaded; /* the next cycle starts from what was saved */
                run_done(&r);
                tw_evaluation_free(ev);
                tw_inventory_free(inv);
        }
        tw_notify_state_free(s);
        /* 30d and 7d come with the finding's FIRING and ESCALATED: not twice */
        assert_int_equal(n_got, 2);
        assert_int_equal(got[0], 60 * DAY);
        assert_int_equal(got[1], DAY);
}

/* A listing that failed keeps the marks of tokens it did not see; a complete
 * one drops them. */
static void test_gone_tokens(void **unused)
{
        struct tw_notify_filter flt = {.name = "a", .min_severity = WARN};
        struct tw_notify_state *old = state(false, NONE, NOW + 20 * DAY, 30 * DAY);
        struct tw_stages st;
        struct nf_finding none[1] = {{NULL}};

        (void)unused;
        assert_int_equal(tw_stages_parse("30d", &st, NULL), 0);
        flt.stages = &st;
        old->sinks[0].marks[0].token_id = "tok-gone";
        for (int incomplete = 0; incomplete < 2; incomplete++) {
                struct tw_inventory *inv = inventory(NOW, 90 * DAY, incomplete);
                struct tw_evaluation *ev = nf_evaluation(inv, none, NOW);
                struct run r;

                step(old, inv, ev, &flt, NOW, &r);
                assert_int_equal(r.stages.n, 0);
                assert_int_equal(r.st->sinks[0].n_marks, incomplete ? 1 : 0);
                run_done(&r);
                tw_evaluation_free(ev);
                tw_inventory_free(inv);
        }
        tw_notify_state_free(old);
}

/* Reverting a sink (it could not build) restores its marks: the notice comes again. */
static void test_revert(void **unused)
{
        struct tw_notify_filter flt = {.name = "a", .min_severity = WARN};
        struct tw_notify_state *old = state(false, NONE, 0, 0);
        struct tw_inventory *inv = inventory(NOW, 59 * DAY, false);
        struct nf_finding none[1] = {{NULL}};
        struct tw_evaluation *ev = nf_evaluation(inv, none, NOW);
        struct tw_stages st;
        struct run r;

        (void)unused;
        assert_int_equal(tw_stages_parse("60d", &st, NULL), 0);
        flt.stages = &st;
        step(old, inv, ev, &flt, NOW, &r);
        assert_int_equal(r.st->sinks[0].n_marks, 1);
        assert_int_equal(tw_notify_state_revert_sink(r.st, old, "a"), 0);
        assert_int_equal(r.st->sinks[0].n_marks, 0);
        run_done(&r);
        tw_notify_state_free(old);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

/* Marks from untrusted JSON: wrong shapes are refused, a file without
 * "stages" (older) loads with none. */
static void test_json(void **unused)
{
        static const char *const bad[] = {
                "{\"sinks\":{\"a\":[]},\"stages\":[]}",
                "{\"sinks\":{\"a\":[]},\"stages\":{\"a\":{}}}",
                "{\"sinks\":{\"a\":[]},\"stages\":{\"a\":[{\"token_id\":1,\"end_at\":1,\"lead\":1}]"
                "}}",
                "{\"sinks\":{\"a\":[]},\"stages\":{\"a\":[{\"token_id\":\"t\",\"end_at\":1,"
                "\"lead\":0}]}}",
                "{\"sinks\":{\"a\":[]},\"stages\":{\"a\":[{\"token_id\":\"t\",\"end_at\":1e300,"
                "\"lead\":5}]}}",
                "{\"sinks\":{\"a\":[]},\"stages\":{\"a\":[{\"token_id\":\"t\",\"end_at\":1,"
                "\"lead\":5},"
                "{\"token_id\":\"t\",\"end_at\":1,\"lead\":5}]}}",
        };
        struct tw_notify_state *s = NULL;
        cJSON *j;

        (void)unused;
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                j = cJSON_Parse(bad[i]);
                assert_non_null(j);
                assert_int_equal(tw_notify_state_from_json(j, &s), -EBADMSG);
                cJSON_Delete(j);
        }
        j = cJSON_Parse("{\"sinks\":{\"a\":[]}}");
        assert_int_equal(tw_notify_state_from_json(j, &s), 0);
        assert_int_equal(s->sinks[0].n_marks, 0);
        cJSON_Delete(j);
        tw_notify_state_free(s);
        j = cJSON_Parse("{\"sinks\":{\"a\":[]},\"stages\":{\"a\":[{\"token_id\":\"t\",\"end_at\":"
                        "1780315200,\"lead\":86400}],\"gone\":[]}}");
        assert_int_equal(tw_notify_state_from_json(j, &s), 0);
        assert_int_equal(s->sinks[0].n_marks, 1);
        assert_int_equal(s->sinks[0].marks[0].lead, DAY);
        cJSON_Delete(j);
        tw_notify_state_free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table),       cmocka_unit_test(test_walk_with_restarts),
                cmocka_unit_test(test_gone_tokens), cmocka_unit_test(test_revert),
                cmocka_unit_test(test_json),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
