/* Alertmanager: the golden alerts of one cycle (hostile name), and the
 * owner labels Alertmanager's routing tree can use. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/inventory.h"
#include "core/owner.h"
#include "lib/arena.h"
#include "exporters/sinks/sinks.h"
#include "helpers/golden.h"
#include "helpers/notify_fixture.h"

static void test_golden(void **unused)
{
        struct tw_inventory *inv = nf_hostile_inventory();
        struct tw_sink_ctx c = nf_sink_ctx;
        struct tw_notify_events evs = {0};
        struct tw_notify_event am[4];
        bool coalesce = true;
        char *text;
        cJSON *j;

        (void)unused;
        c.inv = inv;
        nf_hostile_events(&evs, inv);
        nf_hostile_event(&evs, inv, TW_NOTIFY_ACTIVE, TW_FINDING_UNUSED, TW_SEVERITY_WARNING,
                         "k-active");
        am[0] = evs.events[0];
        am[1] = evs.events[4];
        am[2] = evs.events[1];
        am[3] = evs.events[2];
        assert_int_equal(tw_sink_alertmanager_build(&c, am, ARRAY_SIZE(am), &j, &coalesce), 0);
        assert_false(coalesce); /* it resolves something: not superseded by the next */
        assert_int_equal(cJSON_GetArraySize(j), 5); /* escalation resolves the old labels too */
        text = cJSON_Print(j);
        tw_golden_check("notify-alertmanager.json", text, strlen(text));
        free(text);
        cJSON_Delete(j);
        assert_int_equal(tw_sink_alertmanager_build(&c, am + 1, 1, &j, &coalesce), 0);
        assert_true(coalesce); /* a refresh only */
        cJSON_Delete(j);
        tw_notify_events_done(&evs);
        tw_inventory_free(inv);
}

/* The labels of the one alert built for event e. */
static cJSON *labels_of(const struct tw_inventory *inv, const struct tw_notify_event *e)
{
        struct tw_sink_ctx c = nf_sink_ctx;
        cJSON *j, *l;

        c.inv = inv;
        assert_int_equal(tw_sink_alertmanager_build(&c, e, 1, &j, NULL), 0);
        assert_int_equal(cJSON_GetArraySize(j), 1);
        l = cJSON_DetachItemFromObjectCaseSensitive(cJSON_GetArrayItem(j, 0), "labels");
        cJSON_Delete(j);
        assert_non_null(l);
        return l;
}

static const char *label(const cJSON *l, const char *name)
{
        return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(l, name));
}

struct owner_case {
        const char *name;
        const char *description;
        char *labels[3];
        size_t n_labels;
        bool resolved_gone; /* a RESOLVED event: the token left the inventory */
        bool rule;          /* under a rule giving "ci" to "deploy*" */
        const char *team;   /* NULL: no team label */
        const char *repo, *contact;
};

static const struct owner_case owner_cases[] = {
        {"team from the description",
         "team=data-eng; repo=github.com/acme/dags; contact=o@x.io",
         {NULL},
         0,
         false,
         false,
         "data-eng",
         NULL,
         NULL},
        {"configured labels, contact only when listed",
         "team=data-eng; repo=r1; contact=o@x.io",
         {"team", "repo"},
         2,
         false,
         false,
         "data-eng",
         "r1",
         NULL},
        {"contact listed",
         "team=data-eng; contact=o@x.io",
         {"contact", "repo"},
         2,
         false,
         false,
         "data-eng",
         NULL,
         "o@x.io"},
        {"a hostile team falls to the workspace name",
         "team=a\"} x; repo=<b>",
         {"repo"},
         1,
         false,
         false,
         "Data Eng",
         NULL,
         NULL},
        {"a rule", "deploys things", {NULL}, 0, false, true, "ci", NULL, NULL},
        {"a resolved alert of a deleted token keeps its labels",
         "team=data-eng; repo=r1",
         {"repo"},
         1,
         true,
         false,
         "data-eng",
         "r1",
         NULL},
};

static void test_owner_labels(void **unused)
{
        static const struct tw_owner_rule rule[] = {{.name_glob = "deploy*", .team = "ci"}};
        static const struct tw_owner_policy ci = {.rules = rule, .n_rules = 1};

        (void)unused;
        for (size_t i = 0; i < ARRAY_SIZE(owner_cases); i++) {
                const struct owner_case *oc = &owner_cases[i];
                struct tw_inventory *inv = tw_inventory_new("org-1", "v1");
                struct tw_notify_filter f = {.owners = oc->rule ? &ci : NULL,
                                             .keep_owner = true,
                                             .owner_labels = oc->labels,
                                             .n_owner_labels = oc->n_labels};
                struct tw_notify_events evs = {0};
                struct tw_notify_event e;
                char *owner = NULL;
                cJSON *l;

                print_message("case: %s\n", oc->name);
                nf_add_workspace(inv, "ws-1", "Data Eng");
                nf_add_token(inv, "tok-a", "deployer", "WORKSPACE", "ws-1", "WORKSPACE_AUTHOR",
                             NOW + DAY);
                inv->tokens[0].description =
                        tw_arena_strdup(&inv->arena, oc->description, &(int){0});
                /* the entry records the labels when it first fires */
                assert_int_equal(tw_notify_owner_labels(&f, inv, &inv->tokens[0], &owner), 0);
                e = *nf_hostile_event(&evs, inv,
                                      oc->resolved_gone ? TW_NOTIFY_RESOLVED : TW_NOTIFY_FIRING,
                                      TW_FINDING_EXPIRING, TW_SEVERITY_WARNING, "k");
                e.owner = owner;
                l = labels_of(inv, &e);
                assert_string_equal(label(l, "alertname"), "TokenwatchFinding");
                assert_string_equal(label(l, "token_id"), "tok-a");
                if (oc->team)
                        assert_string_equal(label(l, "team"), oc->team);
                else
                        assert_null(label(l, "team"));
                if (oc->repo)
                        assert_string_equal(label(l, "repo"), oc->repo);
                else
                        assert_null(label(l, "repo"));
                if (oc->contact)
                        assert_string_equal(label(l, "contact"), oc->contact);
                else
                        assert_null(label(l, "contact"));
                cJSON_Delete(l);
                free(owner);
                tw_notify_events_done(&evs);
                tw_inventory_free(inv);
        }
}

/* Owner lines read back from a tampered state file cannot set a label
 * tokenwatch sets, an invalid label name or a hostile value. */
static void test_owner_lines_checked(void **unused)
{
        struct tw_inventory *inv = nf_hostile_inventory();
        struct tw_notify_events evs = {0};
        struct tw_notify_event e = *nf_hostile_event(&evs, inv, TW_NOTIFY_FIRING,
                                                     TW_FINDING_EXPIRING, TW_SEVERITY_WARNING, "k");
        cJSON *l;

        (void)unused;
        e.owner = "team=ok\nbad-key=1\n__name__=x\ntoken_id=evil\nrepo=a\"b\n=x\nnoequals\nrepo=r";
        l = labels_of(inv, &e);
        assert_string_equal(label(l, "team"), "ok");
        assert_string_equal(label(l, "token_id"), "tok-a");
        assert_string_equal(label(l, "repo"), "r");
        assert_null(label(l, "bad-key"));
        assert_null(label(l, "__name__"));
        assert_int_equal(cJSON_GetArraySize(l), 8); /* 6 fixed + team + repo */
        cJSON_Delete(l);
        tw_notify_events_done(&evs);
        tw_inventory_free(inv);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_golden),
                cmocka_unit_test(test_owner_labels),
                cmocka_unit_test(test_owner_lines_checked),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
