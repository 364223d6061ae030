/* `tokenwatch report`: collect once, evaluate, render the review report. */
#include "agent/cmd_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "agent/load_config.h"
#include "agent/report_collect.h"
#include "lib/buf.h"
#include "core/config.h"
#include "core/credential.h"
#include "core/evaluate.h"
#include "core/inventory.h"
#include "lib/log.h"
#include "core/snapshot.h"
#include "lib/timeutil.h"
#include "collectors/astro.h"
#include "lib/http.h"
#include "lib/statefile.h"
#include "exporters/report.h"

enum tw_exit tw_exit_code(int config_error, int incomplete, int findings_at_or_above)
{
        if (config_error)
                return TW_EXIT_CONFIG;
        if (incomplete)
                return TW_EXIT_INCOMPLETE;
        if (findings_at_or_above)
                return TW_EXIT_FINDINGS;
        return TW_EXIT_OK;
}

static void log_listing_errors(const struct tw_inventory *inv)
{
        for (size_t i = 0; i < inv->n_errors; i++)
                tw_log(TW_LOG_ERROR, "listing failed", "listing", inv->errors[i].listing, "error",
                       inv->errors[i].message, NULL);
}

static bool has_findings_at(const struct tw_evaluation *ev, enum tw_severity at)
{
        if (at == TW_SEVERITY_NONE)
                return false;
        for (int k = 0; k < _TW_FINDING_KIND_MAX; k++)
                for (int s = at; s < _TW_SEVERITY_MAX; s++)
                        if (ev->active[k][s])
                                return true;
        return false;
}

/* A report sink's write into the --output file being written. */
static int write_file(void *ctx, const char *data, size_t len)
{
        return tw_atomic_file_write(ctx, data, len);
}

int tw_cmd_report(const struct tw_report_options *o)
{
        struct tw_config *cfg = NULL;
        struct tw_inventory *inv = NULL;
        struct tw_evaluation *ev = NULL;
        enum tw_report_format fmt;
        struct tw_buf err;
        int64_t now = o->now != TW_NO_TIME ? o->now : tw_now();
        int exit_code = TW_EXIT_CONFIG, r;

        tw_buf_init(&err, 4096);
        if (tw_report_format_from_string(o->format, &fmt) < 0) {
                tw_log(TW_LOG_ERROR, "unknown report format (table, json, csv, markdown)", "format",
                       o->format, NULL);
                goto out;
        }
        if (tw_agent_load_config(o->config_path, &cfg) < 0)
                goto out;
        tw_log_setup(cfg->agent.log_level, cfg->agent.log_format);
        exit_code = tw_report_collect(cfg, o->organization, now, &inv);
        if (exit_code != TW_EXIT_OK)
                goto out;
        exit_code = TW_EXIT_CONFIG;
        log_listing_errors(inv);
        r = tw_evaluate(inv, &cfg->policy, cfg->suppressions, cfg->n_suppressions, now, &ev);
        if (r < 0) {
                tw_log(TW_LOG_ERROR, "evaluation failed", "error", strerror(-r), NULL);
                exit_code = TW_EXIT_INCOMPLETE;
                goto out;
        }
        {
                struct tw_snapshot snap = {.cfg = cfg, .inv = inv, .ev = ev};
                struct tw_atomic_file file = {.fd = -1};
                struct tw_report_sink sink = {.write = tw_report_write_stdio, .ctx = stdout};

                /* Written as it is rendered (a 100,000-token JSON report is
                 * 124 MB): to stdout, or into a temporary file that then
                 * replaces --output whole (0600, O_EXCL|O_NOFOLLOW). */
                r = 0;
                if (o->output) {
                        sink = (struct tw_report_sink){.write = write_file, .ctx = &file};
                        r = tw_atomic_file_begin(&file, o->output);
                }
                if (r >= 0)
                        r = tw_report_write(&snap, fmt, &sink);
                if (r >= 0 && o->output)
                        r = tw_atomic_file_commit(&file);
                tw_atomic_file_abort(&file);
        }
        if (r < 0) {
                /* Exit 2, as for any other setup error: no partial report
                 * replaced --output. */
                tw_log(TW_LOG_ERROR, "cannot write the report", "file",
                       o->output ? o->output : "(stdout)", "error", strerror(-r), NULL);
                goto out;
        }
        fflush(stdout);
        exit_code = tw_exit_code(0, !tw_inventory_complete(inv) || ev->n_errors > 0,
                                 has_findings_at(ev, o->fail_on));
out:
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_config_free(cfg);
        tw_buf_done(&err);
        return exit_code;
}
