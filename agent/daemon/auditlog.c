/* The daemon thread's side of the audit-log reader: see agent/daemon/auditlog.h. */
#include "agent/daemon/auditlog.h"
#include "agent/daemon/auditlog_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/daemon/daemon_internal.h"
#include "collectors/auditlog/auditlog.h"
#include "core/config/config.h"
#include "core/credential.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "core/usage/usage.h"
#include "exporters/metrics/usage.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/secret.h"
#include "lib/statefile.h"
#include "lib/timeutil.h"

/* What the reader needs from this cycle; NULL when it cannot be made (no
 * inventory yet, no credential: collect() logs that). */
static struct params *make_params(const struct tw_daemon *d, int64_t now)
{
        const struct tw_config *cfg = d->cfg;
        const struct tw_astro_config *org = tw_config_org(cfg, 0);
        struct tw_credential_info cred = {0};
        struct params *p = calloc(1, sizeof(*p));
        struct tw_buf err;
        bool ok = false;

        if (!p)
                return NULL;
        p->mode = cfg->audit.enabled;
        p->backfill = cfg->audit.backfill;
        p->interval = cfg->audit.interval;
        if (p->mode == TW_AUDITLOG_OFF)
                return p;
        if (!d->inv)
                goto out;
        tw_buf_init(&err, 4096);
        /* The first organization's audit logs (the only one with [astro];
         * with several [astro.NAME], see tw_daemon_usage_cycle()). */
        if (tw_credential_load_org(org, now, &cred, &err) == 0) {
                char file[160];

                tw_auditlog_state_file(org->name, file, sizeof(file));
                p->base_url = tw_astro_api_base(org, "workspaces");
                p->api_url = strdup(org->api_url);
                p->org = strdup(cred.organization_id);
                p->state_dir = strdup(cfg->agent.state_dir);
                p->state_file = strdup(file);
                p->bearer = strdup(cred.token);
                p->ids = calloc(d->inv->n_tokens ? d->inv->n_tokens : 1, sizeof(*p->ids));
                ok = p->base_url && p->api_url && p->org && p->state_dir && p->state_file &&
                     p->bearer && p->ids;
                for (size_t i = 0; ok && i < d->inv->n_tokens; i++)
                        ok = (p->ids[p->n_ids++] = strdup(d->inv->tokens[i].id)) != NULL;
        }
        tw_credential_done(&cred);
        tw_buf_done(&err);
out:
        if (!ok) {
                tw_daemon_usage_params_free(p);
                p = NULL;
        }
        return p;
}

static struct tw_daemon_usage *usage_new(void)
{
        struct tw_daemon_usage *w = calloc(1, sizeof(*w));
        pthread_condattr_t ca;

        if (!w)
                return NULL;
        pthread_mutex_init(&w->lock, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&w->cond, &ca);
        pthread_condattr_destroy(&ca);
        w->status.last_success = TW_NO_TIME;
        w->view = w->status;
        return w;
}

/* Starts the reader with the daemon's signals blocked (they belong to the
 * main thread). */
static void start(struct tw_daemon_usage *w)
{
        sigset_t block, old;
        int r;

        sigemptyset(&block);
        sigaddset(&block, SIGHUP);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGINT);
        pthread_sigmask(SIG_BLOCK, &block, &old);
        r = pthread_create(&w->thread, NULL, tw_daemon_usage_reader, w);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r != 0) {
                tw_log(TW_LOG_ERROR, "cannot start the audit-log reader: retried next cycle",
                       "error", strerror(r), NULL);
                return;
        }
        w->started = true;
}

void tw_daemon_usage_cycle(struct tw_daemon *d, int64_t now)
{
        struct tw_daemon_usage *w = d->audit_logs;
        struct params *p;

        if (!w && !(w = d->audit_logs = usage_new())) {
                tw_log(TW_LOG_ERROR, "cannot set up the audit-log reader", "error",
                       strerror(ENOMEM), NULL);
                return;
        }
        if (tw_config_org_count(d->cfg) > 1 && d->cfg->audit.enabled != TW_AUDITLOG_OFF &&
            !w->told_first_org) {
                char sec[160];

                w->told_first_org = true;
                tw_log(TW_LOG_WARN,
                       "several organizations: the Astro audit logs are read for the first one "
                       "only",
                       "organization", tw_astro_section(tw_config_org(d->cfg, 0), sec, sizeof(sec)),
                       NULL);
        }
        p = make_params(d, now);
        pthread_mutex_lock(&w->lock);
        if (p) {
                tw_daemon_usage_params_free(w->next);
                w->next = p;
                pthread_cond_broadcast(&w->cond);
        }
        if (w->published) {
                tw_usage_free(w->taken);
                w->taken = w->published;
                w->published = NULL;
        }
        w->view = w->status;
        pthread_mutex_unlock(&w->lock);
        if (d->cfg->audit.enabled == TW_AUDITLOG_OFF) {
                /* Off: no audit-log data, nor a stale copy of it. */
                tw_usage_free(w->taken);
                w->taken = NULL;
                w->view.enabled = false;
        }
        if (d->opts->once && !w->taken && d->cfg->audit.enabled != TW_AUDITLOG_OFF &&
            tw_usage_view_read(d->cfg->agent.state_dir, TW_AUDITLOG_STATE_FILE, NULL,
                               tw_config_org(d->cfg, 0)->api_url, &w->taken) < 0)
                w->taken = NULL; /* the daemon's next run moves a bad file aside, and logs it */
        d->usage = w->taken;
        /* One cycle (--once) uses what the daemon saved: a fetch would be
         * cut short by the exit, and spend one of the 2 calls a minute. */
        if (!w->started && p && p->mode != TW_AUDITLOG_OFF && !d->opts->once)
                start(w);
}

int tw_daemon_usage_metrics(const struct tw_daemon *d, struct tw_buf *out)
{
        struct tw_snapshot snap = {.cfg = d->cfg, .inv = d->inv, .ev = d->ev, .usage = d->usage};

        return tw_usage_metrics(&snap, d->audit_logs ? &d->audit_logs->view : NULL, out);
}

void tw_daemon_usage_stop(struct tw_daemon *d)
{
        struct tw_daemon_usage *w = d->audit_logs;

        if (!w)
                return;
        if (w->started) {
                pthread_mutex_lock(&w->lock);
                w->cancel = 1;
                pthread_cond_broadcast(&w->cond);
                pthread_mutex_unlock(&w->lock);
                pthread_join(w->thread, NULL);
        }
        tw_auditlog_collector_free(w->col);
        tw_daemon_usage_params_free(w->cur);
        tw_daemon_usage_params_free(w->next);
        tw_usage_free(w->published);
        tw_usage_free(w->taken);
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(w);
        d->audit_logs = NULL;
        d->usage = NULL;
}
