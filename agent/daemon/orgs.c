/* Collecting several organizations: each on its own thread with
 * its own credential, transport and rate limiter; each keeps its last good
 * data, so one that fails neither blocks nor empties the others. */
#include "agent/daemon/daemon_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "core/config/config.h"
#include "core/inventory.h"
#include "lib/timeutil.h"
#include "collectors/astro/astro.h"

/* One organization's collection this cycle. */
struct job {
        struct tw_daemon *d;
        struct tw_daemon_org *org;
        const struct tw_astro_config *a;
        const char *section;
        int64_t now, deadline_ns;
        struct tw_astro_one one; /* the results */
        pthread_t thread;
        bool started;
};

/* Collects, and logs what changed since the last cycle (rate-limited). */
static void *run_job(void *arg)
{
        struct job *j = arg;
        struct tw_astro_one *one = &j->one;

        tw_astro_collect_one(j->a, j->now, j->now, j->d->interrupt, j->deadline_ns, one);
        if (one->step == TW_ASTRO_CREDENTIAL) {
                if (tw_complain_failure(&j->org->complain_credential, j->now))
                        tw_log(TW_LOG_ERROR, "cannot use the Astro API credential", "organization",
                               j->section, "error",
                               one->message.ptr ? one->message.ptr : strerror(-one->error), NULL);
                return NULL;
        }
        if (tw_complain_success(&j->org->complain_credential))
                tw_log(TW_LOG_INFO, "the Astro API credential works again", "organization",
                       j->section, NULL);
        if (one->step == TW_ASTRO_TRANSPORT) {
                tw_log(TW_LOG_ERROR, "cannot set up the HTTP transport", "error", strerror(ENOMEM),
                       NULL);
                return NULL;
        }
        if (one->error < 0 && one->error != -ECANCELED &&
            tw_complain_failure(&j->org->complain_collect, j->now))
                tw_log(TW_LOG_ERROR, "collection failed", "organization", j->section, "error",
                       strerror(-one->error), NULL);
        if (one->error == 0 && tw_complain_success(&j->org->complain_collect))
                tw_log(TW_LOG_INFO, "collection works again", "organization", j->section, NULL);
        return NULL;
}

/* Logs each failed listing, rate-limited as one condition per organization. */
static void log_listings(struct job *j)
{
        const struct tw_inventory *inv = j->one.inv;

        if (tw_inventory_complete(inv)) {
                if (tw_complain_success(&j->org->complain_listing))
                        tw_log(TW_LOG_INFO, "every listing succeeds again", "organization",
                               j->section, NULL);
                return;
        }
        if (!tw_complain_failure(&j->org->complain_listing, j->now))
                return;
        for (size_t i = 0; i < inv->n_errors; i++)
                tw_log(TW_LOG_ERROR, "listing failed", "organization", j->section, "listing",
                       inv->errors[i].listing, "error", inv->errors[i].message, NULL);
}

void tw_daemon_orgs_free(struct tw_daemon *d)
{
        for (size_t i = 0; i < d->n_orgs; i++) {
                free(d->orgs[i].key);
                tw_inventory_free(d->orgs[i].inv);
        }
        free(d->orgs);
        free(d->org_status);
        d->orgs = NULL;
        d->org_status = NULL;
        d->n_orgs = 0;
        d->status.orgs = NULL;
        d->status.n_orgs = 0;
}

/* Matches d->orgs to the config's organizations (a reload may change
 * them): an organization keeps its state while its section stays.  1 when
 * an organization with data went away, else 0; -ENOMEM. */
