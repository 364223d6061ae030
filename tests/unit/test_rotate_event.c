/* A renewal's outcome as a change event (agent/rotate/event.c): renewed,
 * renewal_failed and retire_held, their severities, the detail people read
 * and the link to the new token; nothing for the other outcomes. */
#include "agent/rotate/rotate.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/events.h"
#include "lib/timeutil.h"

#define NOW ((int64_t)1780315200) /* 2026-06-01T12:00:00Z */

static struct tw_rotate_outcome outcome(enum tw_rotate_result result, bool renewed,
                                        enum tw_rotation_strategy s)
{
        struct tw_rotate_outcome o;

        memset(&o, 0, sizeof(o));
        o.result = result;
        o.renewed = renewed;
        o.strategy = s;
        o.step = TW_RENEWAL_ISSUED;
        snprintf(o.token_id, sizeof(o.token_id), "old");
        snprintf(o.new_id, sizeof(o.new_id), "new");
        snprintf(o.organization_id, sizeof(o.organization_id), "org1");
        snprintf(o.token_name, sizeof(o.token_name), "ci-deploy");
        snprintf(o.scope, sizeof(o.scope), "WORKSPACE");
        o.n_copies = 3;
        o.next_at = TW_NO_TIME;
        o.old_end_at = NOW + 3 * 86400;
        o.new_end_at = NOW + 90 * 86400;
        return o;
}

static void renewed(void **state)
{
        struct tw_rotate_outcome o = outcome(TW_ROTATE_WAITING, true, TW_ROTATION_REPLACE);
        struct tw_event e;

        (void)state;
        assert_int_equal(tw_rotate_event(&o, NOW, &e), 1);
        assert_int_equal(e.kind, TW_EVENT_RENEWED);
        assert_int_equal(e.severity, TW_SEVERITY_NONE);
        assert_int_equal(e.observed_at, NOW);
        assert_string_equal(e.token_id, "old");
        assert_string_equal(e.token_name, "ci-deploy");
        assert_string_equal(e.organization_id, "org1");
        assert_string_equal(e.after, "new");
        assert_string_equal(e.replaced_by, "new");
        assert_string_equal(e.detail, "replaced by a twin; 3 copies hold the new value, which "
                                      "expires 2026-08-30T12:00:00Z; the old token is deleted "
                                      "after retire_after");
        tw_event_done(&e);

        /* in place: the same token, no link */
        o = outcome(TW_ROTATE_FINISHED, true, TW_ROTATION_ROTATE);
        o.n_copies = 1;
        assert_int_equal(tw_rotate_event(&o, NOW, &e), 1);
        assert_int_equal(e.kind, TW_EVENT_RENEWED);
        assert_null(e.replaced_by);
        assert_string_equal(e.detail, "rotated in place; 1 copy holds the new value, which "
                                      "expires 2026-08-30T12:00:00Z");
        tw_event_done(&e);
}

static void failed(void **state)
{
        struct tw_rotate_outcome o = outcome(TW_ROTATE_FAILED, false, TW_ROTATION_REPLACE);
        struct tw_event e;

        (void)state;
        snprintf(o.reason, sizeof(o.reason), "[deliver.vault] changed since the renewal began");
        o.next_at = NOW + 3600;
        assert_int_equal(tw_rotate_event(&o, NOW, &e), 1);
        assert_int_equal(e.kind, TW_EVENT_RENEWAL_FAILED);
        assert_int_equal(e.severity, TW_SEVERITY_CRITICAL);
        assert_null(e.replaced_by);
        assert_string_equal(e.before, "issued"); /* where the journal stands */
        assert_string_equal(e.detail, "[deliver.vault] changed since the renewal began; next "
                                      "attempt 2026-06-01T13:00:00Z");
        tw_event_done(&e);

        o.next_at = TW_NO_TIME; /* no journal to retry from */
        assert_int_equal(tw_rotate_event(&o, NOW, &e), 1);
        assert_non_null(strstr(e.detail, "next attempt when asked (tokenwatch rotate)"));
        tw_event_done(&e);
}

static void held(void **state)
{
        struct tw_rotate_outcome o = outcome(TW_ROTATE_HELD, false, TW_ROTATION_REPLACE);
        struct tw_event e;

        (void)state;
        snprintf(o.reason, sizeof(o.reason), "still used by 198.51.100.7");
        assert_int_equal(tw_rotate_event(&o, NOW, &e), 1);
        assert_int_equal(e.kind, TW_EVENT_RETIRE_HELD);
        assert_int_equal(e.severity, TW_SEVERITY_WARNING);
        assert_string_equal(e.detail, "still used by 198.51.100.7");
        tw_event_done(&e);
}

static void nothing_to_say(void **state)
{
        static const enum tw_rotate_result quiet[] = {TW_ROTATE_NOTHING, TW_ROTATE_WAITING,
                                                      TW_ROTATE_FINISHED, TW_ROTATE_DROPPED,
                                                      TW_ROTATE_CANCELLED};
        struct tw_event e;

        (void)state;
        for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++) {
                struct tw_rotate_outcome o = outcome(quiet[i], false, TW_ROTATION_REPLACE);

                assert_int_equal(tw_rotate_event(&o, NOW, &e), 0);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(renewed),
                cmocka_unit_test(failed),
                cmocka_unit_test(held),
                cmocka_unit_test(nothing_to_say),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
