#include "lib/timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z */
#define TIME_MIN (-62167219200LL)
#define TIME_MAX 253402300799LL

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
bool tw_is_leap_year(int64_t y)
{
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int64_t tw_days_from_civil(int64_t y, int m, int d)
{
        int64_t era, yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
        int64_t era, doe, yoe, doy, mp;

        z += 719468;
        era = (z >= 0 ? z : z - 146096) / 146097;
        doe = z - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        *d = (int)(doy - (153 * mp + 2) / 5 + 1);
        *m = (int)(mp < 10 ? mp + 3 : mp - 9);
        *y = yoe + era * 400 + (*m <= 2);
}

/* Reads exactly n digits. */
static bool digits(const char **p, int n, int *ret)
{
        int v = 0;

        for (int i = 0; i < n; i++) {
                if (!isdigit((unsigned char)(*p)[i]))
                        return false;
                v = v * 10 + ((*p)[i] - '0');
        }
        *p += n;
        *ret = v;
        return true;
}

int tw_time_parse(const char *s, int64_t *ret_time)
{
        static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
        const char *p = s;
        int64_t t;

        if (!s)
                return -EINVAL;
        if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
            !digits(&p, 2, &d))
                return -EINVAL;
        if (*p != 'T' && *p != 't' && *p != ' ')
                return -EINVAL;
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
            !digits(&p, 2, &sec))
                return -EINVAL;
        if (*p == '.') {
                p++;
                if (!isdigit((unsigned char)*p))
                        return -EINVAL;
                while (isdigit((unsigned char)*p))
                        p++;
        }
        if (*p == 'Z' || *p == 'z') {
                p++;
        } else if (*p == '+' || *p == '-') {
                sign = *p == '-' ? -1 : 1;
                p++;
                if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om))
                        return -EINVAL;
                if (oh > 23 || om > 59)
                        return -EINVAL;
        } else {
                return -EINVAL;
        }
        if (*p != '\0')
                return -EINVAL;
        if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 60)
                return -EINVAL;
        if (d > mdays[mo - 1] + (mo == 2 && tw_is_leap_year(y)))
                return -EINVAL;
        if (sec == 60) /* leap second: count it as the next second's start */
                sec = 59;

        t = tw_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
            sign * (oh * 3600 + om * 60);
        /* an offset may carry year 0000 or 9999 across: keep to what
         * tw_time_format writes back as four digits */
        if (t < TIME_MIN || t > TIME_MAX)
                return -EINVAL;
        *ret_time = t;
        return 0;
}

char *tw_time_format(int64_t t, char buf[TW_RFC3339_LEN])
{
        int64_t days = t / 86400, rem = t % 86400, y;
        int m, d;

        if (rem < 0) {
                rem += 86400;
                days--;
        }
        civil_from_days(days, &y, &m, &d);
        snprintf(buf, TW_RFC3339_LEN, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d,
                 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
        return buf;
}

int tw_duration_parse(const char *s, int64_t *ret_seconds)
{
        int64_t v = 0, mult = 1;
        const char *p = s;

        if (!s || !isdigit((unsigned char)*p))
                return -EINVAL;
        while (isdigit((unsigned char)*p)) {
                if (v > (INT64_MAX - 9) / 10)
                        return -ERANGE;
                v = v * 10 + (*p - '0');
                p++;
        }
        switch (*p) {
        case '\0':
                break;
        case 's':
                p++;
                break;
        case 'm':
                mult = 60;
                p++;
                break;
        case 'h':
                mult = 3600;
                p++;
                break;
        case 'd':
                mult = 86400;
                p++;
                break;
        default:
                return -EINVAL;
        }
        if (*p != '\0')
                return -EINVAL;
        if (v > INT64_MAX / mult)
                return -ERANGE;
        *ret_seconds = v * mult;
        return 0;
}

int64_t tw_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return ts.tv_sec;
}

int64_t tw_mono_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct timespec tw_mono_timespec(int64_t mono_ns)
{
        return (struct timespec){.tv_sec = (time_t)(mono_ns / 1000000000),
                                 .tv_nsec = (long)(mono_ns % 1000000000)};
}

int tw_nap_ms(int64_t ms, volatile sig_atomic_t *cancel)
{
        int64_t end = tw_mono_ns() + ms * 1000000, left;

        while ((left = end - tw_mono_ns()) > 0) {
                int64_t slice = left < 50000000 ? left : 50000000;
                struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)slice};

                if (cancel && *cancel)
                        return -ECANCELED;
                nanosleep(&ts, NULL);
        }
        return cancel && *cancel ? -ECANCELED : 0;
}
