/* The daemon's side of the audit trail: open it in state_dir, record each
 * published collection, log what matters.  See exporters/trail/trail.h. */
#include "agent/daemon/daemon_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config.h"
#include "core/events.h"
#include "core/snapshot.h"
#include "exporters/trail/trail.h"
#include "lib/buf.h"
#include "exporters/report/usage.h"
#include "lib/log.h"
#include "lib/statefile.h"

void tw_daemon_trail_close(struct tw_daemon *d)
{
        tw_trail_free(d->trail);
        d->trail = NULL;
        free(d->trail_dir);
        d->trail_dir = NULL;
        tw_trail_history_done(&d->history);
        d->history_read = false;
}

const struct tw_event_history *tw_daemon_history(struct tw_daemon *d, int64_t now)
{
        int r;

        if (!d->trail)
                return NULL;
        if (!d->history_read || now - d->history.now >= 3600) {
                tw_trail_history_done(&d->history);
                r = tw_trail_history_load(d->cfg, now, &d->history);
                if (r < 0)
                        return NULL; /* logged; tried again next cycle */
                if (r == 0)          /* no change recorded yet: none in 30 days */
                        d->history.view = (struct tw_event_history){
                                .since = now - (int64_t)TW_REPORT_HISTORY_DAYS * 86400};
                d->history.now = now;
                d->history_read = true;
        }
        return &d->history.view;
}

/* Opens the trail in the configured state_dir (again after a reload moved
 * it); false (logged, rate-limited) when it cannot be opened this cycle. */
static bool open_trail(struct tw_daemon *d, int64_t now)
{
        const struct tw_config *cfg = d->cfg;
        struct tw_trail_options o = {
                .state_dir = cfg->agent.state_dir,
                .policy = {.in_use_window = cfg->trail.in_use_window},
                .rotation = {.max_bytes = cfg->trail.max_bytes, .keep = (unsigned)cfg->trail.files},
        };
        struct tw_buf note;
        int r;

        if (d->trail && strcmp(d->trail_dir, cfg->agent.state_dir) == 0) {
                tw_trail_set_options(d->trail, &o);
                return true;
        }
        tw_daemon_trail_close(d);
        tw_buf_init(&note, 4096);
        r = tw_statefile_ensure_dir(cfg->agent.state_dir);
        if (r >= 0)
                r = tw_trail_open(&o, now, &d->trail, &note);
        if (note.len)
                tw_log(TW_LOG_WARN, "audit trail", "state_dir", cfg->agent.state_dir, "note",
                       note.ptr, NULL);
        tw_buf_done(&note);
        if (r >= 0 && !(d->trail_dir = strdup(cfg->agent.state_dir)))
                r = -ENOMEM;
        if (r < 0) {
                tw_daemon_trail_close(d);
                if (tw_complain_failure(&d->complain_audit, now))
                        tw_log(TW_LOG_ERROR,
                               "cannot open the audit trail: changes are not recorded", "state_dir",
                               cfg->agent.state_dir, "error", strerror(-r), NULL);
                return false;
        }
        return true;
}

/* One log line per event that someone must act on; the rest are in the file. */
static void log_events(const struct tw_events *ev)
{
        size_t quiet = 0;

        for (size_t i = 0; i < ev->n_events; i++) {
                const struct tw_event *e = &ev->events[i];

                if (e->severity == TW_SEVERITY_NONE) {
                        quiet++;
                        continue;
                }
                tw_log(e->severity == TW_SEVERITY_CRITICAL ? TW_LOG_ERROR : TW_LOG_WARN,
                       "token change", "event", tw_event_kind_to_string(e->kind), "severity",
                       tw_severity_to_string(e->severity), "token_id", e->token_id, "token_name",
                       e->token_name, "detail", e->detail, NULL);
        }
        if (quiet) {
                char n[32];

                snprintf(n, sizeof(n), "%zu", quiet);
                tw_log(TW_LOG_INFO, "token changes recorded in the audit trail", "events", n, NULL);
        }
}

void tw_daemon_trail(struct tw_daemon *d, int64_t now)
{
        struct tw_events ev = {0};
        int r;

        if (!d->inv || !open_trail(d, now))
                return;
        r = tw_trail_record(d->trail, d->inv, d->ev, now, &ev);
        if (r < 0) {
                if (tw_complain_failure(&d->complain_audit, now))
                        tw_log(TW_LOG_ERROR, "cannot record token changes: retried next cycle",
                               "error", strerror(-r), NULL);
                return;
        }
        if (tw_complain_success(&d->complain_audit))
                tw_log(TW_LOG_INFO, "the audit trail records again", NULL);
        log_events(&ev);
        if (ev.n_events)
                d->history_read = false;         /* the status page reads the new lines */
        if (ev.n_events && d->opts->on_events) { /* the notifier: changes to the sinks */
                struct tw_snapshot snap = {.cfg = d->cfg, .inv = d->inv, .ev = d->ev};

                d->opts->on_events(d->opts->userdata, &snap, &ev, d->opts->dry_run);
        }
        tw_events_done(&ev);
}
