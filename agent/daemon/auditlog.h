#ifndef TW_AGENT_DAEMON_AUDITLOG_H
#define TW_AGENT_DAEMON_AUDITLOG_H

/*
 * The daemon's readers of the Astro audit logs: one per organization, each
 * on a thread of its own so that a long backfill never delays a token
 * collection, each with its own cursor and state file (audit-usage.json for
 * [astro], audit-usage.NAME.json for [astro.NAME]).
 *
 * Each cycle (the daemon's thread) tw_daemon_usage_cycle() hands every
 * reader what it needs: [audit_logs] settings, its organization's API base, id
 * and bearer (loaded as collect() loads them) and the ids of its listed
 * tokens; and takes the newest copy of each usage index a reader published.
 * d->usage then points at the only one, or at their merge (owned here; the
 * threads never touch it).  A reader fetches at once, then every
 * [audit_logs] interval; after each fetch it publishes a deep copy of its
 * index (mutex + swap).
 *
 * Errors are logged by the readers, rate-limited, naming the organization;
 * none is fatal.  With enabled = auto a 403 turns that organization's
 * reading off with one log line, until its credential changes or the agent
 * restarts.
 *
 * With --once no thread starts: d->usage is what state_dir holds.
 *
 * tw_daemon_usage_stop() cancels the fetches in flight (polled every 100 ms)
 * and joins the threads.
 */

#include <stdbool.h>
#include <stdint.h>

struct tw_buf;
struct tw_daemon;

/* Feeds the readers (starting them the first time) and takes their news. */
void tw_daemon_usage_cycle(struct tw_daemon *d, int64_t now);
/* Takes what the readers fetched since the last look, between cycles (a
 * reader writes to d->wake_fd after each fetch); true when anything was
 * taken: d->usage or the self-metrics changed, the page is to be made
 * again. */
bool tw_daemon_usage_take(struct tw_daemon *d);
/* Appends the audit-log families to the metrics page: 0 or a negative errno. */
int tw_daemon_usage_metrics(const struct tw_daemon *d, struct tw_buf *out);
/* Stops the thread and frees everything; d->usage is NULL after. */
void tw_daemon_usage_stop(struct tw_daemon *d);

#endif
