/* The daemon's reader of the Astro audit logs: see agent/daemon_usage.h. */
#include "agent/daemon_usage.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/daemon_internal.h"
#include "collectors/astro_audit.h"
#include "core/config.h"
#include "core/credential.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "core/usage.h"
#include "exporters/usage_metrics.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/secret.h"
#include "lib/statefile.h"
#include "lib/timeutil.h"

/* What one fetch needs, made on the daemon's thread, owned by the reader. */
struct params {
        enum tw_audit_log_mode mode;
        int64_t backfill, interval;
        char *base_url, *org, *state_dir, *bearer;
        char **ids;
        size_t n_ids;
};

struct tw_daemon_usage {
        pthread_mutex_t lock;
        pthread_cond_t cond; /* CLOCK_MONOTONIC */
        pthread_t thread;
        bool started;
        volatile sig_atomic_t cancel; /* stops the thread, aborts a fetch */

        /* Under lock, from the daemon's thread to the reader. */
        struct params *next;
        /* Under lock, from the reader to the daemon's thread. */
        struct tw_usage *published; /* the newest copy, not taken yet */
        struct tw_audit_log_status status;

        /* The reader's own. */
        struct params *cur;
        struct tw_audit_collector *col;
        bool denied; /* enabled = auto and a 403: off */
        int64_t next_fetch_ns;
        struct tw_complain complain;

        /* The daemon thread's own: d->usage points at taken. */
        struct tw_usage *taken;
        struct tw_audit_log_status view;
};

static void params_free(struct params *p)
{
        if (!p)
                return;
        free(p->base_url);
        free(p->org);
        free(p->state_dir);
        if (p->bearer) {
                tw_wipe(p->bearer, strlen(p->bearer));
                free(p->bearer);
        }
        for (size_t i = 0; i < p->n_ids; i++)
                free(p->ids[i]);
        free(p->ids);
        free(p);
}

