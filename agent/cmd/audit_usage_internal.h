#ifndef TW_AGENT_CMD_AUDIT_USAGE_INTERNAL_H
#define TW_AGENT_CMD_AUDIT_USAGE_INTERNAL_H

/* `tokenwatch audit`'s Part 2 input: the audit-log usage of a one-shot
 * command (agent/cmd/oneshot_usage_internal.h: the daemon's index when fresh, else
 * kept or read now) and a token listing to name the tokens. */

#include <stdint.h>

struct tw_config;
struct tw_listing;
struct tw_oneshot_usage;

/*
 * Fills *u (tw_oneshot_usage_done() it) for the audit logs of the last
 * since_s (0: [audit_logs] backfill).  When they are to be read, the
 * organizations' tokens are listed first (their ids link the usage to them;
 * a listing that fails is logged and noted where the usage would be), and
 * *ret_listing is made from that listing; otherwise it is the daemon's last
 * listing (state_dir/audit-listing.json), else (usage kept by an earlier
 * command, no daemon) the tokens listed now; NULL when none can be had
 * (names are then left out).  0, or -ENOMEM (logged).
 */
int tw_cmd_audit_usage(const struct tw_config *cfg, int64_t since_s, int64_t now,
                       struct tw_oneshot_usage *u, struct tw_listing **ret_listing);

#endif
