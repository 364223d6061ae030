#ifndef TW_AGENT_NOTIFY_HOOK_H
#define TW_AGENT_NOTIFY_HOOK_H

/*
 * Wiring of the notifier (exporters/notify.h) into the daemon and the CLI.
 *
 *   struct tw_notify_hook *h = tw_notify_hook_new(dry_run);
 *   struct tw_daemon_options d = {..., .on_cycle = tw_notify_hook_on_cycle,
 *                                 .extra_metrics = tw_notify_hook_metrics, .userdata = h};
 *   tw_daemon_run(path, &d);
 *   tw_notify_hook_free(h);
 *
 * The hook creates the notifier at the first cycle and re-creates it when
 * the [webhook.*], [agent] state_dir/interval or [astro] organization_id
 * settings change (SIGHUP); the persisted state carries over.  A notifier
 * that cannot be created (a missing secret file, an unusable state_dir) is
 * logged once per configuration and retried at the next reload.  Both
 * callbacks run on the daemon's thread.
 */

#include <stdbool.h>
#include <stdint.h>

struct tw_agent_status;
struct tw_buf;
struct tw_notify_hook;
struct tw_snapshot;

/* NULL on -ENOMEM. */
struct tw_notify_hook *tw_notify_hook_new(bool dry_run);
/* Stops the notifier (within a few seconds).  NULL-safe. */
void tw_notify_hook_free(struct tw_notify_hook *h);

/* Waits (up to timeout_ms) until every queued notification was sent or
 * dropped: call after `run --once`, before tw_notify_hook_free(). */
void tw_notify_hook_flush(struct tw_notify_hook *h, int64_t timeout_ms);

/* For tw_daemon_options.on_cycle: userdata is the hook. */
void tw_notify_hook_on_cycle(void *userdata, const struct tw_snapshot *snap,
                             const struct tw_agent_status *status, bool dry_run);
/* For tw_daemon_options.extra_metrics: the tokenwatch_notification* families. */
int tw_notify_hook_metrics(void *userdata, struct tw_buf *out);

/* `tokenwatch -c FILE notify-test [SINK]`: sends one test notification to
 * SINK (NULL: every sink) and prints one line per sink.  Returns the exit
 * code: 0 all delivered, 1 a sink failed, 2 configuration error or unknown
 * sink. */
int tw_cmd_notify_test(const char *config_path, const char *sink);

#endif
