/* Token change events (core/events.h) as sink bodies: the helpers every
 * format shares, the staged expiry notice summary, and the generic body. */
#include "exporters/sinks/sinks.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/events.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

static const char *name_of(const struct tw_event *ev)
{
        return ev->token_name && *ev->token_name ? ev->token_name
               : ev->token_id                    ? ev->token_id
                                                 : "";
}

static bool in_use(const struct tw_event *ev)
{
        return ev->severity == TW_SEVERITY_CRITICAL &&
               (ev->kind == TW_EVENT_DELETED || ev->kind == TW_EVENT_EXPIRED);
}

int tw_sink_change_summary(const struct tw_event *ev, struct tw_buf *out)
{
        static const char *const words[_TW_EVENT_KIND_MAX] = {
                [TW_EVENT_CREATED] = "created",
                [TW_EVENT_DELETED] = "deleted",
                [TW_EVENT_ROTATED] = "rotated",
                [TW_EVENT_ROLES_CHANGED] = "roles changed",
                [TW_EVENT_RENAMED] = "renamed",
                [TW_EVENT_DESCRIPTION_CHANGED] = "description changed",
                [TW_EVENT_EXPIRED] = "expired",
                [TW_EVENT_CREATOR_DEPARTED] = "creator departed",
        };

        if (in_use(ev))
                return tw_buf_printf(out, "%s while in use: token \"%s\"",
                                     ev->kind == TW_EVENT_DELETED ? "Deleted" : "Expired",
                                     name_of(ev));
        return tw_buf_printf(out, "Token %s: \"%s\"",
                             (unsigned)ev->kind < _TW_EVENT_KIND_MAX ? words[ev->kind] : "changed",
                             name_of(ev));
}

int tw_sink_stage_summary(const struct tw_notify_event *ev, struct tw_buf *out)
{
        const char *name = ev->token_name && *ev->token_name ? ev->token_name : ev->token_id;
        int64_t l = ev->lead;

        if (l % 86400 == 0)
                return tw_buf_printf(out, "Expires in less than %" PRId64 " day%s: token \"%s\"",
                                     l / 86400, l == 86400 ? "" : "s", name);
        if (l % 3600 == 0)
                return tw_buf_printf(out, "Expires in less than %" PRId64 " hour%s: token \"%s\"",
                                     l / 3600, l == 3600 ? "" : "s", name);
        return tw_buf_printf(out, "Expires in less than %" PRId64 " minutes: token \"%s\"",
                             (l + 59) / 60, name);
}

int tw_sink_change_facts_init(struct tw_sink_facts *f, const struct tw_event *ev)
{
        char change[96];
        struct tw_buf b;

        memset(f, 0, sizeof(*f));
        tw_sink_fact(f, "Token", name_of(ev));
        tw_sink_fact(f, "Token ID", ev->token_id);
        tw_sink_fact(f, "Scope", ev->scope);
        snprintf(change, sizeof(change), "%s (%s)", tw_event_kind_to_string(ev->kind),
                 tw_severity_to_string(ev->severity));
        tw_sink_fact(f, "Change", change);
        tw_sink_fact(f, "Before", ev->before);
        tw_sink_fact(f, "After", ev->after);
        tw_buf_init(&b, 0);
        if (ev->detail && *ev->detail)
                tw_buf_adds(&b, ev->detail);
        else
                tw_sink_change_summary(ev, &b);
        f->text = tw_buf_steal(&b);
        tw_buf_done(&b);
        if (in_use(ev))
                f->fix = strdup(ev->kind == TW_EVENT_DELETED
                                        ? "pipelines that use it are failing now: give them a "
                                          "new token"
                                        : "pipelines that use it are failing now: rotate it or "
                                          "give them a new token");
        return f->text && (!in_use(ev) || f->fix) ? 0 : -ENOMEM;
}

static bool add_opt(cJSON *o, const char *k, const char *v)
{
        return v ? cJSON_AddStringToObject(o, k, v) != NULL : cJSON_AddNullToObject(o, k) != NULL;
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
            (t = cJSON_AddObjectToObject(o, "token")) && add_opt(t, "id", ev->token_id) &&
            add_opt(t, "name", ev->token_name) && add_opt(t, "scope", ev->scope) &&
            add_opt(o, "before", ev->before) && add_opt(o, "after", ev->after) &&
            add_opt(o, "detail", ev->detail)) {
                *ret_json = o;
                return 0;
        }
        cJSON_Delete(o);
        return -ENOMEM;
}
