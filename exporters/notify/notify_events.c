/* The notifier's token change events, and notify-test. */
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
                        r = notifier_emit(n, k, b, "change", key, body, false, now);
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
        ctx.alert_ttl = notifier_alert_ttl(n);
        notifier_reopen(n);
        for (size_t i = 0; i < n->n_sinks; i++) {
                struct nsink *k = &n->sinks[i];
                struct tw_sink_item *it, *next;

                ctx.routing_key = NULL;
                rr = change_items(n, i, &ctx, ev, now, &b);
                if (rr < 0) {
                        tw_log(TW_LOG_ERROR, "cannot build token change notifications", "sink",
                               k->c.name, "error", strerror(-rr), NULL);
                        notifier_batch_done(&b);
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
        rr = notifier_persist_and_release(n);
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
