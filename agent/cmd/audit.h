#ifndef TW_AGENT_CMD_AUDIT_H
#define TW_AGENT_CMD_AUDIT_H

/*
 * `tokenwatch -c FILE audit [--since 30d] [--token ID] [--format F]`: the
 * token events of the audit trail in [agent] state_dir, oldest first, for a
 * security reviewer.  Reads only: it needs no credential and no network.
 * Returns the process exit code (0, or 2 for a configuration error or an
 * unreadable trail).
 */

#include <stdint.h>

struct tw_auditlog_options {
        const char *config_path;
        const char *format;    /* table, json, csv, markdown */
        const char *output;    /* NULL: stdout */
        int64_t since_seconds; /* 0: the whole trail */
        const char *token_id;  /* NULL: every token */
};

int tw_cmd_audit(const struct tw_auditlog_options *o);

#endif
