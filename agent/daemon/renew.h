#ifndef TW_AGENT_DAEMON_RENEW_H
#define TW_AGENT_DAEMON_RENEW_H

/*
 * The daemon's renewals ([rotation]), on a thread of their own: a renewal
 * calls Astro and every store, waits out their rate limits and retries,
 * and may take minutes; collections go on every interval meanwhile, and the
 * metrics page stays fresh.
 *
 * Each cycle (the daemon's thread) tw_daemon_renew():
 *   - hands the thread the tokens that are due ([rotation] enabled = true:
 *     a [deliver.NAME] copy, an expiry, within `before`), and what the
 *     audit logs say of the old tokens waiting to be deleted;
 *   - takes what the thread did since: each renewal done, failed or held
 *     becomes a change event (renewed, renewal_failed, retire_held) for the
 *     trail (tw_trail_note) and the sinks (on_events), and a log line.
 * The thread resumes every journal in state_dir at start and whenever one
 * falls due - whether or not [rotation] is enabled: a started renewal is
 * always finished - and starts the renewals of the due tokens.  It reloads
 * its copy of the configuration when the daemon's changes (SIGHUP).
 *
 * Not under `run --once` nor `run --dry-run`: both leave every token and
 * store as it is (`tokenwatch rotate` renews on demand).
 *
 * tw_daemon_renew_stop() cancels a renewal in flight (its transfers abort
 * within 100 ms; the journal says where it stood) and joins the thread.
 */

#include <stdint.h>

struct tw_buf;
struct tw_daemon;

void tw_daemon_renew(struct tw_daemon *d, int64_t now);
/* The renewal families (exporters/metrics/renewal.h): 0 or a negative errno. */
int tw_daemon_renew_metrics(const struct tw_daemon *d, struct tw_buf *out);
void tw_daemon_renew_stop(struct tw_daemon *d);

#endif
