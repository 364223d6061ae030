#include "lib/retry.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/timeutil.h"

bool tw_retry_should_retry(long status, int error, enum tw_retry_reason *ret_reason)
{
        enum tw_retry_reason r;

        switch (error) {
        case 0:
                if (status == 429)
                        r = TW_RETRY_RATE_LIMITED;
                else if (status >= 500 && status <= 599)
                        r = TW_RETRY_SERVER_ERROR;
                else
                        return false;
                break;
        case -ETIMEDOUT:
                r = TW_RETRY_TIMEOUT;
                break;
        case -ECONNREFUSED:
        case -ECONNRESET:
        case -EPROTO:
                r = TW_RETRY_CONNECTION;
                break;
        default:
                return false;
        }
        if (ret_reason)
                *ret_reason = r;
        return true;
}

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

static const char *const month_names[12] = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static int month_from_name(const char *s)
{
        for (int i = 0; i < 12; i++)
                if (strncmp(s, month_names[i], 3) == 0)
                        return i + 1;
        return 0;
}

/* Parses the three HTTP-date forms into Unix seconds:
 *   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
 *   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT"
 *   asctime      "Sun Nov  6 08:49:37 1994" */
static int http_date_parse(const char *s, int64_t *ret_time)
{
        char wday[16], mon[4], tz[4], rfc3339[96];
        int d, y, hh, mm, ss, n = 0, m;
        int64_t t;

        if (sscanf(s, "%15[A-Za-z], %2d %3s %4d %2d:%2d:%2d %3s%n", wday, &d, mon, &y, &hh, &mm,
                   &ss, tz, &n) == 8 &&
            n > 0 && s[n] == '\0' && strcmp(tz, "GMT") == 0) {
                /* IMF-fixdate */
        } else if (n = 0, sscanf(s, "%15[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d %3s%n", wday, &d, mon, &y,
                                 &hh, &mm, &ss, tz, &n) == 8 &&
                                  n > 0 && s[n] == '\0' && strcmp(tz, "GMT") == 0) {
                /* RFC 850: two-digit year, read as the nearest century. */
                y += y < 70 ? 2000 : 1900;
        } else if (n = 0, sscanf(s, "%15[A-Za-z] %3s %2d %2d:%2d:%2d %4d%n", wday, mon, &d, &hh,
                                 &mm, &ss, &y, &n) == 7 &&
                                  n > 0 && s[n] == '\0') {
                /* asctime */
        } else {
                return -EINVAL;
        }
        /* %3s stops early on short input ("No"): the month name must be exact. */
        if (strlen(mon) != 3 || !(m = month_from_name(mon)))
                return -EINVAL;
        if (y < 1970 || y > 9999 || d < 1 || hh < 0 || mm < 0 || ss < 0)
                return -EINVAL;
        snprintf(rfc3339, sizeof(rfc3339), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, hh, mm, ss);
        if (tw_time_parse(rfc3339, &t) < 0)
                return -EINVAL;
        *ret_time = t;
        return 0;
}

int tw_retry_after_parse(const char *value, int64_t now, int64_t *ret_seconds)
{
        const char *p;
        int64_t secs = 0, t;
        size_t len;
        char trimmed[64];

        if (!value)
                return -EINVAL;
        while (*value == ' ' || *value == '\t')
                value++;
        len = strlen(value);
        while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t' ||
                           value[len - 1] == '\r' || value[len - 1] == '\n'))
                len--;
        if (len == 0 || len >= sizeof(trimmed))
                return -EINVAL;
        memcpy(trimmed, value, len);
        trimmed[len] = '\0';

        if (isdigit((unsigned char)trimmed[0])) {
                for (p = trimmed; *p; p++) {
                        if (!isdigit((unsigned char)*p))
                                return -EINVAL;
                        if (secs <= TW_RETRY_AFTER_MAX_S)
                                secs = secs * 10 + (*p - '0');
                }
        } else {
                if (http_date_parse(trimmed, &t) < 0)
                        return -EINVAL;
                if (t <= now)
                        secs = 0;
                else if (t - now > TW_RETRY_AFTER_MAX_S)
                        secs = TW_RETRY_AFTER_MAX_S;
                else
                        secs = t - now;
        }
        *ret_seconds = secs > TW_RETRY_AFTER_MAX_S ? TW_RETRY_AFTER_MAX_S : secs;
        return 0;
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
