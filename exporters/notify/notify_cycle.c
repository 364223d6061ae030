/* The notifier's cycle: the findings' events, staged notices and digests
 * of each sink, built, persisted, then released. */
#include "exporters/notify/notify.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config/config.h"
#include "core/inventory.h"
#include "core/events.h"
#include "core/notify/change.h"
#include "core/notify/state_stages.h"
#include "core/notify/state.h"
#include "core/snapshot.h"
#include "exporters/notify/digest_internal.h"
#include "exporters/notify/store_internal.h"
#include "exporters/notify/sink_internal.h"
#include "exporters/notify/sink_config.h"
#include "exporters/notify/unrouted_internal.h"
#include "exporters/sinks/sinks.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/secret.h"
#include "lib/statefile.h"
#include "lib/timeutil.h"

#include "exporters/notify/notify_internal.h"

/* The sink's staged expiry notices (STAGE events) of this cycle. */
static int stage_items(struct tw_notifier *n, size_t si, const struct tw_sink_ctx *ctx,
                       const struct tw_notify_events *stages, int64_t now, struct batch *b)
{
        struct nsink *k = &n->sinks[si];
        cJSON *body;
        int r = 0;

        for (size_t i = 0; stages && i < stages->n && r >= 0; i++) {
                const struct tw_notify_event *e = &stages->events[i];

                if (e->sink != si)
                        continue;
                body = NULL;
                r = k->c.format->build(ctx, e, 1, &body, NULL);
                if (r >= 0)
                        r = notifier_emit(n, k, b, "stage", e->idempotency_key, body, false, now);
                cJSON_Delete(body);
        }
        return r;
}

/* Builds one sink's items for this cycle's events (a sink's events are contiguous). */
static int sink_items(struct tw_notifier *n, size_t si, const struct tw_sink_ctx *ctx,
                      const struct tw_notify_events *evs, const struct tw_notify_events *stages,
                      int64_t now, struct batch *b)
{
        struct nsink *k = &n->sinks[si];
        const struct tw_sink_format *f = k->c.format;
        size_t first = evs->n, count = 0;
        cJSON *body = NULL;
        bool coalesce = false;
        char key[64];
        int r = 0;

        if (!tw_notify_digests_events(n->digests, si)) /* events = off: digests only */
                return 0;
        for (size_t i = 0; i < evs->n; i++)
                if (evs->events[i].sink == si) {
                        first = count ? first : i;
                        count++;
                }
        if (f->batch) {
                if (!count)
                        return 0;
                r = f->build(ctx, &evs->events[first], count, &body, &coalesce);
                snprintf(key, sizeof(key), "alerts-%" PRIu64 "-%" PRId64, n->next_id + 1, now);
                if (r >= 0)
                        r = notifier_emit(n, k, b, "alerts", key, body, coalesce, now);
                cJSON_Delete(body);
                return r;
        }
        for (size_t i = first; i < first + count && r >= 0; i++) {
                const struct tw_notify_event *e = &evs->events[i];

                if (!tw_notify_event_notifies(e->type) ||
                    (!f->reminders && e->type == TW_NOTIFY_REMINDER))
                        continue;
                body = NULL;
                r = f->build(ctx, e, 1, &body, NULL);
                if (r >= 0)
                        r = notifier_emit(n, k, b, tw_notify_event_to_string(e->type),
                                          e->idempotency_key, body, false, now);
                cJSON_Delete(body);
        }
        if (r >= 0 && f->stages)
                r = stage_items(n, si, ctx, stages, now, b);
        return r;
}

/* The sink's digest when one is due (exporters/notify/digest_internal.h); its period
 * is recorded when the batch is pushed, and persisted with it. */
static int digest_items(struct tw_notifier *n, size_t si, const struct tw_snapshot *snap,
                        const struct tw_sink_ctx *ctx, const struct tw_notifier_data *data,
                        const struct tw_owner_policy *owners, struct batch *b)
{
        struct nsink *k = &n->sinks[si];
        struct tw_notify_filter flt = k->c.filter;
        struct tw_notify_digest_out d;
        /* dry run: every cycle previews the digest (nothing is recorded) */
        int64_t last =
                n->opts.dry_run ? TW_NO_TIME + 1 : tw_notify_store_digest(n->store, k->c.name);
        int r;

        flt.owners = owners; /* teams = and match = route digests too */
        r = tw_notify_digest_step(n->digests, si, k->c.name, k->c.format, &flt, last, snap, ctx,
                                  data && data->stale, data ? data->collected_at : 0, &d);
        if (r > 0)
                r = notifier_emit(n, k, b, "digest", d.key, d.body, false, ctx->now);
        cJSON_Delete(d.body);
        b->digest = r >= 0;
        b->digest_period = d.period;
        return r;
}

static int filters_of(struct tw_notifier *n, struct tw_notify_filter **ret)
{
        struct tw_notify_filter *f = calloc(n->n_sinks + 1, sizeof(*f));

        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < n->n_sinks; i++)
                f[i] = n->sinks[i].c.filter;
        *ret = f;
        return 0;
}

