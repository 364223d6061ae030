#ifndef TW_CORE_STATUS_H
#define TW_CORE_STATUS_H

/*
 * The agent's view of itself, for the self-metrics (tokenwatch_*): how the
 * last collection went, what the API transport counted since start, the
 * credential's expiry and the last configuration reload.  Filled by the
 * daemon; read by exporters together with a snapshot.  Plain data: the
 * owner decides about thread-safety (the daemon renders on its own thread).
 */

#include <stdbool.h>
#include <stdint.h>

#include "core/inventory.h"

struct tw_http_stats;

/* One organization's collection health. */
struct tw_org_status {
        char organization[128]; /* its id; its config section until the id is known */
        bool collected;         /* at least one cycle tried it */
        bool collection_success;
        bool listing_success[_TW_LISTING_KIND_MAX];
        int64_t last_success;      /* or TW_NO_TIME */
        int64_t credential_expiry; /* or TW_NO_TIME */
        /* Why the last cycle failed, for a person (the status page): the
         * first failed listing ("listing: message") or the step that
         * stopped it; "" when it did not fail.  n_failures counts the failed
         * listings (1 for a failure before any listing). */
        char failure[512];
        unsigned n_failures;
};

struct tw_agent_status {
        const char *version;     /* tokenwatch_build_info{version} */
        bool collected;          /* at least one cycle finished (good or bad) */
        bool collection_success; /* the last cycle collected a complete inventory */
        /* The last cycle's listings, by kind (false also when the cycle
         * failed before listing anything). */
        bool listing_success[_TW_LISTING_KIND_MAX];
        int64_t last_success;             /* Unix time of the last good cycle, or TW_NO_TIME */
        double collection_duration;       /* seconds the last cycle took */
        uint64_t cycles;                  /* cycles finished since start (good or bad) */
        const struct tw_http_stats *http; /* cumulative since start; NULL: none yet */
        int64_t credential_expiry;        /* TW_NO_TIME: unknown or never */
        bool config_reload_success;       /* the last (re)load of the config succeeded */
        int64_t config_reload_time;       /* Unix time of that (re)load, or TW_NO_TIME */
        /* Per organization: the health families carry an organization
         * label from these; NULL: one unlabelled series from the fields above. */
        const struct tw_org_status *orgs;
        size_t n_orgs;
};

/* A status with nothing known yet: every time TW_NO_TIME, every flag false
 * except config_reload_success. */
void tw_agent_status_init(struct tw_agent_status *st, const char *version);

/* The listing label of a kind: "workspaces", "deployments", "users", "tokens". */
const char *tw_listing_kind_to_string(enum tw_listing_kind k);

#endif
