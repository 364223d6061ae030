#ifndef TW_AGENT_DAEMON_DAEMON_H
#define TW_AGENT_DAEMON_DAEMON_H

/*
 * `tokenwatch run`: the long-running agent.  Every [agent] interval (±5 %
 * jitter) one cycle loads the credential, collects the organization through
 * the libcurl transport, evaluates the inventory, renders the metrics page
 * and swaps it into the metrics server ([agent] listen, [web]).
 *
 * A failed cycle (credential unusable, collection failed, or the token
 * listings failed) keeps the last good inventory, re-evaluates it at the new
 * time and sets tokenwatch_collection_success 0.  A cycle whose token
 * listings all succeeded publishes its inventory even if another listing
 * failed (collection_success is 0 then too).
 *
 * Signals (handlers installed here; call from the main thread, before any
 * other thread exists): SIGHUP reloads the configuration (a bad file keeps
 * the old one and sets tokenwatch_config_last_reload_success 0; a good one
 * also restarts the metrics server, re-reading TLS files and users);
 * SIGTERM and SIGINT abort the transfers in flight and return within 5 s.
 * SIGPIPE is ignored.
 *
 * One daemon per state directory: at start (and when a reload names
 * another state_dir) it takes an exclusive lock, flock(2) on
 * state_dir/tokenwatch.lock, which holds its PID.  A second daemon on the
 * same directory stops at once (-EBUSY), its log naming the directory and
 * the PID holding it.  The lock is released when tw_daemon_run() returns,
 * after on_stop.  Commands that only read state_dir take no lock.
 *
 * Logs one line per cycle (duration, tokens, findings, failed listings);
 * repeated failures are rate-limited with one "recovered" line.
 */

#include <stdbool.h>

struct tw_agent_status;
struct tw_buf;
struct tw_events;
struct tw_snapshot;

struct tw_daemon_options {
        bool once;             /* one cycle, then return (the server is not started) */
        bool dry_run;          /* passed through for on_cycle (notifications print, not send) */
        bool no_server;        /* collect and call on_cycle but serve nothing */
        const char *port_file; /* write the bound port here (after each server start) */
        /* Called on the daemon's thread after every cycle, with the inventory
         * in force, its evaluation at this cycle's time and the config.  When
         * this cycle's token listing failed, the inventory is the last good
         * one (status->listing_success[TW_LISTING_TOKENS] is false).  The
         * snapshot is valid during the call only.  The inventory may be
         * incomplete (some listings failed: see inv->listed). */
        void (*on_cycle)(void *userdata, const struct tw_snapshot *snap,
                         const struct tw_agent_status *status, bool dry_run);
        /* Called on the daemon's thread each time the metrics page is
         * rendered (after every cycle and reload): appends more families
         * (e.g. tokenwatch_notifications_total) to out.  0 or a negative
         * errno (the page is then published without the extra part). */
        int (*extra_metrics)(void *userdata, struct tw_buf *out);
        /* Called on the daemon's thread when the audit trail recorded token
         * changes (core/events.h) in a fresh collection, before on_cycle of
         * the same cycle; snap as for on_cycle.  May be NULL. */
        void (*on_events)(void *userdata, const struct tw_snapshot *snap,
                          const struct tw_events *events, bool dry_run);
        /* Called on the daemon's thread once, after the last cycle and while
         * the state directory is still locked: stop what writes there (with
         * once, let it finish first).  May be NULL. */
        void (*on_stop)(void *userdata, bool once);
        void *userdata; /* for on_cycle, extra_metrics, on_events and on_stop */
};

/* Runs until SIGTERM/SIGINT (or one cycle with once).  curl_global_init()
 * must have been called.  Returns 0 on a clean stop (with once: the cycle
 * was complete), -EINVAL if the configuration is invalid, -EBUSY if
 * another daemon holds the state directory, -ENOKEY (once) if the
 * credential could not be used, -ENODATA (once) if the collection was
 * incomplete, another negative errno if the state directory is unusable or
 * the metrics server could not start.  Every error is logged before returning.  Exit codes for
 * main.c: 0 -> 0, -ENODATA -> 3, anything else -> 2. */
int tw_daemon_run(const char *config_path, const struct tw_daemon_options *opts);

#endif
