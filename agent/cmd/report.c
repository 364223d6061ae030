/* `tokenwatch report`: collect once, evaluate, render the review report. */
#include "agent/cmd/report.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <unistd.h>

#include "agent/cmd/copies.h"
#include "agent/cmd/load_config.h"
#include "agent/cmd/oneshot_usage_internal.h"
#include "agent/cmd/collect_internal.h"
#include "lib/buf.h"
#include "core/config/config.h"
#include "core/copies.h"
#include "core/credential.h"
#include "core/evaluate/evaluate.h"
#include "core/events.h"
#include "core/usage/usage.h"
#include "core/inventory.h"
#include "lib/log.h"
#include "core/snapshot.h"
#include "lib/timeutil.h"
#include "collectors/astro/astro.h"
#include "collectors/auditlog/auditlog.h"
#include "lib/http/http.h"
#include "lib/jsonl.h"
#include "lib/statefile.h"
#include "exporters/trail/history.h"
#include "exporters/trail/trail.h"
#include "exporters/report/report.h"
#include "exporters/report/usage.h"

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

/* [owners] rules naming a workspace the organization does not have. */
static void log_owner_rules(const struct tw_config *cfg, const struct tw_inventory *inv)
{
        struct tw_buf b;

        tw_buf_init(&b, 0);
        if (tw_config_owner_unknown_workspaces(cfg, inv, &b) > 0)
                for (char *line = b.ptr, *nl; line && *line; line = nl + 1) {
                        nl = strchr(line, '\n');
                        if (!nl)
                                break;
                        *nl = '\0';
                        tw_log(TW_LOG_WARN, "owner rule never matches", "error", line, NULL);
                }
        tw_buf_done(&b);
}

/* The audit-log usage (agent/cmd/oneshot_usage_internal.h): the daemon's, kept, or
 * read now.  Never fatal: the report is then made without it. */
static int get_usage(const struct tw_config *cfg, const struct tw_report_options *o,
                     const struct tw_inventory *inv, struct tw_oneshot_usage *u)
{
        struct tw_oneshot_usage_options uo = {.since_s = o->since_seconds,
                                              .organization = o->organization,
                                              .progress = isatty(STDERR_FILENO) == 1};
        int64_t now = tw_now();
        int r = tw_oneshot_usage_plan(cfg, &uo, now, u);

        if (r == 0)
                r = tw_oneshot_usage_read(u, inv, now);
        if (r < 0)
                tw_log(TW_LOG_ERROR,
                       "cannot gather the audit-log usage; the report goes without it", "error",
                       strerror(-r), NULL);
        return r;
}

/* Checks every copy once (at most COPY_CHECKS_MAX_S in all), logging each
 * that could not be checked; NULL (logged) on -ENOMEM.  The caller frees. */
#define COPY_CHECKS_MAX_S 300

static struct tw_copy_state *check_copies(const struct tw_config *cfg, int64_t now)
{
        struct tw_copy_state *states = calloc(cfg->n_copies ? cfg->n_copies : 1, sizeof(*states));

        if (!states) {
                tw_log(TW_LOG_ERROR, "cannot check the copies", "error", strerror(ENOMEM), NULL);
                return NULL;
        }
        tw_agent_check_copies(cfg, now, tw_mono_ns() + COPY_CHECKS_MAX_S * INT64_C(1000000000),
                              states);
        for (size_t i = 0; i < cfg->n_copies; i++)
                if (states[i].status == TW_COPY_STATE_FAILED)
                        tw_log(TW_LOG_ERROR, "cannot check a copy", "deliver", cfg->copies[i].name,
                               "error", states[i].message, NULL);
        return states;
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
        struct tw_oneshot_usage usage = {0};
        struct tw_copy_state *states = NULL;
        struct tw_copies copies = {0};
        struct tw_eval_inputs in = {0};
        struct tw_trail_history hist = {0};
        bool have_history = false;
        enum tw_report_format fmt;
        struct tw_report_layout layout = {.group_by = TW_REPORT_GROUP_NONE};
        struct tw_buf err;
        int64_t now = o->now != TW_NO_TIME ? o->now : tw_now();
        int exit_code = TW_EXIT_CONFIG, r;

        tw_buf_init(&err, 4096);
        if (o->group_by && tw_report_group_from_string(o->group_by, &layout.group_by) < 0) {
                fprintf(stderr, "tokenwatch: --group-by takes none or team, not '%s'\n",
                        o->group_by);
                goto out;
        }
        if (tw_report_format_from_string(o->format, &fmt) < 0) {
                fprintf(stderr,
                        "tokenwatch: report --format takes table, json, csv, markdown (or md) "
                        "or html, not '%s'\n",
                        o->format);
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
        log_owner_rules(cfg, inv);
        if (get_usage(cfg, o, inv, &usage) < 0)
                tw_oneshot_usage_done(&usage);
        have_history = tw_trail_history_load(cfg, now, &hist) > 0;
        /* The stores are read against the real clock's now, like the
         * credential: --now asks what the policy will say later. */
        states = cfg->n_copies ? check_copies(cfg, tw_now()) : NULL;
        copies = (struct tw_copies){
                .configs = cfg->copies, .states = states, .n = states ? cfg->n_copies : 0};
        in = (struct tw_eval_inputs){.usage = usage.usage, .copies = &copies};
        r = tw_evaluate_with(inv, &cfg->policy, cfg->suppressions, cfg->n_suppressions, &in, now,
                             &ev);
        if (r < 0) {
                tw_log(TW_LOG_ERROR, "evaluation failed", "error", strerror(-r), NULL);
                exit_code = TW_EXIT_INCOMPLETE;
                goto out;
        }
        {
                struct tw_snapshot snap = {.cfg = cfg,
                                           .inv = inv,
                                           .ev = ev,
                                           .usage = usage.usage,
                                           .copies = &copies,
                                           .history = have_history ? &hist.view : NULL,
                                           .usage_origins = usage.origins,
                                           .n_usage_origins = usage.n_origins};
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
                        r = tw_report_write_opts(&snap, fmt, &layout, &sink);
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
        tw_trail_history_done(&hist);
        free(states);
        tw_oneshot_usage_done(&usage);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_config_free(cfg);
        tw_buf_done(&err);
        return exit_code;
}
