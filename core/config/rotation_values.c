/* The values of [rotation]'s own key types (core/config/keys_internal.h):
 * a lead time that is never off, a strategy, a whole number of days. */
#include "core/config/keys_internal.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "core/config/config.h"
#include "core/config/values.h"
#include "lib/timeutil.h"

/* A renewal lead time: a duration or a share of the lifetime, never off
 * (enabled = false is how renewal is switched off). */
int tw_config_parse_lead(const struct key_def *def, void *f, const char *value, struct why *why)
{
        struct tw_threshold t;
        int r;

        (void)def;
        if (strcasecmp(value, "off") == 0) {
                why->text = "expected a duration (30d) or a percentage of the token's lifetime "
                            "(33%); to stop renewing, set enabled = false";
                return -EINVAL;
        }
        r = tw_parse_threshold(value, &t, &why->text);
        if (r == -EINVAL)
                why->text = "expected a duration (30d) or a percentage of the token's lifetime "
                            "(33%)";
        if (r == 0)
                *(struct tw_threshold *)f = t;
        return r;
}

static const char *const strategy_names[] = {
        [TW_ROTATION_REPLACE] = "replace",
        [TW_ROTATION_ROTATE] = "rotate",
};

const char *tw_rotation_strategy_to_string(enum tw_rotation_strategy s)
{
        return (unsigned)s < sizeof(strategy_names) / sizeof(strategy_names[0]) ? strategy_names[s]
                                                                                : "unknown";
}

int tw_config_parse_strategy(const struct key_def *def, void *f, const char *value, struct why *why)
{
        int i = -1;

        (void)def;
        for (int k = 0; k < 2 && i < 0; k++)
                if (strcmp(value, strategy_names[k]) == 0)
                        i = k;
        if (i < 0) {
                why->text = "expected replace (a twin, no outage) or rotate (in place: the old "
                            "value stops working at once)";
                return -EINVAL;
        }
        *(enum tw_rotation_strategy *)f = (enum tw_rotation_strategy)i;
        return 0;
}

/* Whole days: "90d" or "90". */
int tw_config_parse_days(const struct key_def *def, void *f, const char *value, struct why *why)
{
        int64_t s;
        size_t len = strlen(value);
        long days;
        int r;

        if (len && value[len - 1] != 'd' && strspn(value, "0123456789") == len)
                r = tw_parse_int(value, (long)def->min, (long)def->max, &days, &why->text);
        else if (tw_duration_parse(value, &s) < 0 || s % 86400 != 0) {
                why->text = "expected a number of days, like 90d";
                return -EINVAL;
        } else if (s / 86400 < (int64_t)def->min || s / 86400 > (int64_t)def->max) {
                why->text = "out of range";
                return -ERANGE;
        } else {
                days = (long)(s / 86400);
                r = 0;
        }
        if (r == 0)
                *(int *)f = (int)days;
        return r;
}
