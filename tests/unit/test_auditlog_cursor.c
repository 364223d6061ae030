/* The audit-log cursor (collectors/auditlog/cursor_internal.h): a floor and a bounded
 * set of the entries taken since, moved only by a complete window, never
 * past the request time. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "collectors/auditlog/cursor_internal.h"
#include "lib/timeutil.h"

#define T0 ((int64_t)1780000000000)

static void test_floor_and_set(void **state)
{
        struct tw_auditlog_cursor c;

        (void)state;
        tw_auditlog_cursor_init(&c);
        assert_int_equal(c.from_ms, TW_NO_TIME);
        assert_int_equal(c.to_ms, TW_NO_TIME);
        assert_false(tw_auditlog_cursor_covers(&c, T0, 1));
        assert_int_equal(tw_auditlog_cursor_take(&c, T0, 1), 0);
        assert_int_equal(tw_auditlog_cursor_take(&c, T0, 0), 0); /* id 0 is an id too */
        assert_true(tw_auditlog_cursor_covers(&c, T0, 1));
        assert_true(tw_auditlog_cursor_covers(&c, T0, 0));
        assert_false(tw_auditlog_cursor_covers(&c, T0, 2));
        /* A complete window up to T0 + 10 min with a 5-minute overlap. */
        assert_int_equal(tw_auditlog_cursor_complete(&c, T0 + 600000, 300000), 0);
        assert_int_equal(c.floor_ms, T0 + 300000);
        assert_int_equal(c.to_ms, T0 + 600000); /* read whole up to the request time */
        assert_int_equal(c.n_seen, 0);
        assert_true(tw_auditlog_cursor_covers(&c, T0, 99)); /* before the floor */
        assert_false(tw_auditlog_cursor_covers(&c, T0 + 300000, 99));
        /* A later window does not move it back... */
        assert_int_equal(tw_auditlog_cursor_complete(&c, T0 + 400000, 300000), 0);
        assert_int_equal(c.floor_ms, T0 + 300000);
        assert_int_equal(c.to_ms, T0 + 600000); /* nor what was read */
        /* ...but it never stays past the request time (a clock set back). */
        assert_int_equal(tw_auditlog_cursor_complete(&c, T0, 300000), 0);
        assert_int_equal(c.floor_ms, T0);
        tw_auditlog_cursor_done(&c);
}

static void test_clamp_a_future_cursor(void **state)
{
        struct tw_auditlog_cursor c;

        (void)state;
        tw_auditlog_cursor_init(&c);
        c.floor_ms = c.to_ms = T0 * 2;
        assert_int_equal(tw_auditlog_cursor_take(&c, T0 + 1000, 7), 0);
        assert_int_equal(tw_auditlog_cursor_take(&c, T0 * 2, 8), 0);
        assert_int_equal(tw_auditlog_cursor_clamp(&c, T0, 300000, 300000), 0);
        assert_int_equal(c.floor_ms, T0 - 300000);
        assert_int_equal(c.to_ms, T0); /* nothing was read in the future */
        assert_true(tw_auditlog_cursor_covers(&c, T0 + 1000, 7));
        assert_false(tw_auditlog_cursor_covers(&c, T0 * 2, 8));
        tw_auditlog_cursor_done(&c);
}

/* Past the bound the oldest half goes, whole milliseconds at a time, and
 * the floor moves past them: nothing forgotten is counted again. */
static void test_bounded_set(void **state)
{
        const size_t n = TW_AUDITLOG_CURSOR_MAX_SEEN + 10;
        struct tw_auditlog_cursor c;

        (void)state;
        tw_auditlog_cursor_init(&c);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(tw_auditlog_cursor_take(&c, T0 + (int64_t)(i / 1000), i + 1), 0);
        assert_true(c.n_seen <= TW_AUDITLOG_CURSOR_MAX_SEEN);
        assert_true(c.evicted > 0);
        assert_int_equal(c.evicted + c.n_seen, n);
        for (size_t i = 0; i < n; i++)
                assert_true(tw_auditlog_cursor_covers(&c, T0 + (int64_t)(i / 1000), i + 1));
        assert_false(tw_auditlog_cursor_covers(&c, T0 + (int64_t)(n / 1000), n + 1));
        tw_auditlog_cursor_done(&c);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_floor_and_set),
                cmocka_unit_test(test_clamp_a_future_cursor),
                cmocka_unit_test(test_bounded_set),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
