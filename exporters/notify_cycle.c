/* The notifier's cycle (events -> items -> persist -> release) and notify-test. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "core/config.h"
#include "core/inventory.h"
#include "lib/log.h"
#include "exporters/notify_internal.h"
#include "core/snapshot.h"
#include "lib/statefile.h"
#include "exporters/notify_payload.h"
#include "exporters/notify_sender.h"

int tw_notifier_persist(struct tw_notifier *n)
{
        cJSON *root = cJSON_CreateObject(), *qs, *st, *q;
        char *text = NULL;
        int r = -ENOMEM;

        if (!root || !cJSON_AddNumberToObject(root, "version", 1) ||
            !cJSON_AddNumberToObject(root, "next_id", (double)n->next_id))
                goto finish;
        st = tw_notify_state_to_json(n->state);
        if (!st || !cJSON_AddItemToObject(root, "state", st)) {
                cJSON_Delete(st);
                goto finish;
        }
        qs = cJSON_AddObjectToObject(root, "queues");
        for (size_t i = 0; qs && i < n->n_sinks; i++) {
                q = tw_notify_sender_queue_json(n->sinks[i].sender);
                if (!q || !cJSON_AddItemToObject(qs, n->sinks[i].name, q)) {
                        cJSON_Delete(q);
                        goto finish;
                }
        }
        text = qs ? cJSON_PrintUnformatted(root) : NULL;
        if (text)
                r = tw_statefile_write(n->state_dir, TW_NOTIFY_STATE_FILE, text, strlen(text));
finish:
        free(text);
        cJSON_Delete(root);
        return r;
}

static int64_t alert_ttl(const struct tw_notifier *n)
{
        int64_t ttl = 3 * n->interval;

        return ttl < 180 ? 180 : ttl;
}

/* Hands one body to the sink (or prints it in dry-run mode). */
static int emit(struct tw_notifier *n, size_t si, const char *event, const char *key, cJSON *body,
                bool coalesce, int64_t now)
{
        char *text = n->opts.dry_run ? cJSON_Print(body) : cJSON_PrintUnformatted(body);
        struct tw_notify_item *it;
        int dropped;

        if (!text)
                return -ENOMEM;
        if (n->opts.dry_run) {
                fprintf(n->opts.dry_run_out ? n->opts.dry_run_out : stdout,
                        "# webhook %s: %s\n%s\n", n->sinks[si].name, event, text);
                free(text);
                return 0;
        }
        it = tw_notify_item_new(n->next_id + 1, event, key, text, coalesce, now);
        free(text);
        if (!it)
                return -ENOMEM;
        n->next_id++;
        dropped = tw_notify_sender_push(n->sinks[si].sender, it);
        if (dropped > 0)
                tw_log(TW_LOG_ERROR, "webhook queue full, oldest notifications dropped", "sink",
                       n->sinks[si].name, NULL);
        return 0;
}

static int sink_items(struct tw_notifier *n, size_t si, const struct tw_notify_payload_ctx *ctx,
                      const struct tw_notify_events *evs, int64_t now)
{
        enum tw_webhook_format fmt = n->sinks[si].format;
        size_t first = evs->n, count = 0;
        cJSON *body = NULL;
        char key[64];
        int r = 0, resolved = 0;

        for (size_t i = 0; i < evs->n; i++)
                if (evs->events[i].sink == si) {
                        first = count ? first : i;
                        count++;
                }
        if (fmt == TW_WEBHOOK_ALERTMANAGER) {
                if (!count)
                        return 0;
                /* a sink's events are contiguous */
                r = tw_notify_payload_alertmanager(ctx, &evs->events[first], count, &body,
                                                   &resolved);
                snprintf(key, sizeof(key), "alerts-%" PRIu64 "-%" PRId64, n->next_id + 1, now);
                if (r >= 0)
                        r = emit(n, si, "alerts", key, body, !resolved, now);
                cJSON_Delete(body);
                return r;
        }
        for (size_t i = first; i < first + count && r >= 0; i++) {
                const struct tw_notify_event *e = &evs->events[i];

                if (!tw_notify_event_notifies(e->type) ||
                    (fmt == TW_WEBHOOK_PAGERDUTY && e->type == TW_NOTIFY_REMINDER))
                        continue;
                body = NULL;
                r = tw_notify_payload_build(fmt, ctx, e, &body);
                if (r >= 0)
                        r = emit(n, si, tw_notify_event_to_string(e->type), e->idempotency_key,
                                 body, false, now);
                cJSON_Delete(body);
        }
        return r;
}

