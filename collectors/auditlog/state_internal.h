#ifndef TW_COLLECTORS_AUDITLOG_STATE_INTERNAL_H
#define TW_COLLECTORS_AUDITLOG_STATE_INTERNAL_H

/*
 * Internal to the audit-log collector: the state file that holds the cursor
 * (collectors/auditlog/cursor_internal.h) and the usage index together, so that they
 * never disagree after a crash.  Not for other callers.
 */

#include <stdint.h>

struct tw_auditlog_cursor;
struct tw_auditlog_moved;
struct tw_usage;
struct tw_usage_limits;

/* Whose state a file is: its name in the directory, the organization and
 * the API URL it names. */
struct tw_auditlog_owner {
        const char *file;
        const char *organization_id;
        const char *api_url;
};

/* Writes dir/owner->file atomically.  0, -ENOMEM, or -errno. */
int tw_auditlog_state_save(const char *dir, const struct tw_auditlog_owner *owner,
                           const struct tw_auditlog_cursor *cursor, const struct tw_usage *usage);
/* Reads it into *cursor (initialised) and a new *ret_usage.  Absent: an
 * empty state, 0.  Unparsable, or another owner's: moved aside, empty
 * state, 0, with *ret_moved filled (its path NULL otherwise).  -ENOMEM or
 * -errno otherwise. */
int tw_auditlog_state_load(const char *dir, const struct tw_auditlog_owner *owner,
                           const struct tw_usage_limits *lim, int64_t now,
                           struct tw_auditlog_cursor *cursor, struct tw_usage **ret_usage,
                           struct tw_auditlog_moved *ret_moved);

#endif
