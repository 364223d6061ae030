/*
 * The daemon's checks of the copies ([deliver.NAME]): each copy's store is
 * read in the first cycle, then again once [deliver] check_interval has
 * passed since its last check (later when its store rate-limited it), and
 * after every reload.  The checks of a cycle run on worker threads beside
 * the collection and are joined after it, cut at the cycle's deadline.
 * What they found is kept between checks: a token rotated in Astro is
 * judged against the kept states at once.  A failed check is logged once,
 * rate-limited per copy, with one "recovered" line.
 */
#include "agent/daemon/daemon_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cmd/copies.h"
#include "core/config/config.h"
#include "core/copies.h"
#include "exporters/metrics/copies.h"
#include "lib/log.h"
#include "lib/timeutil.h"

struct tw_daemon_copies {
        struct tw_copy_state *states; /* parallel to cfg->copies */
        int64_t *next;                /* when each is due again; 0: now */
        int64_t *retry_after;         /* what a rate-limiting store asked for */
        bool *due;
        struct tw_complain *complain;
        size_t n;
        struct tw_copy_checks round;
        struct tw_copies view;
};

void tw_daemon_copies_reset(struct tw_daemon *d)
{
        struct tw_daemon_copies *k = d->copies;

        if (!k)
                return;
        tw_copy_checks_wait(&k->round, 0, NULL); /* never running here; to be sure */
        free(k->states);
        free(k->next);
        free(k->retry_after);
        free(k->due);
        free(k->complain);
        free(k);
        d->copies = NULL;
}

/* The copies' state for d->cfg, made on first use after a (re)load. */
static struct tw_daemon_copies *copies_for(struct tw_daemon *d)
{
        size_t n = d->cfg->n_copies, m = n ? n : 1;
        struct tw_daemon_copies *k;

        if (d->copies)
                return d->copies;
        k = calloc(1, sizeof(*k));
        if (!k)
                return NULL;
        d->copies = k;
        k->states = calloc(m, sizeof(*k->states));
        k->next = calloc(m, sizeof(*k->next));
        k->retry_after = calloc(m, sizeof(*k->retry_after));
        k->due = calloc(m, sizeof(*k->due));
        k->complain = calloc(m, sizeof(*k->complain));
        if (!k->states || !k->next || !k->retry_after || !k->due || !k->complain) {
                tw_daemon_copies_reset(d);
                return NULL;
        }
        k->n = n;
        for (size_t i = 0; i < n; i++)
                tw_copy_state_init(&k->states[i]);
        k->view = (struct tw_copies){.configs = d->cfg->copies, .states = k->states, .n = n};
        return k;
}

void tw_daemon_copies_begin(struct tw_daemon *d, int64_t now)
{
        struct tw_daemon_copies *k;
        size_t due = 0;

        if (!d->cfg->n_copies)
                return;
        k = copies_for(d);
        if (!k) {
                tw_log(TW_LOG_ERROR, "cannot check the copies", "error", strerror(ENOMEM), NULL);
                return;
        }
        for (size_t i = 0; i < k->n; i++) {
                const struct tw_copy_type *t = tw_copy_type_find(d->cfg->copies[i].type);

                k->due[i] = t && t->checkable && now >= k->next[i];
                due += k->due[i];
        }
        if (!due)
                return;
        k->round = (struct tw_copy_checks){.configs = d->cfg->copies,
                                           .states = k->states,
                                           .retry_after = k->retry_after,
                                           .due = k->due,
                                           .n = k->n,
                                           .now = now};
        if (tw_copy_checks_start(&k->round) < 0 && !k->round.started)
                tw_log(TW_LOG_ERROR, "cannot check the copies", "error", strerror(ENOMEM), NULL);
}

/* Logs how copy i's check went: a failure rate-limited, a recovery once. */
static void log_check(struct tw_daemon_copies *k, const struct tw_config *cfg, size_t i,
                      int64_t now)
{
        const struct tw_copy_state *s = &k->states[i];

        if (s->status == TW_COPY_STATE_FAILED) {
                if (tw_complain_failure(&k->complain[i], now))
                        tw_log(TW_LOG_ERROR,
                               s->known ? "cannot check a copy: judged from its last good check"
                                        : "cannot check a copy",
                               "deliver", cfg->copies[i].name, "type", cfg->copies[i].type, "error",
                               s->message, NULL);
        } else if (s->status == TW_COPY_STATE_CHECKED && tw_complain_success(&k->complain[i])) {
                tw_log(TW_LOG_INFO, "a copy can be checked again", "deliver", cfg->copies[i].name,
                       NULL);
        }
}

void tw_daemon_copies_end(struct tw_daemon *d, int64_t now, int64_t deadline_ns)
{
        struct tw_daemon_copies *k = d->copies;
        int64_t interval = d->cfg->deliver.check_interval;

        if (!k || !k->round.started)
                return;
        tw_copy_checks_wait(&k->round, deadline_ns, d->interrupt);
        for (size_t i = 0; i < k->n; i++) {
                const struct tw_copy_state *s = &k->states[i];

                if (!k->due[i] || s->checked_at != now)
                        continue; /* not due, or not started before a cancel */
                if (s->status == TW_COPY_STATE_FAILED && s->error == -ECANCELED && *d->interrupt)
                        continue; /* stopping or reloading: not a result */
                k->next[i] = now + (k->retry_after[i] > interval ? k->retry_after[i] : interval);
                log_check(k, d->cfg, i, now);
        }
}

const struct tw_copies *tw_daemon_copies(const struct tw_daemon *d)
{
        return d->copies ? &d->copies->view : NULL;
}

int tw_daemon_copies_metrics(const struct tw_daemon *d, struct tw_buf *out)
{
        struct tw_snapshot snap = {
                .cfg = d->cfg, .inv = d->inv, .ev = d->ev, .copies = tw_daemon_copies(d)};

        return tw_copies_metrics(&snap, out);
}
