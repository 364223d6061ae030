/* The notifier: its sinks from the config, what the cycle and the events
 * share (persisting, batches, re-opening sinks), and the metrics. */
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
int notifier_persist(struct tw_notifier *n)
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

int notifier_persist_and_release(struct tw_notifier *n)
{
        int r = notifier_persist(n);

        if (r < 0)
                tw_log(TW_LOG_ERROR, "cannot write the notification state; sending anyway", "dir",
                       n->state_dir, "error", strerror(-r), NULL);
        for (size_t i = 0; i < n->n_sinks; i++)
                if (n->sinks[i].sink)
                        tw_sink_release(n->sinks[i].sink, n->next_id);
        return r;
}

int64_t notifier_alert_ttl(const struct tw_notifier *n)
{
        int64_t ttl = 3 * n->interval;

        return ttl < 180 ? 180 : ttl;
}

void notifier_batch_done(struct batch *b)
{
        struct tw_sink_item *it, *next;

        for (it = b->head; it; it = next) {
                next = it->next;
                tw_sink_item_free(it);
        }
        b->head = b->tail = NULL;
}

/* Adds one body (or prints it in dry-run mode). */
int notifier_emit(struct tw_notifier *n, struct nsink *k, struct batch *b, const char *event,
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

/* Re-opens the sinks that could not be opened (a secret file now readable). */
void notifier_reopen(struct tw_notifier *n)
{
        for (size_t i = 0; i < n->n_sinks; i++) {
                struct nsink *k = &n->sinks[i];

                if (k->sink)
                        continue;
                if (open_sink(n, k) >= 0)
                        tw_log(TW_LOG_INFO, "webhook sink opened", "sink", k->c.name, NULL);
        }
}
