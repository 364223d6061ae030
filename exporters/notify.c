#include "exporters/notify.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "core/config.h"
#include "lib/log.h"
#include "exporters/notify_internal.h"
#include "lib/secret.h"
#include "lib/statefile.h"
#include "lib/timeutil.h"
#include "exporters/notify_payload.h"
#include "exporters/notify_sender.h"

#define STATE_MAX ((size_t)256 << 20)
#define PAGERDUTY_EVENTS_URL "https://events.pagerduty.com/v2/enqueue"

/* Called on a sender thread when an item is finished: persist the ack. */
static void on_done(void *ud, const char *sink, uint64_t id)
{
        struct tw_notifier *n = ud;
        cJSON *o = cJSON_CreateObject();
        char *text = NULL;
        bool recovered = false;
        int r = -ENOMEM;

        pthread_mutex_lock(&n->ack_lock);
        for (size_t i = 0; i < n->n_sinks; i++) {
                struct tw_notifier_sink *k = &n->sinks[i];

                if (strcmp(k->name, sink) == 0) {
                        if (id > k->acked)
                                k->acked = id;
                        recovered = tw_complain_success(&k->complain);
                }
                if (o && !cJSON_AddNumberToObject(o, k->name, (double)k->acked)) {
                        cJSON_Delete(o);
                        o = NULL;
                }
        }
        text = o ? cJSON_PrintUnformatted(o) : NULL;
        if (text)
                r = tw_statefile_write(n->state_dir, TW_NOTIFY_ACKS_FILE, text, strlen(text));
        pthread_mutex_unlock(&n->ack_lock);
        if (recovered)
                tw_log(TW_LOG_INFO, "webhook delivery recovered", "sink", sink, NULL);
        if (r < 0)
                tw_log(TW_LOG_ERROR,
                       "cannot record a delivered notification; it may be sent again after a "
                       "restart",
                       "sink", sink, "error", strerror(-r), NULL);
        free(text);
        cJSON_Delete(o);
}

/* Called on a sender thread when a POST failed: log, rate-limited for retries. */
static void on_error(void *ud, const char *sink, const char *message, bool will_retry)
{
        struct tw_notifier *n = ud;
        bool log = !will_retry;

        pthread_mutex_lock(&n->ack_lock);
        for (size_t i = 0; will_retry && i < n->n_sinks; i++)
                if (strcmp(n->sinks[i].name, sink) == 0)
                        log = tw_complain_failure(&n->sinks[i].complain, tw_now());
        pthread_mutex_unlock(&n->ack_lock);
        if (log)
                tw_log(will_retry ? TW_LOG_WARN : TW_LOG_ERROR, "webhook delivery failed", "sink",
                       sink, "error", message, NULL);
}

/* The secret inline or from its file; NULL (and 0) when neither is set. */
static int secret_of(const char *inline_value, const char *file, char **ret, struct tw_buf *err)
{
        *ret = NULL;
        if (inline_value) {
                *ret = strdup(inline_value);
                return *ret ? 0 : -ENOMEM;
        }
        if (!file)
                return 0;
        return tw_secret_read_file(file, ret, err);
}

/* Copies what the notifier needs of w into k. */
static int copy_sink(struct tw_notifier_sink *k, const struct tw_webhook_config *w)
{
        k->name = strdup(w->name ? w->name : "");
        k->format = w->format;
        k->filter.name = k->name;
        k->filter.min_severity = w->min_severity;
        k->filter.kinds = w->kinds;
        k->filter.repeat_interval = w->repeat_interval;
        if (!k->name)
                return -ENOMEM;
        if (!w->n_workspaces)
                return 0;
        k->ws = calloc(w->n_workspaces, sizeof(char *));
        if (!k->ws)
                return -ENOMEM;
        for (size_t i = 0; i < w->n_workspaces; i++) {
                k->ws[i] = strdup(w->workspaces[i] ? w->workspaces[i] : "");
                if (!k->ws[i])
                        return -ENOMEM;
                k->filter.n_workspaces++;
        }
        k->filter.workspaces = k->ws;
        return 0;
}

static int open_sink(struct tw_notifier *n, const struct tw_webhook_config *w, size_t i,
                     struct tw_buf *err)
{
        struct tw_notify_sender_options o = {0};
        char *url = NULL, *secret = NULL, *rk = NULL;
        int r;

