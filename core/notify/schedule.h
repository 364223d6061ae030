#ifndef TW_CORE_NOTIFY_SCHEDULE_H
#define TW_CORE_NOTIFY_SCHEDULE_H

/*
 * Digest schedules: "daily HH:MM [ZONE]" or "weekly DAY HH:MM
 * [ZONE]", DAY one of mon..sun (or the full English name, any case), ZONE a
 * tz database name (default UTC), e.g. "weekly mon 09:00 Europe/Berlin".
 *
 * A schedule fires once per matching local day, at the instant
 * tw_tz_local_to_utc() gives for that day's HH:MM: a daily 09:00 in
 * Europe/Berlin is 08:00 UTC in winter and 07:00 UTC in summer; a time in
 * the spring-forward gap fires once, as late after the gap's start as it
 * names (02:30 -> 03:30 local); a time in the fall-back fold fires once, at
 * its first occurrence.
 *
 * Pure: parsing does no I/O (the caller loads the zone named in ->zone with
 * tw_tz_load() and passes it to the queries; NULL means UTC).  No state, no
 * clock: `now` is a parameter.  Thread-safe.
 */

#include <stdbool.h>
#include <stdint.h>

struct tw_tz;

enum tw_schedule_kind {
        TW_SCHEDULE_DAILY,
        TW_SCHEDULE_WEEKLY,
};

struct tw_schedule {
        enum tw_schedule_kind kind;
        int wday; /* weekly: 0 = Sunday .. 6 = Saturday */
        int hour, minute;
        char zone[256]; /* "" for UTC; else a name tw_tz_name_ok() accepts */
};

/* Parses s into *ret.  -EINVAL with *ret_why (static, names what is wrong)
 * for anything else. */
int tw_schedule_parse(const char *s, struct tw_schedule *ret, const char **ret_why);

/* The first firing instant strictly after now, in *ret.  -ERANGE if now is
 * outside tw_tz's range, -EINVAL for a NULL schedule or ret. */
int tw_schedule_next(const struct tw_schedule *s, const struct tw_tz *tz, int64_t now,
                     int64_t *ret);

/* The last firing instant at or before now, in *ret (errors as above).  It
 * names the period: a digest sent for it is recorded with this instant. */
int tw_schedule_prev(const struct tw_schedule *s, const struct tw_tz *tz, int64_t now,
                     int64_t *ret);

/* Whether a digest is due: a firing instant lies in (last_sent, now].
 * last_sent is the instant of the last digest's period (tw_schedule_prev() at
 * the time it was sent), TW_NO_TIME if none was ever sent: then a digest is
 * not due, and the caller records tw_schedule_prev(now) as a baseline so the
 * first digest comes at the next firing, not at start-up.  False on error. */
bool tw_schedule_due(const struct tw_schedule *s, const struct tw_tz *tz, int64_t last_sent,
                     int64_t now);

#endif
