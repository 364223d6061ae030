/* Changes between listings (core/events.h): the diff rules at their edges,
 * the listing built from an evaluated inventory, and the JSON both ways. */
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

#include "core/evaluate/evaluate.h"
#include "core/events.h"
#include "lib/buf.h"

#define PREV_AT (NOW - HOUR)
#define NO TW_NO_TIME

struct lt_spec {
        const char *id, *name, *description, *short_token, *roles;
        int64_t start, end, last_used, last_rotated;
        bool departed, no_expiry, over_privileged;
};

#define MAX_TOKENS 3

static struct tw_listing *listing(int64_t at, const struct lt_spec *specs, size_t n)
{
        struct tw_listing *l = calloc(1, sizeof(*l));

        assert_non_null(l);
        l->observed_at = at;
        l->tokens = calloc(MAX_TOKENS, sizeof(*l->tokens));
        assert_non_null(l->tokens);
        for (size_t i = 0; i < n && specs[i].id; i++) {
                struct tw_listed_token *t = &l->tokens[l->n_tokens++];
                const struct lt_spec *s = &specs[i];

                t->id = ef_strdup(s->id);
                t->name = ef_strdup(s->name ? s->name : s->id);
                t->description = ef_strdup(s->description ? s->description : "");
                t->short_token = ef_strdup(s->short_token ? s->short_token : "abc");
                t->scope = ef_strdup("WORKSPACE");
                t->roles = ef_strdup(s->roles ? s->roles : "WORKSPACE:w1=WORKSPACE_AUTHOR");
                t->start_at = s->start ? s->start : NOW - 30 * DAY;
                t->end_at = s->end ? s->end : NO;
                t->last_used_at = s->last_used ? s->last_used : NO;
                t->last_rotated_at = s->last_rotated ? s->last_rotated : NO;
                t->creator_departed = s->departed;
                t->no_expiry = s->no_expiry;
                t->over_privileged = s->over_privileged;
        }
        return l;
}

/* The expected events, written "kind:severity:token[:before>after]". */
struct diff_case {
        const char *name;
        bool no_prev;
        struct lt_spec prev[MAX_TOKENS], cur[MAX_TOKENS];
        bool complete;
        const char *want[4];
};

