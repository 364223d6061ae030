#ifndef TW_AGENT_DAEMON_AUDITLOG_H
#define TW_AGENT_DAEMON_AUDITLOG_H

/*
 * The daemon's reader of the Astro audit logs, on a
 * thread of its own so that a long backfill never delays a token
 * collection.
 *
 * Each cycle (the daemon's thread) tw_daemon_usage_cycle() hands the thread
 * what it needs: [audit_logs] settings, the API base, the organization, the
 * bearer (loaded as collect() loads it) and the ids of the listed tokens;
 * and takes the newest copy of the usage index the thread published, which
 * d->usage then points at (owned here; the thread never touches it).  The
 * thread fetches at once, then every [audit_logs] interval; after each fetch it
 * publishes a deep copy of the index (mutex + swap).
 *
 * Errors are logged here, rate-limited; none is fatal.  With enabled = auto
 * a 403 turns the reading off with one log line, until the credential
 * changes or the agent restarts.
 *
 * With --once no thread starts: d->usage is what state_dir holds.
 *
 * tw_daemon_usage_stop() cancels a fetch in flight (polled every 100 ms)
 * and joins the thread.
 */

#include <stdint.h>

struct tw_buf;
struct tw_daemon;

/* Feeds the thread (starting it the first time) and takes its news. */
void tw_daemon_usage_cycle(struct tw_daemon *d, int64_t now);
/* Appends the audit-log families to the metrics page: 0 or a negative errno. */
int tw_daemon_usage_metrics(const struct tw_daemon *d, struct tw_buf *out);
/* Stops the thread and frees everything; d->usage is NULL after. */
void tw_daemon_usage_stop(struct tw_daemon *d);

#endif
