/* When a token is due for renewal, the backoff after failures, and when the
 * old token of a replacement goes (core/rotation/rotation.c).  Pure:
 * every case names its `now`. */
#include "core/rotation/rotation.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/inventory.h"
#include "lib/timeutil.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define H 3600
#define D 86400
#define T0 1780000000 /* the token's issue */

struct due_case {
        const char *name;
        int64_t start, end, rotated; /* TW_NO_TIME where absent */
        bool has_copies;
        struct tw_threshold before;
        int64_t now;
        bool due;
        int64_t renew_at;
};

#define DUR(s)                 \
        {                      \
                .seconds = (s) \
        }
#define PCT(p)                                     \
        {                                          \
                .percent = true, .percentage = (p) \
        }

static const struct due_case due_cases[] = {
        {"30d before a 90d token: not yet at day 59", T0, T0 + 90 * D, TW_NO_TIME, true,
         DUR(30 * D), T0 + 59 * D, false, T0 + 60 * D},
        {"30d before a 90d token: due at day 60", T0, T0 + 90 * D, TW_NO_TIME, true, DUR(30 * D),
         T0 + 60 * D, true, T0 + 60 * D},
        {"3 days from expiry is due", T0, T0 + 90 * D, TW_NO_TIME, true, DUR(30 * D), T0 + 87 * D,
         true, T0 + 60 * D},
        {"past expiry is due", T0, T0 + 90 * D, TW_NO_TIME, true, DUR(30 * D), T0 + 91 * D, true,
         T0 + 60 * D},
        {"no copy: never due", T0, T0 + 90 * D, TW_NO_TIME, false, DUR(30 * D), T0 + 89 * D, false,
         T0 + 60 * D},
        {"never expires: never due", T0, TW_NO_TIME, TW_NO_TIME, true, DUR(30 * D), T0 + 999 * D,
         false, TW_NO_TIME},
        {"33% of a 90d lifetime: 29.7 days before", T0, T0 + 90 * D, TW_NO_TIME, true, PCT(33),
         T0 + 61 * D, true, T0 + 90 * D - 2566080},
        {"percent counts from the last rotation", T0 - 100 * D, T0 + 10 * D, T0, true, PCT(50),
         T0 + 4 * D, false, T0 + 5 * D},
        {"a duration longer than the lifetime: due at once", T0, T0 + 7 * D, TW_NO_TIME, true,
         DUR(30 * D), T0, true, T0 - 23 * D},
        {"before off: renew at endAt",
         T0,
         T0 + 7 * D,
         TW_NO_TIME,
         true,
         {.off = true},
         T0 + 7 * D,
         true,
         T0 + 7 * D},
};

static void test_due(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(due_cases); i++) {
                const struct due_case *c = &due_cases[i];
                struct tw_token t = {.start_at = c->start,
                                     .created_at = c->start,
                                     .end_at = c->end,
                                     .last_rotated_at = c->rotated};
                int64_t at = 0;
                bool due = tw_rotation_due(&t, c->has_copies, &c->before, c->now, &at);

                if (due != c->due || at != c->renew_at)
                        fail_msg("%s: due %d renew_at %lld, want %d %lld", c->name, due,
                                 (long long)at, c->due, (long long)c->renew_at);
        }
}

struct backoff_case {
        const char *name;
        unsigned failures;
        int64_t failed_at, end_at;
        int64_t want;
};

static const struct backoff_case backoff_cases[] = {
        {"first failure: an hour", 1, T0, TW_NO_TIME, T0 + H},
        {"second: two hours", 2, T0, TW_NO_TIME, T0 + 2 * H},
        {"sixth: 32 hours", 6, T0, TW_NO_TIME, T0 + 32 * H},
        {"capped at 32 hours", 40, T0, TW_NO_TIME, T0 + 32 * H},
        {"far from expiry: the doubling", 3, T0, T0 + 30 * D, T0 + 4 * H},
        {"never past endAt: one last try 10 min before", 6, T0, T0 + 5 * H, T0 + 5 * H - 600},
        {"the last try at least 5 min after the failure", 1, T0, T0 + 12 * 60, T0 + 300},
        {"endAt passed: the doubling goes on", 2, T0, T0 - 60, T0 + 2 * H},
        {"endAt within the last-try margin: the doubling", 1, T0, T0 + 300, T0 + H},
};

