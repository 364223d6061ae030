/* Unit tests for the token bucket (lib/http/ratelimit.c): pure, with the
 * time passed in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lib/http/ratelimit_internal.h"

#define MS 1000000LL
#define MAX_STEPS 12

enum op { TAKE, PEEK, PAUSE, END };

struct step {
        enum op op;
        int64_t now_ns;
        int64_t want_wait_ns; /* TAKE/PEEK; PAUSE: pause until now_ns + this */
};

struct rl_case {
        const char *name;
        double rate;
        double burst;
        struct step steps[MAX_STEPS];
};

static const struct rl_case cases[] = {
        {"burst of 2 then wait for refill",
         10,
         2,
         {{TAKE, 0, 0},
          {TAKE, 0, 0},
          {TAKE, 0, 100 * MS},
          {TAKE, 50 * MS, 50 * MS},
          {TAKE, 100 * MS, 0},
          {TAKE, 100 * MS, 100 * MS},
          {END, 0, 0}}},
        {"refill never exceeds the burst",
         10,
         2,
         {{TAKE, 0, 0},
          {TAKE, 0, 0},
          {TAKE, 10000 * MS, 0},
          {TAKE, 10000 * MS, 0},
          {TAKE, 10000 * MS, 100 * MS},
          {END, 0, 0}}},
        {"steady rate: one start every 50 ms at 20/s",
         20,
         1,
         {{TAKE, 0, 0},
          {TAKE, 50 * MS, 0},
          {TAKE, 99 * MS, 1 * MS},
          {TAKE, 100 * MS, 0},
          {TAKE, 150 * MS, 0},
          {END, 0, 0}}},
        {"default burst at 20/s is 2",
         20,
         0,
         {{TAKE, 0, 0}, {TAKE, 0, 0}, {TAKE, 0, 50 * MS}, {END, 0, 0}}},
        {"default burst at 5/s is 1", 5, 0, {{TAKE, 0, 0}, {TAKE, 0, 200 * MS}, {END, 0, 0}}},
        {"burst below 1 is raised to 1",
         10,
         0.25,
         {{TAKE, 0, 0}, {TAKE, 0, 100 * MS}, {END, 0, 0}}},
        {"peek takes nothing",
         10,
         1,
         {{PEEK, 0, 0},
          {PEEK, 0, 0},
          {TAKE, 0, 0},
          {PEEK, 0, 100 * MS},
          {PEEK, 40 * MS, 60 * MS},
          {END, 0, 0}}},
        {"unlimited: rate 0",
         0,
         0,
         {{TAKE, 0, 0}, {TAKE, 0, 0}, {TAKE, 0, 0}, {TAKE, 0, 0}, {END, 0, 0}}},
        {"unlimited: negative rate",
         -1,
         0,
         {{TAKE, 0, 0}, {TAKE, 1, 0}, {TAKE, 2, 0}, {END, 0, 0}}},
        {"pause blocks, empties the bucket, then the base rate resumes",
         10,
         3,
         {{TAKE, 0, 0},
          {PAUSE, 0, 1000 * MS},
          {TAKE, 0, 1000 * MS},
          {TAKE, 600 * MS, 400 * MS},
          {TAKE, 1000 * MS, 100 * MS},
          {TAKE, 1100 * MS, 0},
          {TAKE, 1100 * MS, 100 * MS},
          {END, 0, 0}}},
        {"pause applies to an unlimited bucket",
         0,
         0,
         {{TAKE, 0, 0},
          {PAUSE, 10 * MS, 500 * MS},
          {TAKE, 10 * MS, 500 * MS},
          {TAKE, 509 * MS, 1 * MS},
          {TAKE, 510 * MS, 0},
          {TAKE, 510 * MS, 0},
          {END, 0, 0}}},
        {"a shorter pause does not cut a longer one",
         0,
         0,
         {{PAUSE, 0, 1000 * MS}, {PAUSE, 0, 200 * MS}, {TAKE, 500 * MS, 500 * MS}, {END, 0, 0}}},
        {"fractional rate: 0.5/s waits 2 s",
         0.5,
         1,
         {{TAKE, 0, 0},
          {TAKE, 0, 2000 * MS},
          {TAKE, 1999 * MS, 1 * MS},
          {TAKE, 2000 * MS, 0},
          {END, 0, 0}}},
};

static void test_bucket_table(void **state)
{
        (void)state;
        for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
                const struct rl_case *tc = &cases[c];
                struct tw_ratelimit rl;

                tw_ratelimit_init(&rl, tc->rate, tc->burst, 0);
                for (int i = 0; i < MAX_STEPS && tc->steps[i].op != END; i++) {
                        const struct step *s = &tc->steps[i];
                        int64_t got;

                        if (s->op == PAUSE) {
                                tw_ratelimit_pause_until(&rl, s->now_ns + s->want_wait_ns);
                                continue;
                        }
                        got = s->op == TAKE ? tw_ratelimit_take(&rl, s->now_ns)
                                            : tw_ratelimit_peek(&rl, s->now_ns);
                        if (got != s->want_wait_ns)
                                fail_msg("%s: step %d at %lld ns: wait %lld, want %lld", tc->name,
                                         i, (long long)s->now_ns, (long long)got,
                                         (long long)s->want_wait_ns);
                }
        }
}

/* Over any 1-second window, starts never exceed rate + burst: simulate a
 * caller that starts as soon as allowed for 10 s. */
static void test_window_bound(void **state)
{
        static const struct {
                const char *name;
                double rate, burst;
                int want_max;
        } w[] = {
                {"20/s default burst", 20, 0, 22},
                {"20/s burst 5", 20, 5, 25},
                {"7/s burst 1", 7, 1, 8},
        };
        (void)state;
        for (size_t c = 0; c < sizeof(w) / sizeof(w[0]); c++) {
                struct tw_ratelimit rl;
                int64_t starts[400], now = 0;
                int n = 0, max = 0;

                tw_ratelimit_init(&rl, w[c].rate, w[c].burst, 0);
                while (now <= 10000 * MS && n < 400) {
                        int64_t wait = tw_ratelimit_take(&rl, now);

                        if (wait == 0)
                                starts[n++] = now;
                        else
                                now += wait;
                }
                for (int i = 0, j = 0; i < n; i++) {
                        while (starts[i] - starts[j] > 1000 * MS)
                                j++;
                        if (i - j + 1 > max)
                                max = i - j + 1;
                }
                if (max > w[c].want_max)
                        fail_msg("%s: %d starts in a 1 s window, want <= %d", w[c].name, max,
                                 w[c].want_max);
                /* It also keeps the rate: 10 s at rate r gives about 10 r + burst. */
                if (n < (int)(10 * w[c].rate))
                        fail_msg("%s: only %d starts in 10 s", w[c].name, n);
        }
}

static void test_default_burst(void **state)
{
        (void)state;
        assert_true(tw_ratelimit_default_burst(0) == 1.0);
        assert_true(tw_ratelimit_default_burst(-3) == 1.0);
        assert_true(tw_ratelimit_default_burst(9.9) == 1.0);
        assert_true(tw_ratelimit_default_burst(20) == 2.0);
        assert_true(tw_ratelimit_default_burst(25) == 2.0);
        assert_true(tw_ratelimit_default_burst(100) == 10.0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_bucket_table),
                cmocka_unit_test(test_window_bound),
                cmocka_unit_test(test_default_burst),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
