#ifndef TW_COLLECTORS_AUDITLOG_STATE_H
#define TW_COLLECTORS_AUDITLOG_STATE_H

/*
 * Internal to the audit-log collector: its cursor and the state file that
 * holds the cursor and the usage index together.  Not for other callers.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tw_usage;
struct tw_usage_limits;

/* The newest entry time taken, and the identities of the entries taken at
 * exactly that time (at most TW_AUDITLOG_CURSOR_MAX_IDS). */
struct tw_auditlog_cursor {
        int64_t last_ms; /* TW_NO_TIME: nothing taken yet */
        uint64_t *ids;
        size_t n_ids, cap_ids;
};

void tw_auditlog_cursor_init(struct tw_auditlog_cursor *c);
void tw_auditlog_cursor_done(struct tw_auditlog_cursor *c);
/* Whether the entry (time t, identity id) was already taken. */
bool tw_auditlog_cursor_covers(const struct tw_auditlog_cursor *c, int64_t t, uint64_t id);
/* Notes an entry taken.  0 or -ENOMEM. */
int tw_auditlog_cursor_advance(struct tw_auditlog_cursor *c, int64_t t, uint64_t id);
/* Folds `from` into `into` (the newer time wins; equal times unite). */
int tw_auditlog_cursor_merge(struct tw_auditlog_cursor *into,
                             const struct tw_auditlog_cursor *from);

/* Writes dir/TW_AUDITLOG_STATE_FILE atomically.  0, -ENOMEM, or -errno. */
int tw_auditlog_state_save(const char *dir, const struct tw_auditlog_cursor *cursor,
                           const struct tw_usage *usage);
/* Reads it into *cursor (initialised) and a new *ret_usage.  Absent: an
 * empty state, 0.  Unparsable: moved aside, empty state, 0, with
 * *ret_quarantined set (else NULL).  -ENOMEM or -errno otherwise. */
int tw_auditlog_state_load(const char *dir, const struct tw_usage_limits *lim, int64_t now,
                           struct tw_auditlog_cursor *cursor, struct tw_usage **ret_usage,
                           char **ret_quarantined);

#endif