static const struct diff_case diff_cases[] = {
        {"first listing is a baseline",
         true,
         {{.id = NULL}},
         {{.id = "a"}, {.id = "b"}},
         true,
         {NULL}},
        {"nothing changed", false, {{.id = "a"}}, {{.id = "a"}}, true, {NULL}},
        {"created", false, {{.id = "a"}}, {{.id = "a"}, {.id = "b"}}, true, {"created:info:b"}},
        {"created without expiry warns",
         false,
         {{.id = NULL}},
         {{.id = "b", .no_expiry = true}},
         true,
         {"created:warning:b"}},
        {"created above the ceiling warns",
         false,
         {{.id = NULL}},
         {{.id = "b", .over_privileged = true}},
         true,
         {"created:warning:b"}},
        {"deleted while in use is critical",
         false,
         {{.id = "a", .last_used = NOW - 2 * HOUR}},
         {{.id = NULL}},
         true,
         {"deleted:critical:a"}},
        {"deleted at the window's edge is critical",
         false,
         {{.id = "a", .last_used = NOW - DAY}},
         {{.id = NULL}},
         true,
         {"deleted:critical:a"}},
        {"deleted after the window is a record",
         false,
         {{.id = "a", .last_used = NOW - DAY - 1}},
         {{.id = NULL}},
         true,
         {"deleted:info:a"}},
        {"deleted, never used", false, {{.id = "a"}}, {{.id = NULL}}, true, {"deleted:info:a"}},
        {"an incomplete listing deletes nothing",
         false,
         {{.id = "a"}, {.id = "b"}},
         {{.id = "b"}},
         false,
         {NULL}},
        {"an incomplete listing still creates",
         false,
         {{.id = "a"}},
         {{.id = "b"}},
         false,
         {"created:info:b"}},
        {"rotated: newer lastRotatedAt",
         false,
         {{.id = "a", .last_rotated = NOW - 9 * DAY}},
         {{.id = "a", .last_rotated = NOW - 60}},
         true,
         {"rotated:info:a"}},
        {"rotated: first lastRotatedAt",
         false,
         {{.id = "a"}},
         {{.id = "a", .last_rotated = NOW - 60}},
         true,
         {"rotated:info:a"}},
        {"rotated: new shortToken",
         false,
         {{.id = "a", .short_token = "old"}},
         {{.id = "a", .short_token = "new"}},
         true,
         {"rotated:info:a"}},
        {"rotated: new startAt",
         false,
         {{.id = "a", .start = NOW - 9 * DAY}},
         {{.id = "a", .start = NOW - 60}},
         true,
         {"rotated:info:a"}},
        {"roles changed",
         false,
         {{.id = "a", .roles = "WORKSPACE:w1=WORKSPACE_AUTHOR"}},
         {{.id = "a", .roles = "WORKSPACE:w1=WORKSPACE_OWNER", .over_privileged = true}},
         true,
         {"roles_changed:warning:a:WORKSPACE:w1=WORKSPACE_AUTHOR>WORKSPACE:w1=WORKSPACE_OWNER"}},
        {"renamed",
         false,
         {{.id = "a", .name = "old"}},
         {{.id = "a", .name = "new"}},
         true,
         {"renamed:info:a:old>new"}},
        {"description changed",
         false,
         {{.id = "a", .description = "x"}},
         {{.id = "a", .description = "y"}},
         true,
         {"description_changed:info:a:x>y"}},
        {"expired while in use",
         false,
         {{.id = "a", .end = NOW - 60, .last_used = NOW - 2 * HOUR}},
         {{.id = "a", .end = NOW - 60, .last_used = NOW - 2 * HOUR}},
         true,
         {"expired:critical:a"}},
        {"expired unused",
         false,
         {{.id = "a", .end = NOW - 60}},
         {{.id = "a", .end = NOW - 60}},
         true,
         {"expired:info:a"}},
        {"expired exactly now",
         false,
         {{.id = "a", .end = NOW}},
         {{.id = "a", .end = NOW}},
         true,
         {"expired:info:a"}},
        {"expired before the previous listing: no event",
         false,
         {{.id = "a", .end = PREV_AT}},
         {{.id = "a", .end = PREV_AT}},
         true,
         {NULL}},
        {"not yet expired",
         false,
         {{.id = "a", .end = NOW + 1}},
         {{.id = "a", .end = NOW + 1}},
         true,
         {NULL}},
        {"creator departed",
         false,
         {{.id = "a"}},
         {{.id = "a", .departed = true}},
         true,
         {"creator_departed:info:a"}},
        {"creator still departed: no repeat",
         false,
         {{.id = "a", .departed = true}},
         {{.id = "a", .departed = true}},
         true,
         {NULL}},
        {"several at once, in id then kind order",
         false,
         {{.id = "a", .name = "x"}, {.id = "c"}},
         {{.id = "a", .name = "y", .short_token = "new"}, {.id = "b"}},
         true,
         {"rotated:info:a", "renamed:info:a:x>y", "created:info:b", "deleted:info:c"}},
};

