#ifndef TW_LIB_HTTP_RATELIMIT_INTERNAL_H
#define TW_LIB_HTTP_RATELIMIT_INTERNAL_H

/*
 * A token bucket for request starts.  Pure: the caller passes the monotonic
 * time (nanoseconds) to every call, so tests need no clock and no sleeps.
 *
 * The bucket holds up to `burst` tokens and refills at `rate` tokens per
 * second; a start takes one token.  Against a server that counts requests
 * in a sliding 1-second window, the bucket allows at most burst + rate
 * starts in any window, which is why the default burst is small.
 *
 * A bucket is a plain value owned by one thread.
 */

#include <stdint.h>

struct tw_ratelimit {
        double rate;  /* tokens per second; <= 0: unlimited */
        double burst; /* bucket size, >= 1 */
        double tokens;
        int64_t last_ns;         /* time of the last refill */
        int64_t paused_until_ns; /* no token before this time */
};

/* The burst used when none is configured: max(1, floor(rate / 10)).  At the
 * default 20 starts/s that is 2, so a 1-second window sees at most 22
 * starts, safely under Astro's 25 GET/s. */
double tw_ratelimit_default_burst(double rate);

/* Starts with a full bucket.  burst <= 0 picks tw_ratelimit_default_burst();
 * a burst below 1 is raised to 1. */
void tw_ratelimit_init(struct tw_ratelimit *rl, double rate, double burst, int64_t now_ns);

/* Takes one token if one is available at now_ns and returns 0; otherwise
 * takes nothing and returns the nanoseconds to wait (> 0) before a token
 * will be available.  An unlimited bucket always returns 0 unless paused. */
int64_t tw_ratelimit_take(struct tw_ratelimit *rl, int64_t now_ns);

/* Like tw_ratelimit_take() but only looks: returns the wait, takes nothing. */
int64_t tw_ratelimit_peek(const struct tw_ratelimit *rl, int64_t now_ns);

/* No token before until_ns (e.g. after a 429).  The bucket is emptied and
 * refills only from until_ns on, so starts resume at the base rate instead
 * of with a burst.  A pause never shortens an earlier, longer one. */
void tw_ratelimit_pause_until(struct tw_ratelimit *rl, int64_t until_ns);

#endif