        r = copy_sink(&n->sinks[i], w);
        if (r >= 0)
                r = secret_of(w->url, w->url_file, &url, err);
        if (r >= 0)
                r = secret_of(w->secret, w->secret_file, &secret, err);
        if (r >= 0)
                r = secret_of(w->routing_key, w->routing_key_file, &rk, err);
        if (r >= 0 && !url && w->format == TW_WEBHOOK_PAGERDUTY) {
                url = strdup(PAGERDUTY_EVENTS_URL);
                if (!url)
                        r = -ENOMEM;
        }
        if (r >= 0 && !url) {
                tw_buf_printf(err, "webhook %s: no url or url_file\n", w->name);
                r = -EINVAL;
        }
        if (r >= 0 && w->format == TW_WEBHOOK_PAGERDUTY && !rk) {
                tw_buf_printf(err, "webhook %s: pagerduty needs routing_key or routing_key_file\n",
                              w->name);
                r = -EINVAL;
        }
        if (r >= 0) {
                o.name = w->name;
                o.format = w->format;
                o.urls = url;
                o.secret = secret;
                o.routing_key = rk;
                o.timeout_ms = w->timeout * 1000;
                o.max_retries = w->max_retries;
                o.queue_max = w->queue_max;
                o.backoff_base_ms = n->opts.backoff_base_ms;
                o.backoff_max_ms = n->opts.backoff_max_ms;
                o.on_done = on_done;
                o.on_error = on_error;
                o.userdata = n;
                r = tw_notify_sender_new(&o, &n->sinks[i].sender, err);
        }
        tw_secret_free(url);
        tw_secret_free(secret);
        tw_secret_free(rk);
        return r;
}

/* Reads a JSON state file; a corrupt one is moved aside and logged.  NULL: start clean. */
static cJSON *load_json(struct tw_notifier *n, const char *name)
{
        char *text = NULL, *moved = NULL;
        size_t len = 0;
        cJSON *j = NULL;
        int r;

        r = tw_statefile_read(n->state_dir, name, STATE_MAX, &text, &len);
        if (r == -ENOENT)
                return NULL;
        if (r >= 0) {
                j = cJSON_ParseWithLength(text, len);
                free(text);
                if (cJSON_IsObject(j))
                        return j;
                cJSON_Delete(j);
                r = -EBADMSG;
        }
        tw_statefile_quarantine(n->state_dir, name, tw_now(), &moved);
        tw_log(TW_LOG_ERROR,
               "notification state unreadable, moved aside; starting clean (notifications may "
               "repeat)",
               "file", name, "error", strerror(-r), "moved_to", moved, NULL);
        free(moved);
        return NULL;
}

static void corrupt(struct tw_notifier *n, cJSON **j, const char *name)
{
        char *moved = NULL;

        cJSON_Delete(*j);
        *j = NULL;
        tw_statefile_quarantine(n->state_dir, name, tw_now(), &moved);
        tw_log(TW_LOG_ERROR,
               "notification state malformed, moved aside; starting clean (notifications may "
               "repeat)",
               "file", name, "moved_to", moved, NULL);
        free(moved);
}

