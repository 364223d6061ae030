/* The notification state machine: a table of (old state, findings, filter) -> events. */
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

#include "core/notify/state.h"
#include "core/owner.h"
#include "helpers/notify_fixture.h"
#include "lib/arena.h"
#include "lib/timeutil.h"

#define EXPIRED TW_FINDING_EXPIRED
#define EXPIRING TW_FINDING_EXPIRING
#define UNUSED TW_FINDING_UNUSED
#define OVERPRIV TW_FINDING_OVER_PRIVILEGED
#define WARN TW_SEVERITY_WARNING
#define CRIT TW_SEVERITY_CRITICAL

struct entry_spec {
        const char *token_id;
        enum tw_finding_kind kind;
        enum tw_severity severity;
        int64_t last_sent;
};

struct event_spec {
        const char *token_id; /* NULL ends the list */
        enum tw_notify_event_type type;
        enum tw_finding_kind kind;
        enum tw_severity severity;
};

struct state_case {
        const char *name;
        struct entry_spec old[3];
        struct nf_finding findings[4];
        struct tw_notify_filter filter; /* name is set to "a" */
        bool incomplete;                /* a listing failed */
        struct event_spec want[4];      /* every event but ACTIVE, in order */
        size_t want_entries;
        bool stale; /* the API is down: the last good inventory, re-evaluated at NOW */
};

static char *ws_by_id[] = {"ws-1"};
static char *ws_by_name[] = {"ML"};
static char *ws_none[] = {"ws-9"};
/* Owner routing: tok-a's owner is its workspace "Data Eng" (or
 * "ci" under owners_ci's rule), tok-b's its deployment's workspace "ML",
 * tok-c's the description's "platform". */
static char *teams_data_eng[] = {"data eng"};
static char *teams_ml_platform[] = {"ML", "platform"};
static char *teams_nobody[] = {"nobody"};
static char *teams_ci[] = {"ci"};
static char *match_repo[] = {"repo=github.com/acme/infra"};
static char *match_teams[] = {"team=ml", "team=Data Eng"};
static char *match_both[] = {"team=platform", "repo=github.com/acme/other"};
static char *match_contact[] = {"contact=ops@acme.com"};
static const struct tw_owner_rule rule_ci[] = {{.name_glob = "deploy*", .team = "ci"}};
static const struct tw_owner_policy owners_ci = {.rules = rule_ci, .n_rules = 1};

#define ALL_UNUSED                                                              \
        {                                                                       \
                {"tok-a", UNUSED, WARN, false}, {"tok-b", UNUSED, WARN, false}, \
                        {"tok-c", UNUSED, WARN, false},                         \
                {                                                               \
                        NULL                                                    \
                }                                                               \
        }

#define F_DEFAULT                                            \
        {                                                    \
                .min_severity = WARN, .repeat_interval = DAY \
        }

