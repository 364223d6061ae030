/* The notifier: sinks from the config, the cycle (events -> items ->
 * persist -> release), notify-test and the metrics. */
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

/* What the notifier keeps of one [webhook.NAME]: copies, so that the config
 * may be freed (reloaded) while sink threads still run. */
struct nsink {
        struct tw_notifier *n;
        struct tw_sink_config c;
        struct tw_sink *sink;        /* NULL: not open (see error) */
        char *error;                 /* why it could not be opened (no secret), or NULL */
        struct tw_complain complain; /* delivery failures; guarded by the notifier's lock */
};

struct tw_notifier {
        int64_t interval;      /* [agent] interval */
        char *organization_id; /* [astro] organization_id, or NULL */
        char *state_dir;
        struct tw_notifier_options opts;
        struct nsink *sinks;
        size_t n_sinks;
        struct tw_notify_store *store;
        struct tw_notify_state *state;
        /* digest = and events = per sink (exporters/notify/digest_internal.h) */
        struct tw_notify_digests *digests;
        uint64_t next_id;            /* the last id handed out */
        bool stale;                  /* the last cycle ran on old data (logged once) */
        struct tw_unrouted unrouted; /* findings no sink receives; under lock */
        pthread_mutex_t lock;
};

/* Called on a sink's thread when an item is finished: record the ack. */
static void on_done(void *ud, const char *sink, uint64_t id)
{
        struct nsink *k = ud;
        bool recovered;
        int r;

        r = tw_notify_store_ack(k->n->store, sink, id);
        pthread_mutex_lock(&k->n->lock);
        recovered = tw_complain_success(&k->complain);
        pthread_mutex_unlock(&k->n->lock);
        if (recovered)
                tw_log(TW_LOG_INFO, "webhook delivery recovered", "sink", sink, NULL);
        if (r < 0)
                tw_log(TW_LOG_ERROR,
                       "cannot record a delivered notification; it may be sent again after a "
                       "restart",
                       "sink", sink, "error", strerror(-r), NULL);
}

/* Called on a sink's thread when a POST failed: log, rate-limited for retries. */
static void on_error(void *ud, const char *sink, const char *message, bool will_retry)
{
        struct nsink *k = ud;
        bool log = !will_retry;

        if (will_retry) {
                pthread_mutex_lock(&k->n->lock);
                log = tw_complain_failure(&k->complain, tw_now());
                pthread_mutex_unlock(&k->n->lock);
        }
        if (log)
                tw_log(will_retry ? TW_LOG_WARN : TW_LOG_ERROR, "webhook delivery failed", "sink",
                       sink, "error", message, NULL);
}

static void push_loaded(void *ud, struct tw_sink_item *it)
{
        tw_sink_push(ud, it);
}

/* Opens (reads the secrets of, creates and starts) one sink; on failure
 * k->error says why.  0 or -errno. */
static int open_sink(struct tw_notifier *n, struct nsink *k)
{
        struct tw_sink_options o = {
                .backoff_base_ms = n->opts.backoff_base_ms,
                .backoff_max_ms = n->opts.backoff_max_ms,
                .on_done = on_done,
                .on_error = on_error,
                .userdata = k,
        };
        struct tw_buf err;
        int r;

        tw_buf_init(&err, 4096);
        r = tw_sink_config_open(&k->c, &o, &k->sink, &err);
        if (r >= 0 && !n->opts.dry_run) {
                r = tw_notify_store_queue(n->store, k->c.name, push_loaded, k->sink);
                tw_sink_release(k->sink, n->next_id);
                if (r >= 0)
                        r = tw_sink_start(k->sink);
        }
        free(k->error);
        k->error = NULL;
        if (r < 0) {
                tw_sink_free(k->sink);
                k->sink = NULL;
                if (err.len && err.ptr[err.len - 1] == '\n')
                        err.ptr[--err.len] = '\0';
                k->error = strdup(err.len ? err.ptr : strerror(-r));
        }
        tw_buf_done(&err);
        return r;
}

int tw_notifier_new(const struct tw_config *cfg, const char *state_dir,
                    const struct tw_notifier_options *opts, struct tw_notifier **ret,
                    struct tw_buf *err)
{
        struct tw_notifier *n = NULL;
        int r;