/* Restores acks, state, next_id and every sink's unfinished queue. */
static int load(struct tw_notifier *n)
{
        cJSON *acks = load_json(n, TW_NOTIFY_ACKS_FILE), *st = load_json(n, TW_NOTIFY_STATE_FILE);
        const cJSON *q, *it, *id;
        struct tw_notify_item *item;
        int r = 0;

        for (size_t i = 0; i < n->n_sinks; i++) {
                id = cJSON_GetObjectItemCaseSensitive(acks, n->sinks[i].name);
                if (cJSON_IsNumber(id) && cJSON_GetNumberValue(id) >= 0)
                        n->sinks[i].acked = (uint64_t)cJSON_GetNumberValue(id);
                if (n->sinks[i].acked > n->next_id)
                        n->next_id = n->sinks[i].acked;
        }
        if (st &&
            tw_notify_state_from_json(cJSON_GetObjectItemCaseSensitive(st, "state"), &n->state) < 0)
                corrupt(n, &st, TW_NOTIFY_STATE_FILE);
        id = cJSON_GetObjectItemCaseSensitive(st, "next_id");
        if (cJSON_IsNumber(id) && cJSON_GetNumberValue(id) > (double)n->next_id)
                n->next_id = (uint64_t)cJSON_GetNumberValue(id);
        q = cJSON_GetObjectItemCaseSensitive(st, "queues");
        for (size_t i = 0; i < n->n_sinks && r >= 0; i++) {
                cJSON_ArrayForEach (it, cJSON_GetObjectItemCaseSensitive(q, n->sinks[i].name)) {
                        if (tw_notify_item_from_json(it, &item) < 0)
                                continue;
                        if (item->id <= n->sinks[i].acked || n->opts.dry_run) {
                                tw_notify_item_free(item);
                                continue;
                        }
                        tw_notify_sender_push(n->sinks[i].sender, item);
                }
                if (n->sinks[i].sender)
                        tw_notify_sender_release(n->sinks[i].sender, n->next_id);
        }
        cJSON_Delete(acks);
        cJSON_Delete(st);
        return r;
}

int tw_notifier_new(const struct tw_config *cfg, const char *state_dir,
                    const struct tw_notifier_options *opts, struct tw_notifier **ret,
                    struct tw_buf *err)
{
        struct tw_notifier *n = calloc(1, sizeof(*n));
        int r = 0, first = 0;

        if (!n)
                return -ENOMEM;
        pthread_mutex_init(&n->ack_lock, NULL);
        n->interval = cfg->agent.interval;
        if (opts)
                n->opts = *opts;
        n->state_dir = strdup(state_dir              ? state_dir
                              : cfg->agent.state_dir ? cfg->agent.state_dir
                                                     : ".");
        n->sinks = calloc(cfg->n_webhooks + 1, sizeof(*n->sinks));
        n->organization_id = cfg->astro.organization_id ? strdup(cfg->astro.organization_id) : NULL;
        if (!n->state_dir || !n->sinks || (cfg->astro.organization_id && !n->organization_id)) {
                tw_notifier_free(n);
                return -ENOMEM;
        }
        n->n_sinks = cfg->n_webhooks;
        for (size_t i = 0; i < n->n_sinks; i++) {
                r = open_sink(n, &cfg->webhooks[i], i, err);
                if (r < 0 && !first)
                        first = r;
        }
        if (!first && !n->opts.dry_run) {
                first = tw_statefile_ensure_dir(n->state_dir);
                if (first < 0)
                        tw_buf_printf(err, "state_dir %s: %s\n", n->state_dir,
                                      tw_statefile_strerror(first));
        }
        if (!first)
                first = load(n);
        for (size_t i = 0; !first && !n->opts.dry_run && i < n->n_sinks; i++)
                first = tw_notify_sender_start(n->sinks[i].sender);
        if (first < 0) {
                tw_notifier_free(n);
                return first;
        }
        *ret = n;
        return 0;
}

void tw_notifier_free(struct tw_notifier *n)
{
        if (!n)
                return;
        for (size_t i = 0; n->sinks && i < n->n_sinks; i++) {
                struct tw_notifier_sink *k = &n->sinks[i];

                tw_notify_sender_free(k->sender);
                for (size_t j = 0; j < k->filter.n_workspaces; j++)
                        free(k->ws[j]);
                free(k->ws);
                free(k->name);
        }
        tw_notify_state_free(n->state);
        pthread_mutex_destroy(&n->ack_lock);
        free(n->sinks);
        free(n->state_dir);
        free(n->organization_id);
        free(n);
}

size_t tw_notifier_pending(struct tw_notifier *n)
{
        size_t total = 0;

        for (size_t i = 0; i < n->n_sinks; i++)
                if (n->sinks[i].sender)
                        total += tw_notify_sender_queue_length(n->sinks[i].sender);
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
        struct tw_notify_sender **senders = calloc(n->n_sinks + 1, sizeof(*senders));
        size_t k = 0;
        int r;

        if (!senders)
                return -ENOMEM;
        for (size_t i = 0; i < n->n_sinks; i++)
                if (n->sinks[i].sender)
                        senders[k++] = n->sinks[i].sender;
        r = tw_notify_metrics_render(senders, k, out);
        free(senders);
        return r;
}