static const struct state_case cases[] = {
        {"appear fires",
         {{NULL}},
         {{"tok-a", EXPIRING, WARN, false}, {NULL}},
         F_DEFAULT,
         false,
         {{"tok-a", TW_NOTIFY_FIRING, EXPIRING, WARN}},
         1,
         false},
        {"unchanged is quiet",
         {{"tok-a", EXPIRING, WARN, NOW - HOUR}},
         {{"tok-a", EXPIRING, WARN, false}, {NULL}},
         F_DEFAULT,
         false,
         {{NULL}},
         1,
         false},
        {"warning to critical escalates",
         {{"tok-a", EXPIRING, WARN, NOW - HOUR}},
         {{"tok-a", EXPIRING, CRIT, false}, {NULL}},
         F_DEFAULT,
         false,
         {{"tok-a", TW_NOTIFY_ESCALATED, EXPIRING, CRIT}},
         1,
         false},
        {"expiring to expired escalates",
         {{"tok-a", EXPIRING, CRIT, NOW - HOUR}},
         {{"tok-a", EXPIRED, CRIT, false}, {NULL}},
         F_DEFAULT,
         false,
         {{"tok-a", TW_NOTIFY_ESCALATED, EXPIRED, CRIT}},
         1,
         false},
        {"first seen expired fires once",
         {{NULL}},
         {{"tok-a", EXPIRED, CRIT, false}, {"tok-a", EXPIRING, CRIT, false}, {NULL}},
         F_DEFAULT,
         false,
         {{"tok-a", TW_NOTIFY_FIRING, EXPIRED, CRIT}},
         1,
         false},
        {"critical to warning is a silent change",
         {{"tok-c", OVERPRIV, CRIT, NOW - HOUR}},
         {{"tok-c", OVERPRIV, WARN, false}, {NULL}},
         F_DEFAULT,
         false,
         {{"tok-c", TW_NOTIFY_CHANGED, OVERPRIV, WARN}},
         1,
         false},
        {"gone resolves",
         {{"tok-a", EXPIRING, WARN, NOW - HOUR}, {"tok-b", UNUSED, WARN, NOW - HOUR}},
         {{"tok-b", UNUSED, WARN, false}, {NULL}},
         F_DEFAULT,
         false,
         {{"tok-a", TW_NOTIFY_RESOLVED, EXPIRING, WARN}},
         1,
         false},
        {"deleted token resolves",
         {{"tok-zz", UNUSED, WARN, NOW - HOUR}},
         {{NULL}},
         F_DEFAULT,
         false,
         {{"tok-zz", TW_NOTIFY_RESOLVED, UNUSED, WARN}},
         0,
         false},
        {"incomplete inventory defers resolution",
         {{"tok-zz", UNUSED, WARN, NOW - HOUR}},
         {{NULL}},
         F_DEFAULT,
         true,
         {{NULL}},
         1,
         false},
        {"reminder after repeat_interval",
         {{"tok-a", EXPIRING, WARN, NOW - DAY}},
         {{"tok-a", EXPIRING, WARN, false}, {NULL}},
         F_DEFAULT,
         false,
         {{"tok-a", TW_NOTIFY_REMINDER, EXPIRING, WARN}},
         1,
         false},
        {"no reminder one second early",
         {{"tok-a", EXPIRING, WARN, NOW - DAY + 1}},
         {{"tok-a", EXPIRING, WARN, false}, {NULL}},
         F_DEFAULT,
         false,
         {{NULL}},
         1,
         false},
        {"repeat_interval 0 never reminds",
         {{"tok-a", EXPIRING, WARN, NOW - 30 * DAY}},
         {{"tok-a", EXPIRING, WARN, false}, {NULL}},
         {.min_severity = WARN},
         false,
         {{NULL}},
         1,
         false},
        {"suppression start resolves",
         {{"tok-a", EXPIRING, WARN, NOW - HOUR}},
         {{"tok-a", EXPIRING, WARN, true}, {NULL}},
         F_DEFAULT,
         false,
         {{"tok-a", TW_NOTIFY_RESOLVED, EXPIRING, WARN}},
         0,
         false},
        {"suppressed never notifies",
         {{NULL}},
         {{"tok-a", EXPIRING, CRIT, true}, {NULL}},
         F_DEFAULT,
         false,
         {{NULL}},
         0,
         false},
        {"lapsed suppression fires",
         {{NULL}},
         {{"tok-a", EXPIRING, CRIT, false}, {NULL}},
         F_DEFAULT,
         false,
         {{"tok-a", TW_NOTIFY_FIRING, EXPIRING, CRIT}},
         1,
         false},
        {"min_severity hides warnings",
         {{NULL}},
         {{"tok-a", EXPIRING, WARN, false}, {NULL}},
         {.min_severity = CRIT},
         false,
         {{NULL}},
         0,
         false},
        {"min_severity: reaching critical fires",
         {{NULL}},
         {{"tok-a", EXPIRING, CRIT, false}, {NULL}},
         {.min_severity = CRIT},
         false,
         {{"tok-a", TW_NOTIFY_FIRING, EXPIRING, CRIT}},
         1,
         false},
        {"kinds filter",
         {{NULL}},
         {{"tok-a", EXPIRING, WARN, false}, {"tok-a", UNUSED, WARN, false}, {NULL}},
         {.min_severity = WARN, .kinds = 1u << UNUSED},
         false,
         {{"tok-a", TW_NOTIFY_FIRING, UNUSED, WARN}},
         1,
         false},
        {"workspaces by id",
         {{NULL}},
         {{"tok-a", UNUSED, WARN, false},
          {"tok-b", UNUSED, WARN, false},
          {"tok-c", UNUSED, WARN, false},
          {NULL}},
         {.min_severity = WARN, .workspaces = ws_by_id, .n_workspaces = 1},
         false,
         {{"tok-a", TW_NOTIFY_FIRING, UNUSED, WARN}},
         1,
         false},
        {"workspaces by name through a deployment",
         {{NULL}},
         {{"tok-a", UNUSED, WARN, false},
          {"tok-b", UNUSED, WARN, false},
          {"tok-c", UNUSED, WARN, false},
          {NULL}},
         {.min_severity = WARN, .workspaces = ws_by_name, .n_workspaces = 1},
         false,
         {{"tok-b", TW_NOTIFY_FIRING, UNUSED, WARN}},
         1,
         false},
        {"workspaces: none match",
         {{NULL}},
         {{"tok-a", UNUSED, WARN, false}, {NULL}},
         {.min_severity = WARN, .workspaces = ws_none, .n_workspaces = 1},
         false,
         {{NULL}},
         0,
         false},
        {"teams: one, compared without case",
         {{NULL}},
         ALL_UNUSED,
         {.min_severity = WARN, .teams = teams_data_eng, .n_teams = 1},
         false,
         {{"tok-a", TW_NOTIFY_FIRING, UNUSED, WARN}},
         1,
         false},
        {"teams: a workspace's and a description's",
         {{NULL}},
         ALL_UNUSED,
         {.min_severity = WARN, .teams = teams_ml_platform, .n_teams = 2},
         false,
         {{"tok-b", TW_NOTIFY_FIRING, UNUSED, WARN}, {"tok-c", TW_NOTIFY_FIRING, UNUSED, WARN}},
         2,
         false},
        {"teams: none match",
         {{NULL}},
         ALL_UNUSED,
         {.min_severity = WARN, .teams = teams_nobody, .n_teams = 1},
         false,
         {{NULL}},
         0,
         false},
        {"teams: a rule wins over the workspace",
         {{NULL}},
         ALL_UNUSED,
         {.min_severity = WARN, .teams = teams_ci, .n_teams = 1, .owners = &owners_ci},
         false,
         {{"tok-a", TW_NOTIFY_FIRING, UNUSED, WARN}},
         1,
         false},
        {"teams: without the rule's policy the workspace answers",
         {{NULL}},
         ALL_UNUSED,
         {.min_severity = WARN, .teams = teams_ci, .n_teams = 1},
         false,
         {{NULL}},
         0,
         false},
        {"match: a description key",
         {{NULL}},
         ALL_UNUSED,
         {.min_severity = WARN, .match = match_repo, .n_match = 1},
         false,
         {{"tok-c", TW_NOTIFY_FIRING, UNUSED, WARN}},
         1,
         false},
        {"match: values of one key are alternatives",
         {{NULL}},
         ALL_UNUSED,
         {.min_severity = WARN, .match = match_teams, .n_match = 2},
         false,
         {{"tok-a", TW_NOTIFY_FIRING, UNUSED, WARN}, {"tok-b", TW_NOTIFY_FIRING, UNUSED, WARN}},
         2,
         false},
        {"match: different keys must all hold",
         {{NULL}},
         ALL_UNUSED,
         {.min_severity = WARN, .match = match_both, .n_match = 2},
         false,
         {{NULL}},
         0,
         false},
        {"match: a hostile contact is no value",
         {{NULL}},
         ALL_UNUSED,
         {.min_severity = WARN, .match = match_contact, .n_match = 1},
         false,
         {{NULL}},
         0,
         false},
        {"teams and workspaces: both must hold",
         {{NULL}},
         ALL_UNUSED,
         {.min_severity = WARN,
          .workspaces = ws_by_name,
          .n_workspaces = 1,
          .teams = teams_data_eng,
          .n_teams = 1},
         false,
         {{NULL}},
         0,
         false},
        {"teams: an owned token resolves when it leaves the team",
         {{"tok-c", UNUSED, WARN, NOW - HOUR}},
         ALL_UNUSED,
         {.min_severity = WARN, .teams = teams_data_eng, .n_teams = 1},
         false,
         {{"tok-a", TW_NOTIFY_FIRING, UNUSED, WARN}, {"tok-c", TW_NOTIFY_RESOLVED, UNUSED, WARN}},
         1,
         false},
        {"several tokens in id order",
         {{"tok-b", UNUSED, WARN, NOW - HOUR}},
         {{"tok-c", OVERPRIV, CRIT, false}, {"tok-a", UNUSED, WARN, false}, {NULL}},
         F_DEFAULT,
         false,
         {{"tok-a", TW_NOTIFY_FIRING, UNUSED, WARN},
          {"tok-b", TW_NOTIFY_RESOLVED, UNUSED, WARN},
          {"tok-c", TW_NOTIFY_FIRING, OVERPRIV, CRIT}},
         2,
         false},
        /* API outage: nothing resolves or downgrades, time still escalates */
        {"stale: gone resolves nothing",
         {{"tok-a", EXPIRING, WARN, NOW - HOUR}, {"tok-b", UNUSED, WARN, NOW - HOUR}},
         {{"tok-b", UNUSED, WARN, false}, {NULL}},
         F_DEFAULT,
         false,
         {{NULL}},
         2,
         true},
        {"stale: deleted token resolves nothing",
         {{"tok-zz", UNUSED, WARN, NOW - HOUR}},
         {{NULL}},
         F_DEFAULT,
         false,
         {{NULL}},
         1,
         true},
        {"stale: expiring to expired still escalates",
         {{"tok-a", EXPIRING, CRIT, NOW - HOUR}},
         {{"tok-a", EXPIRED, CRIT, false}, {NULL}},
         F_DEFAULT,
         false,
         {{"tok-a", TW_NOTIFY_ESCALATED, EXPIRED, CRIT}},
         1,
         true},
        {"stale: critical to warning is not believed",
         {{"tok-c", OVERPRIV, CRIT, NOW - HOUR}},
         {{"tok-c", OVERPRIV, WARN, false}, {NULL}},
         F_DEFAULT,
         false,
         {{NULL}},
         1,
         true},
        {"stale: a suppression added meanwhile resolves nothing",
         {{"tok-a", EXPIRING, WARN, NOW - HOUR}},
         {{"tok-a", EXPIRING, WARN, true}, {NULL}},
         F_DEFAULT,
         false,
         {{NULL}},
         1,
         true},
        {"stale: reminders continue",
         {{"tok-a", EXPIRING, WARN, NOW - DAY}},
         {{"tok-a", EXPIRING, WARN, false}, {NULL}},
         F_DEFAULT,
         false,
         {{"tok-a", TW_NOTIFY_REMINDER, EXPIRING, WARN}},
         1,
         true},
};

