/* Digest bodies: which formats take them, the generic one, and the text
 * helpers the chat formats share (exporters/sinks/digest.h). */
#include "exporters/sinks/digest.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/notify/digest.h"
#include "core/notify/event.h"
#include "core/inventory.h"
#include "exporters/sinks/sinks.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

tw_sink_digest_fn tw_sink_digest_builder(const struct tw_sink_format *f, const char **ret_why)
{
        const char *why = "this format takes no digests";
        tw_sink_digest_fn fn = NULL;

        if (f && strcmp(f->name, "generic") == 0)
                fn = tw_sink_generic_digest;
        else if (f && strcmp(f->name, "slack") == 0)
                fn = tw_sink_slack_digest;
        else if (f && strcmp(f->name, "teams") == 0)
                fn = tw_sink_teams_digest;
        else if (f && strcmp(f->name, "alertmanager") == 0)
                why = "Alertmanager receives alerts, not messages: group and repeat them "
                      "in Alertmanager's route (group_interval, repeat_interval) instead";
        else if (f && strcmp(f->name, "pagerduty") == 0)
                why = "PagerDuty opens one incident per finding; a digest would open an "
                      "incident that nothing resolves";
        if (!fn && ret_why)
                *ret_why = why;
        return fn;
}

static int add_time_or_null(cJSON *o, const char *key, int64_t t)
{
        char when[TW_RFC3339_LEN];

        if (t == TW_NO_TIME || t == 0)
                return cJSON_AddNullToObject(o, key) ? 0 : -ENOMEM;
        return cJSON_AddStringToObject(o, key, tw_time_format(t, when)) ? 0 : -ENOMEM;
}

static int add_str_or_null(cJSON *o, const char *key, const char *s)
{
        if (!s || !*s)
                return cJSON_AddNullToObject(o, key) ? 0 : -ENOMEM;
        return cJSON_AddStringToObject(o, key, s) ? 0 : -ENOMEM;
}

static cJSON *finding_json(const struct tw_sink_ctx *ctx, const struct tw_digest *d,
                           const struct tw_digest_entry *e, struct tw_buf *msg)
{
        cJSON *o = cJSON_CreateObject(), *t = cJSON_AddObjectToObject(o, "token");

        tw_buf_reset(msg);
        if (t && tw_finding_message(d->ev, d->inv, e->finding, msg) >= 0 &&
            cJSON_AddStringToObject(t, "id", e->token->id) &&
            cJSON_AddStringToObject(t, "name", e->token->name ? e->token->name : "") &&
            add_str_or_null(t, "workspace", tw_notify_token_workspace(ctx->inv, e->token)) == 0 &&
            add_time_or_null(t, "expires_at", e->token->end_at) == 0 &&
            cJSON_AddStringToObject(o, "kind", tw_finding_kind_to_string(e->finding->kind)) &&
            cJSON_AddStringToObject(o, "severity", tw_severity_to_string(e->finding->severity)) &&
            cJSON_AddStringToObject(o, "message", msg->ptr ? msg->ptr : "") &&
            (tw_buf_reset(msg), tw_finding_fix(d->ev, d->inv, e->finding, msg) >= 0) &&
            add_str_or_null(o, "fix", msg->ptr) == 0)
                return o;
        cJSON_Delete(o);
        return NULL;
}

static int add_group(cJSON *groups, const struct tw_sink_ctx *ctx, const struct tw_digest *d,
                     const struct tw_digest_group *g)
{
        cJSON *o = cJSON_CreateObject(), *fs, *f;
        struct tw_buf msg;
        int r = 0;

        if (!o || !cJSON_AddItemToArray(groups, o))
                return cJSON_Delete(o), -ENOMEM;
        if (!cJSON_AddStringToObject(o, "severity", tw_severity_to_string(g->severity)) ||
            add_str_or_null(o, "team", g->team) < 0 ||
            !cJSON_AddNumberToObject(o, "count", (double)g->n) ||
            !(fs = cJSON_AddArrayToObject(o, "findings")))
                return -ENOMEM;
        tw_buf_init(&msg, TW_BUF_MAX_DEFAULT);
        for (size_t i = g->first; i < g->first + g->n && r >= 0; i++) {
                f = finding_json(ctx, d, &d->entries[i], &msg);
                if (!f || !cJSON_AddItemToArray(fs, f)) {
                        cJSON_Delete(f);
                        r = -ENOMEM;
                }
        }
        tw_buf_done(&msg);
        return r;
}

