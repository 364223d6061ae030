/* The trail links a renewed token to the one that replaced it: the renewed
 * event says replaced_by, and the old token's deletion (the renewal's last
 * step) is a record, never "deleted while in use" - also across a restart,
 * and while the old token is still listed (retire_after). */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/events.h"
#include "core/inventory.h"
#include "exporters/trail/trail.h"
#include "helpers/evaluate_fixture.h"
#include "helpers/helpers.h"
#include "lib/buf.h"

struct fixture {
        char dir[64];
        struct tw_trail_options o;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        tw_test_tmpdir(f->dir, sizeof(f->dir), "trail-renewal");
        f->o = (struct tw_trail_options){.state_dir = f->dir,
                                         .policy = {.in_use_window = DAY},
                                         .rotation = {.max_bytes = 1 << 20, .keep = 3}};
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        int r = tw_test_rmtree(f->dir);

        free(f);
        return r;
}

/* The tokens named (NULL-ended), all used an hour before `at`. */
static struct tw_inventory *inventory(int64_t at, const char *const *ids)
{
        struct tw_inventory *inv = tw_inventory_new("org1", "v1");

        for (; *ids; ids++) {
                struct token_spec s = {.id = *ids,
                                       .name = "ci-deploy",
                                       .scope = "ORGANIZATION",
                                       .start = NOW - 9 * DAY,
                                       .end = NOW + 90 * DAY,
                                       .created = NOW - 9 * DAY,
                                       .last_used = at - HOUR,
                                       .roles = {{"ORGANIZATION", "org1", "ORGANIZATION_MEMBER"}}};

                ef_add_token(inv, &s);
        }
        inv->collected_at = at;
        for (int k = 0; k < _TW_LISTING_KIND_MAX; k++)
                inv->listed[k] = true;
        return inv;
}

static struct tw_trail *open_trail(const struct fixture *f)
{
        struct tw_trail *t = NULL;

        assert_int_equal(tw_trail_open(&f->o, NOW, &t, NULL), 0);
        return t;
}

static void record(struct tw_trail *t, int64_t at, const char *const *ids, struct tw_events *ev)
{
        struct tw_inventory *inv = inventory(at, ids);

        memset(ev, 0, sizeof(*ev));
        assert_int_equal(tw_trail_record(t, inv, NULL, at, ev), 0);
        tw_inventory_free(inv);
}

static void note_renewed(struct tw_trail *t)
{
        struct tw_event e = {.kind = TW_EVENT_RENEWED,
                             .severity = TW_SEVERITY_NONE,
                             .observed_at = NOW + 60,
                             .token_id = "old",
                             .token_name = "ci-deploy",
                             .before = "old",
                             .after = "new",
                             .replaced_by = "new"};
        struct tw_events ev = {.events = &e, .n_events = 1};
        uint64_t counts[_TW_EVENT_KIND_MAX];

        assert_int_equal(tw_trail_note(t, &ev), 0);
        tw_trail_counts(t, counts);
        assert_int_equal(counts[TW_EVENT_RENEWED], 1);
}

static const struct tw_event *find(const struct tw_events *ev, enum tw_event_kind k)
{
        for (size_t i = 0; i < ev->n_events; i++)
                if (ev->events[i].kind == k)
                        return &ev->events[i];
        return NULL;
}

static void test_deletion_of_a_replaced_token_is_no_alarm(void **state)
{
        const char *const before[] = {"old", NULL}, *const both[] = {"new", "old", NULL},
                          *const after[] = {"new", NULL};
        struct fixture *f = *state;
        struct tw_trail *t = open_trail(f);
        const struct tw_event *d;
        struct tw_events ev;

        record(t, NOW, before, &ev); /* the baseline */
        tw_events_done(&ev);
        note_renewed(t);
        record(t, NOW + 300, both, &ev); /* the twin appears; the old stays (retire_after) */
        assert_non_null(find(&ev, TW_EVENT_CREATED));
        tw_events_done(&ev);
        tw_trail_free(t);
        t = open_trail(f); /* a restart in between */
        record(t, NOW + 2 * HOUR, after, &ev);
        d = find(&ev, TW_EVENT_DELETED);
        assert_non_null(d);
        assert_int_equal(d->severity, TW_SEVERITY_NONE);
        assert_string_equal(d->replaced_by, "new");
        assert_non_null(strstr(d->detail, "replaced by new"));
        tw_events_done(&ev);
        tw_trail_free(t);
}

/* The same deletion without a renewal is the alarm it always was. */
static void test_deletion_without_renewal_still_alarms(void **state)
{
        const char *const before[] = {"old", NULL}, *const after[] = {"new", NULL};
        struct fixture *f = *state;
        struct tw_trail *t = open_trail(f);
        struct tw_events ev;

        record(t, NOW, before, &ev);
        tw_events_done(&ev);
        record(t, NOW + 300, after, &ev);
        assert_int_equal(find(&ev, TW_EVENT_DELETED)->severity, TW_SEVERITY_CRITICAL);
        assert_null(find(&ev, TW_EVENT_DELETED)->replaced_by);
        tw_events_done(&ev);
        tw_trail_free(t);
}

static void test_event_json_keeps_replaced_by(void **unused)
{
        struct tw_event e = {.kind = TW_EVENT_RENEWED,
                             .observed_at = NOW,
                             .token_id = "old",
                             .replaced_by = "new"},
                        back;
        struct tw_buf b;

        (void)unused;
        tw_buf_init(&b, 4096);
        assert_int_equal(tw_event_to_json(&e, &b), 0);
        assert_non_null(strstr(b.ptr, "\"replaced_by\":\"new\""));
        assert_non_null(strstr(b.ptr, "\"severity\":\"info\""));
        assert_int_equal(tw_event_from_json(b.ptr, b.len, &back), 0);
        assert_int_equal(back.kind, TW_EVENT_RENEWED);
        assert_string_equal(back.replaced_by, "new");
        tw_event_done(&back);
        tw_buf_done(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_deletion_of_a_replaced_token_is_no_alarm,
                                                setup, teardown),
                cmocka_unit_test_setup_teardown(test_deletion_without_renewal_still_alarms, setup,
                                                teardown),
                cmocka_unit_test(test_event_json_keeps_replaced_by),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