static int sync_orgs(struct tw_daemon *d)
{
        int gone = 0;
        size_t n = tw_config_org_count(d->cfg);
        struct tw_daemon_org *orgs = calloc(n, sizeof(*orgs));
        struct tw_org_status *st = calloc(n, sizeof(*st));
        char buf[80];

        if (!orgs || !st) {
                free(orgs);
                free(st);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                const struct tw_astro_config *a = tw_config_org(d->cfg, i);
                const char *key = tw_astro_section(a, buf, sizeof(buf));

                st[i].last_success = st[i].credential_expiry = TW_NO_TIME;
                snprintf(st[i].organization, sizeof(st[i].organization), "%s",
                         a->organization_id ? a->organization_id
                         : a->name          ? a->name
                                            : "default");
                for (size_t k = 0; k < d->n_orgs; k++) {
                        if (!d->orgs[k].key || strcmp(d->orgs[k].key, key) != 0)
                                continue;
                        orgs[i] = d->orgs[k];
                        st[i] = d->org_status[k];
                        memset(&d->orgs[k], 0, sizeof(d->orgs[k]));
                        break;
                }
                if (!orgs[i].key)
                        orgs[i].key = strdup(key); /* NULL: matched by nothing, fine */
        }
        for (size_t k = 0; k < d->n_orgs; k++)
                gone |= d->orgs[k].has_data;
        tw_daemon_orgs_free(d);
        d->orgs = orgs;
        d->org_status = st;
        d->n_orgs = n;
        d->status.orgs = st;
        d->status.n_orgs = n;
        return gone;
}

/* Why a job failed, for the status page: its first failed listing or the
 * step that stopped it; "" when it did not. */
static void note_failure(const struct tw_astro_one *one, struct tw_org_status *st)
{
        const struct tw_inventory *inv = one->inv;

        st->failure[0] = '\0';
        st->n_failures = 0;
        if (inv) {
                if (inv->n_errors)
                        snprintf(st->failure, sizeof(st->failure), "%s: %s", inv->errors[0].listing,
                                 inv->errors[0].message);
                st->n_failures = (unsigned)inv->n_errors;
                return;
        }
        if (one->step == TW_ASTRO_CREDENTIAL && one->message.ptr)
                snprintf(st->failure, sizeof(st->failure), "the Astro API credential: %s",
                         one->message.ptr);
        else
                snprintf(st->failure, sizeof(st->failure), "%s: %s",
                         one->step == TW_ASTRO_CREDENTIAL ? "the Astro API credential"
                                                          : "the collection",
                         strerror(one->error < 0 ? -one->error : ENOMEM));
        st->n_failures = 1;
}

/* Takes a job's results into its organization's state; true when it
 * brought new data. */
static bool commit(struct tw_daemon *d, struct job *j, struct tw_org_status *st)
{
        struct tw_inventory *inv = j->one.inv;
        bool credential_failed = j->one.step == TW_ASTRO_CREDENTIAL;
        bool fresh;

        /* Publish new data only when every token page was read: a failed
         * token page would make tokens vanish and their alerts resolve.  A
         * token that alone did not parse is left out (and named) without
         * holding back the others.  The first cycle publishes whatever it has. */
        fresh = inv && (inv->all_pages[TW_LISTING_TOKENS] || !j->org->has_data);
        st->collected = true;
        st->collection_success = inv && tw_inventory_complete(inv);
        note_failure(&j->one, st);
        for (int k = 0; k < _TW_LISTING_KIND_MAX; k++)
                st->listing_success[k] = inv && inv->listed[k];
        if (st->collection_success)
                st->last_success = j->now;
        if (j->one.organization_id[0])
                snprintf(st->organization, sizeof(st->organization), "%s", j->one.organization_id);
        if (!credential_failed)
                st->credential_expiry = j->one.credential_expiry;
        if (inv)
                log_listings(j);
        if (j->one.transport && tw_transport_curl_stats(j->one.transport))
                tw_http_stats_merge(&d->http, tw_transport_curl_stats(j->one.transport));
        d->status.http = &d->http;
        if (fresh) {
                tw_inventory_free(j->org->inv);
                j->org->inv = inv;
                j->org->has_data = true;
                j->one.inv = NULL;
        }
        return fresh;
}

/* The merged view of every organization's last good data.  A single
 * organization's inventory is handed over whole rather than copied: it is
 * only ever needed again to merge with others (after a reload adding an
 * organization, its tokens come back with its next collection). */
