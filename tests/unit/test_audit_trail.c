/* The audit trail's writer (exporters/trail/trail.h): events land in the
 * audit file once, across restarts, partial listings and crashes. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

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
#include "helpers/helpers.h"

#include "exporters/trail/trail.h"
#include "lib/buf.h"
#include "lib/statefile.h"

struct fixture {
        char dir[64];
        char audit[PATH_MAX];
        struct tw_trail_options o;
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        tw_test_tmpdir(f->dir, sizeof(f->dir), "trail");
        snprintf(f->audit, sizeof(f->audit), "%s/%s", f->dir, TW_TRAIL_FILE);
        f->o = (struct tw_trail_options){
                .state_dir = f->dir,
                .policy = {.in_use_window = DAY},
                .rotation = {.max_bytes = 1 << 20, .keep = 3},
        };
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

/* An inventory of the named tokens (NULL-terminated), collected at `at`. */
static struct tw_inventory *inventory(int64_t at, bool complete, const char *const *ids)
{
        struct tw_inventory *inv = tw_inventory_new("org1", "v1");

        for (; *ids; ids++) {
                struct token_spec s = {.id = *ids,
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
        if (!complete) {
                inv->listed[TW_LISTING_TOKENS] = false;
                assert_int_equal(tw_inventory_add_error(inv, "tokens", "HTTP 500"), 0);
        }
        return inv;
}

static int count_line(const char *line, size_t len, void *ctx)
{
        struct tw_buf *b = ctx;

        (void)len;
        if (b->len)
                tw_buf_addc(b, '|');
        {
                struct tw_event e;

                assert_int_equal(tw_event_from_json(line, strlen(line), &e), 0);
                tw_buf_printf(b, "%s:%s", tw_event_kind_to_string(e.kind), e.token_id);
                tw_event_done(&e);
        }
        return 0;
}

/* The audit file's events as "kind:id|kind:id". */
static void assert_audit(const struct fixture *f, const char *want)
{
        struct tw_buf b;
        size_t skipped = 0;

        tw_buf_init(&b, 1 << 16);
        assert_int_equal(tw_jsonl_read(f->audit, 3, TW_AUDITLOG_LINE_MAX, count_line, &b, &skipped),
                         0);
        assert_string_equal(b.ptr ? b.ptr : "", want);
        assert_int_equal(skipped, 0);
        tw_buf_done(&b);
}

static struct tw_trail *open_trail(const struct fixture *f, int64_t now)
{
        struct tw_trail *t = NULL;
        struct tw_buf note;

        tw_buf_init(&note, 4096);
        assert_int_equal(tw_trail_open(&f->o, now, &t, &note), 0);
        assert_int_equal(note.len, 0);
        tw_buf_done(&note);
        return t;
}

static size_t record(struct tw_trail *t, int64_t at, bool complete, const char *const *ids)
{
        struct tw_inventory *inv = inventory(at, complete, ids);
        struct tw_events ev = {0};
        size_t n;

        assert_int_equal(tw_trail_record(t, inv, NULL, at, &ev), 0);
        n = ev.n_events;
        tw_events_done(&ev);
        tw_inventory_free(inv);
        return n;
}

static void baseline_then_changes(void **state)
{
        struct fixture *f = *state;
        struct tw_trail *t = open_trail(f, NOW);
        uint64_t counts[_TW_EVENT_KIND_MAX];

        assert_int_equal(record(t, NOW, true, (const char *[]){"a", "b", NULL}), 0);
        assert_audit(f, "");
        assert_int_equal(record(t, NOW + 60, true, (const char *[]){"b", "c", NULL}), 2);
        assert_audit(f, "deleted:a|created:c");
        tw_trail_counts(t, counts);
        assert_int_equal(counts[TW_EVENT_CREATED], 1);
        assert_int_equal(counts[TW_EVENT_DELETED], 1);
        assert_int_equal(counts[TW_EVENT_ROTATED], 0);
        tw_trail_free(t);
}

/* A restart neither replays a change nor loses one. */
static void restart(void **state)
{
        struct fixture *f = *state;
        struct tw_trail *t = open_trail(f, NOW);

        record(t, NOW, true, (const char *[]){"a", "b", NULL});
        record(t, NOW + 60, true, (const char *[]){"a", NULL});
        tw_trail_free(t);
        t = open_trail(f, NOW + 120);
        assert_int_equal(record(t, NOW + 120, true, (const char *[]){"a", NULL}), 0);
        tw_trail_free(t);
        /* A change made while the agent was down is seen at the next start. */
        t = open_trail(f, NOW + 180);
        assert_int_equal(record(t, NOW + 180, true, (const char *[]){"a", "z", NULL}), 1);
        tw_trail_free(t);
        assert_audit(f, "deleted:b|created:z");
}

/* A partial listing deletes nothing, and what it missed is not "created"
 * when it comes back. */
static void partial_listing(void **state)
{
        struct fixture *f = *state;
        struct tw_trail *t = open_trail(f, NOW);

        record(t, NOW, true, (const char *[]){"a", "b", "c", NULL});
        assert_int_equal(record(t, NOW + 60, false, (const char *[]){"a", NULL}), 0);
        assert_int_equal(record(t, NOW + 120, false, (const char *[]){NULL}), 0);
        tw_trail_free(t);
        t = open_trail(f, NOW + 180);
        assert_int_equal(record(t, NOW + 180, true, (const char *[]){"a", "b", NULL}), 1);
        tw_trail_free(t);
        assert_audit(f, "deleted:c");
}

/* Writes what a crash leaves behind: the listing of a record saved, its
 * pending events, and the audit file holding only the first of them. */
static void crash_after_listing(struct fixture *f, int64_t pending_at, bool first_appended)
{
        struct tw_trail *t = open_trail(f, NOW);
        char when[TW_RFC3339_LEN];
        struct tw_buf p;
        const char *l1 =
                "{\"observed_at\":\"2026-06-01T12:01:00Z\",\"event\":\"created\","
                "\"severity\":\"info\",\"token_id\":\"c\",\"token_name\":\"c\",\"scope\":null}";
        const char *l2 =
                "{\"observed_at\":\"2026-06-01T12:01:00Z\",\"event\":\"deleted\","
                "\"severity\":\"info\",\"token_id\":\"a\",\"token_name\":\"a\",\"scope\":null}";
        struct tw_jsonl_rotation rot = {.max_bytes = 0, .keep = 3};

        record(t, NOW, true, (const char *[]){"a", "b", NULL});
        /* The saved listing of the next collection (b, c) ... */
        record(t, NOW + 60, true, (const char *[]){"b", "c", NULL});
        tw_trail_free(t);
        /* ... but the audit file lost the append: rewrite it by hand. */
        assert_int_equal(unlink(f->audit), 0);
        if (first_appended) {
                tw_buf_init(&p, 4096);
                tw_buf_printf(&p, "%s\n", l1);
                assert_int_equal(tw_jsonl_append(f->audit, p.ptr, p.len, &rot), 0);
                tw_buf_done(&p);
        }
        tw_buf_init(&p, 4096);
        tw_buf_printf(&p, "%s\n%s\n%s\n", tw_time_format(pending_at, when), l1, l2);
        assert_int_equal(tw_statefile_write(f->dir, "audit-pending.jsonl", p.ptr, p.len), 0);
        tw_buf_done(&p);
}

static void recovers_pending_events(void **state)
{
        struct fixture *f = *state;
        char path[PATH_MAX];

        crash_after_listing(f, NOW + 60, true);
        tw_trail_free(open_trail(f, NOW + 120));
        assert_audit(f, "created:c|deleted:a"); /* the first not twice */
        snprintf(path, sizeof(path), "%s/audit-pending.jsonl", f->dir);
        assert_int_equal(access(path, F_OK), -1);
}

/* Pending events of a listing that was never saved are not appended: the
 * next collection recomputes that transition. */
static void drops_uncommitted_pending(void **state)
{
        struct fixture *f = *state;

        crash_after_listing(f, NOW + 30, false);
        tw_trail_free(open_trail(f, NOW + 120));
        assert_audit(f, "");
}

static void corrupt_listing(void **state)
{
        struct fixture *f = *state;
        struct tw_trail *t = NULL;
        struct tw_buf note;

        assert_int_equal(tw_statefile_write(f->dir, TW_TRAIL_LISTING_FILE, "{\"tokens\":7}", 12),
                         0);
        tw_buf_init(&note, 4096);
        assert_int_equal(tw_trail_open(&f->o, NOW, &t, &note), 0);
        assert_non_null(strstr(note.ptr, "corrupt audit listing moved to"));
        /* A baseline: no burst of "created". */
        assert_int_equal(record(t, NOW, true, (const char *[]){"a", NULL}), 0);
        tw_trail_free(t);
        tw_buf_done(&note);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(baseline_then_changes, setup, teardown),
                cmocka_unit_test_setup_teardown(restart, setup, teardown),
                cmocka_unit_test_setup_teardown(partial_listing, setup, teardown),
                cmocka_unit_test_setup_teardown(recovers_pending_events, setup, teardown),
                cmocka_unit_test_setup_teardown(drops_uncommitted_pending, setup, teardown),
                cmocka_unit_test_setup_teardown(corrupt_listing, setup, teardown),
        };

        return cmocka_run_group_tests_name("audit_trail", tests, NULL, NULL);
}
