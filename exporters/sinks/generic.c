/* The generic JSON webhook: the token object and the finding. */
#include "exporters/sinks/sinks.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
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
            !(ev->fix && *ev->fix ? cJSON_AddStringToObject(f, "fix", ev->fix)
                                  : cJSON_AddNullToObject(f, "fix")) ||
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