int tw_sink_generic_digest(const struct tw_sink_ctx *ctx, const struct tw_digest *d,
                           const char *key, cJSON **ret_json)
{
        cJSON *o = cJSON_CreateObject(), *c, *groups;
        char when[TW_RFC3339_LEN];
        int r = -ENOMEM;

        if (!o || !cJSON_AddStringToObject(o, "event", "digest") ||
            !cJSON_AddStringToObject(o, "organization_id",
                                     ctx->organization_id ? ctx->organization_id : "") ||
            !cJSON_AddStringToObject(o, "sent_at", tw_time_format(ctx->now, when)) ||
            !cJSON_AddStringToObject(o, "idempotency_key", key ? key : "") ||
            !cJSON_AddStringToObject(o, "period", tw_time_format(d->period, when)) ||
            !cJSON_AddBoolToObject(o, "stale", d->stale) ||
            add_time_or_null(o, "data_from", d->stale ? d->data_from : 0) < 0 ||
            !(c = cJSON_AddObjectToObject(o, "counts")) ||
            !cJSON_AddNumberToObject(c, "total", (double)d->n_entries) ||
            !cJSON_AddNumberToObject(c, "critical", (double)d->n_critical) ||
            !cJSON_AddNumberToObject(c, "warning", (double)d->n_warning) ||
            !(groups = cJSON_AddArrayToObject(o, "groups")))
                goto fail;
        for (size_t g = 0; g < d->n_groups; g++) {
                r = add_group(groups, ctx, d, &d->groups[g]);
                if (r < 0)
                        goto fail;
        }
        *ret_json = o;
        return 0;
fail:
        cJSON_Delete(o);
        return r;
}

int tw_sink_digest_title(const struct tw_digest *d, struct tw_buf *out)
{
        if (!d->n_entries)
                return tw_buf_adds(out, "tokenwatch digest: nothing to report");
        return tw_buf_printf(out, "tokenwatch digest: %zu finding%s (%zu critical, %zu warning)",
                             d->n_entries, d->n_entries == 1 ? "" : "s", d->n_critical,
                             d->n_warning);
}

int tw_sink_digest_stale(const struct tw_digest *d, struct tw_buf *out)
{
        char when[TW_RFC3339_LEN];

        if (!d->stale)
                return 0;
        return tw_buf_printf(out,
                             "Stale data: the Astro API could not be listed; this digest shows "
                             "the last good collection (%s).",
                             d->data_from ? tw_time_format(d->data_from, when) : "time unknown");
}

int tw_sink_digest_heading(const struct tw_digest *d, size_t g, tw_sink_escape_fn esc,
                           struct tw_buf *out)
{
        const struct tw_digest_group *gr = &d->groups[g];
        int r;

        r = tw_buf_adds(out, gr->severity == TW_SEVERITY_CRITICAL ? "Critical, " : "Warning, ");
        if (r >= 0 && *gr->team) {
                r = tw_buf_adds(out, "team ");
                if (r >= 0)
                        r = esc(out, gr->team);
        } else if (r >= 0) {
                r = tw_buf_adds(out, "no owner found");
        }
        if (r >= 0)
                r = tw_buf_printf(out, " (%zu)", gr->n);
        return r;
}

/* s through esc on one line: line breaks and tabs become spaces, so a name
 * cannot start a list item or break the layout of its own. */
static int one_line(tw_sink_escape_fn esc, struct tw_buf *out, const char *s)
{
        char *copy = strdup(s ? s : "");
        int r;

        if (!copy)
                return -ENOMEM;
        for (char *p = copy; *p; p++)
                if (*p == '\r' || *p == '\n' || *p == '\t')
                        *p = ' ';
        r = esc(out, copy);
        free(copy);
        return r;
}

int tw_sink_digest_line(const struct tw_sink_ctx *ctx, const struct tw_digest *d, size_t i,
                        tw_sink_escape_fn esc, struct tw_buf *out)
{
        const struct tw_digest_entry *e = &d->entries[i];
        const char *ws = tw_notify_token_workspace(ctx->inv, e->token);
        char when[TW_RFC3339_LEN];
        int r;

        r = one_line(esc, out, e->token->name && *e->token->name ? e->token->name : e->token->id);
        if (r >= 0)
                r = tw_buf_adds(out, " (");
        if (r >= 0)
                r = one_line(esc, out, e->token->id);
        if (r >= 0)
                r = tw_buf_printf(out, "): %s", tw_finding_kind_to_string(e->finding->kind));
        if (r >= 0 && e->token->end_at != TW_NO_TIME)
                r = tw_buf_printf(out, ", expiry %s", tw_time_format(e->token->end_at, when));
        if (r >= 0 && ws) {
                r = tw_buf_adds(out, ", workspace ");
                if (r >= 0)
                        r = one_line(esc, out, ws);
        }
        return r;
}
