/* The generic JSON webhook: findings (the token object and the finding),
 * token changes and digests. */
#include "exporters/sinks/sinks.h"
#include "exporters/sinks/sinks_common_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/events.h"
#include "core/inventory.h"
#include "core/notify/digest.h"
#include "core/notify/event.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/timeutil.h"

/* The token object, or {id, name} when the token is gone. */
static cJSON *event_token(const struct tw_notify_event *ev)
{
        cJSON *o;

        if (ev->token_json)
                return cJSON_Duplicate(ev->token_json, true);
        o = cJSON_CreateObject();
        if (o && cJSON_AddStringToObject(o, "id", ev->token_id) &&
            cJSON_AddStringToObject(o, "name", ev->token_name))
                return o;
        cJSON_Delete(o);
        return NULL;
}

/* A staged expiry notice: "stage": {"lead_seconds", "expires_at"}. */
static bool add_stage(cJSON *o, const struct tw_notify_event *ev)
{
        cJSON *st = cJSON_AddObjectToObject(o, "stage");
        char when[TW_RFC3339_LEN];

        return st && cJSON_AddNumberToObject(st, "lead_seconds", (double)ev->lead) &&
               (!ev->listed || ev->expires_at == TW_NO_TIME ||
                cJSON_AddStringToObject(st, "expires_at", tw_time_format(ev->expires_at, when)));
}

int tw_sink_generic_build(const struct tw_sink_ctx *ctx, const struct tw_notify_event *evs,
                          size_t n, cJSON **ret_json, bool *ret_coalesce)
{
        const struct tw_notify_event *ev = evs;
        cJSON *o, *tok, *f, *prev;
        char when[TW_RFC3339_LEN];

        if (n != 1 || !tw_notify_event_notifies(ev->type))
                return -EINVAL;
        o = cJSON_CreateObject();
        if (!o)
                return -ENOMEM;
        if (!cJSON_AddStringToObject(o, "event", tw_notify_event_to_string(ev->type)) ||
            !cJSON_AddStringToObject(o, "organization_id", tw_sink_organization(ctx, ev)) ||
            !cJSON_AddStringToObject(o, "sent_at", tw_time_format(ctx->now, when)) ||
            !cJSON_AddStringToObject(o, "idempotency_key", ev->idempotency_key))
                goto fail;
        tok = event_token(ev);
        if (!tok || !cJSON_AddItemToObject(o, "token", tok)) {
                cJSON_Delete(tok);
                goto fail;
        }
        f = cJSON_AddObjectToObject(o, "finding");
        if (!f || !cJSON_AddStringToObject(f, "kind", tw_finding_kind_to_string(ev->kind)) ||
            !cJSON_AddStringToObject(f, "severity", tw_severity_to_string(ev->severity)) ||
            !cJSON_AddStringToObject(f, "message", ev->message ? ev->message : "") ||
            !tw_json_add_str(f, "fix", ev->fix && *ev->fix ? ev->fix : NULL) ||
            !cJSON_AddStringToObject(f, "since", tw_time_format(ev->since, when)))
                goto fail;
        if (ev->type == TW_NOTIFY_STAGE && !add_stage(o, ev))
                goto fail;
        if (ev->type == TW_NOTIFY_ESCALATED) {
                prev = cJSON_AddObjectToObject(o, "previous");
                if (!prev ||
                    !cJSON_AddStringToObject(prev, "kind",
                                             tw_finding_kind_to_string(ev->prev_kind)) ||
                    !cJSON_AddStringToObject(prev, "severity",
                                             tw_severity_to_string(ev->prev_severity)))
                        goto fail;
        }
        *ret_json = o;
        if (ret_coalesce)
                *ret_coalesce = false;
        return 0;
fail:
        cJSON_Delete(o);
        return -ENOMEM;
}

int tw_sink_generic_change(const struct tw_sink_ctx *ctx, const struct tw_event *ev,
                           const char *key, cJSON **ret_json)
{
        char sent[TW_RFC3339_LEN], seen[TW_RFC3339_LEN];
        cJSON *o, *t;

        if (ev->severity == TW_SEVERITY_NONE)
                return -EINVAL;
        o = cJSON_CreateObject();
        if (o && cJSON_AddStringToObject(o, "type", "token_change") &&
            cJSON_AddStringToObject(o, "event", tw_event_kind_to_string(ev->kind)) &&
            cJSON_AddStringToObject(o, "severity", tw_severity_to_string(ev->severity)) &&
            cJSON_AddStringToObject(o, "organization_id", tw_sink_change_organization(ctx, ev)) &&
            cJSON_AddStringToObject(o, "sent_at", tw_time_format(ctx->now, sent)) &&
            cJSON_AddStringToObject(o, "observed_at", tw_time_format(ev->observed_at, seen)) &&
            cJSON_AddStringToObject(o, "idempotency_key", key ? key : "") &&
            (t = cJSON_AddObjectToObject(o, "token")) && tw_json_add_str(t, "id", ev->token_id) &&
            tw_json_add_str(t, "name", ev->token_name) && tw_json_add_str(t, "scope", ev->scope) &&
            tw_json_add_str(o, "before", ev->before) && tw_json_add_str(o, "after", ev->after) &&
            tw_json_add_str(o, "detail", ev->detail)) {
                *ret_json = o;
                return 0;
        }
        cJSON_Delete(o);
        return -ENOMEM;
}

/* A digest says null for an empty string and for a zero time too. */
static int add_time_or_null(cJSON *o, const char *key, int64_t t)
{
        return tw_json_add_time(o, key, t == 0 ? TW_NO_TIME : t) ? 0 : -ENOMEM;
}

static int add_str_or_null(cJSON *o, const char *key, const char *s)
{
        return tw_json_add_str(o, key, s && *s ? s : NULL) ? 0 : -ENOMEM;
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
