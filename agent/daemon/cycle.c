#include "agent/daemon/daemon_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "core/config/config.h"
#include "core/credential.h"
#include "core/evaluate/evaluate.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "lib/timeutil.h"
#include "collectors/astro/astro.h"
#include "exporters/trail/trail.h"
#include "exporters/http/server.h"
#include "exporters/metrics/metrics.h"
#include "exporters/report/report.h"

/* Renders the page straight into gzip, extra families included; 0 or a negative errno. */
static int render_page(struct tw_daemon *d, struct tw_metrics_out *out)
{
        struct tw_snapshot snap = {.cfg = d->cfg, .inv = d->inv, .ev = d->ev, .usage = d->usage};
        size_t len;
        int r;

        r = tw_metrics_out_init(out, TW_METRICS_PAGE_MAX);
        if (r == 0)
                r = tw_metrics_render_out(&snap, &d->status, out);
        if (r == 0 && d->trail)
                r = tw_trail_metrics(d->trail, &out->text);
        if (r == 0)
                r = tw_daemon_usage_metrics(d, &out->text);
        if (r == 0)
                r = tw_daemon_copies_metrics(d, &out->text);
        if (r == 0)
                r = tw_daemon_renew_metrics(d, &out->text);
        if (r == 0 && d->opts->extra_metrics) {
                /* Flushed first, so that a failure drops only the extra part. */
                r = tw_metrics_out_flush(out);
                len = out->text.len;
                if (r == 0 && d->opts->extra_metrics(d->opts->userdata, &out->text) < 0) {
                        out->text.len = len;
                        if (out->text.ptr)
                                out->text.ptr[len] = '\0';
                }
        }
        if (r == 0)
                r = tw_metrics_out_finish(out);
        return r;
}

/* The live view's flush: compresses what piled up (ctx: the gzip page). */
static int flush_status(void *ctx)
{
        return tw_metrics_out_flush(ctx);
}

/* Renders the live HTML view (/) straight into gzip and publishes it (each
 * cycle while someone watches it, else when asked); 0 or a negative errno. */
static int publish_status(struct tw_daemon *d)
{
        struct tw_snapshot snap = {.cfg = d->cfg,
                                   .inv = d->inv,
                                   .ev = d->ev,
                                   .usage = d->usage,
                                   .history = tw_daemon_history(d, tw_now())};
        struct tw_live_status st = {
                .rendered_at = tw_now(),
                .data_at = d->inv->collected_at,
                .last_collection_ok = d->status.collection_success,
                .refresh_seconds = d->cfg->agent.interval,
                .orgs = d->status.orgs,
                .n_orgs = d->status.n_orgs,
        };
        struct tw_metrics_out out;
        int r;

        r = tw_metrics_out_init(&out, TW_REPORT_MAX);
        if (r == 0)
                r = tw_report_render_live_html(&snap, &st, &out.text, flush_status, &out);
        if (r == 0)
                r = tw_metrics_out_finish(&out);
        if (r == 0)
                r = tw_http_server_publish_status_gzip(d->server, &out.gz, out.plain_len);
        if (r == 0)
                tw_log(TW_LOG_DEBUG, "status page rendered", NULL);
        tw_metrics_out_done(&out);
        return r;
}

/* How long after the last request for / the status page is still rendered
 * every cycle: someone has it open (it refreshes itself each interval). */
static int64_t watch_window(const struct tw_daemon *d)
{
        int64_t w = 3 * (int64_t)d->cfg->agent.interval;

        return w < 300 ? 300 : w;
}

void tw_daemon_publish_status(struct tw_daemon *d)
{
        int r;

        atomic_store(&d->status_asked, false);
        if (!d->server || !d->inv || !d->cfg->web.status_page)
                return;
        r = publish_status(d);
        if (r < 0)
                tw_log(TW_LOG_ERROR, "cannot publish the status page: the previous page stays",
                       "error", strerror(-r), NULL);
}

void tw_daemon_status_wanted(void *ctx)
{
        struct tw_daemon *d = ctx;

        atomic_store(&d->status_asked, true);
        if (d->wake_fd >= 0 && write(d->wake_fd, "s", 1) < 0) {
                /* full pipe: a wake-up is pending anyway */
        }
}

void tw_daemon_publish(struct tw_daemon *d)
{
        struct tw_metrics_out out;
        int r;

        if (!d->server)
                return;
        r = render_page(d, &out);
        if (r == 0)
                r = tw_http_server_publish_gzip(d->server, &out.gz, out.plain_len);
        if (r == 0 && d->inv && d->cfg->web.status_page) {
                /* Rendered when someone is watching; otherwise on demand. */
                if (tw_http_server_status_watched(d->server, watch_window(d))) {
                        atomic_store(&d->status_asked, false);
                        r = publish_status(d);
                } else {
                        tw_http_server_status_stale(d->server);
                }
        }
        if (r < 0) {
                if (tw_complain_failure(&d->complain_publish, tw_now()))
                        tw_log(TW_LOG_ERROR,
                               "cannot publish the metrics page or the status page: the previous "
                               "page stays",
                               "error", strerror(-r), NULL);
        } else if (tw_complain_success(&d->complain_publish)) {
                tw_log(TW_LOG_INFO, "metrics page published again", NULL);
        }
        tw_metrics_out_done(&out);
}

