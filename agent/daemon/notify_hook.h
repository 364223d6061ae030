#ifndef TW_AGENT_DAEMON_NOTIFY_HOOK_H
#define TW_AGENT_DAEMON_NOTIFY_HOOK_H

/*
 * Wiring of the notifier (exporters/notify/notify.h) into the daemon and the CLI.
 *
 *   struct tw_notify_hook *h = tw_notify_hook_new(dry_run);
 *   struct tw_daemon_options d = {..., .on_cycle = tw_notify_hook_on_cycle,
 *                                 .extra_metrics = tw_notify_hook_metrics, .userdata = h};
 *   tw_daemon_run(path, &d);
 *   tw_notify_hook_free(h);
 *
 * The hook creates the notifier at the first cycle and re-creates it when
 * the [webhook.*], [agent] state_dir/interval or [astro] organization_id
 * settings or the content of a secret file (url_file, secret_file,
 * routing_key_file) changed (checked every cycle, so also on SIGHUP); the
 * persisted state carries over.  A notifier that cannot be created (an
 * unusable state_dir, an unknown format) is logged once and retried every
 * cycle.  It runs every cycle, telling the notifier when the data is stale
 * (the token listing failed).  Both callbacks run on the daemon's thread.
 */

#include <stdbool.h>
#include <stdint.h>

struct tw_agent_status;
struct tw_buf;
struct tw_events;
struct tw_notify_hook;
struct tw_snapshot;

/* NULL on -ENOMEM. */
struct tw_notify_hook *tw_notify_hook_new(bool dry_run);
/* Stops the notifier (within a few seconds).  NULL-safe. */
void tw_notify_hook_free(struct tw_notify_hook *h);

/* Waits (up to timeout_ms) until every queued notification was sent or
 * dropped: call after `run --once`, before tw_notify_hook_free(). */
void tw_notify_hook_flush(struct tw_notify_hook *h, int64_t timeout_ms);
/* For tw_daemon_options.on_stop: flushes (once, up to 30 s) and stops the
 * notifier, whose senders write state_dir, while the daemon still holds
 * its lock.  The hook stays until tw_notify_hook_free(). */
void tw_notify_hook_on_stop(void *userdata, bool once);

/* For tw_daemon_options.on_cycle: userdata is the hook. */
void tw_notify_hook_on_cycle(void *userdata, const struct tw_snapshot *snap,
                             const struct tw_agent_status *status, bool dry_run);
/* For tw_daemon_options.on_events: token changes to the sinks that route them. */
void tw_notify_hook_on_events(void *userdata, const struct tw_snapshot *snap,
                              const struct tw_events *events, bool dry_run);
/* For tw_daemon_options.extra_metrics: the tokenwatch_notification* families. */
int tw_notify_hook_metrics(void *userdata, struct tw_buf *out);

#endif
