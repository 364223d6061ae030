/* The audit-log reader thread: fetch, publish a copy, log.  See
 * agent/daemon/daemon_internal.h. */
#include "agent/daemon/auditlog_internal.h"

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

void tw_daemon_usage_params_free(struct params *p)
{
        if (!p)
                return;
        free(p->base_url);
        free(p->api_url);
        free(p->org);
        free(p->state_dir);
        free(p->state_file);
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
               same(a->api_url, b->api_url) && same(a->org, b->org) &&
               same(a->state_dir, b->state_dir) && same(a->state_file, b->state_file) &&
               same(a->bearer, b->bearer);
}

/* Hands the daemon's thread a copy of the index (nothing if it cannot be
 * made: the next fetch publishes again). */
static void publish(struct tw_auditlog_reader *w)
{
        struct tw_usage *copy = NULL, *old;
        int r = tw_usage_copy(tw_auditlog_collector_usage(w->col), &copy);

        if (r < 0) {
                tw_log(TW_LOG_WARN, "cannot copy the audit-log usage index", "error", strerror(-r),
                       NULL);
                return;
        }
        pthread_mutex_lock(&w->lock);
        old = w->published;
        w->published = copy;
        pthread_mutex_unlock(&w->lock);
        tw_usage_free(old);
}

/* Opens the collector (its state file) for w->cur; 0 or a negative errno (logged). */
static int open_collector(struct tw_auditlog_reader *w, int64_t now)
{
        const struct params *p = w->cur;
        struct tw_auditlog_options o = {
                .base_url = p->base_url,
                .api_url = p->api_url,
                .organization_id = p->org,
                .bearer = p->bearer,
                .state_dir = p->state_dir,
                .state_file = p->state_file,
                .backfill_s = p->backfill,
                .cancel = &w->cancel,
        };
        struct tw_auditlog_moved moved = {0};
        int r;

        r = tw_statefile_ensure_dir(p->state_dir);
        if (r >= 0)
                r = tw_auditlog_collector_new(&o, now, &w->col, &moved);
        if (moved.path && moved.other)
                tw_log(TW_LOG_WARN,
                       "the audit-log state file belongs to another organization or API: moved "
                       "aside, not merged; the audit logs are read again from the backfill",
                       "file", moved.path, "names", moved.named, "organization", p->org, "api_url",
                       p->api_url, NULL);
        else if (moved.path)
                tw_log(TW_LOG_WARN,
                       "the audit-log state file did not parse: moved aside, the audit logs are "
                       "read again from the backfill",
                       "file", moved.path, NULL);
        free(moved.path);
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
static void log_outcome(struct tw_auditlog_reader *w, int r,
                        const struct tw_auditlog_fetch_result *res, int64_t now)
{
        char entries[32], status[16];

        snprintf(entries, sizeof(entries), "%llu", (unsigned long long)res->entries);
        snprintf(status, sizeof(status), "%ld", res->status);
        if (r == 0) {
                if (tw_complain_success(&w->complain))
                        tw_log(TW_LOG_INFO, "the Astro audit logs are read again", "organization",
                               w->cur->org, NULL);
                tw_log(TW_LOG_INFO, "audit logs read", "organization", w->cur->org, "entries",
                       entries, NULL);
                return;
        }
        if (r == -ECANCELED)
                return;
        if (r == -EACCES && w->cur->mode == TW_AUDITLOG_AUTO) {
                tw_log(TW_LOG_WARN,
                       "the credential may not read the Astro audit logs (403: not an "
                       "Organization Owner): audit-log usage is off; [audit_logs] enabled = true "
                       "retries every interval, false silences this",
                       "organization", w->cur->org, NULL);
                return;
        }
        if (!tw_complain_failure(&w->complain, now))
                return;
        tw_log(TW_LOG_ERROR, "cannot read the Astro audit logs: retried next interval",
               "organization", w->cur->org, "error",
               r == -EACCES  ? "403: the credential is not an Organization Owner"
               : r == -EPERM ? "401: the credential was refused"
               : r == -EAGAIN
                       ? "429: rate limited"
                       : (res->error_text && *res->error_text ? res->error_text : strerror(-r)),
               "status", status, "request_id", res->request_id, "entries_taken", entries, NULL);
}

/* One fetch with w->cur (the lock not held). */
static void fetch_once(struct tw_auditlog_reader *w)
{
        struct tw_auditlog_fetch_result res = {0};
        const struct params *p = w->cur;
        int64_t now = tw_now();
        int r;

        if (!w->col && open_collector(w, now) < 0) {
                pthread_mutex_lock(&w->lock);
                w->status.failures++;
                pthread_mutex_unlock(&w->lock);
                return;
        }
        r = tw_usage_set_known_tokens(tw_auditlog_collector_usage(w->col),
                                      (const char *const *)p->ids, p->n_ids);
        if (r == 0)
                r = tw_auditlog_fetch(w->col, now, &res);
        if (res.entries)
                publish(w);
        pthread_mutex_lock(&w->lock);
        w->status.entries += res.entries;
        for (int k = 0; k < _TW_AUDIT_SKIP_MAX; k++)
                w->status.skipped[k] += res.skipped[k];
        if (r == 0)
                w->status.last_success = now;
        else if (r == -EACCES && p->mode == TW_AUDITLOG_AUTO)
                w->denied = true;
        else if (r != -ECANCELED)
                w->status.failures++;
        w->status.enabled = !w->denied;
        pthread_mutex_unlock(&w->lock);
        log_outcome(w, r, &res, now);
        if (w->on_news && r != -ECANCELED)
                w->on_news(w->userdata);
}

/* Takes w->next (lock held); a new source needs a new collector. */
static void adopt(struct tw_auditlog_reader *w)
{
        if (!same_source(w->cur, w->next)) {
                tw_auditlog_collector_free(w->col);
                w->col = NULL;
                w->denied = false; /* another credential may be an owner */
        }
        tw_daemon_usage_params_free(w->cur);
        w->cur = w->next;
        w->next = NULL;
}

void *tw_daemon_usage_reader(void *arg)
{
        struct tw_auditlog_reader *w = arg;

        pthread_mutex_lock(&w->lock);
        while (!w->cancel) {
                int64_t left;
                bool on;

                if (w->next)
                        adopt(w);
                on = w->cur && w->cur->mode != TW_AUDITLOG_OFF &&
                     !(w->denied && w->cur->mode == TW_AUDITLOG_AUTO);
                w->status.enabled = on;
                if (!on) {
                        pthread_cond_wait(&w->cond, &w->lock);
                        continue;
                }
                left = w->next_fetch_ns - tw_mono_ns();
                if (left > 0) {
                        struct timespec ts = tw_mono_timespec(w->next_fetch_ns);

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
