/* PagerDuty Events API v2: trigger and resolve, one incident per token and
 * finding family. */
#include "exporters/sinks/sinks.h"
#include "exporters/sinks/sinks_common_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/events.h"
#include "lib/buf.h"
#include "lib/timeutil.h"
#include "lib/utf8.h"

#define SUMMARY_MAX 1024 /* PagerDuty's summary limit */

/* Cuts s (in place, at a UTF-8 boundary) to at most max bytes. */
static void cut_utf8(struct tw_buf *b, size_t max)
{
        size_t len;

        if (b->len <= max)
                return;
        len = tw_utf8_cut(b->ptr, b->len, max - 3);
        memcpy(b->ptr + len, "...", 4);
        b->len = len + 3;
}

static int pd_details(const struct tw_sink_ctx *ctx, const struct tw_notify_event *ev, cJSON *p)
{
        cJSON *d = cJSON_AddObjectToObject(p, "custom_details");
        char when[TW_RFC3339_LEN];
        bool ok;

        ok = d && cJSON_AddStringToObject(d, "token_id", ev->token_id) &&
             cJSON_AddStringToObject(d, "token_name", ev->token_name) &&
             cJSON_AddStringToObject(d, "finding", tw_finding_kind_to_string(ev->kind)) &&
             cJSON_AddStringToObject(d, "message", ev->message ? ev->message : "") &&
             (!ev->fix || !*ev->fix || cJSON_AddStringToObject(d, "fix", ev->fix)) &&
             (!ev->workspace || cJSON_AddStringToObject(d, "workspace", ev->workspace)) &&
             (!ev->listed || ev->expires_at == TW_NO_TIME ||
              cJSON_AddStringToObject(d, "expires_at", tw_time_format(ev->expires_at, when))) &&
             cJSON_AddStringToObject(d, "organization_id", tw_sink_organization(ctx, ev));
        return ok ? 0 : -ENOMEM;
}

static bool add_opt(cJSON *o, const char *k, const char *v)
{
        return !v || cJSON_AddStringToObject(o, k, v);
}

/* A token change: a trigger (nothing resolves it: it happened), one
 * incident per token and change kind. */
int tw_sink_pagerduty_change(const struct tw_sink_ctx *ctx, const struct tw_event *ev,
                             const char *key, cJSON **ret_json)
{
        const char *org = tw_sink_change_organization(ctx, ev);
        char when[TW_RFC3339_LEN];
        cJSON *o = NULL, *p, *d;
        struct tw_buf b;
        int r;

        (void)key;
        if (ev->severity == TW_SEVERITY_NONE)
                return -EINVAL;
        tw_buf_init(&b, 0);
        r = tw_buf_printf(&b, "tokenwatch:%s:%s:change:%s", org, ev->token_id ? ev->token_id : "",
                          tw_event_kind_to_string(ev->kind));
        o = r >= 0 ? cJSON_CreateObject() : NULL;
        if (!o ||
            !cJSON_AddStringToObject(o, "routing_key", ctx->routing_key ? ctx->routing_key : "") ||
            !cJSON_AddStringToObject(o, "event_action", "trigger") ||
            !cJSON_AddStringToObject(o, "dedup_key", b.ptr))
                goto fail;
        tw_buf_reset(&b);
        if (tw_sink_change_summary(ev, &b) < 0)
                goto fail;
        cut_utf8(&b, SUMMARY_MAX);
        p = cJSON_AddObjectToObject(o, "payload");
        if (!p || !cJSON_AddStringToObject(p, "summary", b.ptr) ||
            !cJSON_AddStringToObject(p, "source", "tokenwatch") ||
            !cJSON_AddStringToObject(
                    p, "severity", ev->severity == TW_SEVERITY_CRITICAL ? "critical" : "warning") ||
            !cJSON_AddStringToObject(p, "timestamp", tw_time_format(ev->observed_at, when)) ||
            !cJSON_AddStringToObject(p, "component", ev->token_name ? ev->token_name : "") ||
            !cJSON_AddStringToObject(p, "group", ev->scope ? ev->scope : "") ||
            !cJSON_AddStringToObject(p, "class", "token_change") ||
            !(d = cJSON_AddObjectToObject(p, "custom_details")) ||
            !cJSON_AddStringToObject(d, "event", tw_event_kind_to_string(ev->kind)) ||
            !add_opt(d, "token_id", ev->token_id) || !add_opt(d, "token_name", ev->token_name) ||
            !add_opt(d, "scope", ev->scope) || !add_opt(d, "before", ev->before) ||
            !add_opt(d, "after", ev->after) || !add_opt(d, "detail", ev->detail) ||
            !cJSON_AddStringToObject(d, "organization_id", org))
                goto fail;
        tw_buf_done(&b);
        *ret_json = o;
        return 0;
fail:
        tw_buf_done(&b);
        cJSON_Delete(o);
        return r < 0 ? r : -ENOMEM;
}

int tw_sink_pagerduty_build(const struct tw_sink_ctx *ctx, const struct tw_notify_event *evs,
                            size_t n, cJSON **ret_json, bool *ret_coalesce)
{
        const struct tw_notify_event *ev = evs;
        cJSON *o = NULL, *p;
        struct tw_buf b;
        bool resolve = ev->type == TW_NOTIFY_RESOLVED;
        char when[TW_RFC3339_LEN];
        int r = -ENOMEM;

        if (n != 1 || !tw_notify_event_notifies(ev->type))
                return -EINVAL;
        o = cJSON_CreateObject();
        tw_buf_init(&b, 0);
        if (!o)
                goto finish;
        r = tw_buf_printf(&b, "tokenwatch:%s:%s:%s",
                          ctx->organization_id ? ctx->organization_id : "", ev->token_id,
                          tw_finding_kind_to_string(tw_notify_family(ev->kind)));
        if (r < 0)
                goto finish;
        r = -ENOMEM;
        if (!cJSON_AddStringToObject(o, "routing_key", ctx->routing_key ? ctx->routing_key : "") ||
            !cJSON_AddStringToObject(o, "event_action", resolve ? "resolve" : "trigger") ||
            !cJSON_AddStringToObject(o, "dedup_key", b.ptr))
                goto finish;
        if (resolve) {
                r = 0;
                goto finish;
        }
        tw_buf_reset(&b);
        r = tw_sink_summary(ev, &b);
        if (r < 0)
                goto finish;
        cut_utf8(&b, SUMMARY_MAX);
        r = -ENOMEM;
        p = cJSON_AddObjectToObject(o, "payload");
        if (!p || !cJSON_AddStringToObject(p, "summary", b.ptr) ||
            !cJSON_AddStringToObject(p, "source", "tokenwatch") ||
            !cJSON_AddStringToObject(
                    p, "severity", ev->severity == TW_SEVERITY_CRITICAL ? "critical" : "warning") ||
            !cJSON_AddStringToObject(p, "timestamp", tw_time_format(ev->changed_at, when)) ||
            !cJSON_AddStringToObject(p, "component", ev->token_name) ||
            !cJSON_AddStringToObject(p, "group", ev->scope ? ev->scope : "") ||
            !cJSON_AddStringToObject(p, "class", tw_finding_kind_to_string(ev->kind)))
                goto finish;
        r = pd_details(ctx, ev, p);
finish:
        tw_buf_done(&b);
        if (r < 0) {
                cJSON_Delete(o);
                return r;
        }
        *ret_json = o;
        if (ret_coalesce)
                *ret_coalesce = false;
        return 0;
}
