/* The webhook senders' self-metrics in the Prometheus text format. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "lib/buf.h"
#include "exporters/metrics.h"
#include "exporters/notify_sender_internal.h"

/* Whether a push sink or Alertmanager would ever count this event. */
static bool relevant(const struct tw_notify_sender *s, int e)
{
        bool am = s->format == TW_WEBHOOK_ALERTMANAGER;

        if (e == TW_NOTIFY_METRIC_EVENTS - 1) /* test */
                return false;
        return am ? e == 4 : e != 4;
}

static int sample(struct tw_buf *out, const char *family, const char *sink, const char *rest,
                  uint64_t v)
{
        int r = tw_buf_printf(out, "%s{sink=\"", family);

        if (r >= 0)
                r = tw_metrics_escape_label(out, sink);
        if (r >= 0)
                r = tw_buf_printf(out, "\"%s} %" PRIu64 "\n", rest, v);
        return r;
}

static int render_counters(struct tw_notify_sender *s, struct tw_buf *out)
{
        char rest[96];
        int r = 0;

        for (int e = 0; e < TW_NOTIFY_METRIC_EVENTS && r >= 0; e++)
                for (int o = 0; o < TW_NOTIFY_METRIC_OUTCOMES && r >= 0; o++) {
                        if (!relevant(s, e) && !s->counters[e][o])
                                continue;
                        snprintf(rest, sizeof(rest), ",event=\"%s\",outcome=\"%s\"",
                                 tw_notify_metric_events[e], tw_notify_metric_outcomes[o]);
                        r = sample(out, "tokenwatch_notifications_total", s->name, rest,
                                   s->counters[e][o]);
                }
        return r;
}

int tw_notify_metrics_render(struct tw_notify_sender *const *senders, size_t n, struct tw_buf *out)
{
        int r = 0;

        if (!n)
                return 0;
        r = tw_buf_adds(
                out,
                "# HELP tokenwatch_notifications_total Notifications handled per sink, by event "
                "and "
                "outcome (success, retry: a failed attempt to be retried, rejected: a 4xx answer, "
                "dropped: queue full).\n# TYPE tokenwatch_notifications_total counter\n");
        for (size_t i = 0; i < n && r >= 0; i++) {
                pthread_mutex_lock(&senders[i]->lock);
                r = render_counters(senders[i], out);
                pthread_mutex_unlock(&senders[i]->lock);
        }
        if (r >= 0)
                r = tw_buf_adds(
                        out,
                        "# HELP tokenwatch_notification_queue_length Notifications waiting to be "
                        "sent, per sink.\n# TYPE tokenwatch_notification_queue_length gauge\n");
        for (size_t i = 0; i < n && r >= 0; i++) {
                pthread_mutex_lock(&senders[i]->lock);
                r = sample(out, "tokenwatch_notification_queue_length", senders[i]->name, "",
                           (uint64_t)senders[i]->len);
                pthread_mutex_unlock(&senders[i]->lock);
        }
        if (r >= 0)
                r = tw_buf_adds(
                        out,
                        "# HELP tokenwatch_notification_last_success_timestamp_seconds When a "
                        "notification was last delivered, per sink (0: never).\n"
                        "# TYPE tokenwatch_notification_last_success_timestamp_seconds gauge\n");
        for (size_t i = 0; i < n && r >= 0; i++) {
                pthread_mutex_lock(&senders[i]->lock);
                r = sample(out, "tokenwatch_notification_last_success_timestamp_seconds",
                           senders[i]->name, "",
                           (uint64_t)(senders[i]->last_success > 0 ? senders[i]->last_success : 0));
                pthread_mutex_unlock(&senders[i]->lock);
        }
        return r;
}