static struct tw_inventory *inventory(bool incomplete)
{
        struct tw_inventory *inv = tw_inventory_new("org-1", "v1");

        assert_non_null(inv);
        nf_add_workspace(inv, "ws-1", "Data Eng");
        nf_add_workspace(inv, "ws-2", "ML");
        nf_add_deployment(inv, "dep-1", "prod", "ws-2");
        nf_add_token(inv, "tok-a", "deployer", "WORKSPACE", "ws-1", "WORKSPACE_AUTHOR",
                     NOW + 20 * DAY);
        nf_add_token(inv, "tok-b", "reader", "DEPLOYMENT", "dep-1", "DEPLOYMENT_ADMIN",
                     NOW + 200 * DAY);
        nf_add_token(inv, "tok-c", "org-admin", "ORGANIZATION", "org-1", "ORGANIZATION_OWNER",
                     TW_NO_TIME);
        /* the contact is hostile, so dropped; the team answers */
        inv->tokens[2].description = tw_arena_strdup(
                &inv->arena, "team=platform; repo=github.com/acme/infra; contact=<ops@acme.com>",
                &(int){0});
        assert_string_equal(inv->tokens[2].id, "tok-c");
        if (incomplete)
                assert_int_equal(tw_inventory_add_error(inv, "tokens", "HTTP 500"), 0);
        return inv;
}

