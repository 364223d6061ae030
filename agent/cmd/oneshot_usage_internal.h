#ifndef TW_AGENT_CMD_ONESHOT_USAGE_INTERNAL_H
#define TW_AGENT_CMD_ONESHOT_USAGE_INTERNAL_H

/* Shared by agent/cmd/oneshot_usage*.c only: one organization's part of a
 * one-shot command's usage (agent/cmd/oneshot_usage.h). */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/credential.h"
#include "core/snapshot.h"

struct tw_config;
struct tw_inventory;
struct tw_usage;

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
