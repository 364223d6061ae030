#ifndef TW_AGENT_CMD_AUDIT_H
#define TW_AGENT_CMD_AUDIT_H

/*
 * `tokenwatch -c FILE audit [--since 30d] [--token ID] [--format F]`: the
 * token events of the audit trail in [agent] state_dir, oldest first, for a
 * security reviewer, and who uses and changed each token from the Astro
 * audit logs (agent/cmd/oneshot_usage_internal.h: the daemon's index when fresh,
 * else read now for --since, or [audit_logs] backfill, with the credential;
 * a failure there is said, never fatal).  Writes nothing into state_dir.
 * Returns the process exit code (0, or 2 for a configuration error or an
 * unreadable trail).
 */

#include <stdint.h>

struct tw_auditlog_options {
        const char *config_path;
        const char *format;    /* table, json, csv, markdown */
        const char *output;    /* NULL: stdout */
        int64_t since_seconds; /* 0: the whole trail, the audit logs' backfill */
        const char *token_id;  /* NULL: every token */
};

int tw_cmd_audit(const struct tw_auditlog_options *o);

#endif
