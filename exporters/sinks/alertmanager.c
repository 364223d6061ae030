/* Alertmanager API v2 alerts (POST /api/v2/alerts). */
#include "exporters/sinks/sinks.h"
#include "exporters/sinks/sinks_common_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/events.h"
#include "lib/buf.h"
#include "lib/timeutil.h"
#include "core/owner.h"

/* The owner labels kept in ev->owner ("key=value" lines, see
 * core/notify/state.h): a line that is not a usable label, or names a label
 * already set, is skipped (the state file is read back from disk). */
static bool owner_labels(const struct tw_notify_event *ev, cJSON *l)
{
        char key[TW_OWNER_VALUE_MAX + 1], value[TW_OWNER_VALUE_MAX + 1];

        for (const char *p = ev->owner; p && *p;) {
                size_t n = strcspn(p, "\n"), k = strcspn(p, "=");
                bool ok = k < n && k > 0 && k <= TW_OWNER_VALUE_MAX &&
                          n - k - 1 <= TW_OWNER_VALUE_MAX;

                if (ok) {
                        memcpy(key, p, k);
                        key[k] = '\0';
                        memcpy(value, p + k + 1, n - k - 1);
                        value[n - k - 1] = '\0';
                        ok = tw_owner_keys_check((const char *const[]){key}, 1, NULL) == 0 &&
                             strncmp(key, "__", 2) != 0 && tw_owner_value_ok(value) &&
                             !cJSON_GetObjectItemCaseSensitive(l, key);
                }
                if (ok && !cJSON_AddStringToObject(l, key, value))
                        return false;
                p += n + (p[n] == '\n');
        }
        return true;
}

static cJSON *alert(const struct tw_sink_ctx *ctx, const struct tw_notify_event *ev,
                    enum tw_finding_kind kind, enum tw_severity sev, int64_t starts, int64_t ends)
{
        cJSON *a = cJSON_CreateObject(), *l, *an;
        char t1[TW_RFC3339_LEN], t2[TW_RFC3339_LEN];
        struct tw_buf b;
        bool ok;

        tw_buf_init(&b, 0);
        ok = a && (l = cJSON_AddObjectToObject(a, "labels")) &&
             cJSON_AddStringToObject(l, "alertname", "TokenwatchFinding") &&
             cJSON_AddStringToObject(l, "token_id", ev->token_id) &&
             cJSON_AddStringToObject(l, "token_name", ev->token_name) &&
             cJSON_AddStringToObject(l, "finding", tw_finding_kind_to_string(kind)) &&
             cJSON_AddStringToObject(l, "severity", tw_severity_to_string(sev)) &&
             cJSON_AddStringToObject(l, "organization_id", tw_sink_organization(ctx, ev)) &&
             owner_labels(ev, l);
        ok = ok && (an = cJSON_AddObjectToObject(a, "annotations")) &&
             tw_buf_printf(&b, "%s (%s) on token \"%s\"", tw_finding_kind_to_string(kind),
                           tw_severity_to_string(sev), ev->token_name) >= 0 &&
             cJSON_AddStringToObject(an, "summary", b.ptr);
        ok = ok && cJSON_AddStringToObject(an, "description", ev->message ? ev->message : "") &&
             cJSON_AddStringToObject(an, "fix", ev->fix ? ev->fix : "") &&
             cJSON_AddStringToObject(a, "startsAt", tw_time_format(starts, t1)) &&
             cJSON_AddStringToObject(a, "endsAt", tw_time_format(ends, t2));
        tw_buf_done(&b);
        if (!ok) {
                cJSON_Delete(a);
                return NULL;
        }
        return a;
}

/* A token change as one alert that ends TW_SINK_CHANGE_ALERT_TTL after it
 * was observed (it happened; there is nothing to resolve). */
int tw_sink_alertmanager_change(const struct tw_sink_ctx *ctx, const struct tw_event *ev,
                                const char *key, cJSON **ret_json)
{
        const bool crit = ev->severity == TW_SEVERITY_CRITICAL;
        const char *name = crit && ev->kind == TW_EVENT_DELETED   ? "TokenDeletedWhileInUse"
                           : crit && ev->kind == TW_EVENT_EXPIRED ? "TokenExpiredWhileInUse"
                                                                  : "TokenChange";
        char t1[TW_RFC3339_LEN], t2[TW_RFC3339_LEN];
        cJSON *arr, *a, *l, *an;
        struct tw_buf b;
        bool ok;

        (void)key;
        if (ev->severity == TW_SEVERITY_NONE)
                return -EINVAL;
        arr = cJSON_CreateArray();
        a = cJSON_CreateObject();
        if (!arr || !a || !cJSON_AddItemToArray(arr, a)) {
                cJSON_Delete(a);
                cJSON_Delete(arr);
                return -ENOMEM;
        }
        tw_buf_init(&b, 0);
        ok = (l = cJSON_AddObjectToObject(a, "labels")) &&
             cJSON_AddStringToObject(l, "alertname", name) &&
             cJSON_AddStringToObject(l, "event", tw_event_kind_to_string(ev->kind)) &&
             cJSON_AddStringToObject(l, "severity", tw_severity_to_string(ev->severity)) &&
             cJSON_AddStringToObject(l, "token_id", ev->token_id ? ev->token_id : "") &&
             cJSON_AddStringToObject(l, "token_name", ev->token_name ? ev->token_name : "") &&
             cJSON_AddStringToObject(l, "organization_id", tw_sink_change_organization(ctx, ev)) &&
             (an = cJSON_AddObjectToObject(a, "annotations")) &&
             tw_sink_change_summary(ev, &b) >= 0 && cJSON_AddStringToObject(an, "summary", b.ptr) &&
             cJSON_AddStringToObject(an, "description", ev->detail ? ev->detail : "") &&
             (!ev->before || cJSON_AddStringToObject(an, "before", ev->before)) &&
             (!ev->after || cJSON_AddStringToObject(an, "after", ev->after)) &&
             cJSON_AddStringToObject(a, "startsAt", tw_time_format(ev->observed_at, t1)) &&
             cJSON_AddStringToObject(
                     a, "endsAt", tw_time_format(ev->observed_at + TW_SINK_CHANGE_ALERT_TTL, t2));
        tw_buf_done(&b);
        if (!ok) {
                cJSON_Delete(arr);
                return -ENOMEM;
        }
        *ret_json = arr;
        return 0;
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