static struct tw_notify_state *old_state(const struct entry_spec *es)
{
        struct tw_notify_state *s = calloc(1, sizeof(*s));
        size_t n = 0;

        assert_non_null(s);
        s->sinks = calloc(1, sizeof(*s->sinks));
        assert_non_null(s->sinks);
        s->n_sinks = 1;
        s->sinks[0].name = "a";
        s->sinks[0].entries = calloc(4, sizeof(struct tw_notify_entry));
        for (; n < 3 && es[n].token_id; n++) {
                struct tw_notify_entry *e = &s->sinks[0].entries[n];

                e->token_id = es[n].token_id;
                e->token_name = es[n].token_id;
                e->message = "old message";
                e->kind = es[n].kind;
                e->severity = es[n].severity;
                e->since = NOW - 2 * DAY;
                e->changed_at = NOW - 2 * DAY;
                e->last_sent = es[n].last_sent;
        }
        s->sinks[0].n_entries = n;
        return s;
}

static void test_table(void **unused)
{
        (void)unused;
        for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
                const struct state_case *tc = &cases[c];
                struct tw_inventory *inv = inventory(tc->incomplete);
                struct tw_evaluation *ev = nf_evaluation(inv, tc->findings, NOW);
                struct tw_notify_state *old = old_state(tc->old), *s = NULL;
                struct tw_notify_filter f = tc->filter;
                struct tw_notify_events evs = {0};
                size_t w = 0;

                print_message("case: %s\n", tc->name);
                f.name = "a";
                assert_int_equal(
                        tw_notify_state_step(old, inv, ev, &f, 1, NOW, tc->stale, &s, &evs), 0);
                for (size_t i = 0; i < evs.n; i++) {
                        const struct tw_notify_event *e = &evs.events[i];

                        if (e->type == TW_NOTIFY_ACTIVE)
                                continue;
                        assert_non_null(tc->want[w].token_id);
                        assert_string_equal(e->token_id, tc->want[w].token_id);
                        assert_string_equal(tw_notify_event_to_string(e->type),
                                            tw_notify_event_to_string(tc->want[w].type));
                        assert_string_equal(tw_finding_kind_to_string(e->kind),
                                            tw_finding_kind_to_string(tc->want[w].kind));
                        assert_int_equal(e->severity, tc->want[w].severity);
                        assert_int_equal(strlen(e->idempotency_key), 32);
                        w++;
                }
                assert_null(w < ARRAY_SIZE(tc->want) ? tc->want[w].token_id : NULL);
                assert_int_equal(s->n_sinks, 1);
                assert_int_equal(s->sinks[0].n_entries, tc->want_entries);
                tw_notify_events_done(&evs);
                tw_notify_state_free(s);
                tw_notify_state_free(old);
                tw_evaluation_free(ev);
                tw_inventory_free(inv);
        }
}

