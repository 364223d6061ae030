/* libFuzzer target: digest schedules (core/notify/schedule.c) from the
 * config.  Input: the schedule text, then after a NUL byte 8 bytes of a
 * time.  A schedule that parses must name a valid day and time; around
 * that time, prev <= now < next, next - prev at most a week (plus a DST
 * hour), next of prev is next, and a digest is due exactly when the period
 * changed.  Zones come from the system's tz database when it has them. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "core/notify/schedule.h"
#include "lib/timeutil.h"
#include "lib/tz/tzif.h"

#define SPAN ((int64_t)8 * 86400 + 7200)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct tw_schedule s;
        struct tw_tz *tz = NULL;
        const char *why = NULL;
        char *text = malloc(size + 1);
        int64_t now = 1780000000, prev, next, again;
        size_t len;

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        len = strlen(text);
        if (size >= len + 1 + 8) { /* a time within +-2^40 s of 2026 */
                uint64_t v;

                memcpy(&v, data + len + 1, 8);
                now += (int64_t)(v % ((uint64_t)1 << 41)) - ((int64_t)1 << 40);
        }
        if (tw_schedule_parse(text, &s, &why) < 0) {
                if (!why)
                        abort();
                goto out;
        }
        if (s.hour < 0 || s.hour > 23 || s.minute < 0 || s.minute > 59 ||
            (s.kind == TW_SCHEDULE_WEEKLY && (s.wday < 0 || s.wday > 6)))
                abort();
        if (s.zone[0] && (!tw_tz_name_ok(s.zone) || tw_tz_load(NULL, s.zone, &tz) < 0))
                goto out; /* a zone this system does not have */
        if (tw_schedule_prev(&s, tz, now, &prev) < 0 || tw_schedule_next(&s, tz, now, &next) < 0)
                goto out; /* outside the zone's range */
        if (!(prev <= now && now < next) || next - prev > SPAN)
                abort();
        if (tw_schedule_next(&s, tz, prev, &again) == 0 && again != next)
                abort();
        if (tw_schedule_due(&s, tz, prev, now) || !tw_schedule_due(&s, tz, prev - 1, prev) ||
            !tw_schedule_due(&s, tz, prev, next))
                abort();
out:
        tw_tz_free(tz);
        free(text);
        return 0;
}
