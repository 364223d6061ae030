/* Shared parts of the webhook payloads: the token object, fixes, signing. */
#include "exporters/notify_payload.h"
#include "exporters/report.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "core/inventory.h"
#include "lib/timeutil.h"

cJSON *tw_notify_token_json(const struct tw_inventory *inv, const struct tw_token *t)
{
        /* "the same fields as the report's token, findings excluded" */
        return tw_report_token_json(inv, t);
}

void tw_notify_split_fix(const char *msg, size_t *ret_len, const char **ret_fix,
                         size_t *ret_fix_len)
{
        const char *p = msg ? strstr(msg, " Fix: ") : NULL;
        size_t n = p ? strlen(p + 6) : 0;

        if (n && p[6 + n - 1] == '.')
                n--;
        *ret_len = p ? (size_t)(p - msg) : (msg ? strlen(msg) : 0);
        *ret_fix = p ? p + 6 : NULL;
        *ret_fix_len = n;
}

int tw_notify_payload_build(enum tw_webhook_format fmt, const struct tw_notify_payload_ctx *ctx,
                            const struct tw_notify_event *ev, cJSON **ret_json)
{
        if (!ctx || !ev || !tw_notify_event_notifies(ev->type))
                return -EINVAL;
        switch (fmt) {
        case TW_WEBHOOK_GENERIC:
                return tw_notify_payload_generic(ctx, ev, ret_json);
        case TW_WEBHOOK_SLACK:
                return tw_notify_payload_slack(ctx, ev, ret_json);
        case TW_WEBHOOK_TEAMS:
                return tw_notify_payload_teams(ctx, ev, ret_json);
        case TW_WEBHOOK_PAGERDUTY:
                return tw_notify_payload_pagerduty(ctx, ev, ret_json);
        default:
                return -EINVAL;
        }
}

int tw_hmac_sha256_hex(const void *key, size_t key_len, const void *data, size_t len,
                       char ret_hex[65])
{
        unsigned char md[32];

        if (!key || (!data && len))
                return -EINVAL;
        if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, key_len, data, len, md) < 0)
                return -EIO;
        for (int i = 0; i < 32; i++)
                snprintf(ret_hex + 2 * i, 3, "%02x", md[i]);
        return 0;
}

int tw_notify_sign(const char *secret, int64_t timestamp, const char *body, size_t body_len,
                   char ret_sig[72])
{
        struct tw_buf b;
        char hex[65];
        int r;

        if (!secret || !body)
                return -EINVAL;
        tw_buf_init(&b, body_len + 64);
        r = tw_buf_printf(&b, "%" PRId64 ".", timestamp);
        if (r >= 0)
                r = tw_buf_add(&b, body, body_len);
        if (r >= 0)
                r = tw_hmac_sha256_hex(secret, strlen(secret), b.ptr, b.len, hex);
        if (r >= 0)
                snprintf(ret_sig, 72, "sha256=%s", hex);
        if (b.ptr)
                memset(b.ptr, 0, b.len);
        tw_buf_done(&b);
        return r;
}

static const char *ws_name(const struct tw_inventory *inv, const char *id)
{
        const struct tw_workspace *w = inv && id ? tw_inventory_workspace(inv, id) : NULL;

        return w && w->name ? w->name : id;
}

const char *tw_notify_workspace(const struct tw_notify_payload_ctx *ctx, const struct tw_token *t)
{
        const struct tw_inventory *inv = ctx ? ctx->inv : NULL;

        for (size_t i = 0; t && i < t->n_roles; i++) {
                const struct tw_role *r = &t->roles[i];
                const struct tw_deployment *d;

                if (!r->entity_type || !r->entity_id)
                        continue;
                if (strcmp(r->entity_type, "WORKSPACE") == 0)
                        return ws_name(inv, r->entity_id);
                if (strcmp(r->entity_type, "DEPLOYMENT") == 0 && inv) {
                        d = tw_inventory_deployment(inv, r->entity_id);
                        if (d && d->workspace_id)
                                return ws_name(inv, d->workspace_id);
                }
        }
        return NULL;
}

int tw_notify_summary(const struct tw_notify_event *ev, struct tw_buf *out)
{
        static const char *const words[_TW_NOTIFY_EVENT_MAX] = {
                [TW_NOTIFY_FIRING] = "New finding", [TW_NOTIFY_ESCALATED] = "Escalated",
                [TW_NOTIFY_RESOLVED] = "Resolved",  [TW_NOTIFY_REMINDER] = "Reminder",
                [TW_NOTIFY_CHANGED] = "Downgraded", [TW_NOTIFY_ACTIVE] = "Active",
        };
        const char *w = (unsigned)ev->type < _TW_NOTIFY_EVENT_MAX ? words[ev->type] : "Finding";

        return tw_buf_printf(out, "%s: %s (%s) on token \"%s\"", w,
                             tw_finding_kind_to_string(ev->kind),
                             tw_severity_to_string(ev->severity),
                             ev->token_name && *ev->token_name ? ev->token_name : ev->token_id);
}
