/* The changes of the last 30 days from the trail: see exporters/trail/history.h. */
#include "exporters/trail/history.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config/config.h"
#include "core/events.h"
#include "exporters/trail/trail.h"
#include "exporters/report/usage.h"
#include "lib/buf.h"
#include "lib/jsonl.h"
#include "lib/log.h"

#define HISTORY_MAX ((size_t)1 << 20)

/* Keeps the events observed in [since, now]. */
static int take_event(const char *line, size_t len, void *ctx)
{
        struct tw_trail_history *h = ctx;
        struct tw_event e;

        if (tw_event_from_json(line, len, &e) < 0) {
                h->malformed++;
                return 0;
        }
        if (e.observed_at < h->since || e.observed_at > h->now || h->n >= HISTORY_MAX) {
                h->dropped += e.observed_at >= h->since && e.observed_at <= h->now;
                tw_event_done(&e);
                return 0;
        }
        if (tw_array_reserve((void **)&h->events, h->n, &h->cap, sizeof(*h->events)) < 0) {
                tw_event_done(&e);
                return -ENOMEM;
        }
        h->events[h->n++] = e;
        return 0;
}

/* Whether the trail (the live file or a rotated one) exists. */
static bool trail_exists(const char *path, int keep)
{
        char p[PATH_MAX + 16];

        if (access(path, F_OK) == 0)
                return true;
        for (int i = 1; i < keep; i++) {
                if (snprintf(p, sizeof(p), "%s.%d", path, i) < (int)sizeof(p) &&
                    access(p, F_OK) == 0)
                        return true;
        }
        return false;
}

int tw_trail_history_load(const struct tw_config *cfg, int64_t now, struct tw_trail_history *h)
{
        char path[PATH_MAX];
        size_t skipped = 0;
        int r;

        h->now = now;
        h->since = now - (int64_t)TW_REPORT_HISTORY_DAYS * 86400;
        snprintf(path, sizeof(path), "%s/%s", cfg->agent.state_dir, TW_TRAIL_FILE);
        if (!trail_exists(path, cfg->trail.files))
                return 0;
        r = tw_jsonl_read(path, (unsigned)cfg->trail.files, TW_AUDITLOG_LINE_MAX, take_event, h,
                          &skipped);
        if (r < 0) {
                tw_log(TW_LOG_WARN, "cannot read the audit trail; its changes are not shown",
                       "file", path, "error", strerror(-r), NULL);
                return r;
        }
        h->malformed += skipped;
        if (h->dropped)
                tw_log(TW_LOG_WARN,
                       "over a million changes in 30 days: only the oldest are shown; "
                       "tokenwatch audit lists every one",
                       "file", path, NULL);
        if (h->malformed)
                tw_log(TW_LOG_WARN, "malformed lines in the audit trail skipped", "file", path,
                       NULL);
        h->view = (struct tw_event_history){
                .events = h->events, .n_events = h->n, .since = h->since, .skipped = h->malformed};
        return 1;
}

void tw_trail_history_done(struct tw_trail_history *h)
{
        for (size_t i = 0; i < h->n; i++)
                tw_event_done(&h->events[i]);
        free(h->events);
        memset(h, 0, sizeof(*h));
}