/* Two cycles through the JSON form: the second is quiet, then a reminder a day on. */
/* An alerting sink's entry keeps the owner labels it first fired with,
 * through the JSON state, so the resolve of a deleted token carries the
 * labels of its alert. */
static void test_owner_kept(void **unused)
{
        static const struct nf_finding fs[] = {{"tok-c", OVERPRIV, CRIT, false}, {NULL}};
        static char *labels[] = {"team", "repo"};
        struct tw_inventory *inv = inventory(false), *gone;
        struct tw_evaluation *ev = nf_evaluation(inv, fs, NOW), *ev2;
        struct tw_notify_filter f = {.name = "am",
                                     .min_severity = WARN,
                                     .keep_owner = true,
                                     .owner_labels = labels,
                                     .n_owner_labels = 2};
        struct tw_notify_state *s1 = NULL, *s2 = NULL, *s3 = NULL;
        struct tw_notify_events e1 = {0}, e2 = {0};
        static const char want[] = "team=platform\nrepo=github.com/acme/infra\n";
        cJSON *j;

        (void)unused;
        assert_int_equal(tw_notify_state_step(NULL, inv, ev, &f, 1, NOW, false, &s1, &e1), 0);
        assert_int_equal(e1.n, 1);
        assert_string_equal(e1.events[0].owner, want);
        assert_string_equal(e1.events[0].organization, "org-1");
        j = tw_notify_state_to_json(s1);
        assert_int_equal(tw_notify_state_from_json(j, &s2), 0);
        cJSON_Delete(j);
        assert_string_equal(s2->sinks[0].entries[0].owner, want);
        /* tok-c deleted: its entry resolves with the labels it fired with,
         * and its own organization, not the merged inventory's joined ids */
        gone = tw_inventory_new("org-1,org-2", "v1");
        ev2 = nf_evaluation(gone, (const struct nf_finding[]){{NULL}}, NOW + HOUR);
        assert_int_equal(tw_notify_state_step(s2, gone, ev2, &f, 1, NOW + HOUR, false, &s3, &e2),
                         0);
        assert_int_equal(e2.n, 1);
        assert_int_equal(e2.events[0].type, TW_NOTIFY_RESOLVED);
        assert_false(e2.events[0].listed);
        assert_null(e2.events[0].token_json);
        assert_string_equal(e2.events[0].owner, want);
        assert_string_equal(e2.events[0].organization, "org-1");
        /* a sink that does not alert keeps none */
        f.keep_owner = false;
        tw_notify_events_done(&e1);
        tw_notify_state_free(s1);
        s1 = NULL;
        assert_int_equal(tw_notify_state_step(NULL, inv, ev, &f, 1, NOW, false, &s1, &e1), 0);
        assert_string_equal(e1.events[0].owner, "");
        tw_notify_events_done(&e1);
        tw_notify_events_done(&e2);
        tw_notify_state_free(s1);
        tw_notify_state_free(s2);
        tw_notify_state_free(s3);
        tw_evaluation_free(ev);
        tw_evaluation_free(ev2);
        tw_inventory_free(inv);
        tw_inventory_free(gone);
}