static void run_diff(void **state)
{
        const struct diff_case *c = *state;
        struct tw_listing *prev = c->no_prev ? NULL : listing(PREV_AT, c->prev, MAX_TOKENS);
        struct tw_listing *cur = listing(NOW, c->cur, MAX_TOKENS);
        struct tw_event_policy pol = {.in_use_window = DAY};
        struct tw_events ev = {0};
        struct tw_buf got;
        size_t n_want = 0;

        tw_buf_init(&got, 4096);
        assert_int_equal(tw_events_diff(prev, cur, c->complete, &pol, NOW, &ev), 0);
        while (n_want < ARRAY_SIZE(c->want) && c->want[n_want])
                n_want++;
        for (size_t i = 0; i < ev.n_events; i++) {
                const struct tw_event *e = &ev.events[i];

                tw_buf_reset(&got);
                tw_buf_printf(&got, "%s:%s:%s", tw_event_kind_to_string(e->kind),
                              e->severity ? tw_severity_to_string(e->severity) : "info",
                              e->token_id);
                if (e->kind == TW_EVENT_ROLES_CHANGED || e->kind == TW_EVENT_RENAMED ||
                    e->kind == TW_EVENT_DESCRIPTION_CHANGED)
                        tw_buf_printf(&got, ":%s>%s", e->before, e->after);
                assert_true(i < n_want);
                assert_string_equal(got.ptr, c->want[i]);
                assert_int_equal(e->observed_at, NOW);
        }
        assert_int_equal(ev.n_events, n_want);
        tw_events_done(&ev);
        tw_buf_done(&got);
        tw_listing_free(prev);
        tw_listing_free(cur);
}

/* The critical events say why, for the person paged. */
static void critical_detail(void **state)
{
        static const struct lt_spec a[] = {{.id = "a", .last_used = NOW - 2 * HOUR}};
        struct tw_listing *prev = listing(PREV_AT, a, 1), *cur = listing(NOW, NULL, 0);
        struct tw_event_policy pol = {.in_use_window = DAY};
        struct tw_events ev = {0};

        (void)state;
        assert_int_equal(tw_events_diff(prev, cur, true, &pol, NOW, &ev), 0);
        assert_int_equal(ev.n_events, 1);
        assert_non_null(strstr(ev.events[0].detail, "pipelines that use it are failing now"));
        assert_string_equal(ev.events[0].before, "WORKSPACE:w1=WORKSPACE_AUTHOR");
        tw_events_done(&ev);
        tw_listing_free(prev);
        tw_listing_free(cur);
}

/* A listing made from an inventory: sorted, roles canonical whatever the API's
 * order, and the evaluator's judgement kept. */
static void listing_from_inventory(void **state)
{
        static const struct token_spec specs[] = {
                {"tz",
                 "no-expiry",
                 "WORKSPACE",
                 NOW - 9 * DAY,
                 NO,
                 NOW - 9 * DAY,
                 NOW - HOUR,
                 {{"WORKSPACE", "w2", "WORKSPACE_AUTHOR"},
                  {"DEPLOYMENT", "d1", "DEPLOYMENT_ADMIN"}},
                 "USER",
                 "u1",
                 "jane"},
                {"ta",
                 "owner",
                 "WORKSPACE",
                 NOW - 9 * DAY,
                 NOW + 60 * DAY,
                 NOW - 9 * DAY,
                 NOW - HOUR,
                 {{"WORKSPACE", "w1", "WORKSPACE_OWNER"}},
                 "USER",
                 "u1",
                 "jane"},
        };
        struct tw_inventory *inv = tw_inventory_new("org", "v1");
        struct tw_evaluation *ev = NULL;
        struct tw_listing *l = NULL;
        struct tw_policy pol;

        (void)state;
        ef_policy_default(&pol);
        for (size_t i = 0; i < ARRAY_SIZE(specs); i++)
                ef_add_token(inv, &specs[i]);
        inv->collected_at = NOW;
        assert_int_equal(tw_evaluate(inv, &pol, NULL, 0, NOW, &ev), 0);
        assert_int_equal(tw_listing_from(inv, ev, &l), 0);
        assert_int_equal(l->observed_at, NOW);
        assert_int_equal(l->n_tokens, 2);
        assert_string_equal(l->tokens[0].id, "ta");
        assert_true(l->tokens[0].over_privileged);
        assert_false(l->tokens[0].no_expiry);
        assert_string_equal(l->tokens[1].id, "tz");
        assert_true(l->tokens[1].no_expiry);
        assert_string_equal(l->tokens[1].roles,
                            "DEPLOYMENT:d1=DEPLOYMENT_ADMIN, WORKSPACE:w2=WORKSPACE_AUTHOR");
        assert_ptr_equal(tw_listing_find(l, "tz"), &l->tokens[1]);
        assert_null(tw_listing_find(l, "nope"));
        /* each token remembers its organization, and a copy too */
        assert_string_equal(l->tokens[0].organization_id, "org");
        {
                struct tw_listed_token copy;
                struct tw_listing one = {.tokens = &copy, .n_tokens = 1};
                struct tw_listing *none = listing(NOW - DAY, NULL, 0);
                struct tw_events evs = {0};
                struct tw_event_policy ep = {.in_use_window = DAY};

                assert_int_equal(tw_listed_token_copy(&copy, &l->tokens[1]), 0);
                assert_string_equal(copy.organization_id, "org");
                assert_string_equal(copy.roles, l->tokens[1].roles);
                assert_ptr_not_equal(copy.roles, l->tokens[1].roles);
                one.observed_at = NOW;
                /* a creation event carries the organization of its token */
                assert_int_equal(tw_events_diff(none, &one, true, &ep, NOW, &evs), 0);
                assert_int_equal(evs.n_events, 1);
                assert_string_equal(evs.events[0].organization_id, "org");
                tw_events_done(&evs);
                tw_listing_free(none);
                free(copy.id), free(copy.name), free(copy.description), free(copy.short_token);
                free(copy.scope), free(copy.organization_id), free(copy.roles);
        }
        tw_listing_free(l);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
}