static bool same(const char *a, const char *b)
{
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Whether a collector made for a serves b too. */
static bool same_source(const struct params *a, const struct params *b)
{
        return a && b && a->backfill == b->backfill && same(a->base_url, b->base_url) &&
               same(a->org, b->org) && same(a->state_dir, b->state_dir) &&
               same(a->bearer, b->bearer);
}

/* A deep copy of the index for the daemon's thread (the known set aside). */
static struct tw_usage *copy_usage(const struct tw_usage *u)
{
        struct tw_usage *copy = NULL;
        cJSON *tree = NULL;

        if (tw_usage_to_cjson(u, &tree) == 0 && tw_usage_from_cjson(tree, &u->lim, &copy) < 0)
                copy = NULL;
        cJSON_Delete(tree);
        return copy;
}

/* Hands the daemon's thread a copy of the index (nothing if out of memory:
 * the next fetch publishes again). */
static void publish(struct tw_daemon_usage *w)
{
        struct tw_usage *copy = copy_usage(tw_audit_collector_usage(w->col)), *old;

        if (!copy) {
                tw_log(TW_LOG_WARN, "cannot copy the audit-log usage index", "error",
                       strerror(ENOMEM), NULL);
                return;
        }
        pthread_mutex_lock(&w->lock);
        old = w->published;
        w->published = copy;
        pthread_mutex_unlock(&w->lock);
        tw_usage_free(old);
}

/* Opens the collector (its state file) for w->cur; 0 or a negative errno (logged). */
static int open_collector(struct tw_daemon_usage *w, int64_t now)
{
        const struct params *p = w->cur;
        struct tw_audit_options o = {
                .base_url = p->base_url,
                .organization_id = p->org,
                .bearer = p->bearer,
                .state_dir = p->state_dir,
                .backfill_s = p->backfill,
                .cancel = &w->cancel,
        };
        char *moved = NULL;
        int r;

        r = tw_statefile_ensure_dir(p->state_dir);
        if (r >= 0)
                r = tw_audit_collector_new(&o, now, &w->col, &moved);
        if (moved) {
                tw_log(TW_LOG_WARN,
                       "the audit-log state file did not parse: moved aside, the audit logs are "
                       "read again from the backfill",
                       "file", moved, NULL);
                free(moved);
        }
        if (r < 0) {
                w->col = NULL;
                if (tw_complain_failure(&w->complain, now))
                        tw_log(TW_LOG_ERROR,
                               "cannot open the audit-log state: retried next interval",
                               "state_dir", p->state_dir, "error", tw_statefile_strerror(r), NULL);
                return r;
        }
        publish(w);
        return 0;
}

/* Logs a fetch's outcome; rate-limited except the one line of auto's 403. */
static void log_outcome(struct tw_daemon_usage *w, int r, const struct tw_audit_fetch_result *res,
                        int64_t now)
{
        char entries[32], status[16];

        snprintf(entries, sizeof(entries), "%llu", (unsigned long long)res->entries);
        snprintf(status, sizeof(status), "%ld", res->status);
        if (r == 0) {
                if (tw_complain_success(&w->complain))
                        tw_log(TW_LOG_INFO, "the Astro audit logs are read again", NULL);
                tw_log(TW_LOG_INFO, "audit logs read", "entries", entries, NULL);
                return;
        }
        if (r == -ECANCELED)
                return;
        if (r == -EACCES && w->cur->mode == TW_AUDIT_LOG_AUTO) {
                tw_log(TW_LOG_WARN,
                       "the credential may not read the Astro audit logs (403: not an "
                       "Organization Owner): audit-log usage is off; [audit] enabled = true "
                       "retries every interval, false silences this",
                       NULL);
                return;
        }
        if (!tw_complain_failure(&w->complain, now))
                return;
        tw_log(TW_LOG_ERROR, "cannot read the Astro audit logs: retried next interval", "error",
               r == -EACCES  ? "403: the credential is not an Organization Owner"
               : r == -EPERM ? "401: the credential was refused"
               : r == -EAGAIN
                       ? "429: rate limited"
                       : (res->error_text && *res->error_text ? res->error_text : strerror(-r)),
               "status", status, "request_id", res->request_id, "entries_taken", entries, NULL);
}

/* One fetch with w->cur (the lock not held). */
static void fetch_once(struct tw_daemon_usage *w)
{
        struct tw_audit_fetch_result res = {0};
        const struct params *p = w->cur;
        int64_t now = tw_now();
        int r;

        if (!w->col && open_collector(w, now) < 0) {
                pthread_mutex_lock(&w->lock);
                w->status.failures++;
                pthread_mutex_unlock(&w->lock);
                return;
        }
        r = tw_usage_set_known_tokens(tw_audit_collector_usage(w->col), (const char *const *)p->ids,
                                      p->n_ids);
        if (r == 0)
                r = tw_audit_fetch(w->col, now, &res);
        if (res.entries)
                publish(w);
        pthread_mutex_lock(&w->lock);
        w->status.entries += res.entries;
        for (int k = 0; k < _TW_AUDIT_SKIP_MAX; k++)
                w->status.skipped[k] += res.skipped[k];
        if (r == 0)
                w->status.last_success = now;
        else if (r == -EACCES && p->mode == TW_AUDIT_LOG_AUTO)
                w->denied = true;
        else if (r != -ECANCELED)
                w->status.failures++;
        w->status.enabled = !w->denied;
        pthread_mutex_unlock(&w->lock);
        log_outcome(w, r, &res, now);
}

/* Takes w->next (lock held); a new source needs a new collector. */
static void adopt(struct tw_daemon_usage *w)
{
        if (!same_source(w->cur, w->next)) {
                tw_audit_collector_free(w->col);
                w->col = NULL;
                w->denied = false; /* another credential may be an owner */
        }
        params_free(w->cur);
        w->cur = w->next;
        w->next = NULL;
}

static void *reader(void *arg)
{
        struct tw_daemon_usage *w = arg;

        pthread_mutex_lock(&w->lock);
        while (!w->cancel) {
                int64_t left;
                bool on;

                if (w->next)
                        adopt(w);
                on = w->cur && w->cur->mode != TW_AUDIT_LOG_OFF &&
                     !(w->denied && w->cur->mode == TW_AUDIT_LOG_AUTO);
                w->status.enabled = on;
                if (!on) {
                        pthread_cond_wait(&w->cond, &w->lock);
                        continue;
                }
                left = w->next_fetch_ns - tw_mono_ns();
                if (left > 0) {
                        struct timespec ts;

                        clock_gettime(CLOCK_MONOTONIC, &ts);
                        ts.tv_sec += (time_t)(left / 1000000000);
                        ts.tv_nsec += (long)(left % 1000000000);
                        if (ts.tv_nsec >= 1000000000) {
                                ts.tv_sec++;
                                ts.tv_nsec -= 1000000000;
                        }
                        pthread_cond_timedwait(&w->cond, &w->lock, &ts);
                        continue;
                }
                pthread_mutex_unlock(&w->lock);
                fetch_once(w);
                pthread_mutex_lock(&w->lock);
                w->next_fetch_ns = tw_mono_ns() + w->cur->interval * INT64_C(1000000000);
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

/* What the reader needs from this cycle; NULL when it cannot be made (no
 * inventory yet, no credential: collect() logs that). */
static struct params *make_params(const struct tw_daemon *d, int64_t now)
{
        const struct tw_config *cfg = d->cfg;
        struct tw_credential_info cred = {0};
        struct params *p = calloc(1, sizeof(*p));
        struct tw_buf err;
        bool ok = false;

        if (!p)
                return NULL;
        p->mode = cfg->audit.enabled;
        p->backfill = cfg->audit.backfill;
        p->interval = cfg->audit.interval;
        if (p->mode == TW_AUDIT_LOG_OFF)
                return p;
        if (!d->inv)
                goto out;
        tw_buf_init(&err, 4096);
        if (tw_credential_load(cfg, now, &cred, &err) == 0) {
                p->base_url = tw_config_api_base(cfg, "workspaces");
                p->org = strdup(cred.organization_id);
                p->state_dir = strdup(cfg->agent.state_dir);
                p->bearer = strdup(cred.token);
                p->ids = calloc(d->inv->n_tokens ? d->inv->n_tokens : 1, sizeof(*p->ids));
                ok = p->base_url && p->org && p->state_dir && p->bearer && p->ids;
                for (size_t i = 0; ok && i < d->inv->n_tokens; i++)
                        ok = (p->ids[p->n_ids++] = strdup(d->inv->tokens[i].id)) != NULL;
        }
        tw_credential_done(&cred);
        tw_buf_done(&err);
out:
        if (!ok) {
                params_free(p);
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
        r = pthread_create(&w->thread, NULL, reader, w);
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
        p = make_params(d, now);
        pthread_mutex_lock(&w->lock);
        if (p) {
                params_free(w->next);
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
        if (d->cfg->audit.enabled == TW_AUDIT_LOG_OFF) {
                /* Off: no audit-log data, nor a stale copy of it. */
                tw_usage_free(w->taken);
                w->taken = NULL;
                w->view.enabled = false;
        }
        if (d->opts->once && !w->taken && d->cfg->audit.enabled != TW_AUDIT_LOG_OFF &&
            tw_audit_usage_read(d->cfg->agent.state_dir, &w->taken) < 0)
                w->taken = NULL; /* the daemon's next run moves a bad file aside, and logs it */
        d->usage = w->taken;
        /* One cycle (--once) uses what the daemon saved: a fetch would be
         * cut short by the exit, and spend one of the 2 calls a minute. */
        if (!w->started && p && p->mode != TW_AUDIT_LOG_OFF && !d->opts->once)
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
        tw_audit_collector_free(w->col);
        params_free(w->cur);
        params_free(w->next);
        tw_usage_free(w->published);
        tw_usage_free(w->taken);
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(w);
        d->audit_logs = NULL;
        d->usage = NULL;
}