static void test_json_round_trip(void **unused)
{
        static const struct nf_finding fs[] = {
                {"tok-a", EXPIRING, WARN, false}, {"tok-c", OVERPRIV, CRIT, false}, {NULL}};
        struct tw_inventory *inv = inventory(false);
        struct tw_evaluation *ev = nf_evaluation(inv, fs, NOW);
        struct tw_notify_filter f[] = {{.name = "x", .min_severity = WARN, .repeat_interval = DAY},
                                       {.name = "y \"odd\" name", .min_severity = CRIT}};
        struct tw_notify_state *s1 = NULL, *s2 = NULL, *s3 = NULL;
        struct tw_notify_events e1 = {0}, e2 = {0};
        char *text, *text2;
        cJSON *j;

        (void)unused;
        assert_int_equal(tw_notify_state_step(NULL, inv, ev, f, 2, NOW, false, &s1, &e1), 0);
        assert_int_equal(e1.n, 3); /* x: 2 firing, y: 1 firing */
        j = tw_notify_state_to_json(s1);
        assert_non_null(j);
        text = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
        j = cJSON_Parse(text);
        assert_int_equal(tw_notify_state_from_json(j, &s2), 0);
        cJSON_Delete(j);
        j = tw_notify_state_to_json(s2);
        text2 = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
        assert_string_equal(text, text2);
        tw_notify_state_free(s1);
        tw_notify_events_done(&e1);
        assert_int_equal(tw_notify_state_step(s2, inv, ev, f, 2, NOW + DAY, false, &s3, &e2), 0);
        for (size_t i = 0; i < e2.n; i++)
                assert_true(e2.events[i].type ==
                            (e2.events[i].sink == 0 ? TW_NOTIFY_REMINDER : TW_NOTIFY_ACTIVE));
        assert_int_equal(e2.n, 3);
        free(text);
        free(text2);
        tw_notify_events_done(&e2);
        tw_notify_state_free(s2);
        tw_notify_state_free(s3);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

static void test_json_rejects_bad_shapes(void **unused)
{
        static const char *const bad[] = {
                "[]",
                "{\"sinks\": []}",
                "{\"sinks\": {\"a\": {}}}",
                "{\"sinks\": {\"a\": [{\"token_id\": \"t\"}]}}",
                "{\"sinks\": {\"a\": [{\"token_id\": \"t\", \"token_name\": \"n\", \"kind\": "
                "\"nope\", "
                "\"severity\": \"warning\", \"message\": \"m\", \"since\": 1, \"changed_at\": 1, "
                "\"last_sent\": 1}]}}",
                "{\"sinks\": {\"a\": [{\"token_id\": \"t\", \"token_name\": \"n\", \"kind\": "
                "\"unused\", "
                "\"severity\": \"warning\", \"message\": \"m\", \"since\": \"x\", \"changed_at\": "
                "1, \"last_sent\": 1}]}}",
        };

        (void)unused;
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                cJSON *j = cJSON_Parse(bad[i]);
                struct tw_notify_state *s = NULL;

                print_message("case: %s\n", bad[i]);
                assert_non_null(j);
                assert_int_equal(tw_notify_state_from_json(j, &s), -EBADMSG);
                assert_null(s);
                cJSON_Delete(j);
        }
}

