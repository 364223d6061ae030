/* Unit tests for the retry backoff (lib/http/retry.c) with an injected random
 * source, and the HTTP statistics (lib/http/stats.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/http/http.h"
#include "lib/http/retry.h"

static double fixed_random(void *ctx)
{
        return *(const double *)ctx;
}

static void test_backoff(void **state)
{
        static const struct {
                const char *name;
                struct tw_backoff b;
                int retry;
                int64_t prev_ms;
                double u;
                int64_t want_ms;
        } cases[] = {
                {"full, retry 1, u=0", {100, 10000, TW_JITTER_FULL}, 1, 0, 0.0, 0},
                {"full, retry 1, u->1", {100, 10000, TW_JITTER_FULL}, 1, 0, 0.9999999, 100},
                {"full, retry 1, u=.5", {100, 10000, TW_JITTER_FULL}, 1, 0, 0.5, 50},
                {"full, retry 3 doubles twice", {100, 10000, TW_JITTER_FULL}, 3, 0, 0.9999999, 400},
                {"full, retry 10 capped", {100, 10000, TW_JITTER_FULL}, 10, 0, 0.9999999, 10000},
                {"full, retry 1000 capped, no overflow",
                 {100, 10000, TW_JITTER_FULL},
                 1000,
                 0,
                 0.9999999,
                 10000},
                {"full, defaults (500, 30000)", {0, 0, TW_JITTER_FULL}, 1, 0, 0.9999999, 500},
                {"full, max below base raised", {1000, 10, TW_JITTER_FULL}, 1, 0, 0.9999999, 1000},
                {"full, random 1.0 clamped", {100, 10000, TW_JITTER_FULL}, 1, 0, 1.0, 100},
                {"full, random negative clamped", {100, 10000, TW_JITTER_FULL}, 1, 0, -5.0, 0},
                {"decorrelated, first, u=0", {100, 10000, TW_JITTER_DECORRELATED}, 1, 0, 0.0, 100},
                {"decorrelated, first, u->1",
                 {100, 10000, TW_JITTER_DECORRELATED},
                 1,
                 0,
                 0.9999999,
                 300},
                {"decorrelated, prev 1000, u->1",
                 {100, 10000, TW_JITTER_DECORRELATED},
                 2,
                 1000,
                 0.9999999,
                 3000},
                {"decorrelated, prev 1000, u=0",
                 {100, 10000, TW_JITTER_DECORRELATED},
                 2,
                 1000,
                 0.0,
                 100},
                {"decorrelated, capped",
                 {100, 10000, TW_JITTER_DECORRELATED},
                 5,
                 9000,
                 0.9999999,
                 10000},
                {"decorrelated, huge prev, no overflow",
                 {100, 10000, TW_JITTER_DECORRELATED},
                 5,
                 INT64_MAX,
                 0.9999999,
                 10000},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                double u = cases[i].u;
                int64_t got = tw_retry_backoff_ms(&cases[i].b, cases[i].retry, cases[i].prev_ms,
                                                  fixed_random, &u);

                if (got != cases[i].want_ms)
                        fail_msg("%s: %lld ms, want %lld", cases[i].name, (long long)got,
                                 (long long)cases[i].want_ms);
        }
}

/* A deterministic generator sweeping [0, 1): every delay stays in bounds. */
static double sweep_random(void *ctx)
{
        unsigned *n = ctx;

        return (double)((*n)++ % 1000) / 1000.0;
}

static void test_backoff_bounds(void **state)
{
        struct tw_backoff full = {200, 5000, TW_JITTER_FULL};
        struct tw_backoff dec = {200, 5000, TW_JITTER_DECORRELATED};
        unsigned n = 0;
        (void)state;

        for (int retry = 1; retry <= 12; retry++) {
                int64_t prev = 0, ceiling = 200;

                for (int i = 1; i < retry; i++)
                        ceiling = ceiling * 2 > 5000 ? 5000 : ceiling * 2;
                for (int k = 0; k < 2000; k++) {
                        int64_t f = tw_retry_backoff_ms(&full, retry, 0, sweep_random, &n);
                        int64_t d = tw_retry_backoff_ms(&dec, retry, prev, sweep_random, &n);

                        if (f < 0 || f > ceiling)
                                fail_msg("full retry %d: %lld outside [0, %lld]", retry,
                                         (long long)f, (long long)ceiling);
                        if (d < 200 || d > 5000 || d > (prev < 200 ? 200 : prev) * 3)
                                fail_msg("decorrelated retry %d: %lld outside bounds (prev %lld)",
                                         retry, (long long)d, (long long)prev);
                        prev = d;
                }
        }
}

