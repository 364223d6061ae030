/* The table of sink formats: one row per format (exporters/sinks/sinks.h). */
#include "exporters/sinks/sinks.h"

#include <string.h>

/* One row per format; the first is the default. */
static const struct tw_sink_format formats[] = {
        {
                .name = "generic",
                .build = tw_sink_generic_build,
                .reminders = true,
                .signs = true,
                .change = tw_sink_generic_change,
                .digest = tw_sink_generic_digest,
                .stages = true,
        },
        {
                .name = "slack",
                .build = tw_sink_slack_build,
                .reminders = true,
                .change = tw_sink_slack_change,
                .digest = tw_sink_slack_digest,
                .stages = true,
        },
        {
                .name = "teams",
                .build = tw_sink_teams_build,
                .reminders = true,
                .change = tw_sink_teams_change,
                .digest = tw_sink_teams_digest,
                .stages = true,
        },
        {
                .name = "pagerduty",
                .build = tw_sink_pagerduty_build,
                .change = tw_sink_pagerduty_change,
                .no_digest = "PagerDuty opens one incident per finding; a digest would open an "
                             "incident that nothing resolves",
                .routing_key = true,
                .default_url = "https://events.pagerduty.com/v2/enqueue",
        },
        {
                .name = "alertmanager",
                .build = tw_sink_alertmanager_build,
                .change = tw_sink_alertmanager_change,
                .no_digest = "Alertmanager receives alerts, not messages: group and repeat them "
                             "in Alertmanager's route (group_interval, repeat_interval) instead",
                .batch = true,
                .url_path = "/api/v2/alerts",
        },
};

#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

const struct tw_sink_format *tw_sink_format_at(size_t i)
{
        return i < N_FORMATS ? &formats[i] : NULL;
}

const struct tw_sink_format *tw_sink_format_find(const char *name)
{
        if (!name)
                return &formats[0];
        for (size_t i = 0; i < N_FORMATS; i++)
                if (strcmp(formats[i].name, name) == 0)
                        return &formats[i];
        return NULL;
}
