#ifndef TW_AGENT_CMD_ONESHOT_USAGE_INTERNAL_H
#define TW_AGENT_CMD_ONESHOT_USAGE_INTERNAL_H

/*
 * The audit-log usage of a one-shot command (`report`, `audit`), for each
 * organization of the config (or the one --organization names), in this
 * order of preference:
 *
 *   1. the daemon's index (state_dir/audit-usage[.NAME].json, read only)
 *      when it is fresh: it read the audit logs within two [audit_logs]
 *      intervals, names this organization and API URL, and (with --since)
 *      goes back that far;
 *   2. what an earlier one-shot command read and kept, when it is fresh the
 *      same way and read the same window;
 *   3. the audit logs themselves, read now for the window (--since, else
 *      [audit_logs] backfill; at most the 90 days they keep) by the
 *      collector the daemon uses (collectors/auditlog), at most two calls,
 *      with a progress line on stderr when it is a terminal.  What it read is
 *      kept for step 2 in $XDG_CACHE_HOME/tokenwatch (else
 *      ~/.cache/tokenwatch), audit-usage.ORGANIZATION_ID.json, 0600.
 *
 * Never the daemon's lock, never a write into state_dir.  [audit_logs]
 * enabled = false: nothing at all.  A credential that may not read the audit
 * logs (403) is one log line per organization (a warning with auto, an error
 * with true) and, with true, a note where the usage would be; any other
 * failure is an error line and a note.  Nothing here changes an exit code.
 *
 *   tw_oneshot_usage_plan(cfg, &o, now, &u);   // no network
 *   if (tw_oneshot_usage_to_read(&u)) ... collect the tokens into inv ...
 *   tw_oneshot_usage_read(&u, inv, now);        // inv NULL: cannot list
 *   ... u.usage, u.origins ...
 *   tw_oneshot_usage_done(&u);
 */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/credential.h"
#include "core/snapshot.h"

struct tw_config;
struct tw_inventory;
struct tw_usage;
struct oneshot_org;

struct tw_oneshot_usage_options {
        int64_t since_s;          /* --since; 0: [audit_logs] backfill; capped at 90 days */
        const char *organization; /* --organization: only this one; NULL: every one */
        bool progress;            /* show the progress line (stderr is a terminal) */
};

struct tw_oneshot_usage {
        struct tw_usage *usage; /* every organization's, merged; NULL: none */
        struct tw_usage_origin *origins;
        size_t n_origins;

        /* private */
        const struct tw_config *cfg;
        struct tw_oneshot_usage_options o;
        struct oneshot_org *orgs;
        size_t n_orgs;
};

/* Fills *u (which the caller then owns: tw_oneshot_usage_done()) from the
 * files alone; logs a daemon's file that cannot be read.  0 or -ENOMEM. */
int tw_oneshot_usage_plan(const struct tw_config *cfg, const struct tw_oneshot_usage_options *o,
                          int64_t now, struct tw_oneshot_usage *u);
/* Whether an organization's audit logs are still to be read. */
bool tw_oneshot_usage_to_read(const struct tw_oneshot_usage *u);
/* Reads them (inv: the listed tokens, to link usage to them; NULL when they
 * could not be listed: then a note instead), then merges every
 * organization's index into u->usage and sets u->origins.  0 or -ENOMEM. */
int tw_oneshot_usage_read(struct tw_oneshot_usage *u, const struct tw_inventory *inv, int64_t now);
void tw_oneshot_usage_done(struct tw_oneshot_usage *u);

/* The parts of agent/cmd/oneshot_usage*.c: one organization's share of a
 * one-shot command's usage. */
struct oneshot_org {
        const struct tw_astro_config *a;
        char *org_id; /* the credential's, else the config's, else "" */
        char *label;  /* how people name it: display name, NAME, or the id */
        bool off;     /* nothing to say: [audit_logs] enabled = false, or auto's 403 */
        bool to_read; /* no fresh file: the audit logs are to be read */
        enum tw_usage_from from;
        struct tw_usage *usage; /* with from DAEMON, KEPT or READ_NOW */
        int64_t since, until;   /* seconds, TW_NO_TIME: unknown */
        char *note;             /* with from NONE */
        int64_t window;         /* seconds to read back */
        struct tw_credential_info cred;
        bool have_cred;
        char kept_dir[PATH_MAX]; /* "" when nothing can be kept */
        char kept_file[160];
};

/* Reads organization g's audit logs for g->window (oneshot_usage_read.c):
 * sets g->from (READ_NOW with g->usage, or NONE with a note), or g->off
 * for auto's 403; logs the outcome.  inv: the listed tokens, or NULL.
 * 0 or -ENOMEM. */
int tw_oneshot_read_org(struct oneshot_org *g, const struct tw_config *cfg,
                        const struct tw_inventory *inv, bool progress, int64_t now);

#endif
