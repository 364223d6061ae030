#include "lib/tz/posix_internal.h"
#include "lib/timeutil.h"

#include <errno.h>
#include <string.h>

/* POSIX TZ strings (the footer): std offset [dst [offset] [,start[/time],end[/time]]]. */
struct cursor {
        const char *p, *end;
};

static bool at(const struct cursor *c, char ch)
{
        return c->p < c->end && *c->p == ch;
}

static bool is_digit(const struct cursor *c)
{
        return c->p < c->end && *c->p >= '0' && *c->p <= '9';
}

/* A zone abbreviation: 3+ letters, or <...> of letters, digits, '+', '-'. */
static int parse_name(struct cursor *c)
{
        const char *b = c->p;

        if (at(c, '<')) {
                c->p++;
                b = c->p;
                while (c->p < c->end && *c->p != '>')
                        if (!strchr("+-"
                                    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxy"
                                    "z",
                                    *c->p++))
                                return -EBADMSG;
                if (!at(c, '>') || c->p - b < 3)
                        return -EBADMSG;
                c->p++;
                return 0;
        }
        while (c->p < c->end && ((*c->p >= 'a' && *c->p <= 'z') || (*c->p >= 'A' && *c->p <= 'Z')))
                c->p++;
        return c->p - b >= 3 ? 0 : -EBADMSG;
}

static int parse_num(struct cursor *c, int max, int *ret)
{
        int v = 0;

        if (!is_digit(c))
                return -EBADMSG;
        while (is_digit(c)) {
                v = v * 10 + (*c->p++ - '0');
                if (v > max)
                        return -EBADMSG;
        }
        *ret = v;
        return 0;
}

/* [+-]hh[:mm[:ss]] with hours up to max_h, as seconds. */
static int parse_hms(struct cursor *c, int max_h, int32_t *ret)
{
        int h, m = 0, s = 0, sign = 1;

        if (at(c, '+') || at(c, '-'))
                sign = *c->p++ == '-' ? -1 : 1;
        if (parse_num(c, max_h, &h) < 0)
                return -EBADMSG;
        if (at(c, ':')) {
                c->p++;
                if (parse_num(c, 59, &m) < 0)
                        return -EBADMSG;
                if (at(c, ':')) {
                        c->p++;
                        if (parse_num(c, 59, &s) < 0)
                                return -EBADMSG;
                }
        }
        *ret = sign * (h * 3600 + m * 60 + s);
        return 0;
}

static int parse_rule(struct cursor *c, struct tw_tz_rule *r)
{

        r->time = 7200;
        if (at(c, 'J')) {
                c->p++;
                r->kind = 'J';
                if (parse_num(c, 365, &r->n) < 0 || r->n < 1)
                        return -EBADMSG;
        } else if (at(c, 'M')) {
                c->p++;
                r->kind = 'M';
                if (parse_num(c, 12, &r->m) < 0 || r->m < 1 || !at(c, '.'))
                        return -EBADMSG;
                c->p++;
                if (parse_num(c, 5, &r->w) < 0 || r->w < 1 || !at(c, '.'))
                        return -EBADMSG;
                c->p++;
                if (parse_num(c, 6, &r->d) < 0)
                        return -EBADMSG;
        } else {
                r->kind = 'D';
                if (parse_num(c, 365, &r->n) < 0)
                        return -EBADMSG;
        }
        if (at(c, '/')) {
                c->p++;
                /* RFC 8536 extends the hours to -167..167 */
                if (parse_hms(c, 167, &r->time) < 0)
                        return -EBADMSG;
        }
        return 0;
}

int tw_tz_posix_parse(const char *s, size_t len, struct tw_tz_posix *ret)
{
        struct cursor c = {s, s + len};
        struct tw_tz_posix z = {0};
        int32_t off;

        if (parse_name(&c) < 0 || parse_hms(&c, 24, &off) < 0)
                return -EBADMSG;
        z.std_off = z.dst_off = -off;
        if (c.p < c.end) {
                if (parse_name(&c) < 0)
                        return -EBADMSG;
                z.has_dst = true;
                z.dst_off = z.std_off + 3600;
                if (!at(&c, ',')) {
                        if (parse_hms(&c, 24, &off) < 0)
                                return -EBADMSG;
                        z.dst_off = -off;
                }
                /* the rule is required: the US default of POSIX is not assumed */
                if (!at(&c, ','))
                        return -EBADMSG;
                c.p++;
                if (parse_rule(&c, &z.start) < 0 || !at(&c, ','))
                        return -EBADMSG;
                c.p++;
                if (parse_rule(&c, &z.end) < 0)
                        return -EBADMSG;
        }
        if (c.p != c.end)
                return -EBADMSG;
        *ret = z;
        return 0;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
/* The year (proleptic Gregorian) of Unix day z. */
static int64_t year_of_day(int64_t z)
{
        int64_t y = 1970 + z / 366;

        while (tw_days_from_civil(y + 1, 1, 1) <= z)
                y++;
        while (tw_days_from_civil(y, 1, 1) > z)
                y--;
        return y;
}

/* The local time (seconds, as if UTC) at which rule r fires in year y. */
static int64_t rule_time(const struct tw_tz_rule *r, int64_t y)
{
        static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int64_t day;

        if (r->kind == 'J') {
                day = tw_days_from_civil(y, 1, 1) + r->n - 1 + (tw_is_leap_year(y) && r->n >= 60);
        } else if (r->kind == 'D') {
                day = tw_days_from_civil(y, 1, 1) + r->n;
        } else {
                int64_t first = tw_days_from_civil(y, r->m, 1);
                int wday = (int)(((first + 4) % 7 + 7) % 7), len = mdays[r->m - 1];

                if (r->m == 2 && tw_is_leap_year(y))
                        len++;
                day = first + (r->d - wday + 7) % 7 + (int64_t)(r->w - 1) * 7;
                while (day >= first + len)
                        day -= 7;
        }
        return day * 86400 + r->time;
}

void tw_tz_posix_at(const struct tw_tz_posix *z, int64_t t, int32_t *ret_offset, bool *ret_dst)
{
        int64_t y, start, end;
        bool dst = false;

        if (z->has_dst) {
                y = year_of_day((t + z->std_off - ((t + z->std_off) % 86400 + 86400) % 86400) /
                                86400);
                start = rule_time(&z->start, y) - z->std_off;
                end = rule_time(&z->end, y) - z->dst_off;
                dst = start <= end ? t >= start && t < end : !(t >= end && t < start);
        }
        *ret_offset = dst ? z->dst_off : z->std_off;
        *ret_dst = dst;
}
