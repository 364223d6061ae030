/* The renewal thread: resumes the journals that fall due, starts the
 * renewals of due tokens, reports what happened (agent/daemon/daemon_internal.h). */
#include "agent/daemon/renew_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config/config.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/timeutil.h"

#define WAKE_MAX 60 /* seconds between looks at the journals without a cycle */

/* What one pass gathers, handed to the daemon at its end. */
struct pass {
        struct tw_rotate_outcome *outs;
        size_t n_outs;
        char (*watch)[64];
        size_t n_watch;
        struct tw_renewal_stats stats;
        int64_t next_wake;
};

static void reload(struct tw_daemon_renew *w, unsigned generation)
{
        struct tw_config *cfg = NULL;
        struct tw_buf err;

        tw_buf_init(&err, 1 << 16);
        if (tw_config_load_file(w->config_path, &cfg, &err) == 0) {
                tw_config_free(w->cfg);
                w->cfg = cfg;
        } /* else the daemon logged why, and keeps its old configuration too */
        w->cfg_generation = generation;
        tw_buf_done(&err);
}

/* The organization index of a journal's [astro.NAME] ("" for [astro]). */
static bool org_named(const struct tw_config *cfg, const char *name, size_t *ret)
{
        for (size_t i = 0; i < tw_config_org_count(cfg); i++) {
                const char *n = tw_config_org(cfg, i)->name;

                if (strcmp(n ? n : "", name) == 0) {
                        *ret = i;
                        return true;
                }
        }
        return false;
}

static struct renew_backoff *backoff_of(struct tw_daemon_renew *w, const char *id)
{
        for (size_t i = 0; i < w->n_backoffs; i++)
                if (strcmp(w->backoffs[i].token_id, id) == 0)
                        return &w->backoffs[i];
        return NULL;
}

/* Keeps the backoff of a failure no journal holds (the token could not be read). */
static void remember_failure(struct tw_daemon_renew *w, const struct tw_rotate_outcome *o)
{
        struct renew_backoff *b = backoff_of(w, o->token_id), *n;
        int64_t now = tw_now();

        if (!b) {
                n = realloc(w->backoffs, (w->n_backoffs + 1) * sizeof(*n));
                if (!n)
                        return;
                w->backoffs = n;
                b = &n[w->n_backoffs++];
                memset(b, 0, sizeof(*b));
                snprintf(b->token_id, sizeof(b->token_id), "%s", o->token_id);
        }
        b->failures++;
        b->next_at = tw_rotation_next_attempt(b->failures, now, o->old_end_at);
}

static void forget_failure(struct tw_daemon_renew *w, const char *id)
{
        struct renew_backoff *b = backoff_of(w, id);

        if (b)
                *b = w->backoffs[--w->n_backoffs];
}

static void add_out(struct pass *p, const struct tw_rotate_outcome *o)
{
        struct tw_rotate_outcome *n = realloc(p->outs, (p->n_outs + 1) * sizeof(*n));

        if (!n)
                return; /* its event is lost; the journal still says everything */
        p->outs = n;
        p->outs[p->n_outs++] = *o;
}

static void add_retry(struct pass *p, const char *id, int64_t at)
{
        struct tw_renewal_retry *r;

        if (p->stats.n_retries >= TW_RENEWAL_STATS_MAX || at == TW_NO_TIME)
                return;
        r = &p->stats.retries[p->stats.n_retries++];
        snprintf(r->token_id, sizeof(r->token_id), "%s", id);
        r->at = at;
}

static void add_watch(struct pass *p, const char *id)
{
        char(*n)[64] = realloc(p->watch, (p->n_watch + 1) * sizeof(*n));

        if (!n)
                return;
        p->watch = n;
        snprintf(p->watch[p->n_watch++], 64, "%s", id);
}

static void wake_at(struct pass *p, int64_t at)
{
        if (at != TW_NO_TIME && at < p->next_wake)
                p->next_wake = at;
}

/* Runs one renewal and takes its outcome into p. */
static void run(struct tw_daemon_renew *w, struct pass *p, size_t org, const char *id, bool start,
                const struct tw_rotate_usage *usage)
{
        const struct tw_rotate_options o = {
                .cfg = w->cfg, .cancel = &w->cancel, .start = start, .usage = usage};
        struct tw_rotate_outcome out;

        if (tw_rotate_token(&o, org, id, &out) < 0 || out.result == TW_ROTATE_NOTHING)
                return;
        if (out.renewed)
                p->stats.success++;
        if (out.result == TW_ROTATE_FAILED) {
                p->stats.failure++;
                if (out.next_at == TW_NO_TIME)
                        remember_failure(w, &out);
        } else {
                forget_failure(w, id);
        }
        if (out.result != TW_ROTATE_WAITING || out.renewed || out.started)
                add_out(p, &out);
}

