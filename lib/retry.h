#ifndef TW_LIB_RETRY_H
#define TW_LIB_RETRY_H

/*
 * Retry policy for the HTTP transport, pure: which outcomes to retry, how
 * long to back off (the random source is injected), and Retry-After
 * parsing (the current time is a parameter).  Thread-safe.
 */

#include <stdbool.h>
#include <stdint.h>

#include "lib/http.h"

/* Retry-After values above this are capped: an agent waits at most 5 min. */
#define TW_RETRY_AFTER_MAX_S 300

/* Is the outcome of one attempt worth another?  status is the HTTP status
 * (0: no response), error 0 or a negative errno from the transport.
 * Retried: 429; 5xx; -ETIMEDOUT; connection failures (-ECONNREFUSED,
 * -ECONNRESET, -EPROTO).  Never retried: success, 1xx-3xx, other 4xx,
 * -E2BIG, -ECANCELED, -EINVAL, -ENOMEM and any other error.  A transport
 * error wins over the status.  Writes *ret_reason only when it returns true;
 * ret_reason may be NULL. */
bool tw_retry_should_retry(long status, int error, enum tw_retry_reason *ret_reason);

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

/* Parses a Retry-After value: delta-seconds ("120") or an HTTP-date
 * (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", also the obsolete RFC 850
 * and asctime forms), relative to now (Unix seconds).  A date in the past
 * gives 0; anything above TW_RETRY_AFTER_MAX_S (including numbers too large
 * to represent) gives TW_RETRY_AFTER_MAX_S.  -EINVAL for NULL, empty,
 * negative or malformed values. */
int tw_retry_after_parse(const char *value, int64_t now, int64_t *ret_seconds);

#endif
