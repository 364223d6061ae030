#ifndef TW_COLLECTORS_AUDITLOG_CURSOR_INTERNAL_H
#define TW_COLLECTORS_AUDITLOG_CURSOR_INTERNAL_H

/*
 * Internal to the audit-log collector: where the reading stands.
 *
 * The cursor is a floor and a set.  Every entry dated before the floor is
 * taken (or given up); an entry at or after it is taken exactly when its
 * identity is in the set of seen entries.  A fetch asks for [floor, now):
 *
 *   1. the first fetch starts at now - backfill;
 *   2. each entry read is skipped when the cursor covers it, else counted
 *      and noted (tw_auditlog_cursor_take);
 *   3. only a fetch that read its whole window moves the floor, to
 *      now - overlap (tw_auditlog_cursor_complete): the next fetch reads
 *      the last `overlap` again, so an entry that reached the logs late
 *      with an earlier time is still read, and the set says which of those
 *      were counted.  A fetch that fails part-way leaves the floor where
 *      the stream was complete; what it took stays in the set.
 *
 * The set is bounded (TW_AUDITLOG_CURSOR_MAX_SEEN).  When it is full, the
 * oldest half goes, whole milliseconds at a time, and the floor moves past
 * them: an entry of a forgotten millisecond that comes again is not counted
 * twice; one that was never read before it is given up (counted in evicted).
 * Many thousands of entries in one millisecond fit.
 *
 * The floor never moves past the request time: an entry dated in the future
 * cannot freeze the reading (the collector skips those, and
 * tw_auditlog_cursor_clamp() brings back a loaded floor from the future).
 *
 * What the index covers, for a reader of the state: from_ms, where the first
 * whole window began (set by the collector), and to_ms, the end of the last
 * whole window (tw_auditlog_cursor_complete): every entry in [from_ms,
 * to_ms) was read.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TW_AUDITLOG_CURSOR_MAX_SEEN 65536

struct tw_auditlog_seen {
        int64_t t_ms;
        uint64_t id;
};

struct tw_auditlog_cursor {
        int64_t floor_ms; /* TW_NO_TIME: nothing read yet */
        int64_t from_ms;  /* the start of the first whole window, TW_NO_TIME: unknown */
        int64_t to_ms;    /* the end of the last whole window, TW_NO_TIME: none yet */
        struct tw_auditlog_seen *seen;
        size_t n_seen, cap_seen;
        uint64_t *set; /* open addressing over the ids of seen (0: empty slot) */
        size_t set_cap;
        uint64_t evicted; /* identities forgotten for room, since init */
};

void tw_auditlog_cursor_init(struct tw_auditlog_cursor *c);
void tw_auditlog_cursor_done(struct tw_auditlog_cursor *c);
/* Whether the entry (time t_ms, identity id) is taken. */
bool tw_auditlog_cursor_covers(const struct tw_auditlog_cursor *c, int64_t t_ms, uint64_t id);
/* Notes an entry taken (not covered).  0 or -ENOMEM. */
int tw_auditlog_cursor_take(struct tw_auditlog_cursor *c, int64_t t_ms, uint64_t id);
/* A fetch read every entry before end_ms: the floor moves to end_ms -
 * overlap_ms (never back), to_ms to end_ms, and the set forgets what is
 * before the floor.  0 or -ENOMEM. */
int tw_auditlog_cursor_complete(struct tw_auditlog_cursor *c, int64_t end_ms, int64_t overlap_ms);
/* Keeps a loaded cursor out of the future: a floor after now_ms -
 * overlap_ms comes back to it, to_ms after now_ms back to now_ms, entries
 * seen after now_ms + skew_ms are forgotten.  0 or -ENOMEM. */
int tw_auditlog_cursor_clamp(struct tw_auditlog_cursor *c, int64_t now_ms, int64_t overlap_ms,
                             int64_t skew_ms);

#endif