        r = tw_sink_config_check(cfg, err);
        if (r < 0)
                return r;
        n = calloc(1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        pthread_mutex_init(&n->lock, NULL);
        n->interval = cfg->agent.interval;
        if (opts)
                n->opts = *opts;
        n->state_dir = strdup(state_dir              ? state_dir
                              : cfg->agent.state_dir ? cfg->agent.state_dir
                                                     : ".");
        n->sinks = calloc(cfg->n_webhooks + 1, sizeof(*n->sinks));
        r = -ENOMEM;
        if (!n->state_dir || !n->sinks ||
            (cfg->astro.organization_id &&
             !(n->organization_id = strdup(cfg->astro.organization_id))))
                goto fail;
        for (; n->n_sinks < cfg->n_webhooks; n->n_sinks++) {
                n->sinks[n->n_sinks].n = n;
                r = tw_sink_config_copy(&n->sinks[n->n_sinks].c, &cfg->webhooks[n->n_sinks]);
                if (r < 0) {
                        n->n_sinks++;
                        goto fail;
                }
        }
        if (!n->opts.dry_run) {
                r = tw_statefile_ensure_dir(n->state_dir);
                if (r < 0) {
                        tw_buf_printf(err, "state_dir %s: %s\n", n->state_dir,
                                      tw_statefile_strerror(r));
                        goto fail;
                }
        }
        r = tw_notify_store_open(n->opts.dry_run ? NULL : n->state_dir, tw_now(), &n->store);
        if (r < 0)
                goto fail;
        r = tw_notify_digests_new(cfg, &n->digests, err);
        if (r < 0)
                goto fail;
        n->state = tw_notify_store_take_state(n->store);
        n->next_id = tw_notify_store_next_id(n->store);
        for (size_t i = 0; i < n->n_sinks; i++)
                if (open_sink(n, &n->sinks[i]) < 0)
                        tw_buf_printf(err, "webhook %s: %s\n", n->sinks[i].c.name,
                                      n->sinks[i].error);
        *ret = n;
        return 0;
fail:
        tw_notifier_free(n);
        return r;
}

void tw_notifier_free(struct tw_notifier *n)
{
        if (!n)
                return;
        /* every thread stops before any sink is freed: callbacks read the notifier */
        for (size_t i = 0; i < n->n_sinks; i++)
                tw_sink_stop(n->sinks[i].sink);
        for (size_t i = 0; i < n->n_sinks; i++)
                tw_sink_free(n->sinks[i].sink);
        for (size_t i = 0; i < n->n_sinks; i++) {
                tw_sink_config_done(&n->sinks[i].c);
                free(n->sinks[i].error);
        }
        tw_notify_state_free(n->state);
        tw_notify_store_free(n->store);
        tw_notify_digests_free(n->digests);
        tw_unrouted_done(&n->unrouted);
        pthread_mutex_destroy(&n->lock);
        free(n->sinks);
        free(n->state_dir);
        free(n->organization_id);
        free(n);
}

size_t tw_notifier_pending(struct tw_notifier *n)
{
        size_t total = 0;

        for (size_t i = 0; i < n->n_sinks; i++)
                if (n->sinks[i].sink)
                        total += tw_sink_queue_length(n->sinks[i].sink);
        return total;
}

int tw_notifier_flush(struct tw_notifier *n, int64_t timeout_ms)
{
        int64_t end = tw_mono_ns() + timeout_ms * 1000000;
        struct timespec ts = {0, 20 * 1000000L};

        while (tw_notifier_pending(n) > 0) {
                if (tw_mono_ns() >= end)
                        return -ETIMEDOUT;
                nanosleep(&ts, NULL);
        }
        return 0;
}

int tw_notifier_metrics_render(struct tw_notifier *n, struct tw_buf *out)
{
        struct tw_sink_stats *st = calloc(n->n_sinks + 1, sizeof(*st));
        int r;

        if (!st)
                return -ENOMEM;
        for (size_t i = 0; i < n->n_sinks; i++) {
                if (n->sinks[i].sink) {
                        tw_sink_stats(n->sinks[i].sink, &st[i]);
                } else {
                        st[i].name = n->sinks[i].c.name;
                        st[i].batch = n->sinks[i].c.format->batch;
                }
        }
        r = tw_sink_metrics_render(st, n->n_sinks, out);
        free(st);
        if (r == 0 && n->n_sinks) {
                pthread_mutex_lock(&n->lock);
                r = tw_unrouted_metrics(&n->unrouted, out);
                pthread_mutex_unlock(&n->lock);
        }
        return r;
}

/* Writes notify-state.json: state, every sink's queue and next_id. */
static int persist(struct tw_notifier *n)
{
        cJSON *qs = cJSON_CreateObject(), *q;

        for (size_t i = 0; qs && i < n->n_sinks; i++) {
                q = n->sinks[i].sink ? tw_sink_queue_json(n->sinks[i].sink)
                                     : tw_notify_store_loaded_queue(n->store, n->sinks[i].c.name);
                if (!q || !cJSON_AddItemToObject(qs, n->sinks[i].c.name, q)) {
                        cJSON_Delete(q);
                        cJSON_Delete(qs);
                        return -ENOMEM;
                }
        }
        return tw_notify_store_save(n->store, n->next_id, n->state, qs);
}

static int64_t alert_ttl(const struct tw_notifier *n)
{
        int64_t ttl = 3 * n->interval;

        return ttl < 180 ? 180 : ttl;
}

/* Items built for one sink in one cycle, pushed only when all were built. */
struct batch {
        struct tw_sink_item *head, *tail;
        bool digest;           /* digest_items() ran: record digest_period */
        int64_t digest_period; /* exporters/notify/digest_internal.h */
};

static void batch_done(struct batch *b)
{
        struct tw_sink_item *it, *next;

        for (it = b->head; it; it = next) {
                next = it->next;
                tw_sink_item_free(it);
        }
        b->head = b->tail = NULL;
}

/* Adds one body (or prints it in dry-run mode). */
static int emit(struct tw_notifier *n, struct nsink *k, struct batch *b, const char *event,
                const char *key, cJSON *body, bool coalesce, int64_t now)
{
        char *text = n->opts.dry_run ? cJSON_Print(body) : cJSON_PrintUnformatted(body);
        struct tw_sink_item *it;

        if (!text)
                return -ENOMEM;
        if (n->opts.dry_run) {
                fprintf(n->opts.dry_run_out ? n->opts.dry_run_out : stdout,
                        "# webhook %s: %s\n%s\n", k->c.name, event, text);
                free(text);
                return 0;
        }
        it = tw_sink_item_new(n->next_id + 1, event, key, text, coalesce, now);
        free(text);
        if (!it)
                return -ENOMEM;
        n->next_id++;
        if (b->tail)
                b->tail->next = it;
        else
                b->head = it;
        b->tail = it;
        return 0;
}

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
                        r = emit(n, k, b, "stage", e->idempotency_key, body, false, now);
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
                        r = emit(n, k, b, "alerts", key, body, coalesce, now);
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
                        r = emit(n, k, b, tw_notify_event_to_string(e->type), e->idempotency_key,
                                 body, false, now);
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
                r = emit(n, k, b, "digest", d.key, d.body, false, ctx->now);
        cJSON_Delete(d.body);
        b->digest = r >= 0;
        b->digest_period = d.period;
        return r;
}

