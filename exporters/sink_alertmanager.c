/* Alertmanager API v2 alerts (POST /api/v2/alerts). */
#include "exporters/sink_format.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/timeutil.h"

static cJSON *alert(const struct tw_sink_ctx *ctx, const struct tw_notify_event *ev,
                    enum tw_finding_kind kind, enum tw_severity sev, int64_t starts, int64_t ends)
{
        cJSON *a = cJSON_CreateObject(), *l, *an;
        char t1[TW_RFC3339_LEN], t2[TW_RFC3339_LEN];
        const char *fix;
        struct tw_buf b;
        size_t len, flen;
        bool ok;

        tw_buf_init(&b, 0);
        tw_sink_split_fix(ev->message, &len, &fix, &flen);
        ok = a && (l = cJSON_AddObjectToObject(a, "labels")) &&
             cJSON_AddStringToObject(l, "alertname", "TokenwatchFinding") &&
             cJSON_AddStringToObject(l, "token_id", ev->token_id) &&
             cJSON_AddStringToObject(l, "token_name", ev->token_name) &&
             cJSON_AddStringToObject(l, "finding", tw_finding_kind_to_string(kind)) &&
             cJSON_AddStringToObject(l, "severity", tw_severity_to_string(sev)) &&
             cJSON_AddStringToObject(l, "organization_id", tw_sink_organization(ctx, ev));
        ok = ok && (an = cJSON_AddObjectToObject(a, "annotations")) &&
             tw_buf_printf(&b, "%s (%s) on token \"%s\"", tw_finding_kind_to_string(kind),
                           tw_severity_to_string(sev), ev->token_name) >= 0 &&
             cJSON_AddStringToObject(an, "summary", b.ptr);
        tw_buf_reset(&b);
        ok = ok && tw_buf_add(&b, ev->message ? ev->message : "", len) >= 0 &&
             cJSON_AddStringToObject(an, "description", b.ptr ? b.ptr : "") &&
             (tw_buf_reset(&b), tw_buf_add(&b, fix ? fix : "", flen) >= 0) &&
             cJSON_AddStringToObject(an, "fix", b.ptr ? b.ptr : "") &&
             cJSON_AddStringToObject(a, "startsAt", tw_time_format(starts, t1)) &&
             cJSON_AddStringToObject(a, "endsAt", tw_time_format(ends, t2));
        tw_buf_done(&b);
        if (!ok) {
                cJSON_Delete(a);
                return NULL;
        }
        return a;
}

static int add(cJSON *arr, cJSON *a)
{
        if (!a)
                return -ENOMEM;
        cJSON_AddItemToArray(arr, a);
        return 0;
}

int tw_sink_alertmanager_build(const struct tw_sink_ctx *ctx, const struct tw_notify_event *evs,
                               size_t n, cJSON **ret_json, bool *ret_coalesce)
{
        cJSON *arr = cJSON_CreateArray();
        int64_t until = ctx->now + (ctx->alert_ttl > 0 ? ctx->alert_ttl : 900);
        int resolved = 0, r = 0;

        if (!arr)
                return -ENOMEM;
        for (size_t i = 0; i < n && r >= 0; i++) {
                const struct tw_notify_event *e = &evs[i];

                switch (e->type) {
                case TW_NOTIFY_RESOLVED:
                        r = add(arr, alert(ctx, e, e->kind, e->severity, e->changed_at, ctx->now));
                        resolved = 1;
                        break;
                case TW_NOTIFY_ESCALATED:
                case TW_NOTIFY_CHANGED:
                        /* kind and severity are labels: the old alert ends */
                        r = add(arr,
                                alert(ctx, e, e->prev_kind, e->prev_severity, e->since, ctx->now));
                        resolved = 1;
                        if (r >= 0)
                                r = add(arr,
                                        alert(ctx, e, e->kind, e->severity, e->changed_at, until));
                        break;
                default:
                        r = add(arr, alert(ctx, e, e->kind, e->severity, e->changed_at, until));
                        break;
                }
        }
        if (r < 0) {
                cJSON_Delete(arr);
                return r;
        }
        *ret_json = arr;
        if (ret_coalesce)
                *ret_coalesce = !resolved;
        return 0;
}