static void test_reason_names(void **state)
{
        (void)state;
        assert_string_equal(tw_retry_reason_to_string(TW_RETRY_RATE_LIMITED), "rate_limited");
        assert_string_equal(tw_retry_reason_to_string(TW_RETRY_SERVER_ERROR), "server_error");
        assert_string_equal(tw_retry_reason_to_string(TW_RETRY_TIMEOUT), "timeout");
        assert_string_equal(tw_retry_reason_to_string(TW_RETRY_CONNECTION), "connection");
        assert_string_equal(tw_retry_reason_to_string(_TW_RETRY_REASON_MAX), "unknown");
}

static uint64_t code_count(const struct tw_http_stats *s, const char *ep, long code)
{
        for (size_t e = 0; e < s->n_endpoints; e++) {
                if (strcmp(s->endpoints[e].endpoint, ep) != 0)
                        continue;
                for (size_t c = 0; c < s->endpoints[e].n_codes; c++)
                        if (s->endpoints[e].codes[c].code == code)
                                return s->endpoints[e].codes[c].count;
        }
        return 0;
}

static void test_stats(void **state)
{
        static struct tw_http_stats a, b;
        char name[16];
        (void)state;

        tw_http_stats_count(&a, "tokens", 200);
        tw_http_stats_count(&a, "tokens", 200);
        tw_http_stats_count(&a, "tokens", 429);
        tw_http_stats_count(&a, "users", 0);
        assert_int_equal(a.n_endpoints, 2);
        assert_int_equal(code_count(&a, "tokens", 200), 2);
        assert_int_equal(code_count(&a, "tokens", 429), 1);
        assert_int_equal(code_count(&a, "users", 0), 1);

        /* Overflow: endpoints beyond the table go to "other", codes to -1. */
        for (int i = 0; i < 20; i++) {
                snprintf(name, sizeof(name), "ep%d", i);
                tw_http_stats_count(&b, name, 200);
        }
        assert_int_equal(b.n_endpoints, TW_HTTP_MAX_ENDPOINTS);
        assert_string_equal(b.endpoints[TW_HTTP_MAX_ENDPOINTS - 1].endpoint, "other");
        assert_int_equal(code_count(&b, "other", 200), 20 - (TW_HTTP_MAX_ENDPOINTS - 1));
        for (long code = 200; code < 240; code++)
                tw_http_stats_count(&b, "ep0", code);
        assert_int_equal(b.endpoints[0].n_codes, TW_HTTP_MAX_CODES);
        assert_int_equal(code_count(&b, "ep0", -1), 40 - (TW_HTTP_MAX_CODES - 1));
        assert_int_equal(code_count(&b, "ep0", 200), 2);

        b.retries[TW_RETRY_TIMEOUT] = 3;
        b.requests = 7;
        b.rate_limited = 2;
        b.retry_delay_ms = 1500;
        a.retry_delay_ms = 500;
        b.max_in_flight = 4;
        a.max_in_flight = 2;
        a.requests = 4;
        tw_http_stats_merge(&a, &b);
        assert_int_equal(a.requests, 11);
        assert_int_equal(a.rate_limited, 2);
        assert_int_equal(a.retry_delay_ms, 2000);
        assert_int_equal(a.retries[TW_RETRY_TIMEOUT], 3);
        assert_int_equal(a.max_in_flight, 4);
        assert_int_equal(code_count(&a, "tokens", 200), 2);
        assert_int_equal(code_count(&a, "ep0", 200), 2);
        assert_int_equal(a.n_endpoints, TW_HTTP_MAX_ENDPOINTS);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_backoff),
                cmocka_unit_test(test_backoff_bounds),
                cmocka_unit_test(test_reason_names),
                cmocka_unit_test(test_stats),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
