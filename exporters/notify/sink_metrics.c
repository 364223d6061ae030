/* The sinks' self-metrics in the Prometheus text format. */
#include "exporters/notify/sink_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "exporters/metrics/metrics.h"
#include "lib/buf.h"

static const char *const events[TW_SINK_EVENTS] = {
        "firing", "escalated", "resolved", "reminder", "alerts",
        "change", "stage",     "digest",   "test",
};
static const char *const outcomes[_TW_SINK_OUTCOME_MAX] = {
        [TW_SINK_SUCCESS] = "success",
        [TW_SINK_RETRY] = "retry",
        [TW_SINK_REJECTED] = "rejected",
        [TW_SINK_DROPPED] = "dropped",
};

int tw_sink_event_index(const char *e)
{
        for (int i = 0; i < TW_SINK_EVENTS; i++)
                if (strcmp(events[i], e) == 0)
                        return i;
        return TW_SINK_EVENTS - 1; /* "test" and anything else */
}

/* Whether a per-event or a batch sink would ever count this event. */
static bool relevant(const struct tw_sink_stats *s, int e)
{
        if (e == TW_SINK_EVENTS - 1 || e > 4) /* test; change and stage once counted */
                return false;
        return s->batch ? e == 4 : e != 4;
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

static int render_counters(const struct tw_sink_stats *s, struct tw_buf *out)
{
        char rest[96];
        int r = 0;

        for (int e = 0; e < TW_SINK_EVENTS && r >= 0; e++)
                for (int o = 0; o < _TW_SINK_OUTCOME_MAX && r >= 0; o++) {
                        if (!relevant(s, e) && !s->counters[e][o])
                                continue;
                        snprintf(rest, sizeof(rest), ",event=\"%s\",outcome=\"%s\"", events[e],
                                 outcomes[o]);
                        r = sample(out, "tokenwatch_notifications_total", s->name, rest,
                                   s->counters[e][o]);
                }
        return r;
}

static uint64_t queue_length(const struct tw_sink_stats *s)
{
        return s->queue_length;
}

static uint64_t last_success(const struct tw_sink_stats *s)
{
        return (uint64_t)(s->last_success > 0 ? s->last_success : 0);
}

static uint64_t up(const struct tw_sink_stats *s)
{
        return s->open && !s->failing;
}

/* The per-sink gauges: family, HELP text, value. */
static const struct {
        const char *family, *help;
        uint64_t (*value)(const struct tw_sink_stats *s);
} gauges[] = {
        {"tokenwatch_notification_queue_length", "Notifications waiting to be sent, per sink.",
         queue_length},
        {"tokenwatch_notification_last_success_timestamp_seconds",
         "When a notification was last delivered, per sink (0: never).", last_success},
        {"tokenwatch_notification_sink_up",
         "Whether the sink is open and its last delivery did not fail (0: see the log).", up},
};

int tw_sink_metrics_render(const struct tw_sink_stats *st, size_t n, struct tw_buf *out)
{
        int r = 0;

        if (!n)
                return 0;
        r = tw_buf_adds(
                out,
                "# HELP tokenwatch_notifications_total Notifications handled per sink, by event "
                "and outcome (success, retry: a failed attempt to be retried, rejected: a 4xx "
                "answer, dropped: queue full).\n# TYPE tokenwatch_notifications_total counter\n");
        for (size_t i = 0; i < n && r >= 0; i++)
                r = render_counters(&st[i], out);
        for (size_t g = 0; g < sizeof(gauges) / sizeof(gauges[0]) && r >= 0; g++) {
                r = tw_buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", gauges[g].family,
                                  gauges[g].help, gauges[g].family);
                for (size_t i = 0; i < n && r >= 0; i++)
                        r = sample(out, gauges[g].family, st[i].name, "", gauges[g].value(&st[i]));
        }
        return r;
}
