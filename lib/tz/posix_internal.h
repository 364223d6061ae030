#ifndef TW_LIB_TZ_POSIX_INTERNAL_H
#define TW_LIB_TZ_POSIX_INTERNAL_H

/*
 * POSIX TZ strings as TZif footers carry them (RFC 8536 section 3.3):
 * "std offset [dst [offset] [,start[/time],end[/time]]]", e.g.
 * "CET-1CEST,M3.5.0,M10.5.0/3" or "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0".
 * Internal to lib/tz/tzif.c (callers use lib/tz/tzif.h).  A zone with DST must
 * give its rule (POSIX's implementation-defined default is not assumed); rule
 * times may use RFC 8536's extended hours -167..167.
 *
 * Pure and thread-safe.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One rule date: Jn (1..365, no Feb 29), n (0..365) or Mm.w.d, and the
 * local time of day it fires (default 02:00). */
struct tw_tz_rule {
        char kind; /* 'J', 'D' (zero-based day), 'M' */
        int n, m, w, d;
        int32_t time;
};

struct tw_tz_posix {
        int32_t std_off, dst_off; /* seconds east of UTC */
        bool has_dst;
        struct tw_tz_rule start, end;
};

/* Parses the len bytes at s (not NUL-terminated) into *ret: 0 or -EBADMSG. */
int tw_tz_posix_parse(const char *s, size_t len, struct tw_tz_posix *ret);

/* The offset and DST flag at instant t (|t| <= TW_TZ_TIME_MAX). */
void tw_tz_posix_at(const struct tw_tz_posix *z, int64_t t, int32_t *ret_offset, bool *ret_dst);

#endif
