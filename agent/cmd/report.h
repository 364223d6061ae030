#ifndef TW_AGENT_CMD_REPORT_H
#define TW_AGENT_CMD_REPORT_H

/*
 * `tokenwatch report`: the composition root that wires config, credential,
 * collector, evaluator and report together once.  Returns the exit code.
 */

#include <stdint.h>

#include "agent/cmd/commands.h"
#include "core/evaluate/finding.h"

struct tw_report_options {
        const char *config_path;
        const char *format;       /* table, json, csv, markdown */
        const char *output;       /* NULL: stdout */
        enum tw_severity fail_on; /* TW_SEVERITY_NONE: never */
        int64_t now;              /* TW_NO_TIME: the clock */
        const char *group_by;     /* NULL or "none": no grouping; "team" */
        const char *organization; /* --organization: only this one; NULL: every one */
        int64_t since_seconds;    /* --since: the audit logs read back; 0: [audit_logs] backfill */
};

int tw_cmd_report(const struct tw_report_options *o);

/* The exit code for a finished run, by precedence 2 > 3 > 1 > 0. */
enum tw_exit tw_exit_code(int config_error, int incomplete, int findings_at_or_above);

#endif
