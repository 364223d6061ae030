/* `tokenwatch report`: collect once, evaluate, render the review report. */
#include "agent/cmd_report.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <unistd.h>

#include "agent/load_config.h"
#include "agent/report_collect.h"
#include "lib/buf.h"
#include "core/config.h"
#include "core/credential.h"
#include "core/evaluate.h"
#include "core/events.h"
#include "core/usage.h"
#include "core/inventory.h"
#include "lib/log.h"
#include "core/snapshot.h"
#include "lib/timeutil.h"
#include "collectors/astro.h"
#include "lib/http.h"
#include "lib/jsonl.h"
#include "lib/statefile.h"
#include "exporters/audit_trail.h"
#include "exporters/report.h"
#include "exporters/report_usage.h"

/* The audit-log collector's state file (collectors/astro_audit_state.c):
 * {"v":1,"cursor":{...},"usage":{<the usage index>}}.  Read-only here. */
#define USAGE_FILE "audit-usage.json"
#define USAGE_FILE_MAX ((size_t)256 << 20)
#define HISTORY_MAX ((size_t)1 << 20)

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

/* [owners] rules naming a workspace the organization does not have (issue 12). */
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

/* The usage index the daemon's audit-log collection left in state_dir, or
 * NULL: absent (audit logs not collected; said at info level), or bad (a
 * warning).  Never fatal: the report is then made without usage. */
static struct tw_usage *load_usage(const char *dir)
{
        /* generous bounds: the daemon's own limits may be above the defaults */
        static const struct tw_usage_limits lim = {.max_tokens = 1000000,
                                                   .max_sources = 4096,
                                                   .max_operations = 4096,
                                                   .max_lifecycle = 1000000};
        struct tw_usage *u = NULL;
        const cJSON *v;
        cJSON *root = NULL;
        char *text = NULL;
        size_t len = 0;
        int r;

        r = tw_statefile_read(dir, USAGE_FILE, USAGE_FILE_MAX, &text, &len);
        if (r == -ENOENT) {
                tw_log(TW_LOG_DEBUG,
                       "no audit-log usage in the state directory: the report has "
                       "no usage section data",
                       "file", USAGE_FILE, NULL);
                return NULL;
        }
        if (r >= 0) {
                root = cJSON_ParseWithLength(text, len);
                v = cJSON_GetObjectItemCaseSensitive(root, "v");
                r = cJSON_IsNumber(v) && v->valuedouble == 1
                            ? tw_usage_from_cjson(cJSON_GetObjectItemCaseSensitive(root, "usage"),
                                                  &lim, &u)
                            : -EBADMSG;
        }
        if (r < 0) {
                tw_log(TW_LOG_WARN, "cannot read the audit-log usage; the report goes without it",
                       "file", USAGE_FILE, "error",
                       r == -EBADMSG ? "not the expected format" : strerror(-r), NULL);
                u = NULL;
        }
        cJSON_Delete(root);
        free(text);
        return u;
}

struct history {
        struct tw_event *events;
        size_t n, cap, malformed, dropped;
        int64_t since, now;
};

/* Keeps the events observed in [since, now]. */
static int take_event(const char *line, size_t len, void *ctx)
{
        struct history *h = ctx;
        struct tw_event e;

        if (tw_event_from_json(line, len, &e) < 0) {
                h->malformed++;
                return 0;
        }
        if (e.observed_at < h->since || e.observed_at > h->now || h->n >= HISTORY_MAX) {
                h->dropped += e.observed_at >= h->since && e.observed_at <= h->now;
                tw_event_done(&e);
                return 0;
        }
        if (tw_array_reserve((void **)&h->events, h->n, &h->cap, sizeof(*h->events)) < 0) {
                tw_event_done(&e);
                return -ENOMEM;
        }
        h->events[h->n++] = e;
        return 0;
}

/* Whether the audit trail (the live file or a rotated one) exists. */
static bool trail_exists(const char *path, int keep)
{
        char p[PATH_MAX + 16];

        if (access(path, F_OK) == 0)
                return true;
        for (int i = 1; i < keep; i++) {
                if (snprintf(p, sizeof(p), "%s.%d", path, i) < (int)sizeof(p) &&
                    access(p, F_OK) == 0)
                        return true;
        }
        return false;
}

/* The token changes of the last TW_REPORT_HISTORY_DAYS from the audit
 * trail (the reader of `tokenwatch audit`).  false: no trail, or it could
 * not be read (a warning); the report then says there is no history. */
static bool load_history(const struct tw_config *cfg, int64_t now, struct history *h)
{
        char path[PATH_MAX];
        size_t skipped = 0;
        int r;

        h->now = now;
        h->since = now - (int64_t)TW_REPORT_HISTORY_DAYS * 86400;
        snprintf(path, sizeof(path), "%s/%s", cfg->agent.state_dir, TW_AUDIT_FILE);
        if (!trail_exists(path, cfg->audit.log_files))
                return false;
        r = tw_jsonl_read(path, (unsigned)cfg->audit.log_files, TW_AUDIT_LINE_MAX, take_event, h,
                          &skipped);
        if (r < 0) {
                tw_log(TW_LOG_WARN, "cannot read the audit trail; the report goes without it",
                       "file", path, "error", strerror(-r), NULL);
                return false;
        }
        h->malformed += skipped;
        if (h->dropped)
                tw_log(TW_LOG_WARN,
                       "over a million changes in 30 days: the report shows the oldest; "
                       "tokenwatch audit lists every one",
                       "file", path, NULL);
        if (h->malformed)
                tw_log(TW_LOG_WARN, "malformed lines in the audit trail skipped", "file", path,
                       NULL);
        return true;
}

static void history_done(struct history *h)
{
        for (size_t i = 0; i < h->n; i++)
                tw_event_done(&h->events[i]);
        free(h->events);
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
        struct tw_usage *usage = NULL;
        struct history hist = {0};
        struct tw_event_history history = {0};
        bool have_history = false;
        enum tw_report_format fmt;
        struct tw_report_layout layout = {.group_by = TW_REPORT_GROUP_NONE};
        struct tw_buf err;
        int64_t now = o->now != TW_NO_TIME ? o->now : tw_now();
        int exit_code = TW_EXIT_CONFIG, r;

        tw_buf_init(&err, 4096);
        if (o->group_by && tw_report_group_from_string(o->group_by, &layout.group_by) < 0) {
                tw_log(TW_LOG_ERROR, "unknown --group-by (none, team)", "group_by", o->group_by,
                       NULL);
                goto out;
        }
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
        log_owner_rules(cfg, inv);
        usage = load_usage(cfg->agent.state_dir);
        have_history = load_history(cfg, now, &hist);
        history = (struct tw_event_history){.events = hist.events,
                                            .n_events = hist.n,
                                            .since = hist.since,
                                            .skipped = hist.malformed};
        r = tw_evaluate_usage(inv, &cfg->policy, cfg->suppressions, cfg->n_suppressions, usage, now,
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
                                           .usage = usage,
                                           .history = have_history ? &history : NULL};
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
        history_done(&hist);
        tw_usage_free(usage);
        tw_evaluation_free(ev);
        tw_inventory_free(inv);
        tw_config_free(cfg);
        tw_buf_done(&err);
        return exit_code;
}
