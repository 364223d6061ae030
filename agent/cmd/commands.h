#ifndef TW_AGENT_CMD_COMMANDS_H
#define TW_AGENT_CMD_COMMANDS_H

/*
 * The commands main.c dispatches to, one file each: agent/cmd/run.c,
 * agent/cmd/report.c (with its options in agent/cmd/report.h),
 * agent/cmd/check_config.c, agent/cmd/audit.c (options in agent/cmd/audit.h)
 * and the notify-test command.  Each is a
 * composition root (config, credential, collector, evaluator, exporters)
 * and returns the process exit code; curl_global_init() must have run.
 */

#include <stdbool.h>

enum tw_exit {
        TW_EXIT_OK = 0,
        TW_EXIT_FINDINGS = 1,   /* an unsuppressed finding at or above --fail-on */
        TW_EXIT_CONFIG = 2,     /* configuration or credential error */
        TW_EXIT_INCOMPLETE = 3, /* a listing failed: the report is partial */
};

/* `check-config`: the configuration, each organization's credential and
 * each webhook's secret files (agent/cmd/check_internal.h); with online also each
 * organization's API and each webhook's host.  What was checked goes to
 * stdout, each problem to stderr; 0, or TW_EXIT_CONFIG when there is one. */
int tw_cmd_check_config(const char *config_path, bool online);

struct tw_run_options {
        bool once;             /* one cycle, then flush the notifications and exit */
        bool dry_run;          /* print notifications instead of sending them */
        const char *port_file; /* NULL: none */
};

/* `run`: the daemon (agent/daemon/daemon.h) with the notifier wired in.  Exit
 * code 0 after a clean stop, 3 when --once collected incompletely, 2
 * otherwise: at once when an organization's credential cannot be used at
 * start (missing, unreadable, not an Astro API token, expired). */
int tw_cmd_run(const char *config_path, const struct tw_run_options *o);

#endif
