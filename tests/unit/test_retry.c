/* Unit tests for the retry policy (lib/retry.c): classification,
 * backoff bounds with an injected random source, Retry-After parsing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/retry.h"

#define NO_REASON (-1)

static void test_classify(void **state)
{
        static const struct {
                const char *name;
                long status;
                int error;
                int want; /* a tw_retry_reason, or NO_REASON: not retried */
        } cases[] = {
                {"200 ok", 200, 0, NO_REASON},
                {"204 no content", 204, 0, NO_REASON},
                {"101 informational", 101, 0, NO_REASON},
                {"301 redirect (never followed)", 301, 0, NO_REASON},
                {"304 not modified", 304, 0, NO_REASON},
                {"400 bad request", 400, 0, NO_REASON},
                {"401 unauthorized", 401, 0, NO_REASON},
                {"403 forbidden", 403, 0, NO_REASON},
                {"404 not found", 404, 0, NO_REASON},
                {"408 request timeout", 408, 0, NO_REASON},
                {"409 conflict", 409, 0, NO_REASON},
                {"499 other 4xx", 499, 0, NO_REASON},
                {"429 too many requests", 429, 0, TW_RETRY_RATE_LIMITED},
                {"500 internal", 500, 0, TW_RETRY_SERVER_ERROR},
                {"502 bad gateway", 502, 0, TW_RETRY_SERVER_ERROR},
                {"503 unavailable", 503, 0, TW_RETRY_SERVER_ERROR},
                {"504 gateway timeout", 504, 0, TW_RETRY_SERVER_ERROR},
                {"599 last 5xx", 599, 0, TW_RETRY_SERVER_ERROR},
                {"600 out of range", 600, 0, NO_REASON},
                {"no response, no error", 0, 0, NO_REASON},
                {"timeout", 0, -ETIMEDOUT, TW_RETRY_TIMEOUT},
                {"timeout after headers", 200, -ETIMEDOUT, TW_RETRY_TIMEOUT},
                {"connection refused", 0, -ECONNREFUSED, TW_RETRY_CONNECTION},
                {"connection reset", 0, -ECONNRESET, TW_RETRY_CONNECTION},
                {"protocol/transport failure", 0, -EPROTO, TW_RETRY_CONNECTION},
                {"body over cap", 200, -E2BIG, NO_REASON},
                {"cancelled", 0, -ECANCELED, NO_REASON},
                {"bad URL", 0, -EINVAL, NO_REASON},
                {"untrusted TLS certificate", 0, -EKEYREJECTED, NO_REASON},
                {"out of memory", 0, -ENOMEM, NO_REASON},
                {"error wins over a 503", 503, -E2BIG, NO_REASON},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                enum tw_retry_reason r = _TW_RETRY_REASON_MAX;
                bool got = tw_retry_should_retry(cases[i].status, cases[i].error, &r);

                if (got != (cases[i].want != NO_REASON))
                        fail_msg("%s: retry %d, want %d", cases[i].name, got,
                                 cases[i].want != NO_REASON);
                if (got && (int)r != cases[i].want)
                        fail_msg("%s: reason %d, want %d", cases[i].name, r, cases[i].want);
                if (!got && r != _TW_RETRY_REASON_MAX)
                        fail_msg("%s: reason written on false", cases[i].name);
        }
        assert_true(tw_retry_should_retry(503, 0, NULL));
}

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

static void test_retry_after(void **state)
{
        /* 1994-11-06T08:49:37Z, the RFC's example date. */
        static const int64_t rfc_example = 784111777;
        static const struct {
                const char *name;
                const char *value;
                int64_t now;
                int want_rc;
                int64_t want_s;
        } cases[] = {
                {"seconds", "120", 0, 0, 120},
                {"zero", "0", 0, 0, 0},
                {"surrounding whitespace", "  7 \r\n", 0, 0, 7},
                {"leading zeros", "007", 0, 0, 7},
                {"at the cap", "300", 0, 0, 300},
                {"over the cap", "301", 0, 0, 300},
                {"huge", "99999999999999999999999", 0, 0, 300},
                {"IMF-fixdate 10 s ahead", "Sun, 06 Nov 1994 08:49:37 GMT", rfc_example - 10, 0,
                 10},
                {"IMF-fixdate now", "Sun, 06 Nov 1994 08:49:37 GMT", rfc_example, 0, 0},
                {"IMF-fixdate in the past", "Sun, 06 Nov 1994 08:49:37 GMT", rfc_example + 3600, 0,
                 0},
                {"IMF-fixdate far ahead", "Sun, 06 Nov 1994 08:49:37 GMT", rfc_example - 86400, 0,
                 300},
                {"RFC 850 date", "Sunday, 06-Nov-94 08:49:37 GMT", rfc_example - 5, 0, 5},
                {"asctime date", "Sun Nov  6 08:49:37 1994", rfc_example - 42, 0, 42},
                {"negative", "-5", 0, -EINVAL, 0},
                {"plus sign", "+5", 0, -EINVAL, 0},
                {"fraction", "1.5", 0, -EINVAL, 0},
                {"trailing garbage", "5s", 0, -EINVAL, 0},
                {"empty", "", 0, -EINVAL, 0},
                {"blank", "   ", 0, -EINVAL, 0},
                {"word", "soon", 0, -EINVAL, 0},
                {"date without GMT", "Sun, 06 Nov 1994 08:49:37 UTC", 0, -EINVAL, 0},
                {"date with a bad month", "Sun, 06 Foo 1994 08:49:37 GMT", 0, -EINVAL, 0},
                {"date with a bad day", "Sun, 31 Feb 1994 08:49:37 GMT", 0, -EINVAL, 0},
                {"date with a bad hour", "Sun, 06 Nov 1994 25:49:37 GMT", 0, -EINVAL, 0},
                {"date with trailing garbage", "Sun, 06 Nov 1994 08:49:37 GMT x", 0, -EINVAL, 0},
                {"date cut short", "Sun, 06 Nov 1994", 0, -EINVAL, 0},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int64_t got = -1;
                int rc = tw_retry_after_parse(cases[i].value, cases[i].now, &got);

                if (rc != cases[i].want_rc)
                        fail_msg("%s: rc %d, want %d", cases[i].name, rc, cases[i].want_rc);
                if (rc == 0 && got != cases[i].want_s)
                        fail_msg("%s: %lld s, want %lld", cases[i].name, (long long)got,
                                 (long long)cases[i].want_s);
                if (rc < 0 && got != -1)
                        fail_msg("%s: output written on failure", cases[i].name);
        }
        assert_int_equal(tw_retry_after_parse(NULL, 0, &(int64_t){0}), -EINVAL);
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
        b.max_in_flight = 4;
        a.max_in_flight = 2;
        a.requests = 4;
        tw_http_stats_merge(&a, &b);
        assert_int_equal(a.requests, 11);
        assert_int_equal(a.rate_limited, 2);
        assert_int_equal(a.retries[TW_RETRY_TIMEOUT], 3);
        assert_int_equal(a.max_in_flight, 4);
        assert_int_equal(code_count(&a, "tokens", 200), 2);
        assert_int_equal(code_count(&a, "ep0", 200), 2);
        assert_int_equal(a.n_endpoints, TW_HTTP_MAX_ENDPOINTS);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_classify),       cmocka_unit_test(test_backoff),
                cmocka_unit_test(test_backoff_bounds), cmocka_unit_test(test_retry_after),
                cmocka_unit_test(test_reason_names),   cmocka_unit_test(test_stats),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
