#include "core/notify/stages.h"

#include <errno.h>
#include <string.h>

#include "lib/timeutil.h"

/* Inserts lead into st, keeping it sorted longest first and without duplicates. */
static int insert(struct tw_stages *st, int64_t lead)
{
        size_t i = 0;

        while (i < st->n && st->lead[i] > lead)
                i++;
        if (i < st->n && st->lead[i] == lead)
                return 0;
        if (st->n == TW_STAGES_MAX)
                return -E2BIG;
        memmove(&st->lead[i + 1], &st->lead[i], (st->n - i) * sizeof(st->lead[0]));
        st->lead[i] = lead;
        st->n++;
        return 0;
}

static bool is_blank(char c)
{
        return c == ' ' || c == '\t';
}

int tw_stages_parse(const char *s, struct tw_stages *ret, const char **ret_why)
{
        struct tw_stages st = {0};
        const char *p, *why = NULL;
        char item[32];

        if (!s || !ret)
                return -EINVAL;
        p = s;
        while (is_blank(*p))
                p++;
        while (*p) {
                const char *b = p, *e;
                int64_t lead;

                while (*p && *p != ',')
                        p++;
                e = p;
                while (b < e && is_blank(*b))
                        b++;
                while (e > b && is_blank(e[-1]))
                        e--;
                why = "expected a comma-separated list of durations like 60d, 30d, 7d, 1d";
                if (e == b || (size_t)(e - b) >= sizeof(item))
                        goto fail;
                memcpy(item, b, (size_t)(e - b));
                item[e - b] = '\0';
                if (tw_duration_parse(item, &lead) < 0)
                        goto fail;
                why = "a lead time must be more than 0 and at most 3650d";
                if (lead <= 0 || lead > TW_STAGE_LEAD_MAX)
                        goto fail;
                why = "at most 16 lead times";
                if (insert(&st, lead) < 0)
                        goto fail;
                if (*p == ',') {
                        p++;
                        why = "expected a comma-separated list of durations like 60d, 30d, 7d, 1d";
                        if (!*p)
                                goto fail;
                }
        }
        *ret = st;
        return 0;
fail:
        if (ret_why)
                *ret_why = why;
        return -EINVAL;
}

bool tw_stages_crossed(const struct tw_stages *st, int64_t end_at, int last, int64_t now,
                       int *ret_stage)
{
        int inner = TW_STAGE_NONE;

        if (!st || end_at == TW_NO_TIME || now >= end_at)
                return false;
        for (size_t i = 0; i < st->n; i++)
                if (now >= end_at - st->lead[i])
                        inner = (int)i;
        if (inner == TW_STAGE_NONE || inner <= last)
                return false;
        if (ret_stage)
                *ret_stage = inner;
        return true;
}
