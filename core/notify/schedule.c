#include "core/notify/schedule.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "lib/tz/tzif.h"
#include "lib/timeutil.h"

static const char *const day_names[7] = {"sunday",   "monday", "tuesday", "wednesday",
                                         "thursday", "friday", "saturday"};

static const char *skip_blanks(const char *p)
{
        while (*p == ' ' || *p == '\t')
                p++;
        return p;
}

/* The length of the word at p (up to a blank or the end). */
static size_t word_len(const char *p)
{
        size_t n = 0;

        while (p[n] && p[n] != ' ' && p[n] != '\t')
                n++;
        return n;
}

static int parse_day(const char *p, size_t n)
{
        for (int d = 0; d < 7; d++)
                if ((n == 3 || n == strlen(day_names[d])) && strncasecmp(p, day_names[d], n) == 0)
                        return d;
        return -1;
}

/* "H:MM" or "HH:MM", 00:00..23:59. */
static bool parse_hhmm(const char *p, size_t n, int *h, int *m)
{
        size_t c = n >= 4 && p[n - 3] == ':' ? n - 3 : 0;

        if (c < 1 || c > 2 || p[c + 1] < '0' || p[c + 1] > '5' || p[c + 2] < '0' || p[c + 2] > '9')
                return false;
        *h = 0;
        for (size_t i = 0; i < c; i++) {
                if (p[i] < '0' || p[i] > '9')
                        return false;
                *h = *h * 10 + (p[i] - '0');
        }
        *m = (p[c + 1] - '0') * 10 + (p[c + 2] - '0');
        return *h <= 23;
}

int tw_schedule_parse(const char *s, struct tw_schedule *ret, const char **ret_why)
{
        struct tw_schedule sch = {0};
        const char *p, *why = NULL;
        size_t n;

        if (!s || !ret)
                return -EINVAL;
        p = skip_blanks(s);
        n = word_len(p);
        if (n == 5 && strncasecmp(p, "daily", 5) == 0) {
                sch.kind = TW_SCHEDULE_DAILY;
        } else if (n == 6 && strncasecmp(p, "weekly", 6) == 0) {
                sch.kind = TW_SCHEDULE_WEEKLY;
                p = skip_blanks(p + n);
                n = word_len(p);
                sch.wday = parse_day(p, n);
                if (sch.wday < 0) {
                        why = "expected a day (mon, tue, wed, thu, fri, sat, sun) after weekly";
                        goto fail;
                }
        } else {
                why = "expected \"daily HH:MM [ZONE]\" or \"weekly DAY HH:MM [ZONE]\"";
                goto fail;
        }
        p = skip_blanks(p + n);
        n = word_len(p);
        if (!parse_hhmm(p, n, &sch.hour, &sch.minute)) {
                why = "expected a time of day HH:MM (00:00 to 23:59)";
                goto fail;
        }
        p = skip_blanks(p + n);
        n = word_len(p);
        if (n > 0) {
                why = "expected a time zone name like Europe/Berlin";
                if (n >= sizeof(sch.zone))
                        goto fail;
                memcpy(sch.zone, p, n);
                sch.zone[n] = '\0';
                if (!tw_tz_name_ok(sch.zone))
                        goto fail;
                why = NULL;
                if (strcmp(sch.zone, "UTC") == 0)
                        sch.zone[0] = '\0';
        }
        if (*skip_blanks(p + n)) {
                why = "unexpected text after the time zone";
                goto fail;
        }
        *ret = sch;
        return 0;
fail:
        if (ret_why)
                *ret_why = why;
        return -EINVAL;
}

static int64_t floor_div(int64_t a, int64_t b)
{
        return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The firing instant on local day `day` (days since 1970-01-01), or false if it does not fire. */
static bool fires_on(const struct tw_schedule *s, const struct tw_tz *tz, int64_t day, int64_t *ret)
{
        int wday = (int)((day % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */

        if (s->kind == TW_SCHEDULE_WEEKLY && wday != s->wday)
                return false;
        return tw_tz_local_to_utc(tz, day * 86400 + s->hour * 3600 + s->minute * 60, ret) == 0;
}

/* The local day of instant now. */
static int local_day(const struct tw_tz *tz, int64_t now, int64_t *ret)
{
        int32_t off;
        int r = tw_tz_offset(tz, now, &off, NULL);

        if (r < 0)
                return r;
        *ret = floor_div(now + off, 86400);
        return 0;
}

/* The first firing after now (forward) or the last at or before now (backward). */
static int find(const struct tw_schedule *s, const struct tw_tz *tz, int64_t now, bool forward,
                int64_t *ret)
{
        int64_t day, t;
        int r;

        if (!s || !ret)
                return -EINVAL;
        r = local_day(tz, now, &day);
        if (r < 0)
                return r;
        /* a week and a day each way covers every weekday and any offset */
        for (int64_t i = 0; i <= 9; i++) {
                int64_t d = forward ? day - 1 + i : day + 1 - i;

                if (fires_on(s, tz, d, &t) && (forward ? t > now : t <= now)) {
                        *ret = t;
                        return 0;
                }
        }
        return -ERANGE;
}

int tw_schedule_next(const struct tw_schedule *s, const struct tw_tz *tz, int64_t now, int64_t *ret)
{
        return find(s, tz, now, true, ret);
}

int tw_schedule_prev(const struct tw_schedule *s, const struct tw_tz *tz, int64_t now, int64_t *ret)
{
        return find(s, tz, now, false, ret);
}

bool tw_schedule_due(const struct tw_schedule *s, const struct tw_tz *tz, int64_t last_sent,
                     int64_t now)
{
        int64_t prev;

        if (last_sent == TW_NO_TIME || tw_schedule_prev(s, tz, now, &prev) < 0)
                return false;
        return prev > last_sent;
}