static void test_backoff(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(backoff_cases); i++) {
                const struct backoff_case *c = &backoff_cases[i];
                int64_t got = tw_rotation_next_attempt(c->failures, c->failed_at, c->end_at);

                if (got != c->want)
                        fail_msg("%s: %lld, want %lld", c->name, (long long)(got - T0),
                                 (long long)(c->want - T0));
        }
}

struct retire_case {
        const char *name;
        struct tw_retire_input in;
        int64_t now;
        enum tw_retire_verdict want;
        int64_t want_at; /* WAIT/HOLD */
};

static const struct retire_case retire_cases[] = {
        {"before retire_after: wait",
         {T0, H, T0 + 30 * D, false, TW_NO_TIME},
         T0 + 60,
         TW_RETIRE_WAIT,
         T0 + H},
        {"no audit logs: delete at delivery + retire_after",
         {T0, H, T0 + 30 * D, false, T0 + H},
         T0 + H,
         TW_RETIRE_DELETE,
         0},
        {"retire_after 0: at once",
         {T0, 0, T0 + 30 * D, true, TW_NO_TIME},
         T0,
         TW_RETIRE_DELETE,
         0},
        {"never used: delete", {T0, H, T0 + 30 * D, true, TW_NO_TIME}, T0 + H, TW_RETIRE_DELETE, 0},
        {"last used before delivery: delete",
         {T0, H, T0 + 30 * D, true, T0 - 5},
         T0 + H,
         TW_RETIRE_DELETE,
         0},
        {"used after delivery: hold until quiet for retire_after",
         {T0, H, T0 + 30 * D, true, T0 + 600},
         T0 + H,
         TW_RETIRE_HOLD,
         T0 + 600 + H},
        {"quiet long enough since: delete",
         {T0, H, T0 + 30 * D, true, T0 + 600},
         T0 + 600 + H,
         TW_RETIRE_DELETE,
         0},
        {"still used: hold",
         {T0, H, T0 + 30 * D, true, T0 + 5 * H},
         T0 + 5 * H + 60,
         TW_RETIRE_HOLD,
         T0 + 6 * H},
        {"a hold never outlives endAt",
         {T0, H, T0 + 2 * H, true, T0 + H + 60},
         T0 + H + 120,
         TW_RETIRE_HOLD,
         T0 + 2 * H},
        {"expired: delete though used",
         {T0, H, T0 + 2 * H, true, T0 + 2 * H - 1},
         T0 + 2 * H,
         TW_RETIRE_DELETE,
         0},
};

static void test_retire(void **state)
{
        (void)state;
        for (size_t i = 0; i < ARRAY_SIZE(retire_cases); i++) {
                const struct retire_case *c = &retire_cases[i];
                int64_t at = 0;
                enum tw_retire_verdict v = tw_rotation_retire(&c->in, c->now, &at);

                if (v != c->want || (v != TW_RETIRE_DELETE && at != c->want_at))
                        fail_msg("%s: verdict %d at %lld, want %d at %lld", c->name, v,
                                 (long long)(at - T0), c->want, (long long)(c->want_at - T0));
        }
}

static void test_strategy_names(void **state)
{
        enum tw_rotation_strategy s;

        (void)state;
        assert_int_equal(tw_rotation_strategy_from_string("replace", &s), 0);
        assert_int_equal(s, TW_ROTATION_REPLACE);
        assert_int_equal(tw_rotation_strategy_from_string("rotate", &s), 0);
        assert_int_equal(s, TW_ROTATION_ROTATE);
        assert_int_equal(tw_rotation_strategy_from_string("Rotate", &s), -EINVAL);
        assert_int_equal(tw_rotation_strategy_from_string(NULL, &s), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_due),
                cmocka_unit_test(test_backoff),
                cmocka_unit_test(test_retire),
                cmocka_unit_test(test_strategy_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
