/* When to renew, back off and retire (core/rotation/rotation.h). */
#include "core/rotation/rotation.h"

#include <errno.h>
#include <string.h>

#include "core/copies.h"
#include "core/inventory.h"
#include "lib/timeutil.h"

int64_t tw_rotation_renew_at(const struct tw_token *t, const struct tw_threshold *before,
                             int64_t now)
{
        int64_t issued, life;

        if (t->end_at == TW_NO_TIME)
                return TW_NO_TIME;
        if (!before || before->off)
                return t->end_at;
        if (!before->percent)
                return t->end_at - before->seconds;
        issued = tw_token_issued_at(t, now);
        life = issued != TW_NO_TIME && issued < t->end_at ? t->end_at - issued : 0;
        return t->end_at - (int64_t)((double)life * before->percentage / 100.0);
}

bool tw_rotation_due(const struct tw_token *t, bool has_copies, const struct tw_threshold *before,
                     int64_t now, int64_t *ret_renew_at)
{
        int64_t at = tw_rotation_renew_at(t, before, now);

        if (ret_renew_at)
                *ret_renew_at = at;
        return has_copies && at != TW_NO_TIME && now >= at;
}

int64_t tw_rotation_next_attempt(unsigned failures, int64_t failed_at, int64_t end_at)
{
        int64_t delay = TW_ROTATION_BACKOFF_BASE, next, last;

        for (unsigned i = 1; i < failures && delay < TW_ROTATION_BACKOFF_MAX; i++)
                delay *= 2;
        if (delay > TW_ROTATION_BACKOFF_MAX)
                delay = TW_ROTATION_BACKOFF_MAX;
        next = failed_at + delay;
        if (end_at == TW_NO_TIME)
                return next;
        /* One last attempt before endAt rather than none: once that is
         * over too, the doubling goes on (the token has expired). */
        last = end_at - TW_ROTATION_LAST_TRY;
        if (next > last && last > failed_at)
                next = last > failed_at + TW_ROTATION_MIN_BACKOFF
                               ? last
                               : failed_at + TW_ROTATION_MIN_BACKOFF;
        return next;
}

enum tw_retire_verdict tw_rotation_retire(const struct tw_retire_input *in, int64_t now,
                                          int64_t *ret_at)
{
        int64_t due = in->delivered_at + in->retire_after, quiet_since;

        if (now < due) {
                *ret_at = due;
                return TW_RETIRE_WAIT;
        }
        if (!in->usage_known || in->last_used_at == TW_NO_TIME)
                return TW_RETIRE_DELETE;
        if (in->old_end_at != TW_NO_TIME && now >= in->old_end_at)
                return TW_RETIRE_DELETE; /* it has expired: holding it protects nothing */
        quiet_since = now - in->retire_after;
        if (quiet_since < in->delivered_at)
                quiet_since = in->delivered_at;
        if (in->last_used_at <= quiet_since)
                return TW_RETIRE_DELETE;
        /* Used lately: look again once it may have been quiet long enough. */
        *ret_at = in->last_used_at + (in->retire_after > 0 ? in->retire_after : 60);
        if (in->old_end_at != TW_NO_TIME && *ret_at > in->old_end_at)
                *ret_at = in->old_end_at;
        return TW_RETIRE_HOLD;
}

int tw_rotation_strategy_from_string(const char *s, enum tw_rotation_strategy *ret)
{
        static const enum tw_rotation_strategy all[] = {TW_ROTATION_REPLACE, TW_ROTATION_ROTATE};

        for (size_t i = 0; s && i < sizeof(all) / sizeof(all[0]); i++)
                if (strcmp(s, tw_rotation_strategy_to_string(all[i])) == 0) {
                        *ret = all[i];
                        return 0;
                }
        return -EINVAL;
}
