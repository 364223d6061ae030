/* `tokenwatch audit`: the audit trail for reviewers, read from state_dir, and
 * who uses each token, from the Astro audit logs. */
#include "agent/cmd/audit.h"
#include "agent/cmd/audit_usage_internal.h"
#include "agent/cmd/oneshot_usage_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cmd/commands.h"
#include "agent/cmd/load_config.h"
#include "core/config/config.h"
#include "core/events.h"
#include "core/usage/usage.h"
#include "exporters/report/changes.h"
#include "exporters/trail/trail.h"
#include "lib/buf.h"
#include "lib/jsonl.h"
#include "lib/log.h"
#include "lib/statefile.h"
#include "lib/timeutil.h"

#define OUTPUT_MAX ((size_t)1 << 30)
#define EVENTS_MAX ((size_t)10 << 20)

struct collect {
        const struct tw_auditlog_options *o;
        int64_t since;
        struct tw_event *events;
        size_t n, cap, malformed;
};

/* Keeps the lines that parse and pass the filters. */
static int take(const char *line, size_t len, void *ctx)
{
        struct collect *c = ctx;
        struct tw_event e;

        if (tw_event_from_json(line, len, &e) < 0) {
                c->malformed++;
                return 0;
        }
        if ((c->since != TW_NO_TIME && e.observed_at < c->since) ||
            (c->o->token_id && strcmp(c->o->token_id, e.token_id) != 0)) {
                tw_event_done(&e);
                return 0;
        }
        if (c->n >= EVENTS_MAX) { /* never drop the newest silently */
                tw_event_done(&e);
                return -E2BIG;
        }
        if (tw_array_reserve((void **)&c->events, c->n, &c->cap, sizeof(*c->events)) < 0) {
                tw_event_done(&e);
                return -ENOMEM;
        }
        c->events[c->n++] = e;
        return 0;
}

/* To stdout, or to path through the one atomic writer (0600, no symlink
 * followed, never a half-written file). */
static int write_output(const char *path, const struct tw_buf *out)
{
        if (path)
                return tw_atomic_write_file(path, out->ptr ? out->ptr : "", out->len);
        if (out->len && fwrite(out->ptr, 1, out->len, stdout) != out->len)
                return -EIO;
        return fflush(stdout) != 0 ? -errno : 0;
}

int tw_cmd_audit(const struct tw_auditlog_options *o)
{
        struct tw_config *cfg = NULL;
        struct collect c = {.o = o, .since = TW_NO_TIME};
        enum tw_report_format fmt;
        char path[PATH_MAX];
        struct tw_buf out;
        struct tw_oneshot_usage usage = {0};
        struct tw_listing *listing = NULL;
        size_t skipped = 0;
        int64_t now = tw_now();
        int r, code = TW_EXIT_OK;

        tw_buf_init(&out, OUTPUT_MAX);
        /* The report's formats, but for html: the audit view has no page. */
        if (tw_report_format_from_string(o->format, &fmt) < 0 || fmt == TW_REPORT_HTML) {
                fprintf(stderr,
                        "tokenwatch: audit --format takes table, json, csv or markdown (or md), "
                        "not '%s'\n",
                        o->format);
                code = TW_EXIT_CONFIG;
                goto out;
        }
        if (tw_agent_load_config(o->config_path, &cfg) < 0) {
                code = TW_EXIT_CONFIG;
                goto out;
        }
        tw_log_setup(cfg->agent.log_level, cfg->agent.log_format);
        if (o->since_seconds > 0)
                c.since = now - o->since_seconds;
        snprintf(path, sizeof(path), "%s/%s", cfg->agent.state_dir, TW_TRAIL_FILE);
        r = tw_jsonl_read(path, cfg->trail.files, TW_AUDITLOG_LINE_MAX, take, &c, &skipped);
        if (r < 0) {
                fprintf(stderr, "tokenwatch: cannot read the audit trail %s: %s%s\n", path,
                        strerror(-r),
                        r == -E2BIG ? " (over 10 million events: narrow with --since or --token)"
                                    : "");
                code = TW_EXIT_CONFIG;
                goto out;
        }
        if (tw_cmd_audit_usage(cfg, o->since_seconds, now, &usage, &listing) < 0) {
                code = TW_EXIT_CONFIG;
                goto out;
        }
        {
                struct tw_audit_view v = {
                        .events = c.events,
                        .n_events = c.n,
                        .generated_at = now,
                        .since = c.since,
                        .token_id = o->token_id,
                        .skipped = skipped + c.malformed,
                        .usage = usage.usage,
                        .listing = listing,
                        .origins = usage.origins,
                        .n_origins = usage.n_origins,
                };

                r = tw_audit_render(&v, fmt, &out);
        }
        if (r >= 0)
                r = write_output(o->output, &out);
        if (r < 0) {
                fprintf(stderr, "tokenwatch: cannot write the audit report: %s\n", strerror(-r));
                code = TW_EXIT_CONFIG;
                goto out;
        }
        if (skipped + c.malformed)
                fprintf(stderr, "tokenwatch: %zu malformed line%s in the audit trail skipped\n",
                        skipped + c.malformed, skipped + c.malformed == 1 ? "" : "s");
out:
        for (size_t i = 0; i < c.n; i++)
                tw_event_done(&c.events[i]);
        free(c.events);
        tw_oneshot_usage_done(&usage);
        tw_listing_free(listing);
        tw_config_free(cfg);
        tw_buf_done(&out);
        return code;
}