static int merge(struct tw_daemon *d, const bool *fresh, int64_t now, struct tw_inventory **ret_inv)
{
        struct tw_inventory_part *parts;
        size_t n = 0;
        int r;

        if (d->n_orgs == 1 && d->orgs[0].inv) {
                struct tw_inventory_part one = {.inv = d->orgs[0].inv,
                                                .name = tw_config_org(d->cfg, 0)->name,
                                                .display_name =
                                                        tw_config_org(d->cfg, 0)->display_name,
                                                .fresh = fresh[0]};

                r = tw_inventory_adopt(d->orgs[0].inv, &one);
                if (r == 0) {
                        *ret_inv = d->orgs[0].inv;
                        d->orgs[0].inv = NULL;
                }
                return r;
        }
        parts = calloc(d->n_orgs, sizeof(*parts));
        if (!parts)
                return -ENOMEM;
        for (size_t i = 0; i < d->n_orgs; i++) {
                const struct tw_astro_config *a = tw_config_org(d->cfg, i);

                if (!d->orgs[i].inv)
                        continue;
                parts[n].inv = d->orgs[i].inv;
                parts[n].name = a->name;
                parts[n].display_name = a->display_name;
                parts[n++].fresh = fresh[i];
        }
        r = tw_inventory_merge(parts, n, now, ret_inv);
        free(parts);
        return r;
}

static void start_job(struct job *j, bool thread)
{
        sigset_t block, old;

        if (thread) {
                /* Signals stay with the main thread. */
                sigfillset(&block);
                pthread_sigmask(SIG_BLOCK, &block, &old);
                j->started = pthread_create(&j->thread, NULL, run_job, j) == 0;
                pthread_sigmask(SIG_SETMASK, &old, NULL);
                if (j->started)
                        return;
        }
        run_job(j);
}

int tw_daemon_collect(struct tw_daemon *d, int64_t now, int64_t deadline_ns,
                      struct tw_inventory **ret_inv, size_t *ret_failed)
{
        struct job *jobs;
        bool *fresh, any_fresh = false;
        char(*sections)[80];
        int r = 0;

        *ret_inv = NULL;
        *ret_failed = 0;
        if (sync_orgs(d) < 0)
                return -ENOMEM;
        jobs = calloc(d->n_orgs, sizeof(*jobs));
        fresh = calloc(d->n_orgs, sizeof(*fresh));
        sections = calloc(d->n_orgs, sizeof(*sections));
        if (!jobs || !fresh || !sections) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < d->n_orgs; i++) {
                jobs[i] = (struct job){
                        .d = d, .org = &d->orgs[i], .now = now, .deadline_ns = deadline_ns};
                jobs[i].a = tw_config_org(d->cfg, i);
                jobs[i].section = tw_astro_section(jobs[i].a, sections[i], sizeof(sections[i]));
                start_job(&jobs[i], d->n_orgs > 1);
        }
        for (size_t i = 0; i < d->n_orgs; i++)
                if (jobs[i].started)
                        pthread_join(jobs[i].thread, NULL);
        d->last_cycle_credential_failed = false;
        if (*d->interrupt) {
                /* Stopping, or reloading: a cut collection is no data. */
                r = -ECANCELED;
                goto out;
        }
        d->status.collection_success = true;
        d->status.credential_expiry = TW_NO_TIME;
        for (int k = 0; k < _TW_LISTING_KIND_MAX; k++)
                d->status.listing_success[k] = true;
        for (size_t i = 0; i < d->n_orgs; i++) {
                struct tw_org_status *st = &d->org_status[i];

                *ret_failed += jobs[i].one.inv ? jobs[i].one.inv->n_errors : 0;
                fresh[i] = commit(d, &jobs[i], st);
                any_fresh |= fresh[i];
                d->last_cycle_credential_failed |= jobs[i].one.step == TW_ASTRO_CREDENTIAL;
                d->status.collection_success &= st->collection_success;
                for (int k = 0; k < _TW_LISTING_KIND_MAX; k++)
                        d->status.listing_success[k] &= st->listing_success[k];
                if (st->credential_expiry != TW_NO_TIME &&
                    (d->status.credential_expiry == TW_NO_TIME ||
                     st->credential_expiry < d->status.credential_expiry))
                        d->status.credential_expiry = st->credential_expiry;
        }
        if (any_fresh && merge(d, fresh, now, ret_inv) < 0)
                tw_log(TW_LOG_ERROR, "cannot merge the organizations' data: keeping the last",
                       "error", strerror(ENOMEM), NULL);
out:
        for (size_t i = 0; jobs && i < d->n_orgs; i++)
                tw_astro_one_done(&jobs[i].one);
        free(jobs);
        free(fresh);
        free(sections);
        return r;
}
