#include "core/config/values.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config/listen.h"
#include "lib/timeutil.h"
#include "lib/url.h"

int tw_parse_bool(const char *v, bool *ret, const char **ret_why)
{
        static const char *const yes[] = {"true", "yes", "on", "1"};
        static const char *const no[] = {"false", "no", "off", "0"};

        for (size_t i = 0; i < 4; i++) {
                if (strcasecmp(v, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcasecmp(v, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        *ret_why = "expected true or false";
        return -EINVAL;
}

int tw_parse_int(const char *v, long min, long max, long *ret, const char **ret_why)
{
        char *end;
        long n;

        errno = 0;
        n = strtol(v, &end, 10);
        if (!*v || *end || isspace((unsigned char)*v)) {
                *ret_why = "expected an integer";
                return -EINVAL;
        }
        if (errno == ERANGE || n < min || n > max) {
                *ret_why = "out of range";
                return -ERANGE;
        }
        *ret = n;
        return 0;
}

int tw_parse_double(const char *v, double min, double max, double *ret, const char **ret_why)
{
        char *end;
        double d;

        errno = 0;
        d = strtod(v, &end);
        if (!*v || *end || isspace((unsigned char)*v) || !isfinite(d)) {
                *ret_why = "expected a number";
                return -EINVAL;
        }
        if (errno == ERANGE || d < min || d > max) {
                *ret_why = "out of range";
                return -ERANGE;
        }
        *ret = d;
        return 0;
}

int tw_parse_duration(const char *v, int64_t min, int64_t max, bool allow_off, int64_t *ret,
                      const char **ret_why)
{
        int64_t s;
        int r;

        if (allow_off && strcasecmp(v, "off") == 0) {
                *ret = TW_OFF;
                return 0;
        }
        r = tw_duration_parse(v, &s);
        if (r == -EINVAL) {
                *ret_why = allow_off ? "expected a duration like 30s, 5m, 12h, 90d, or off"
                                     : "expected a duration like 30s, 5m, 12h or 90d";
                return r;
        }
        if (r < 0 || s < min || s > max) {
                *ret_why = "out of range";
                return -ERANGE;
        }
        *ret = s;
        return 0;
}

int tw_parse_threshold(const char *v, struct tw_threshold *ret, const char **ret_why)
{
        struct tw_threshold t = {0};
        size_t len = strlen(v);
        int r;

        if (strcasecmp(v, "off") == 0) {
                t.off = true;
        } else if (len > 1 && v[len - 1] == '%') {
                char num[32];

                if (len >= sizeof(num)) {
                        *ret_why = "expected a percentage like 25%";
                        return -EINVAL;
                }
                memcpy(num, v, len - 1);
                num[len - 1] = '\0';
                r = tw_parse_double(num, 0, 100, &t.percentage, ret_why);
                if (r < 0 || t.percentage <= 0) {
                        *ret_why = "a percentage must be above 0% and at most 100%";
                        return -ERANGE;
                }
                t.percent = true;
        } else {
                r = tw_parse_duration(v, 1, 3650 * 86400LL, false, &t.seconds, ret_why);
                if (r < 0) {
                        if (r == -EINVAL)
                                *ret_why = "expected a duration (7d), a percentage of the token's "
                                           "lifetime (25%), or off";
                        return r;
                }
        }
        *ret = t;
        return 0;
}

bool tw_is_valid_id(const char *v)
{
        size_t n = 0;

        for (; v[n]; n++)
                if (!isalnum((unsigned char)v[n]) && v[n] != '-' && v[n] != '_')
                        return false;
        return n >= 1 && n <= 64;
}

void tw_strv_free(char **v, size_t n)
{
        if (!v)
                return;
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

int tw_parse_id_list(const char *v, char ***ret_items, size_t *ret_n, const char **ret_why)
{
        char **items = NULL;
        size_t n = 0;
        const char *p = v;

        while (*p) {
                const char *e = strchr(p, ',');
                size_t len = e ? (size_t)(e - p) : strlen(p);
                char *item, **tmp;
                size_t b = 0;

                while (b < len && isspace((unsigned char)p[b]))
                        b++;
                while (len > b && isspace((unsigned char)p[len - 1]))
                        len--;
                item = strndup(p + b, len - b);
                if (!item)
                        goto nomem;
                if (!tw_is_valid_id(item)) {
                        free(item);
                        tw_strv_free(items, n);
                        *ret_why =
                                "expected a comma-separated list of ids (letters, digits, - and _)";
                        return -EINVAL;
                }
                tmp = realloc(items, (n + 1) * sizeof(*items));
                if (!tmp) {
                        free(item);
                        goto nomem;
                }
                items = tmp;
                items[n++] = item;
                if (!e)
                        break;
                p = e + 1;
                if (!*p) {
                        tw_strv_free(items, n);
                        *ret_why = "empty item in list";
                        return -EINVAL;
                }
        }
        if (n == 0) {
                *ret_why = "empty list";
                return -EINVAL;
        }
        *ret_items = items;
        *ret_n = n;
        return 0;
nomem:
        tw_strv_free(items, n);
        return -ENOMEM;
}

int tw_parse_url(const char *v, char **ret, const char **ret_why)
{
        char *u;
        size_t len;

        for (const char *p = v; *p; p++)
                if ((unsigned char)*p <= ' ' || *p == 0x7f) {
                        *ret_why = "URL contains spaces or control characters";
                        return -EINVAL;
                }
        switch (tw_url_check(v)) {
        case 0:
                break;
        case -ENOMEM:
                return -ENOMEM;
        case -EPROTONOSUPPORT:
                *ret_why = "expected an https:// URL";
                return -EINVAL;
        case -EPERM:
                *ret_why = "plain http is allowed only to a loopback address; use https";
                return -EINVAL;
        default:
                *ret_why = "expected a URL with a host";
                return -EINVAL;
        }
        u = strdup(v);
        if (!u)
                return -ENOMEM;
        len = strlen(u);
        while (len > 0 && u[len - 1] == '/')
                u[--len] = '\0';
        *ret = u;
        return 0;
}

int tw_parse_listen(const char *v, const char **ret_why)
{
        struct tw_listen_addr a;

        return tw_listen_addr_parse(v, &a, ret_why);
}

int tw_parse_date(const char *v, int64_t *ret, const char **ret_why)
{
        char buf[40];
        int64_t t;

        if (strlen(v) != 10) {
                *ret_why = "expected a date YYYY-MM-DD";
                return -EINVAL;
        }
        snprintf(buf, sizeof(buf), "%sT00:00:00Z", v);
        if (tw_time_parse(buf, &t) < 0) {
                *ret_why = "expected a date YYYY-MM-DD";
                return -EINVAL;
        }
        *ret = t;
        return 0;
}