static int filters_of(struct tw_notifier *n, struct tw_notify_filter **ret)
{
        struct tw_notify_filter *f = calloc(n->n_sinks + 1, sizeof(*f));

        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < n->n_sinks; i++)
                f[i] = n->sinks[i].filter;
        *ret = f;
        return 0;
}

int tw_notifier_cycle(struct tw_notifier *n, const struct tw_snapshot *snap, int64_t now)
{
        struct tw_notify_payload_ctx ctx = {0};
        struct tw_notify_filter *f = NULL;
        struct tw_notify_state *st = NULL;
        struct tw_notify_events evs = {0};
        int r;

        if (!snap || !snap->inv || !snap->ev)
                return -EINVAL;
        r = filters_of(n, &f);
        if (r < 0)
                return r;
        r = tw_notify_state_step(n->state, snap->inv, snap->ev, f, n->n_sinks, now, &st, &evs);
        free(f);
        if (r < 0)
                return r;
        ctx.organization_id = snap->inv->organization_id;
        ctx.inv = snap->inv;
        ctx.now = now;
        ctx.alert_ttl = alert_ttl(n);
        for (size_t i = 0; i < n->n_sinks && r >= 0; i++)
                r = sink_items(n, i, &ctx, &evs, now);
        tw_notify_events_done(&evs);
        if (r < 0) {
                /* items already queued stay held until the next successful cycle persists them */
                tw_notify_state_free(st);
                return r;
        }
        tw_notify_state_free(n->state);
        n->state = st;
        if (n->opts.dry_run)
                return 0;
        r = tw_notifier_persist(n);
        if (r < 0)
                tw_log(TW_LOG_ERROR, "cannot write the notification state; sending anyway", "dir",
                       n->state_dir, "error", strerror(-r), NULL);
        for (size_t i = 0; i < n->n_sinks; i++)
                tw_notify_sender_release(n->sinks[i].sender, n->next_id);
        return r;
}

int tw_notifier_test(struct tw_notifier *n, const char *sink, int64_t now, struct tw_buf *out)
{
        struct tw_notify_payload_ctx ctx = {.now = now, .alert_ttl = 300};
        struct tw_notify_event ev = {0};
        struct tw_notify_item *it;
        bool found = false;
        int r = 0, rr;
        long status;
        cJSON *body;
        char *text;

        ctx.organization_id = n->organization_id ? n->organization_id : "";
        ev.type = TW_NOTIFY_FIRING;
        ev.token_id = "tokenwatch-test";
        ev.token_name = "tokenwatch test notification";
        ev.kind = TW_FINDING_EXPIRING;
        ev.severity = TW_SEVERITY_WARNING;
        ev.message = "This is a test notification from tokenwatch; no action is needed.";
        ev.since = ev.changed_at = ev.at = now;
        snprintf(ev.idempotency_key, sizeof(ev.idempotency_key), "test-%" PRId64, now);
        for (size_t i = 0; i < n->n_sinks; i++) {
                const struct tw_notifier_sink *w = &n->sinks[i];

                if (sink && strcmp(sink, w->name) != 0)
                        continue;
                found = true;
                body = NULL;
                rr = w->format == TW_WEBHOOK_ALERTMANAGER
                             ? tw_notify_payload_alertmanager(&ctx, &ev, 1, &body, NULL)
                             : tw_notify_payload_build(w->format, &ctx, &ev, &body);
                text = rr >= 0 ? cJSON_PrintUnformatted(body) : NULL;
                cJSON_Delete(body);
                it = text ? tw_notify_item_new(0, "test", ev.idempotency_key, text, false, now)
                          : NULL;
                free(text);
                status = 0;
                rr = it ? tw_notify_sender_send_now(n->sinks[i].sender, it, &status) : -ENOMEM;
                tw_notify_item_free(it);
                if (rr == 0)
                        tw_buf_printf(out, "webhook %s: ok (HTTP %ld)\n", w->name, status);
                else if (rr == -EPROTO && status)
                        tw_buf_printf(out, "webhook %s: failed: HTTP %ld\n", w->name, status);
                else
                        tw_buf_printf(out, "webhook %s: failed: %s\n", w->name, strerror(-rr));
                if (rr < 0 && !r)
                        r = rr;
        }
        return found ? r : -ENOENT;
}
