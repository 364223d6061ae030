#ifndef TW_LIB_HTTP_RETRY_H
#define TW_LIB_HTTP_RETRY_H

/*
 * Backoff for retries, pure: how long to wait before the next attempt (the
 * random source is injected).  Which outcomes to retry is the HTTP
 * client's classification (enum tw_http_verdict in lib/http/http.h); the
 * server's Retry-After comes from libcurl.  Thread-safe.
 */

#include <stdint.h>

/* Returns a uniformly distributed number in [0, 1). */
typedef double (*tw_random_fn)(void *ctx);

/* splitmix64 over the uint64_t state at ctx, as a tw_random_fn: backoff
 * jitter needs no cryptographic quality.  Not thread-safe per state. */
double tw_splitmix64(void *ctx);

enum tw_jitter {
        TW_JITTER_FULL,         /* uniform in [0, min(max, base * 2^(retry-1))] */
        TW_JITTER_DECORRELATED, /* uniform in [base, min(max, 3 * prev)] */
};

struct tw_backoff {
        int64_t base_ms; /* <= 0: 500 */
        int64_t max_ms;  /* <= 0: 30000; raised to base_ms if below */
        enum tw_jitter jitter;
};

/* The delay before retry number `retry` (1 for the first retry).  prev_ms is
 * the previous delay (decorrelated jitter; <= 0 means base_ms).  The result
 * is within [0, max_ms] (full) or [min(base, max), max_ms] (decorrelated). */
int64_t tw_retry_backoff_ms(const struct tw_backoff *b, int retry, int64_t prev_ms,
                            tw_random_fn rnd, void *rnd_ctx);

#endif
