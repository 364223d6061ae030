/* The daemon thread's side of the audit-log readers: see agent/daemon/daemon_internal.h. */
#include "agent/daemon/auditlog_internal.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* The ids of the listed tokens of organization org_id (every token with a
 * single organization); 0 or -ENOMEM. */
static int token_ids(const struct tw_daemon *d, const char *org_id, struct params *p)
{
        bool all = tw_config_org_count(d->cfg) == 1;

        p->ids = calloc(d->inv->n_tokens ? d->inv->n_tokens : 1, sizeof(*p->ids));
        if (!p->ids)
                return -ENOMEM;
        for (size_t i = 0; i < d->inv->n_tokens; i++) {
                const struct tw_token *t = &d->inv->tokens[i];

                if (!all && strcmp(tw_token_organization_id(d->inv, t), org_id) != 0)
                        continue;
                if (!(p->ids[p->n_ids] = strdup(t->id)))
                        return -ENOMEM;
                p->n_ids++;
        }
        return 0;
}

/* What the reader of organization a needs from this cycle; NULL when it
 * cannot be made (no inventory yet, no credential: collect() logs that). */
static struct params *make_params(const struct tw_daemon *d, const struct tw_astro_config *a,
                                  int64_t now)
{
        const struct tw_config *cfg = d->cfg;
        struct tw_credential_info cred = {0};
        struct params *p = calloc(1, sizeof(*p));
        struct tw_buf err;
        char file[160];
        bool ok = false;

        if (!p)
                return NULL;
        p->mode = cfg->auditlog.enabled;
        p->backfill = cfg->auditlog.backfill;
        p->interval = cfg->auditlog.interval;
        if (p->mode == TW_AUDITLOG_OFF)
                return p;
        if (!d->inv)
                goto out;
        tw_buf_init(&err, 4096);
        if (tw_credential_load_org(a, now, &cred, &err) == 0) {
                tw_auditlog_state_file(a->name, file, sizeof(file));
                p->base_url = tw_astro_api_base(a, "workspaces");
                p->api_url = strdup(a->api_url);
                p->org = strdup(cred.organization_id);
                p->state_dir = strdup(cfg->agent.state_dir);
                p->state_file = strdup(file);
                p->bearer = strdup(cred.token);
                ok = p->base_url && p->api_url && p->org && p->state_dir && p->state_file &&
                     p->bearer && token_ids(d, cred.organization_id, p) == 0;
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

/* A reader's news (its thread): noted, and the daemon's thread woken. */
static void on_news(void *userdata)
{
        struct tw_daemon_usage *u = userdata;

        atomic_store(&u->news, true);
        if (u->wake_fd >= 0 && write(u->wake_fd, "u", 1) < 0) {
                /* full pipe: a wake-up is pending anyway */
        }
}

static struct tw_auditlog_reader *reader_new(struct tw_daemon_usage *u, const char *key)
{
        struct tw_auditlog_reader *w = calloc(1, sizeof(*w));
        pthread_condattr_t ca;

        if (!w)
                return NULL;
        w->key = strdup(key);
        if (!w->key) {
                free(w);
                return NULL;
        }
        pthread_mutex_init(&w->lock, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&w->cond, &ca);
        pthread_condattr_destroy(&ca);
        w->status.last_success = TW_NO_TIME;
        w->view = w->status;
        w->on_news = on_news;
        w->userdata = u;
        return w;
}

/* Stops the reader's thread (a fetch in flight is cancelled) and frees it. */
static void reader_free(struct tw_auditlog_reader *w)
{
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
        free(w->key);
        free(w);
}

/* Starts the reader with the daemon's signals blocked (they belong to the
 * main thread). */
static void start(struct tw_auditlog_reader *w)
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

/* The index of the reader of section key in u, or u->n. */
static size_t find_reader(const struct tw_daemon_usage *u, const char *key)
{
        size_t k = 0;

        while (k < u->n && !(u->readers[k] && strcmp(u->readers[k]->key, key) == 0))
                k++;
        return k;
}

/* Matches the readers to the config's organizations (a reload may change
 * them): a reader keeps its state while its section stays; one whose
 * organization went away stops.  0 or -ENOMEM (nothing changed). */
static int sync_readers(struct tw_daemon *d, struct tw_daemon_usage *u)
{
        size_t n = tw_config_org_count(d->cfg);
        struct tw_auditlog_reader **rs = calloc(n ? n : 1, sizeof(*rs));
        char buf[160];
        const char *key;

        if (!rs)
                return -ENOMEM;
        /* The new readers first, so that a failure changes nothing. */
        for (size_t i = 0; i < n; i++) {
                key = tw_astro_section(tw_config_org(d->cfg, i), buf, sizeof(buf));
                if (find_reader(u, key) < u->n)
                        continue;
                if (!(rs[i] = reader_new(u, key))) {
                        for (size_t k = 0; k < i; k++)
                                reader_free(rs[k]);
                        free(rs);
                        return -ENOMEM;
                }
        }
        for (size_t i = 0; i < n; i++) {
                size_t k;

                key = tw_astro_section(tw_config_org(d->cfg, i), buf, sizeof(buf));
                if (rs[i] || (k = find_reader(u, key)) == u->n)
                        continue;
                rs[i] = u->readers[k];
                u->readers[k] = NULL;
        }
        for (size_t k = 0; k < u->n; k++)
                reader_free(u->readers[k]);
        free(u->readers);
        u->readers = rs;
        u->n = n;
        return 0;
}

/* Takes a reader's newest copy and status (lock held); true when it had a
 * new copy. */
static bool take_locked(struct tw_auditlog_reader *w)
{
        bool news = false;

        if (w->published) {
                tw_usage_free(w->taken);
                w->taken = w->published;
                w->published = NULL;
                news = true;
        }
        w->view = w->status;
        return news;
}

/* Feeds one reader its params and takes its news; true when it had some. */
static bool feed(struct tw_daemon *d, struct tw_auditlog_reader *w, const struct tw_astro_config *a,
                 int64_t now)
{
        struct params *p = make_params(d, a, now);
        bool news;

        pthread_mutex_lock(&w->lock);
        if (p) {
                tw_daemon_usage_params_free(w->next);
                w->next = p;
                pthread_cond_broadcast(&w->cond);
        }
        news = take_locked(w);
        pthread_mutex_unlock(&w->lock);
        if (d->cfg->auditlog.enabled == TW_AUDITLOG_OFF) {
                /* Off: no audit-log data, nor a stale copy of it. */
                news |= w->taken != NULL;
                tw_usage_free(w->taken);
                w->taken = NULL;
                w->view.enabled = false;
        }
        if (d->opts->once && !w->taken && d->cfg->auditlog.enabled != TW_AUDITLOG_OFF) {
                char file[160];

                /* One cycle (--once) uses what the daemon saved: a fetch
                 * would be cut short by the exit, and spend one of the 2
                 * calls a minute.  A bad file: the daemon's next run moves
                 * it aside, and logs it. */
                tw_auditlog_state_file(a->name, file, sizeof(file));
                if (tw_usage_view_read(d->cfg->agent.state_dir, file, a->organization_id,
                                       a->api_url, &w->taken) < 0)
                        w->taken = NULL;
                news |= w->taken != NULL;
        }
        if (!w->started && p && p->mode != TW_AUDITLOG_OFF && !d->opts->once)
                start(w);
        return news;
}

/* The readers' status together: the counters summed, enabled when one is,
 * the last success the oldest of the enabled readers' (none while one has
 * none), so that one organization's stale reading shows. */
static void sum_views(struct tw_daemon_usage *u)
{
        struct tw_auditlog_status *v = &u->view;
        bool all_succeeded = true;

        memset(v, 0, sizeof(*v));
        v->last_success = TW_NO_TIME;
        for (size_t i = 0; i < u->n; i++) {
                const struct tw_auditlog_status *s = &u->readers[i]->view;

                v->entries += s->entries;
                v->failures += s->failures;
                for (int k = 0; k < _TW_AUDIT_SKIP_MAX; k++)
                        v->skipped[k] += s->skipped[k];
                if (!s->enabled)
                        continue;
                v->enabled = true;
                if (s->last_success == TW_NO_TIME)
                        all_succeeded = false;
                else if (v->last_success == TW_NO_TIME || s->last_success < v->last_success)
                        v->last_success = s->last_success;
        }
        if (!all_succeeded)
                v->last_success = TW_NO_TIME;
}

/* d->usage: the only reader's copy, or every reader's merged. */
static void point_usage(struct tw_daemon *d, struct tw_daemon_usage *u, bool news)
{
        struct tw_usage *m = NULL;
        int r = 0;

        if (u->n == 1) {
                tw_usage_free(u->merged);
                u->merged = NULL;
                d->usage = u->readers[0]->taken;
                return;
        }
        if (!news && (u->merged || !d->usage))
                return;
        for (size_t i = 0; r == 0 && i < u->n; i++) {
                if (!u->readers[i]->taken)
                        continue;
                r = m ? tw_usage_merge(m, u->readers[i]->taken)
                      : tw_usage_copy(u->readers[i]->taken, &m);
        }
        if (r < 0) {
                tw_usage_free(m);
                tw_log(TW_LOG_WARN,
                       "cannot merge the organizations' audit-log usage: keeping the last", "error",
                       strerror(-r), NULL);
                return;
        }
        tw_usage_free(u->merged);
        u->merged = m;
        d->usage = m;
}

void tw_daemon_usage_cycle(struct tw_daemon *d, int64_t now)
{
        struct tw_daemon_usage *u = d->audit_logs;
        bool news = false;
        size_t had;

        if (!u) {
                if (!(u = calloc(1, sizeof(*u)))) {
                        tw_log(TW_LOG_ERROR, "cannot set up the audit-log reader", "error",
                               strerror(ENOMEM), NULL);
                        return;
                }
                u->wake_fd = d->wake_fd;
                d->audit_logs = u;
        }
        /* Whatever the readers did so far is taken below. */
        atomic_store(&u->news, false);
        had = u->n;
        if (sync_readers(d, u) < 0) {
                tw_log(TW_LOG_ERROR, "cannot set up the audit-log readers", "error",
                       strerror(ENOMEM), NULL);
                return;
        }
        news = had != u->n;
        for (size_t i = 0; i < u->n; i++)
                news |= feed(d, u->readers[i], tw_config_org(d->cfg, i), now);
        sum_views(u);
        point_usage(d, u, news);
}

bool tw_daemon_usage_take(struct tw_daemon *d)
{
        struct tw_daemon_usage *u = d->audit_logs;
        bool news = false;

        if (!u || !atomic_exchange(&u->news, false))
                return false;
        for (size_t i = 0; i < u->n; i++) {
                struct tw_auditlog_reader *w = u->readers[i];

                pthread_mutex_lock(&w->lock);
                news |= take_locked(w);
                pthread_mutex_unlock(&w->lock);
                if (d->cfg->auditlog.enabled == TW_AUDITLOG_OFF) {
                        tw_usage_free(w->taken);
                        w->taken = NULL;
                        w->view.enabled = false;
                }
        }
        sum_views(u);
        point_usage(d, u, news);
        return true;
}

int tw_daemon_usage_metrics(const struct tw_daemon *d, struct tw_buf *out)
{
        struct tw_snapshot snap = {.cfg = d->cfg, .inv = d->inv, .ev = d->ev, .usage = d->usage};

        return tw_usage_metrics(&snap, d->audit_logs ? &d->audit_logs->view : NULL, out);
}

void tw_daemon_usage_stop(struct tw_daemon *d)
{
        struct tw_daemon_usage *u = d->audit_logs;

        if (!u)
                return;
        for (size_t i = 0; i < u->n; i++)
                reader_free(u->readers[i]);
        free(u->readers);
        tw_usage_free(u->merged);
        free(u);
        d->audit_logs = NULL;
        d->usage = NULL;
}
