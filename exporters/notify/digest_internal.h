#ifndef TW_EXPORTERS_NOTIFY_DIGEST_INTERNAL_H
#define TW_EXPORTERS_NOTIFY_DIGEST_INTERNAL_H

/*
 * The notifier's digests: [webhook.NAME] digest = <schedule>
 * and events = on|off.
 *
 * When: a digest is due when a firing of the sink's schedule lies in
 * (last, now], last being the period (tw_schedule_prev() instant) of the
 * sink's last digest as recorded in the notify store.  A sink with no
 * record yet records tw_schedule_prev(now) as its baseline and sends its
 * first digest at the next firing, not at start-up.  After downtime across
 * several firings, one digest is sent (for the latest period), not one per
 * missed period.
 *
 * Crash safety: the notifier records the new period in the store and queues
 * the digest in the same cycle, and both reach notify-state.json in the one
 * atomic write made BEFORE the item may be sent.  A kill -9 before that
 * write loses neither (the digest is due again on restart); after it, the
 * item is in the queue and the period recorded (no second digest).  The
 * Idempotency-Key is a hash of (sink, period).
 *
 * Stale data: the digest is still sent, from the last good collection,
 * saying so and since when.  events = off: the sink gets no firing,
 * escalated, resolved or reminder items, only digests; its notification
 * state is still kept, so that switching events back on does not send
 * every open finding as new.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct tw_buf;
struct tw_config;
struct tw_notify_digests;
struct tw_notify_filter;
struct tw_sink_ctx;
struct tw_sink_format;
struct tw_snapshot;
struct tw_webhook_config;

/* The checks of w's digest that need the format or the file system: the
 * format takes digests (not alertmanager or pagerduty), the zone loads.
 * One "FILE:LINE: [webhook.NAME] digest: reason" line per problem in err.
 * 0 or -EINVAL. */
int tw_notify_digest_check(const struct tw_config *cfg, const struct tw_webhook_config *w,
                           const struct tw_sink_format *f, struct tw_buf *err);

/* Every webhook's schedule and zone, in cfg->webhooks order (copied: cfg
 * may be freed).  -ENOMEM, or the -errno of a zone that cannot be loaded
 * (a line in err). */
int tw_notify_digests_new(const struct tw_config *cfg, struct tw_notify_digests **ret,
                          struct tw_buf *err);
void tw_notify_digests_free(struct tw_notify_digests *d);

/* Whether the sink at index i (cfg->webhooks order) gets event items. */
bool tw_notify_digests_events(const struct tw_notify_digests *d, size_t i);

struct tw_notify_digest_out {
        int64_t period;     /* what to record for the sink; TW_NO_TIME: forget (no digest) */
        char key[33];       /* the digest's Idempotency-Key */
        struct cJSON *body; /* the digest to queue, or NULL */
};

/*
 * One cycle for sink i named name, of format f and filter flt, whose last
 * recorded period is last (TW_NO_TIME: none): fills *out (see above).  snap
 * must have inv and ev; its cfg (may be NULL) gives the owner policy.
 * 1 with out->body set when a digest is due, 0 when not, -ENOMEM.
 */
int tw_notify_digest_step(const struct tw_notify_digests *d, size_t i, const char *name,
                          const struct tw_sink_format *f, const struct tw_notify_filter *flt,
                          int64_t last, const struct tw_snapshot *snap,
                          const struct tw_sink_ctx *ctx, bool stale, int64_t data_from,
                          struct tw_notify_digest_out *out);

#endif
