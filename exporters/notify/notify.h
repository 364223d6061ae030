#ifndef TW_EXPORTERS_NOTIFY_NOTIFY_H
#define TW_EXPORTERS_NOTIFY_NOTIFY_H

/*
 * The notifier: after each collection cycle, turns the evaluation into
 * notifications to its sinks, one per [webhook.NAME] (core/notify/state.h
 * decides what is due, core/notify/state_stages.h which staged expiry notices,
 * exporters/sinks/sinks.h builds the bodies, exporters/notify/sink_internal.h delivers them,
 * one thread per sink).  The audit trail's token changes come in through
 * tw_notifier_events() (core/notify/change.h routes them).
 *
 * It runs every cycle, also when the API could not be listed: then it runs
 * on the last good data (stale), re-sends what is firing (Alertmanager's
 * endsAt keeps being extended) and escalates what time alone changes (a
 * token that expires meanwhile), but resolves and downgrades nothing.
 *
 * Sinks are isolated: one that cannot be opened (an unreadable url_file or
 * secret_file) is logged, shows tokenwatch_notification_sink_up 0, keeps its
 * state and queue, and is retried every cycle; the others work normally.
 *
 * Persistence (in state_dir, exporters/notify/store_internal.h): the state machine's
 * state, every sink's queue and the next item id are written atomically once
 * per cycle BEFORE any new item may be sent; each sink's last finished item
 * (delivered or rejected) after each one.  On start, queued items at or
 * below a sink's ack are dropped, the rest are sent in order.  So after kill -9 nothing finished is
 * sent again and nothing due is lost; only the one item in flight at the crash may be sent twice,
 * with the same Idempotency-Key (generic: also "idempotency_key" in the body)
 * so receivers can de-duplicate.  A corrupt or unreadable file is moved
 * aside (*.corrupt-<time>), logged, and the notifier starts clean (it may
 * repeat notifications, never crash).
 *
 * The notifier logs (delivery failures, rate-limited; corrupt state; stale
 * data, once); it is the layer that decides.  cycle() and test() are called from one thread at a
 * time; metrics_render() and pending() from any thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct tw_buf;
struct tw_config;
struct tw_events;
struct tw_inventory;
struct tw_notifier;
struct tw_snapshot;

/* What the cycle's data is. */
struct tw_notifier_data {
        bool stale;           /* the API could not be listed: the last good data, re-evaluated */
        int64_t collected_at; /* when that data was collected (for the log), 0: unknown */
};

struct tw_notifier_options {
        bool dry_run;            /* print payloads to dry_run_out instead of sending; no sender
                                    threads, nothing persisted (tw_notifier_test() still sends) */
        FILE *dry_run_out;       /* NULL: stdout */
        int64_t backoff_base_ms; /* 0: 1 s (tests use less) */
        int64_t backoff_max_ms;  /* 0: 5 min */
};

/*
 * Checks the sinks' formats (tw_sink_config_check()), loads the state from
 * state_dir (NULL: cfg->agent.state_dir; created if missing), reads every
 * sink's secrets (url/url_file, secret/secret_file,
 * routing_key/routing_key_file) and starts one thread per sink (none in
 * dry-run mode).  A sink that cannot be opened gets a line in err and is
 * retried every cycle; the notifier is still created.  Everything needed is
 * copied from cfg; on a config reload, free the notifier and create a new
 * one (the state carries over: agent/daemon/notify_hook.h does this for the
 * daemon).  opts may be NULL.  -EINVAL (a bad format: a line per problem in
 * err, never a secret), -ENOMEM, or the -errno of an unusable state_dir.
 */
int tw_notifier_new(const struct tw_config *cfg, const char *state_dir,
                    const struct tw_notifier_options *opts, struct tw_notifier **ret,
                    struct tw_buf *err);

/*
 * One cycle: computes the events for snap (its inv and ev must be set) at
 * now, persists the new state with the new items, then lets the sinks send
 * them.  data (NULL: fresh) says whether snap is stale.  Never waits on the
 * network.  0, -ENOMEM, or the -errno of a failed state write (logged; the
 * items are sent anyway).
 */
int tw_notifier_cycle(struct tw_notifier *n, const struct tw_snapshot *snap, int64_t now,
                      const struct tw_notifier_data *data);

/*
 * Token change events (core/events.h, from the audit trail): queues one item
 * per (sink, event) the sink routes (core/notify/change.h: `changes`,
 * min_severity, workspaces; severity NONE never), persists the queues, then
 * lets the sinks send them, like a cycle: after a crash an item is either
 * sent again with the same Idempotency-Key (derived from sink, token, event
 * kind and observed_at) or not at all.  A sink that is not open keeps its
 * items in the state file until it opens.  inv (the current inventory, may be
 * NULL) places tokens in workspaces.  Call it before tw_notifier_cycle() of
 * the same collection.  0, -EINVAL, -ENOMEM, or the -errno of a failed state
 * write (logged; the items are sent anyway).
 */
int tw_notifier_events(struct tw_notifier *n, const struct tw_events *ev,
                       const struct tw_inventory *inv, int64_t now);

/*
 * `notify-test`: sends one test notification to the sink named sink (NULL:
 * every sink) on the calling thread, bypassing queue and state.  One line
 * per sink is appended to out ("webhook NAME: ok" or the failure, host
 * only).  -ENOENT if no sink has that name, -EPROTO etc. if any failed.
 */
int tw_notifier_test(struct tw_notifier *n, const char *sink, int64_t now, struct tw_buf *out);

/* Items waiting in every sink's queue. */
size_t tw_notifier_pending(struct tw_notifier *n);

/* Waits until every queue is empty or timeout_ms passed (for `run --once`).
 * 0 or -ETIMEDOUT. */
int tw_notifier_flush(struct tw_notifier *n, int64_t timeout_ms);

/* Appends the tokenwatch_notification* families (see
 * tw_sink_metrics_render()); nothing when there are no sinks. */
int tw_notifier_metrics_render(struct tw_notifier *n, struct tw_buf *out);

/* Stops every sink's thread, then waits for all (within a few seconds:
 * transfers in flight are aborted), then frees.  NULL-safe. */
void tw_notifier_free(struct tw_notifier *n);

#endif