/* Re-opens the sinks that could not be opened (a secret file now readable). */
static void reopen(struct tw_notifier *n)
{
        for (size_t i = 0; i < n->n_sinks; i++) {
                struct nsink *k = &n->sinks[i];

                if (k->sink)
                        continue;
                if (open_sink(n, k) >= 0)
                        tw_log(TW_LOG_INFO, "webhook sink opened", "sink", k->c.name, NULL);
        }
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
        reopen(n);
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
        ctx.alert_ttl = alert_ttl(n);
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
                        batch_done(&b[i]);
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
                        batch_done(&b[i]);
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
        r = persist(n);
        if (r < 0)
                tw_log(TW_LOG_ERROR, "cannot write the notification state; sending anyway", "dir",
                       n->state_dir, "error", strerror(-r), NULL);
        for (size_t i = 0; i < n->n_sinks; i++)
                if (n->sinks[i].sink)
                        tw_sink_release(n->sinks[i].sink, n->next_id);
        return r;
}

/* One sink's items for the token change events it routes. */
static int change_items(struct tw_notifier *n, size_t si, const struct tw_sink_ctx *ctx,
                        const struct tw_events *ev, int64_t now, struct batch *b)
{
        struct nsink *k = &n->sinks[si];
        char key[40];
        cJSON *body;
        int r = 0;

        for (size_t i = 0; i < ev->n_events && r >= 0; i++) {
                const struct tw_event *e = &ev->events[i];

                if (!k->c.format->change ||
                    !tw_notify_change_routes(&k->c.filter, k->c.changes, ctx->inv, e))
                        continue;
                tw_notify_change_key(k->c.name, e, key);
                body = NULL;
                r = k->c.format->change(ctx, e, key, &body);
                if (r >= 0)
                        r = emit(n, k, b, "change", key, body, false, now);
                cJSON_Delete(body);
        }
        return r;
}