static void log_data_age(struct tw_notifier *n, bool stale, int64_t data_time)
{
        char when[TW_RFC3339_LEN];

        if (stale && !n->stale)
                tw_log(TW_LOG_WARN,
                       "no fresh data: notifications run on data from an earlier collection; "
                       "nothing resolves until the API answers again",
                       "data_from", data_time > 0 ? tw_time_format(data_time, when) : "unknown",
                       NULL);
        else if (!stale && n->stale)
                tw_log(TW_LOG_INFO, "fresh data again: notifications resolve normally", NULL);
        n->stale = stale;
}

int tw_notifier_cycle(struct tw_notifier *n, const struct tw_snapshot *snap, int64_t now,
                      const struct tw_notifier_data *data)
{
        struct tw_sink_ctx ctx = {0};
        struct tw_owner_policy owners = {0};
        struct tw_notify_filter *f = NULL;
        struct tw_notify_state *st = NULL;
        struct tw_notify_events evs = {0}, stages = {0};
        struct batch *b = NULL;
        bool stale = data && data->stale;
        int r;

        if (!snap || !snap->inv || !snap->ev)
                return -EINVAL;
        log_data_age(n, stale, data ? data->collected_at : 0);
        notifier_reopen(n);
        r = filters_of(n, &f);
        if (r < 0)
                return r;
        /* owner routing and labels follow the config the snapshot was made under */
        if (snap->cfg)
                tw_config_owner_policy(snap->cfg, &owners);
        for (size_t i = 0; i < n->n_sinks; i++) {
                f[i].owners = &owners;
                if (snap->cfg) {
                        f[i].owner_labels = snap->cfg->owners.labels;
                        f[i].n_owner_labels = snap->cfg->owners.n_labels;
                }
        }
        if (n->n_sinks) {
                /* No finding vanishes silently: one that no sink receives is said. */
                pthread_mutex_lock(&n->lock);
                if (tw_unrouted_update(&n->unrouted, snap->inv, snap->ev, f, n->n_sinks) < 0)
                        tw_log(TW_LOG_ERROR, "cannot tell the findings no sink receives", "error",
                               strerror(ENOMEM), NULL);
                pthread_mutex_unlock(&n->lock);
        }
        r = tw_notify_state_step(n->state, snap->inv, snap->ev, f, n->n_sinks, now, stale, &st,
                                 &evs);
        if (r >= 0)
                r = tw_notify_state_stages(st, n->state, snap->inv, snap->ev, f, n->n_sinks, &evs,
                                           now, &stages);
        free(f);
        b = calloc(n->n_sinks + 1, sizeof(*b));
        if (r < 0 || !b) {
                free(b);
                tw_notify_state_free(st);
                tw_notify_events_done(&evs);
                tw_notify_events_done(&stages);
                return r < 0 ? r : -ENOMEM;
        }
        ctx.organization_id = snap->inv->organization_id;
        ctx.inv = snap->inv;
        ctx.now = now;
        ctx.alert_ttl = notifier_alert_ttl(n);
        for (size_t i = 0; i < n->n_sinks; i++) {
                struct nsink *k = &n->sinks[i];

                /* a sink that is closed or cannot build keeps its old state: its events
                 * come again next cycle, and no other sink sends anything twice */
                if (k->sink || n->opts.dry_run) {
                        r = sink_items(n, i, &ctx, &evs, &stages, now, &b[i]);
                        if (r >= 0)
                                r = digest_items(n, i, snap, &ctx, data, &owners, &b[i]);
                } else
                        r = -ENOTCONN;
                if (r < 0) {
                        notifier_batch_done(&b[i]);
                        if (r != -ENOTCONN)
                                tw_log(TW_LOG_ERROR,
                                       "cannot build notifications; retrying next cycle", "sink",
                                       k->c.name, "error", strerror(-r), NULL);
                        r = tw_notify_state_revert_sink(st, n->state, k->c.name);
                        if (r < 0)
                                break;
                }
        }
        tw_notify_events_done(&evs);
        tw_notify_events_done(&stages);
        if (r < 0) {
                for (size_t i = 0; i < n->n_sinks; i++)
                        notifier_batch_done(&b[i]);
                free(b);
                tw_notify_state_free(st);
                return r;
        }
        tw_notify_state_free(n->state);
        n->state = st;
        for (size_t i = 0; i < n->n_sinks; i++) {
                struct tw_sink_item *it = b[i].head, *next;

                if (b[i].digest && tw_notify_store_set_digest(n->store, n->sinks[i].c.name,
                                                              b[i].digest_period) < 0)
                        tw_log(TW_LOG_ERROR, "cannot record a digest; it may be sent again", "sink",
                               n->sinks[i].c.name, NULL);
                for (; it; it = next) {
                        next = it->next;
                        it->next = NULL;
                        if (tw_sink_push(n->sinks[i].sink, it) > 0)
                                tw_log(TW_LOG_ERROR,
                                       "webhook queue full, oldest notifications dropped", "sink",
                                       n->sinks[i].c.name, NULL);
                }
        }
        free(b);
        if (n->opts.dry_run)
                return 0;
        return notifier_persist_and_release(n);
}
