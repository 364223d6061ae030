#ifndef TW_LIB_TZ_TZIF_H
#define TW_LIB_TZ_TZIF_H

/*
 * Time zones from TZif files (RFC 8536, versions 1 to 4): UTC offset and DST
 * flag at an instant, and local wall time -> UTC.
 *
 * The parser takes untrusted bytes in memory: every count and index is
 * bounds-checked and anything malformed is -EBADMSG, never a crash.  From a
 * version 2+ file the 64-bit data is used and the POSIX TZ footer (e.g.
 * "CET-1CEST,M3.5.0,M10.5.0/3") gives the rule for times after the last
 * transition; before the first transition the first time type applies.
 * Files with leap-second records ("right/" zones) are -ENOTSUP.
 *
 * Times are Unix seconds.  A "local" time is the wall clock read as if it were
 * UTC (local 2026-03-29 02:30 is the Unix time of 2026-03-29T02:30:00Z).
 * Times outside +-TW_TZ_TIME_MAX are -ERANGE.
 *
 * A parsed zone is immutable: any number of threads may query it.  Only
 * tw_tz_load() does I/O.  A NULL zone means UTC in every query.
 *
 * Why hand-parsed, not glib's GTimeZone: bench/tz_glib.sh builds this API
 * over GTimeZone (100 lines in place of tzif.c and posix.c, about 500) and
 * measures it against the tree (2026-12-07, Debian 12, glib 2.74.6, both
 * Release builds of one commit):
 * - A from-scratch image would ship two more shared libraries,
 *   libglib-2.0.so.0 (1,273,360 bytes) and libpcre2-8.so.0 (629,384):
 *   1.8 MiB on top of the 36 the binary needs today (20.2 MB), +9 %.
 * - An idle daemon is 0.8 MB bigger: VmRSS median of five runs 11,992 kB
 *   today, 12,804 kB with glib (one collection of the demo organization, a
 *   digest sink on Europe/Berlin, then idle).  The stripped binary barely
 *   changes (501,912 vs 497,816 bytes).
 * - GTimeZone reads files only: no parsing from memory, so no fuzz target
 *   (fuzz_tzif) and no unit test of crafted bytes; and g_malloc() aborts
 *   when memory runs out, where every function here returns -ENOMEM.
 * What keeping it costs: RFC 8536 and the POSIX TZ rules are stable, and
 * unit_tzif and fuzz_tzif cover this code.  Revisit if glib is linked for
 * another reason.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TW_TZ_TIME_MAX ((int64_t)1 << 48) /* about 8.9 million years */
#define TW_TZ_FILE_MAX ((size_t)256 << 10)
#define TW_TZ_DIR "/usr/share/zoneinfo"

struct tw_tz;

/* Parses a TZif file of len bytes into a new zone (*ret, freed with
 * tw_tz_free).  -EBADMSG malformed, -ENOTSUP leap seconds, -E2BIG over
 * TW_TZ_FILE_MAX, -ENOMEM.  data is not kept. */
int tw_tz_parse(const void *data, size_t len, struct tw_tz **ret);

/* Reads and parses <dir>/<zone> (dir NULL: TW_TZ_DIR), e.g. "Europe/Berlin".
 * The zone name must be 1..255 bytes of [A-Za-z0-9/_+.-], not start with '/'
 * and not contain "..": else -EINVAL.  -ENOENT (or another open/read errno)
 * if it cannot be read, -E2BIG if larger than TW_TZ_FILE_MAX, then as
 * tw_tz_parse. */
int tw_tz_load(const char *dir, const char *zone, struct tw_tz **ret);

void tw_tz_free(struct tw_tz *tz);

/* Whether zone (NULL: no) is a name tw_tz_load() accepts (not whether it exists). */
bool tw_tz_name_ok(const char *zone);

/* The offset from UTC in seconds (east positive) and whether DST is in
 * effect at instant t.  -ERANGE if |t| > TW_TZ_TIME_MAX. */
int tw_tz_offset(const struct tw_tz *tz, int64_t t, int32_t *ret_offset, bool *ret_dst);

/* The instant at which the wall clock shows local.  When local occurs twice
 * (the fold when clocks go back) the first occurrence wins (the earlier
 * instant).  When local does not occur (the gap when clocks go forward) it is
 * read with the offset in effect before the gap, which lands as far after the
 * gap's start as local is: 02:30 in a 02:00->03:00 gap is 03:30 (as mktime
 * does with tm_isdst = -1).  "Before the gap" is 26 hours before: exact for
 * every zone whose clock changes are more than a day apart (all of tzdata's
 * current rules).  -ERANGE if |local| > TW_TZ_TIME_MAX. */
int tw_tz_local_to_utc(const struct tw_tz *tz, int64_t local, int64_t *ret_utc);

#endif