int tw_notifier_events(struct tw_notifier *n, const struct tw_events *ev,
                       const struct tw_inventory *inv, int64_t now)
{
        struct tw_sink_ctx ctx = {.inv = inv, .now = now};
        struct batch b = {0};
        int r = 0, rr;

        if (!n || !ev)
                return -EINVAL;
        ctx.organization_id = inv && inv->organization_id ? inv->organization_id
                              : n->organization_id        ? n->organization_id
                                                          : "";
        ctx.alert_ttl = alert_ttl(n);
        reopen(n);
        for (size_t i = 0; i < n->n_sinks; i++) {
                struct nsink *k = &n->sinks[i];
                struct tw_sink_item *it, *next;

                ctx.routing_key = NULL;
                rr = change_items(n, i, &ctx, ev, now, &b);
                if (rr < 0) {
                        tw_log(TW_LOG_ERROR, "cannot build token change notifications", "sink",
                               k->c.name, "error", strerror(-rr), NULL);
                        batch_done(&b);
                        r = r < 0 ? r : rr;
                        continue;
                }
                for (it = b.head; it; it = next) {
                        next = it->next;
                        it->next = NULL;
                        if (k->sink) {
                                if (tw_sink_push(k->sink, it) > 0)
                                        tw_log(TW_LOG_ERROR,
                                               "webhook queue full, oldest notifications dropped",
                                               "sink", k->c.name, NULL);
                                continue;
                        }
                        /* not open: saved with its queue, sent once it opens */
                        rr = tw_notify_store_append(n->store, k->c.name, it);
                        tw_sink_item_free(it);
                        if (rr < 0 && r >= 0)
                                r = rr;
                }
                b.head = b.tail = NULL;
        }
        if (n->opts.dry_run)
                return r;
        rr = persist(n);
        if (rr < 0)
                tw_log(TW_LOG_ERROR, "cannot write the notification state; sending anyway", "dir",
                       n->state_dir, "error", strerror(-rr), NULL);
        for (size_t i = 0; i < n->n_sinks; i++)
                if (n->sinks[i].sink)
                        tw_sink_release(n->sinks[i].sink, n->next_id);
        return r < 0 ? r : rr;
}

/* The event notify-test sends. */
static void test_event(struct tw_notify_event *ev, int64_t now)
{
        memset(ev, 0, sizeof(*ev));
        ev->type = TW_NOTIFY_FIRING;
        ev->token_id = "tokenwatch-test";
        ev->token_name = "tokenwatch test notification";
        ev->kind = TW_FINDING_EXPIRING;
        ev->severity = TW_SEVERITY_WARNING;
        ev->message = "This is a test notification from tokenwatch; no action is needed.";
        ev->since = ev->changed_at = ev->at = now;
        snprintf(ev->idempotency_key, sizeof(ev->idempotency_key), "test-%" PRId64, now);
}

/* Sends the test event to one sink; *ret_status is the HTTP status (0: none). */
static int test_one(struct nsink *k, const struct tw_sink_ctx *ctx,
                    const struct tw_notify_event *ev, long *ret_status)
{
        struct tw_sink_item *it;
        cJSON *body = NULL;
        char *text;
        int r;

        if (!k->sink)
                return -ENOTCONN;
        r = k->c.format->build(ctx, ev, 1, &body, NULL);
        text = r >= 0 ? cJSON_PrintUnformatted(body) : NULL;
        cJSON_Delete(body);
        it = text ? tw_sink_item_new(0, "test", ev->idempotency_key, text, false, ctx->now) : NULL;
        free(text);
        r = it ? tw_sink_send_now(k->sink, it, ret_status) : r < 0 ? r : -ENOMEM;
        tw_sink_item_free(it);
        return r;
}

int tw_notifier_test(struct tw_notifier *n, const char *sink, int64_t now, struct tw_buf *out)
{
        struct tw_sink_ctx ctx = {.now = now, .alert_ttl = 300};
        struct tw_notify_event ev;
        bool found = false;
        int r = 0, rr;
        long status;

        ctx.organization_id = n->organization_id ? n->organization_id : "";
        test_event(&ev, now);
        for (size_t i = 0; i < n->n_sinks; i++) {
                struct nsink *k = &n->sinks[i];

                if (sink && strcmp(sink, k->c.name) != 0)
                        continue;
                found = true;
                status = 0;
                rr = test_one(k, &ctx, &ev, &status);
                if (rr == 0)
                        tw_buf_printf(out, "webhook %s: ok (HTTP %ld)\n", k->c.name, status);
                else if (rr == -ENOTCONN)
                        tw_buf_printf(out, "webhook %s: failed: %s\n", k->c.name, k->error);
                else if (rr == -EPROTO && status)
                        tw_buf_printf(out, "webhook %s: failed: HTTP %ld\n", k->c.name, status);
                else
                        tw_buf_printf(out, "webhook %s: failed: %s\n", k->c.name, strerror(-rr));
                if (rr < 0 && !r)
                        r = rr;
        }
        return found ? r : -ENOENT;
}