/* Evaluates inv at now, with the audit-log usage when there is some (the
 * new_source findings and least-role hints) and the copies' last states;
 * NULL (logged) on failure. */
static struct tw_evaluation *evaluate(const struct tw_daemon *d, const struct tw_inventory *inv,
                                      int64_t now)
{
        struct tw_eval_inputs in = {.usage = d->usage, .copies = tw_daemon_copies(d)};
        struct tw_evaluation *ev = NULL;
        int r;

        r = tw_evaluate_with(inv, &d->cfg->policy, d->cfg->suppressions, d->cfg->n_suppressions,
                             &in, now, &ev);
        if (r < 0) {
                tw_log(TW_LOG_ERROR, "evaluation failed", "error", strerror(-r), NULL);
                return NULL;
        }
        return ev;
}

void tw_daemon_refresh(struct tw_daemon *d)
{
        if (d->inv) {
                tw_evaluation_free(d->ev);
                d->ev = evaluate(d, d->inv, tw_now());
        }
        /* As after a cycle: a failed evaluation keeps the previous page. */
        if (d->ev || !d->inv)
                tw_daemon_publish(d);
}

static size_t active_findings(const struct tw_evaluation *ev)
{
        size_t n = 0;

        for (int k = 0; ev && k < _TW_FINDING_KIND_MAX; k++)
                for (int s = 0; s < _TW_SEVERITY_MAX; s++)
                        n += ev->active[k][s];
        return n;
}

/* The cycle's one log line; failed counts this cycle's failed listings. */
static void log_cycle(const struct tw_daemon *d, size_t n_failed, bool fresh, double seconds)
{
        char dur[32], tokens[32], findings[32], failed[32];

        snprintf(dur, sizeof(dur), "%.3fs", seconds);
        snprintf(tokens, sizeof(tokens), "%zu", d->inv ? d->inv->n_tokens : (size_t)0);
        snprintf(findings, sizeof(findings), "%zu", active_findings(d->ev));
        snprintf(failed, sizeof(failed), "%zu", n_failed);
        tw_log(d->status.collection_success ? TW_LOG_INFO : TW_LOG_WARN,
               d->status.collection_success ? "cycle finished"
                                            : "cycle failed: serving the last good data",
               "duration", dur, "tokens", tokens, "findings", findings, "failed_listings", failed,
               "new_data", fresh ? "true" : "false", NULL);
}

void tw_daemon_cycle(struct tw_daemon *d)
{
        int64_t now = tw_now(), start = tw_mono_ns();
        int64_t deadline = start + tw_config_cycle_timeout(d->cfg) * INT64_C(1000000000);
        struct tw_inventory *inv = NULL;
        size_t n_failed = 0;
        bool fresh;
        int r;

        /* The findings are made again from the inventory below: dropped now,
         * one set of them is alive while the next inventory is collected,
         * not two (the published page serves on meanwhile). */
        tw_evaluation_free(d->ev);
        d->ev = NULL;
        /* The copies that are due are checked beside the collection. */
        tw_daemon_copies_begin(d, now);
        /* Each organization publishes new data only when all its token
         * pages were read (agent/daemon/orgs.c); inv is the merged view
         * when one did. */
        r = tw_daemon_collect(d, now, deadline, &inv, &n_failed);
        tw_daemon_copies_end(d, now, deadline);
        if (r == -ECANCELED || *d->interrupt) {
                /* Stopping, or reloading: a cut collection is no data.  The
                 * findings come back from the last good inventory, for the
                 * page a reload publishes. */
                tw_inventory_free(inv);
                d->ev = d->inv ? evaluate(d, d->inv, now) : NULL;
                return;
        }
        if (r < 0)
                tw_log(TW_LOG_ERROR, "collection failed", "error", strerror(-r), NULL);
        fresh = inv != NULL;
        if (inv)
                tw_daemon_check_owner_rules(d, inv);
        if (fresh) {
                tw_inventory_free(d->inv);
                d->inv = inv;
                inv = NULL;
        }
        /* The audit-log reader gets this cycle's tokens; d->usage its news. */
        tw_daemon_usage_cycle(d, now);
        /* Re-evaluate even old data: a token expires while the API is down. */
        d->ev = d->inv ? evaluate(d, d->inv, now) : NULL;
        if (d->status.collection_success)
                d->status.last_success = now;
        d->status.collected = true;
        /* counted in the page this cycle publishes: a page showing n + 1
         * comes after cycle n's notifications were queued */
        d->status.cycles++;
        d->status.collection_duration = (double)(tw_mono_ns() - start) / 1e9;
        if (fresh)
                tw_daemon_trail(d, now);
        /* Renewals: the due tokens to the renewal thread, its news to the
         * trail and the sinks. */
        tw_daemon_renew(d, now);
        /* A failed evaluation (logged) keeps the previous page, findings
         * and all, rather than publish the tokens without them. */
        if (d->ev || !d->inv)
                tw_daemon_publish(d);
        if (d->ev && d->opts->on_cycle) { /* every cycle: alerts must outlive an API outage */
                struct tw_snapshot snap = {.cfg = d->cfg,
                                           .inv = d->inv,
                                           .ev = d->ev,
                                           .usage = d->usage,
                                           .copies = tw_daemon_copies(d)};

                d->opts->on_cycle(d->opts->userdata, &snap, &d->status, d->opts->dry_run);
        }
        log_cycle(d, n_failed, fresh, d->status.collection_duration);
}
