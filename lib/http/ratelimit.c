#include "lib/http/ratelimit_internal.h"

#include <math.h>

#define NS_PER_S 1000000000.0

double tw_ratelimit_default_burst(double rate)
{
        double b = floor(rate / 10.0);

        return b >= 1.0 ? b : 1.0;
}

void tw_ratelimit_init(struct tw_ratelimit *rl, double rate, double burst, int64_t now_ns)
{
        if (burst <= 0)
                burst = tw_ratelimit_default_burst(rate);
        if (burst < 1.0)
                burst = 1.0;
        rl->rate = rate;
        rl->burst = burst;
        rl->tokens = burst;
        rl->last_ns = now_ns;
        rl->paused_until_ns = INT64_MIN;
}

/* The tokens the bucket holds at now_ns (never before last_ns). */
static double tokens_at(const struct tw_ratelimit *rl, int64_t now_ns)
{
        double t = rl->tokens;

        if (now_ns > rl->last_ns)
                t += (double)(now_ns - rl->last_ns) * rl->rate / NS_PER_S;
        return t > rl->burst ? rl->burst : t;
}

int64_t tw_ratelimit_peek(const struct tw_ratelimit *rl, int64_t now_ns)
{
        double t, wait;

        if (now_ns < rl->paused_until_ns)
                return rl->paused_until_ns - now_ns;
        if (rl->rate <= 0)
                return 0;
        t = tokens_at(rl, now_ns);
        if (t >= 1.0)
                return 0;
        /* Rounding error must not add a nanosecond to exact waits. */
        wait = ceil((1.0 - t) * NS_PER_S / rl->rate - 1e-3);
        /* A refill that starts in the future (after a pause) adds its delay. */
        if (rl->last_ns > now_ns)
                wait += (double)(rl->last_ns - now_ns);
        return wait >= 1.0 ? (int64_t)wait : 1;
}

int64_t tw_ratelimit_take(struct tw_ratelimit *rl, int64_t now_ns)
{
        int64_t wait = tw_ratelimit_peek(rl, now_ns);

        if (wait > 0 || rl->rate <= 0)
                return wait;
        rl->tokens = tokens_at(rl, now_ns) - 1.0;
        if (now_ns > rl->last_ns)
                rl->last_ns = now_ns;
        return 0;
}

void tw_ratelimit_pause_until(struct tw_ratelimit *rl, int64_t until_ns)
{
        if (until_ns <= rl->paused_until_ns)
                return;
        rl->paused_until_ns = until_ns;
        rl->tokens = 0;
        if (until_ns > rl->last_ns)
                rl->last_ns = until_ns;
}
