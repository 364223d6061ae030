#ifndef TW_LIB_TIMEUTIL_H
#define TW_LIB_TIMEUTIL_H

/*
 * Time values are Unix seconds in int64_t.  TW_NO_TIME marks an absent
 * timestamp (a token that never expires, a token never used).
 * Every function here is pure and thread-safe.
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TW_NO_TIME INT64_MIN
#define TW_RFC3339_LEN 32 /* enough for "YYYY-MM-DDTHH:MM:SSZ" and a NUL */

/* Parses any RFC 3339 date-time: "T" or "t" or " " separator, optional
 * fraction (dropped), "Z"/"z" or a numeric offset.  -EINVAL if malformed or
 * out of range (a field, or the UTC time outside years 0000-9999, so every
 * time parsed formats back with tw_time_format). */
int tw_time_parse(const char *s, int64_t *ret_time);

/* Writes "YYYY-MM-DDTHH:MM:SSZ" (UTC) into buf; returns buf. */
char *tw_time_format(int64_t t, char buf[TW_RFC3339_LEN]);

/* Durations: an integer with an optional s/m/h/d suffix (no suffix means
 * seconds), e.g. "90s", "5m", "30d".  -EINVAL if malformed, -ERANGE if it
 * overflows. */
int tw_duration_parse(const char *s, int64_t *ret_seconds);

/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (m 1..12,
 * d 1..31; negative before 1970).  Pure. */
int64_t tw_days_from_civil(int64_t y, int m, int d);
/* Whether y is a leap year of the proleptic Gregorian calendar. */
bool tw_is_leap_year(int64_t y);

/* Wall clock, Unix seconds. */
int64_t tw_now(void);
/* Monotonic clock in nanoseconds, for rate limiting and timeouts: the one
 * reader of CLOCK_MONOTONIC. */
int64_t tw_mono_ns(void);
/* A tw_mono_ns() time (>= 0) as the absolute timespec that
 * pthread_cond_timedwait() takes on a condition variable whose clock is
 * CLOCK_MONOTONIC (pthread_condattr_setclock).  Pure. */
struct timespec tw_mono_timespec(int64_t mono_ns);

/* Sleeps ms milliseconds in short slices, returning early with -ECANCELED
 * once *cancel (may be NULL) is non-zero; 0 otherwise. */
int tw_nap_ms(int64_t ms, volatile sig_atomic_t *cancel);

#endif
