#ifndef TW_COLLECTORS_AUDITLOG_STATE_H
#define TW_COLLECTORS_AUDITLOG_STATE_H

/*
 * Internal to the audit-log collector: the state file that holds the cursor
 * (collectors/auditlog/cursor.h) and the usage index together, so that they
 * never disagree after a crash.  Not for other callers.
 */

#include <stdint.h>

struct tw_auditlog_cursor;
struct tw_usage;
struct tw_usage_limits;

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