/* The idempotency key depends on (sink, token, kind, event, time) only. */
static void test_idempotency_key_stable(void **unused)
{
        static const struct nf_finding fs[] = {{"tok-a", EXPIRING, WARN, false}, {NULL}};
        struct tw_inventory *inv = inventory(false);
        struct tw_evaluation *ev = nf_evaluation(inv, fs, NOW);
        struct tw_notify_filter f[] = {{.name = "x", .min_severity = WARN},
                                       {.name = "y", .min_severity = WARN}};
        struct tw_notify_state *s1 = NULL, *s2 = NULL;
        struct tw_notify_events e1 = {0}, e2 = {0};

        (void)unused;
        assert_int_equal(tw_notify_state_step(NULL, inv, ev, f, 2, NOW, false, &s1, &e1), 0);
        assert_int_equal(tw_notify_state_step(NULL, inv, ev, f, 2, NOW, false, &s2, &e2), 0);
        assert_int_equal(e1.n, 2);
        assert_string_equal(e1.events[0].idempotency_key, e2.events[0].idempotency_key);
        assert_string_not_equal(e1.events[0].idempotency_key, e1.events[1].idempotency_key);
        tw_notify_events_done(&e1);
        tw_notify_events_done(&e2);
        tw_notify_state_free(s1);
        tw_notify_state_free(s2);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

/* On stale data every entry kept is re-sent as ACTIVE (Alertmanager's endsAt
 * moves on) with the severity it had: a downgrade waits for fresh data. */
static void test_stale_keeps_firing(void **unused)
{
        static const struct entry_spec old[] = {
                {"tok-a", EXPIRING, CRIT, NOW - HOUR}, {"tok-b", UNUSED, WARN, NOW - HOUR}, {NULL}};
        static const struct nf_finding now_findings[] = {{"tok-a", EXPIRING, WARN, false}, {NULL}};
        struct tw_inventory *inv = inventory(false);
        struct tw_evaluation *ev = nf_evaluation(inv, now_findings, NOW);
        struct tw_notify_state *o = old_state(old), *s = NULL;
        struct tw_notify_filter f = F_DEFAULT;
        struct tw_notify_events evs = {0};

        (void)unused;
        f.name = "a";
        assert_int_equal(tw_notify_state_step(o, inv, ev, &f, 1, NOW, true, &s, &evs), 0);
        assert_int_equal(evs.n, 2);
        for (size_t i = 0; i < evs.n; i++)
                assert_int_equal(evs.events[i].type, TW_NOTIFY_ACTIVE);
        assert_string_equal(evs.events[0].token_id, "tok-a");
        assert_int_equal(evs.events[0].severity, CRIT);
        assert_int_equal(s->sinks[0].n_entries, 2);
        assert_int_equal(s->sinks[0].entries[0].severity, CRIT);
        assert_int_equal(s->sinks[0].entries[0].changed_at, NOW - 2 * DAY);
        tw_notify_events_done(&evs);
        tw_notify_state_free(s);
        /* fresh again: the downgrade and the resolution happen */
        assert_int_equal(tw_notify_state_step(o, inv, ev, &f, 1, NOW, false, &s, &evs), 0);
        assert_int_equal(evs.n, 2);
        assert_int_equal(evs.events[0].type, TW_NOTIFY_CHANGED);
        assert_int_equal(evs.events[1].type, TW_NOTIFY_RESOLVED);
        tw_notify_events_done(&evs);
        tw_notify_state_free(s);
        tw_notify_state_free(o);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

/* A sink reverted to its old entries: its events come again next step. */
static void test_revert_sink(void **unused)
{
        static const struct entry_spec old[] = {{"tok-b", UNUSED, WARN, NOW - HOUR}, {NULL}};
        static const struct nf_finding fs[] = {{"tok-a", EXPIRING, WARN, false}, {NULL}};
        struct tw_inventory *inv = inventory(false);
        struct tw_evaluation *ev = nf_evaluation(inv, fs, NOW);
        struct tw_notify_state *o = old_state(old), *s = NULL, *s2 = NULL;
        struct tw_notify_filter f = F_DEFAULT;
        struct tw_notify_events evs = {0}, evs2 = {0};

        (void)unused;
        f.name = "a";
        assert_int_equal(tw_notify_state_step(o, inv, ev, &f, 1, NOW, false, &s, &evs), 0);
        assert_int_equal(evs.n, 2); /* tok-a fires, tok-b resolves */
        assert_int_equal(tw_notify_state_revert_sink(s, o, "a"), 0);
        assert_int_equal(tw_notify_state_revert_sink(s, o, "nope"), -ENOENT);
        assert_int_equal(s->sinks[0].n_entries, 1);
        assert_string_equal(s->sinks[0].entries[0].token_id, "tok-b");
        assert_int_equal(tw_notify_state_step(s, inv, ev, &f, 1, NOW + 60, false, &s2, &evs2), 0);
        assert_int_equal(evs2.n, 2);
        assert_int_equal(evs2.events[0].type, TW_NOTIFY_FIRING);
        assert_int_equal(evs2.events[1].type, TW_NOTIFY_RESOLVED);
        tw_notify_events_done(&evs);
        tw_notify_events_done(&evs2);
        tw_notify_state_free(s);
        tw_notify_state_free(s2);
        tw_notify_state_free(o);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_stale_keeps_firing),
                cmocka_unit_test(test_revert_sink),
                cmocka_unit_test(test_table),
                cmocka_unit_test(test_json_round_trip),
                cmocka_unit_test(test_owner_kept),
                cmocka_unit_test(test_json_rejects_bad_shapes),
                cmocka_unit_test(test_idempotency_key_stable),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
