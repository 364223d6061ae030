#ifndef TW_AGENT_CMD_REPORT_H
#define TW_AGENT_CMD_REPORT_H

/*
 * The one-shot commands: the composition root that wires config, credential,
 * collector, evaluator and report together (main.c parses arguments only).
 * Each returns the process exit code.
 */

#include <stdint.h>

#include "core/finding.h"

enum tw_exit {
        TW_EXIT_OK = 0,
        TW_EXIT_FINDINGS = 1,   /* an unsuppressed finding at or above --fail-on */
        TW_EXIT_CONFIG = 2,     /* configuration or credential error */
        TW_EXIT_INCOMPLETE = 3, /* a listing failed: the report is partial */
};

struct tw_report_options {
        const char *config_path;
        const char *format;       /* table, json, csv, markdown */
        const char *output;       /* NULL: stdout */
        enum tw_severity fail_on; /* TW_SEVERITY_NONE: never */
        int64_t now;              /* TW_NO_TIME: the clock */
};

int tw_cmd_report(const struct tw_report_options *o);
int tw_cmd_check_config(const char *config_path);

/* The exit code for a finished run, by precedence 2 > 3 > 1 > 0. */
enum tw_exit tw_exit_code(int config_error, int incomplete, int findings_at_or_above);

#endif
