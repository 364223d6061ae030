#include "lib/http/retry.h"

int64_t tw_retry_backoff_ms(const struct tw_backoff *b, int retry, int64_t prev_ms,
                            tw_random_fn rnd, void *rnd_ctx)
{
        int64_t base = b->base_ms > 0 ? b->base_ms : 500;
        int64_t max = b->max_ms > 0 ? b->max_ms : 30000;
        int64_t lo, hi;
        double u = rnd(rnd_ctx);

        if (max < base)
                max = base;
        if (!(u >= 0.0))
                u = 0.0;
        if (u >= 1.0)
                u = 0.999999;
        if (b->jitter == TW_JITTER_DECORRELATED) {
                if (prev_ms < base)
                        prev_ms = base;
                lo = base;
                hi = prev_ms > max / 3 ? max : prev_ms * 3;
        } else {
                lo = 0;
                hi = base;
                for (int i = 1; i < retry && hi < max; i++)
                        hi = hi > max / 2 ? max : hi * 2;
                if (hi > max)
                        hi = max;
        }
        /* Uniform over the closed range [lo, hi]. */
        return lo + (int64_t)(u * (double)(hi - lo + 1));
}

double tw_splitmix64(void *ctx)
{
        uint64_t *s = ctx, z;

        z = (*s += UINT64_C(0x9e3779b97f4a7c15));
        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        z ^= z >> 31;
        return (double)(z >> 11) * 0x1.0p-53;
}
