#ifndef TW_AGENT_DAEMON_DAEMON_INTERNAL_H
#define TW_AGENT_DAEMON_DAEMON_INTERNAL_H

/* The daemon's state, shared by the files of agent/daemon/ only. */

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "exporters/trail/history.h"
#include "agent/daemon/daemon.h"
#include "lib/log.h"
#include "core/status.h"
#include "lib/http/http.h"

struct tw_buf;
struct tw_trail;
struct tw_config;
struct tw_copies;
struct tw_daemon_copies;
struct tw_daemon_renew;
struct tw_daemon_usage;
struct tw_evaluation;
struct tw_http_server;
struct tw_inventory;

/* One organization's state (agent/daemon/orgs.c), parallel to the config's
 * organizations (tw_config_org()). */
struct tw_daemon_org {
        char *key;                /* its section, to match it across reloads */
        struct tw_inventory *inv; /* its last good data, or NULL: none yet, or
                                     handed over whole (a single organization) */
        bool has_data;            /* it published data once */
        struct tw_complain complain_credential, complain_collect, complain_listing;
};

struct tw_daemon {
        const char *config_path;
        const struct tw_daemon_options *opts;
        struct tw_config *cfg;
        struct tw_http_server *server; /* NULL: not serving */

        /* The last good data, published until a better one comes. */
        struct tw_inventory *inv;
        struct tw_evaluation *ev;

        /* The audit trail of token changes; NULL until it opens (retried each cycle). */
        struct tw_trail *trail;
        char *trail_dir; /* the state_dir it was opened in */
        /* Its last 30 days, for the status page: read again when the trail
         * records changes, and hourly (the window slides). */
        struct tw_trail_history history;
        bool history_read;

        /* The Astro audit logs' usage index (below): an
         * immutable copy taken each cycle, NULL when there is none. */
        const struct tw_usage *usage;
        struct tw_daemon_usage *audit_logs; /* the reader thread; NULL until the first cycle */
        /* The renewals (below): the thread; NULL until the first cycle. */
        struct tw_daemon_renew *renew;
        bool renew_said_off;

        struct tw_agent_status status;
        struct tw_http_stats http; /* cumulative since start */
        struct tw_complain complain_credential, complain_collect, complain_listing,
                complain_publish, complain_audit;

        /* / was asked for while its page was stale (set by a server thread) */
        atomic_bool status_asked;
        int wake_fd;                      /* written to wake the main loop (-1: none) */
        int lock_fd;                      /* state_dir/tokenwatch.lock, flock()ed (-1: none) */
        volatile sig_atomic_t *stop;      /* set by SIGTERM/SIGINT */
        volatile sig_atomic_t *interrupt; /* set by those and SIGHUP; aborts transfers */
        bool last_cycle_credential_failed;
        bool owner_rules_checked; /* this config's [owners] rules against the workspaces */

        /* The copies' checks and their last states (agent/daemon/copies.c);
         * NULL until the first cycle with copies, and after a reload. */
        struct tw_daemon_copies *copies;

        struct tw_daemon_org *orgs;
        struct tw_org_status *org_status; /* parallel to orgs, for status.orgs */
        size_t n_orgs;
};

/* Collects every organization (each on its own thread, transport and rate
 * limiter, listings still running at deadline_ns failing); on success,
 * updates each organization's last good data and status and returns the
 * merged inventory in *ret_inv when any organization brought new data
 * (NULL otherwise).  *ret_failed counts this cycle's failed listings.
 * Returns -ECANCELED (nothing changed) when interrupted. */
int tw_daemon_collect(struct tw_daemon *d, int64_t now, int64_t deadline_ns,
                      struct tw_inventory **ret_inv, size_t *ret_failed);
void tw_daemon_orgs_free(struct tw_daemon *d);

/* One cycle: collect, evaluate, publish, call on_cycle, log. */
void tw_daemon_cycle(struct tw_daemon *d);
/* The changes of the last 30 days for the status page; NULL while no
 * trail is open.  Reads the trail when it changed or hourly. */
const struct tw_event_history *tw_daemon_history(struct tw_daemon *d, int64_t now);
/* Records the published data's changes in the audit trail and logs the
 * events that matter; opens the trail first when needed. */
void tw_daemon_trail(struct tw_daemon *d, int64_t now);
void tw_daemon_trail_close(struct tw_daemon *d);
/* Logs, once per configuration, each [owners] rule naming a workspace inv
 * does not hold (load cannot know the organization's
 * workspaces); waits for a cycle whose workspaces were all listed. */
void tw_daemon_check_owner_rules(struct tw_daemon *d, const struct tw_inventory *inv);
/* The copies (agent/daemon/copies.c): begin starts the checks that are due
 * (beside the collection), end joins them (cut at deadline_ns or on
 * interrupt), schedules the next and logs failures; tw_daemon_copies() is
 * what the evaluator reads (NULL: no copies); reset drops every state (a
 * reload: the new config's copies are all checked again). */