static const struct tw_rotate_usage *fact_of(const struct renew_fact *facts, size_t n,
                                             const char *id)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(facts[i].token_id, id) == 0)
                        return &facts[i].usage;
        return NULL;
}

/* The journals as they stand: what waits (retries, deletions), and when to look again. */
static void survey(struct tw_daemon_renew *w, struct pass *p, int64_t now)
{
        struct tw_rotate_journal *js = NULL;
        size_t n = 0;

        if (tw_rotate_journals(w->cfg->agent.state_dir, now, &js, &n, NULL) < 0)
                return;
        for (size_t i = 0; i < n; i++) {
                add_retry(p, js[i].token_id, js[i].retry_at);
                if (js[i].waits_for_retire)
                        add_watch(p, js[i].token_id);
                wake_at(p, js[i].next_at);
        }
        for (size_t i = 0; i < w->n_backoffs; i++)
                add_retry(p, w->backoffs[i].token_id, w->backoffs[i].next_at);
        free(js);
}

static bool has_journal(const struct tw_rotate_journal *js, size_t n, const char *id)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(js[i].token_id, id) == 0)
                        return true;
        return false;
}

/* Resumes the journals that are due, then starts the due tokens' renewals. */
static void one_pass(struct tw_daemon_renew *w, struct pass *p, const struct renew_due *due,
                     size_t n_due, const struct renew_fact *facts, size_t n_facts)
{
        struct tw_rotate_journal *js = NULL;
        int64_t now = tw_now();
        struct tw_buf note;
        size_t n = 0, org;

        tw_buf_init(&note, 1 << 16);
        if (tw_rotate_journals(w->cfg->agent.state_dir, now, &js, &n, &note) < 0)
                n = 0;
        if (note.len)
                tw_log_lines(TW_LOG_ERROR, "renewal journal", note.ptr);
        tw_buf_done(&note);
        for (size_t i = 0; i < n && !w->cancel; i++) {
                if (js[i].next_at != TW_NO_TIME && now < js[i].next_at)
                        continue;
                if (!org_named(w->cfg, js[i].organization, &org)) {
                        tw_log(TW_LOG_ERROR,
                               "a renewal journal names an organization the configuration no "
                               "longer has: it waits until the section is back",
                               "token_id", js[i].token_id, "organization", js[i].organization,
                               NULL);
                        continue;
                }
                run(w, p, org, js[i].token_id, false, fact_of(facts, n_facts, js[i].token_id));
        }
        for (size_t i = 0; i < n_due && !w->cancel; i++) {
                const struct renew_backoff *b = backoff_of(w, due[i].token_id);

                if (has_journal(js, n, due[i].token_id) || (b && now < b->next_at))
                        continue;
                run(w, p, due[i].org, due[i].token_id, true, NULL);
        }
        free(js);
        survey(w, p, tw_now());
}

/* Waits for a cycle's inputs or the next journal falling due. */
static void wait_for_work(struct tw_daemon_renew *w, int64_t next_wake)
{
        int64_t left = next_wake - tw_now();
        struct timespec ts;

        if (left > WAKE_MAX)
                left = WAKE_MAX;
        if (left < 1)
                left = 1;
        ts = tw_mono_timespec(tw_mono_ns() + left * INT64_C(1000000000));
        while (!w->stop && !w->input)
                if (pthread_cond_timedwait(&w->wake, &w->lock, &ts) != 0)
                        break;
}

void *tw_renew_worker(void *arg)
{
        struct tw_daemon_renew *w = arg;
        int64_t next_wake = 0;

        pthread_mutex_lock(&w->lock);
        while (!w->stop) {
                struct renew_due *due;
                struct renew_fact *facts;
                size_t n_due, n_facts;
                unsigned gen;
                struct pass p = {.next_wake = tw_now() + WAKE_MAX};

                wait_for_work(w, next_wake);
                if (w->stop)
                        break;
                w->input = false;
                due = w->due, n_due = w->n_due, facts = w->facts, n_facts = w->n_facts;
                w->due = NULL, w->n_due = 0, w->facts = NULL, w->n_facts = 0;
                gen = w->generation;
                pthread_mutex_unlock(&w->lock);

                if (!w->cfg || gen != w->cfg_generation)
                        reload(w, gen);
                if (w->cfg)
                        one_pass(w, &p, due, n_due, facts, n_facts);
                next_wake = p.next_wake;
                free(due);
                free(facts);

                pthread_mutex_lock(&w->lock);
                for (size_t i = 0; i < p.n_outs; i++) {
                        struct tw_rotate_outcome *n =
                                realloc(w->outs, (w->n_outs + 1) * sizeof(*n));

                        if (n) {
                                w->outs = n;
                                w->outs[w->n_outs++] = p.outs[i];
                        }
                }
                free(w->watch);
                w->watch = p.watch;
                w->n_watch = p.n_watch;
                p.stats.success += w->stats.success;
                p.stats.failure += w->stats.failure;
                w->stats = p.stats;
                free(p.outs);
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}
