/* The daemon's side of the renewals: what is due, what the audit logs say
 * of the old tokens, and what the renewal thread did, into events, logs and
 * metrics (agent/daemon/daemon_internal.h). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/daemon/daemon_internal.h"
#include "agent/daemon/renew_internal.h"
#include "core/config/config.h"
#include "core/copies.h"
#include "core/events.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "core/usage/usage.h"
#include "exporters/metrics/renewal.h"
#include "exporters/trail/trail.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/timeutil.h"

static struct tw_daemon_renew *renew_new(const char *config_path)
{
        struct tw_daemon_renew *w = calloc(1, sizeof(*w));
        pthread_condattr_t ca;

        if (!w || !(w->config_path = strdup(config_path))) {
                free(w);
                return NULL;
        }
        pthread_mutex_init(&w->lock, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&w->wake, &ca);
        pthread_condattr_destroy(&ca);
        return w;
}

static void start(struct tw_daemon_renew *w)
{
        sigset_t block, old;

        sigfillset(&block); /* signals stay with the main thread */
        pthread_sigmask(SIG_BLOCK, &block, &old);
        w->started = pthread_create(&w->thread, NULL, tw_renew_worker, w) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (!w->started)
                tw_log(TW_LOG_ERROR, "cannot start the renewal thread: no renewals", NULL);
}

/* The tokens with a copy that are due now. */
static int due_tokens(const struct tw_daemon *d, int64_t now, struct renew_due **ret, size_t *ret_n)
{
        const struct tw_config *cfg = d->cfg;
        struct renew_due *v = calloc(cfg->n_copies + 1, sizeof(*v));
        size_t n = 0;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; d->inv && i < cfg->n_copies; i++) {
                const struct tw_token *t;
                struct tw_buf why;
                bool dup = false;
                size_t k;

                tw_buf_init(&why, 1024);
                if (tw_copy_resolve(d->inv, &cfg->copies[i], &k, &why) < 0) {
                        tw_buf_done(&why);
                        continue; /* the copy checks say why */
                }
                tw_buf_done(&why);
                t = &d->inv->tokens[k];
                for (size_t j = 0; j < n; j++)
                        dup |= strcmp(v[j].token_id, t->id) == 0;
                if (dup || !tw_rotation_due(t, true, &cfg->rotation.before, now, NULL))
                        continue;
                snprintf(v[n].token_id, sizeof(v[n].token_id), "%s", t->id);
                v[n++].org = cfg->copies[i].org;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

/* Who still uses a token, for people: its most frequent IPs and agents. */
static void sources(const struct tw_token_usage *u, char *buf, size_t size)
{
        const struct tw_usage_source *top[3];
        size_t n = tw_usage_top(u->ips, u->n_ips, top, 3), len = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < n && len < size; i++)
                len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
                                        top[i]->value);
        n = tw_usage_top(u->agents, u->n_agents, top, 2);
        for (size_t i = 0; i < n && len < size; i++)
                len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
                                        top[i]->value);
}

/* The audit logs' word on each old token the thread watches. */
static int facts(const struct tw_daemon *d, char (*watch)[64], size_t n_watch,
                 struct renew_fact **ret)
{
        struct renew_fact *v = calloc(n_watch + 1, sizeof(*v));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n_watch; i++) {
                const struct tw_token_usage *u =
                        d->usage ? tw_usage_find(d->usage, watch[i]) : NULL;

                snprintf(v[i].token_id, sizeof(v[i].token_id), "%s", watch[i]);
                v[i].usage.known = d->usage != NULL;
                v[i].usage.last_used_at = u ? u->last_ms / 1000 : TW_NO_TIME;
                if (u)
                        sources(u, v[i].usage.sources, sizeof(v[i].usage.sources));
        }
        *ret = v;
        return 0;
}