static void listing_json_round_trip(void **state)
{
        static const struct lt_spec specs[] = {
                {.id = "b",
                 .name = "näme \"quoted\"\n",
                 .end = NOW + DAY,
                 .last_used = NOW - 1,
                 .last_rotated = NOW - DAY,
                 .departed = true},
                {.id = "a", .no_expiry = true, .over_privileged = true},
        };
        struct tw_listing *l = listing(NOW, specs, 2), *back = NULL;
        struct tw_buf out, again;

        (void)state;
        tw_buf_init(&out, 1 << 20);
        tw_buf_init(&again, 1 << 20);
        assert_int_equal(tw_listing_to_json(l, &out), 0);
        assert_int_equal(tw_listing_from_json(out.ptr, out.len, &back), 0);
        assert_int_equal(back->observed_at, NOW);
        assert_int_equal(back->n_tokens, 2);
        /* Sorted on load, whatever the file's order. */
        assert_string_equal(back->tokens[0].id, "a");
        assert_true(back->tokens[0].no_expiry && back->tokens[0].over_privileged);
        assert_int_equal(back->tokens[0].end_at, NO);
        assert_string_equal(back->tokens[1].name, "näme \"quoted\"\n");
        assert_int_equal(back->tokens[1].end_at, NOW + DAY);
        assert_int_equal(back->tokens[1].last_rotated_at, NOW - DAY);
        assert_true(back->tokens[1].creator_departed);
        tw_listing_free(l);
        l = listing(NOW, (struct lt_spec[]){specs[1], specs[0]}, 2);
        assert_int_equal(tw_listing_to_json(back, &again), 0);
        tw_buf_reset(&out);
        assert_int_equal(tw_listing_to_json(l, &out), 0);
        assert_string_equal(again.ptr, out.ptr);
        tw_listing_free(l);
        tw_listing_free(back);
        tw_buf_done(&out);
        tw_buf_done(&again);
}

