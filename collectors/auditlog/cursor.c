/* The audit-log collector's cursor: see collectors/auditlog/cursor_internal.h. */
#include "collectors/auditlog/cursor_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/timeutil.h"

void tw_auditlog_cursor_init(struct tw_auditlog_cursor *c)
{
        memset(c, 0, sizeof(*c));
        c->floor_ms = c->from_ms = c->to_ms = TW_NO_TIME;
}

void tw_auditlog_cursor_done(struct tw_auditlog_cursor *c)
{
        if (!c)
                return;
        free(c->seen);
        free(c->set);
        tw_auditlog_cursor_init(c);
}

/* 0 marks an empty slot: id 0 is stored as 1. */
static uint64_t key_of(uint64_t id)
{
        return id ? id : 1;
}

static size_t slot_of(const struct tw_auditlog_cursor *c, uint64_t key)
{
        size_t i = (size_t)(key ^ (key >> 29)) & (c->set_cap - 1);

        while (c->set[i] && c->set[i] != key)
                i = (i + 1) & (c->set_cap - 1);
        return i;
}

static bool in_set(const struct tw_auditlog_cursor *c, uint64_t id)
{
        return c->set_cap && c->set[slot_of(c, key_of(id))] != 0;
}

/* Rebuilds the set over seen, with room for at least `room` ids. */
static int rebuild_set(struct tw_auditlog_cursor *c, size_t room)
{
        size_t cap = 32;
        uint64_t *set;

        while (cap < 2 * room)
                cap *= 2;
        set = calloc(cap, sizeof(*set));
        if (!set)
                return -ENOMEM;
        free(c->set);
        c->set = set;
        c->set_cap = cap;
        for (size_t i = 0; i < c->n_seen; i++)
                c->set[slot_of(c, key_of(c->seen[i].id))] = key_of(c->seen[i].id);
        return 0;
}

/* Keeps the seen entries dated in [lo, hi], in order. */
static int filter(struct tw_auditlog_cursor *c, int64_t lo, int64_t hi)
{
        size_t n = 0;

        for (size_t i = 0; i < c->n_seen; i++)
                if (c->seen[i].t_ms >= lo && c->seen[i].t_ms <= hi)
                        c->seen[n++] = c->seen[i];
        if (n == c->n_seen)
                return 0;
        c->n_seen = n;
        return rebuild_set(c, n);
}

bool tw_auditlog_cursor_covers(const struct tw_auditlog_cursor *c, int64_t t_ms, uint64_t id)
{
        return (c->floor_ms != TW_NO_TIME && t_ms < c->floor_ms) || in_set(c, id);
}

static int by_time(const void *a, const void *b)
{
        const struct tw_auditlog_seen *x = a, *y = b;

        return (x->t_ms > y->t_ms) - (x->t_ms < y->t_ms);
}

/* The set is full: the oldest half goes, whole milliseconds at a time, and
 * the floor moves past them. */
static int evict(struct tw_auditlog_cursor *c)
{
        size_t h = c->n_seen / 2;
        int64_t last;

        qsort(c->seen, c->n_seen, sizeof(*c->seen), by_time);
        last = c->seen[h - 1].t_ms;
        while (h < c->n_seen && c->seen[h].t_ms == last)
                h++;
        if (c->floor_ms == TW_NO_TIME || last + 1 > c->floor_ms)
                c->floor_ms = last + 1;
        c->evicted += h;
        memmove(c->seen, c->seen + h, (c->n_seen - h) * sizeof(*c->seen));
        c->n_seen -= h;
        return rebuild_set(c, c->n_seen + 1);
}

int tw_auditlog_cursor_take(struct tw_auditlog_cursor *c, int64_t t_ms, uint64_t id)
{
        int r;

        if (c->n_seen >= TW_AUDITLOG_CURSOR_MAX_SEEN && (r = evict(c)) < 0)
                return r;
        if (tw_array_reserve((void **)&c->seen, c->n_seen, &c->cap_seen, sizeof(*c->seen)) < 0)
                return -ENOMEM;
        if (2 * (c->n_seen + 1) > c->set_cap && (r = rebuild_set(c, 2 * (c->n_seen + 1))) < 0)
                return r;
        c->seen[c->n_seen++] = (struct tw_auditlog_seen){t_ms, id};
        c->set[slot_of(c, key_of(id))] = key_of(id);
        return 0;
}

int tw_auditlog_cursor_complete(struct tw_auditlog_cursor *c, int64_t end_ms, int64_t overlap_ms)
{
        int64_t floor = end_ms - overlap_ms;

        if (c->floor_ms == TW_NO_TIME || floor > c->floor_ms)
                c->floor_ms = floor;
        if (c->floor_ms > end_ms) /* never past the request time */
                c->floor_ms = end_ms;
        if (c->to_ms == TW_NO_TIME || end_ms > c->to_ms)
                c->to_ms = end_ms;
        return filter(c, c->floor_ms, INT64_MAX);
}

int tw_auditlog_cursor_clamp(struct tw_auditlog_cursor *c, int64_t now_ms, int64_t overlap_ms,
                             int64_t skew_ms)
{
        if (c->floor_ms != TW_NO_TIME && c->floor_ms > now_ms - overlap_ms)
                c->floor_ms = now_ms - overlap_ms;
        if (c->to_ms != TW_NO_TIME && c->to_ms > now_ms)
                c->to_ms = now_ms;
        return filter(c, INT64_MIN, now_ms + skew_ms);
}