static void log_outcome(const struct tw_rotate_outcome *o)
{
        char when[TW_RFC3339_LEN] = "", copies[16];

        snprintf(copies, sizeof(copies), "%zu", o->n_copies);
        if (o->next_at != TW_NO_TIME)
                tw_time_format(o->next_at, when);
        if (o->renewed)
                tw_log(TW_LOG_INFO, "token renewed: every copy holds the new value", "token_id",
                       o->token_id, "new_token_id", o->new_id, "strategy",
                       tw_rotation_strategy_to_string(o->strategy), "copies", copies, NULL);
        if (o->result == TW_ROTATE_FAILED)
                tw_log(TW_LOG_ERROR, "renewal failed", "token_id", o->token_id, "step",
                       tw_renewal_step_to_string(o->step), "error", o->reason, "next_attempt",
                       *when ? when : NULL, NULL);
        else if (o->result == TW_ROTATE_HELD)
                tw_log(TW_LOG_WARN, "old token still used: its deletion is held", "token_id",
                       o->token_id, "detail", o->reason, "next_attempt", when, NULL);
        else if (o->result == TW_ROTATE_FINISHED)
                tw_log(TW_LOG_INFO, "renewal finished", "token_id", o->token_id, "new_token_id",
                       o->new_id, NULL);
        else if (o->result == TW_ROTATE_DROPPED)
                tw_log(TW_LOG_INFO, "renewal dropped", "token_id", o->token_id, "reason", o->reason,
                       NULL);
}

/* The thread's outcomes: logs, the trail, the sinks. */
static void record(struct tw_daemon *d, const struct tw_rotate_outcome *outs, size_t n)
{
        struct tw_events ev = {.events = calloc(n + 1, sizeof(struct tw_event))};

        for (size_t i = 0; i < n; i++) {
                log_outcome(&outs[i]);
                if (ev.events && tw_rotate_event(&outs[i], tw_now(), &ev.events[ev.n_events]) > 0)
                        ev.n_events++;
        }
        if (ev.n_events && d->trail && tw_trail_note(d->trail, &ev) < 0)
                tw_log(TW_LOG_ERROR, "cannot record the renewals in the audit trail", NULL);
        if (ev.n_events && d->opts->on_events) {
                struct tw_snapshot snap = {.cfg = d->cfg, .inv = d->inv, .ev = d->ev};

                d->opts->on_events(d->opts->userdata, &snap, &ev, d->opts->dry_run);
        }
        tw_events_done(&ev);
}

/* Whether this daemon renews at all (journals included); says why not once. */
static bool renews(struct tw_daemon *d)
{
        if (!d->opts->once && !d->opts->dry_run)
                return true;
        if (!d->renew_said_off && d->cfg->rotation.enabled)
                tw_log(TW_LOG_INFO, "renewals are off under --once and --dry-run", NULL);
        d->renew_said_off = true;
        return false;
}

void tw_daemon_renew(struct tw_daemon *d, int64_t now)
{
        struct tw_daemon_renew *w = d->renew;
        struct renew_due *due = NULL;
        struct renew_fact *fs = NULL;
        struct tw_rotate_outcome *outs;
        size_t n_due = 0, n_outs;

        if (!renews(d) || (!w && !(w = d->renew = renew_new(d->config_path))))
                return;
        if (!w->started)
                start(w);
        if (d->cfg->rotation.enabled && due_tokens(d, now, &due, &n_due) < 0)
                return;
        pthread_mutex_lock(&w->lock);
        if (facts(d, w->watch, w->n_watch, &fs) == 0) {
                free(w->facts);
                w->facts = fs;
                w->n_facts = w->n_watch;
        }
        free(w->due);
        w->due = due;
        w->n_due = n_due;
        if (w->seen_cfg != d->cfg)
                w->generation++;
        w->seen_cfg = d->cfg;
        w->input = true;
        outs = w->outs;
        n_outs = w->n_outs;
        w->outs = NULL;
        w->n_outs = 0;
        w->view = w->stats;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
        record(d, outs, n_outs);
        free(outs);
}

int tw_daemon_renew_metrics(const struct tw_daemon *d, struct tw_buf *out)
{
        struct tw_snapshot snap = {.cfg = d->cfg, .inv = d->inv};

        return tw_metrics_renewal(&snap, d->renew ? &d->renew->view : NULL, out);
}

void tw_daemon_renew_stop(struct tw_daemon *d)
{
        struct tw_daemon_renew *w = d->renew;

        if (!w)
                return;
        pthread_mutex_lock(&w->lock);
        w->stop = true;
        w->cancel = 1;
        pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
        if (w->started)
                pthread_join(w->thread, NULL);
        tw_config_free(w->cfg);
        free(w->due);
        free(w->facts);
        free(w->outs);
        free(w->watch);
        free(w->backoffs);
        free(w->config_path);
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        free(w);
        d->renew = NULL;
}