static const struct {
        const char *name, *json;
} bad_listings[] = {
        {"not JSON", "{"},
        {"not an object", "[]"},
        {"no tokens", "{\"observed_at\":\"2026-06-01T12:00:00Z\"}"},
        {"no time", "{\"tokens\":[]}"},
        {"time out of range", "{\"observed_at\":\"99999-01-01T00:00:00Z\",\"tokens\":[]}"},
        {"time a number", "{\"observed_at\":1e300,\"tokens\":[]}"},
        {"token not an object", "{\"observed_at\":\"2026-06-01T12:00:00Z\",\"tokens\":[1]}"},
        {"token without id", "{\"observed_at\":\"2026-06-01T12:00:00Z\",\"tokens\":[{}]}"},
        {"id not a string", "{\"observed_at\":\"2026-06-01T12:00:00Z\",\"tokens\":[{\"id\":7}]}"},
        {"end_at garbage",
         "{\"observed_at\":\"2026-06-01T12:00:00Z\",\"tokens\":[{\"id\":\"a\",\"end_at\":\"x\"}]}"},
        {"duplicate ids",
         "{\"observed_at\":\"2026-06-01T12:00:00Z\",\"tokens\":[{\"id\":\"a\"},{\"id\":\"a\"}]}"},
};

static void bad_listing_json(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(bad_listings); i++) {
                struct tw_listing *l = NULL;
                int r = tw_listing_from_json(bad_listings[i].json, strlen(bad_listings[i].json),
                                             &l);

                if (r != -EBADMSG)
                        fail_msg("%s: got %d", bad_listings[i].name, r);
                assert_null(l);
        }
}

static void event_json_round_trip(void **state)
{
        struct tw_event e = {
                .kind = TW_EVENT_ROLES_CHANGED,
                .severity = TW_SEVERITY_WARNING,
                .observed_at = NOW,
                .token_id = "t1",
                .token_name = "deploy\u202e\n</script>",
                .scope = "WORKSPACE",
                .organization_id = "org-1",
                .before = "WORKSPACE:w1=WORKSPACE_AUTHOR",
                .after = "WORKSPACE:w1=WORKSPACE_OWNER",
        };
        struct tw_event back = {0};
        struct tw_buf out;

        (void)state;
        tw_buf_init(&out, 4096);
        assert_int_equal(tw_event_to_json(&e, &out), 0);
        assert_null(strchr(out.ptr, '\n')); /* one line */
        assert_int_equal(tw_event_from_json(out.ptr, out.len, &back), 0);
        assert_int_equal(back.kind, e.kind);
        assert_int_equal(back.severity, e.severity);
        assert_int_equal(back.observed_at, NOW);
        assert_string_equal(back.token_name, e.token_name);
        assert_string_equal(back.after, e.after);
        assert_string_equal(back.organization_id, "org-1");
        assert_null(back.detail);
        tw_event_done(&back);

        static const char *const bad[] = {
                "",
                "[]",
                "{\"event\":\"nope\",\"token_id\":\"a\",\"observed_at\":\"2026-06-01T12:00:00Z\"}",
                "{\"event\":\"created\",\"observed_at\":\"2026-06-01T12:00:00Z\"}",
                "{\"event\":\"created\",\"token_id\":\"a\"}",
                "{\"event\":\"created\",\"token_id\":\"a\",\"observed_at\":\"2026-06-01T12:00:"
                "00Z\","
                "\"severity\":\"loud\"}",
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
                assert_int_equal(tw_event_from_json(bad[i], strlen(bad[i]), &back), -EBADMSG);
        tw_buf_done(&out);
}

int main(void)
{
        struct CMUnitTest tests[ARRAY_SIZE(diff_cases) + 5];
        size_t n = 0;

        for (size_t i = 0; i < ARRAY_SIZE(diff_cases); i++)
                tests[n++] = (struct CMUnitTest){diff_cases[i].name, run_diff, NULL, NULL,
                                                 (void *)&diff_cases[i]};
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(critical_detail);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(listing_from_inventory);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(listing_json_round_trip);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(bad_listing_json);
        tests[n++] = (struct CMUnitTest)cmocka_unit_test(event_json_round_trip);
        return _cmocka_run_group_tests("events", tests, n, NULL, NULL) ? 1 : 0;
}