void tw_daemon_copies_begin(struct tw_daemon *d, int64_t now);
void tw_daemon_copies_end(struct tw_daemon *d, int64_t now, int64_t deadline_ns);
const struct tw_copies *tw_daemon_copies(const struct tw_daemon *d);
/* Appends the copies' families to the metrics page: 0 or a negative errno. */
int tw_daemon_copies_metrics(const struct tw_daemon *d, struct tw_buf *out);
void tw_daemon_copies_reset(struct tw_daemon *d);

/* Renders the page from the last good data and the status, and publishes it. */
void tw_daemon_publish(struct tw_daemon *d);
/* Between cycles, an input of the pages changed (the audit-log readers'
 * news): evaluates the last good data again at now and publishes. */
void tw_daemon_refresh(struct tw_daemon *d);
/* Renders and publishes the status page now, if there is data (a request
 * for / found it stale). */
void tw_daemon_publish_status(struct tw_daemon *d);
/* The server's status_wanted: notes the request and wakes the main loop
 * (ctx: the daemon).  Safe from any thread. */
void tw_daemon_status_wanted(void *ctx);

/*
 * The daemon's readers of the Astro audit logs (agent/daemon/auditlog*.c):
 * one per organization, each on a thread of its own so that a long backfill
 * never delays a token collection, each with its own cursor and state file
 * (audit-usage.json for [astro], audit-usage.NAME.json for [astro.NAME]).
 *
 * Each cycle (the daemon's thread) tw_daemon_usage_cycle() hands every
 * reader what it needs: [audit_logs] settings, its organization's API base, id
 * and bearer (loaded as collect() loads them) and the ids of its listed
 * tokens; and takes the newest copy of each usage index a reader published.
 * d->usage then points at the only one, or at their merge (owned here; the
 * threads never touch it).  A reader fetches at once, then every
 * [audit_logs] interval; after each fetch it publishes a deep copy of its
 * index (mutex + swap).
 *
 * Errors are logged by the readers, rate-limited, naming the organization;
 * none is fatal.  With enabled = auto a 403 turns that organization's
 * reading off with one log line, until its credential changes or the agent
 * restarts.
 *
 * With --once no thread starts: d->usage is what state_dir holds.
 *
 * tw_daemon_usage_stop() cancels the fetches in flight (polled every 100 ms)
 * and joins the threads.
 */

/* Feeds the readers (starting them the first time) and takes their news. */
void tw_daemon_usage_cycle(struct tw_daemon *d, int64_t now);
/* Takes what the readers fetched since the last look, between cycles (a
 * reader writes to d->wake_fd after each fetch); true when anything was
 * taken: d->usage or the self-metrics changed, the page is to be made
 * again. */
bool tw_daemon_usage_take(struct tw_daemon *d);
/* Appends the audit-log families to the metrics page: 0 or a negative errno. */
int tw_daemon_usage_metrics(const struct tw_daemon *d, struct tw_buf *out);
/* Stops the thread and frees everything; d->usage is NULL after. */
void tw_daemon_usage_stop(struct tw_daemon *d);

/*
 * The daemon's renewals ([rotation]), on a thread of their own: a renewal
 * calls Astro and every store, waits out their rate limits and retries,
 * and may take minutes; collections go on every interval meanwhile, and the
 * metrics page stays fresh.
 *
 * Each cycle (the daemon's thread) tw_daemon_renew():
 *   - hands the thread the tokens that are due ([rotation] enabled = true:
 *     a [deliver.NAME] copy, an expiry, within `before`), and what the
 *     audit logs say of the old tokens waiting to be deleted;
 *   - takes what the thread did since: each renewal done, failed or held
 *     becomes a change event (renewed, renewal_failed, retire_held) for the
 *     trail (tw_trail_note) and the sinks (on_events), and a log line.
 * The thread resumes every journal in state_dir at start and whenever one
 * falls due - whether or not [rotation] is enabled: a started renewal is
 * always finished - and starts the renewals of the due tokens.  It reloads
 * its copy of the configuration when the daemon's changes (SIGHUP).
 *
 * Not under `run --once` nor `run --dry-run`: both leave every token and
 * store as it is (`tokenwatch rotate` renews on demand).
 *
 * tw_daemon_renew_stop() cancels a renewal in flight (its transfers abort
 * within 100 ms; the journal says where it stood) and joins the thread.
 */

void tw_daemon_renew(struct tw_daemon *d, int64_t now);
/* The renewal families (exporters/metrics/renewal.h): 0 or a negative errno. */
int tw_daemon_renew_metrics(const struct tw_daemon *d, struct tw_buf *out);
void tw_daemon_renew_stop(struct tw_daemon *d);

#endif
