/* The table of sink formats, and the helpers the builders share (facts,
 * summaries, signing). */
#include "exporters/sinks/sinks.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/events.h"
#include "core/inventory.h"
#include "lib/buf.h"
#include "lib/secret.h"
#include "lib/timeutil.h"

/* One row per format; the first is the default. */
static const struct tw_sink_format formats[] = {
        {
                .name = "generic",
                .build = tw_sink_generic_build,
                .reminders = true,
                .signs = true,
                .change = tw_sink_generic_change,
                .stages = true,
        },
        {
                .name = "slack",
                .build = tw_sink_slack_build,
                .reminders = true,
                .change = tw_sink_slack_change,
                .stages = true,
        },
        {
                .name = "teams",
                .build = tw_sink_teams_build,
                .reminders = true,
                .change = tw_sink_teams_change,
                .stages = true,
        },
        {
                .name = "pagerduty",
                .build = tw_sink_pagerduty_build,
                .change = tw_sink_pagerduty_change,
                .routing_key = true,
                .default_url = "https://events.pagerduty.com/v2/enqueue",
        },
        {
                .name = "alertmanager",
                .build = tw_sink_alertmanager_build,
                .change = tw_sink_alertmanager_change,
                .batch = true,
                .url_path = "/api/v2/alerts",
        },
};

#define N_FORMATS (sizeof(formats) / sizeof(formats[0]))

const struct tw_sink_format *tw_sink_format_at(size_t i)
{
        return i < N_FORMATS ? &formats[i] : NULL;
}

const struct tw_sink_format *tw_sink_format_find(const char *name)
{
        if (!name)
                return &formats[0];
        for (size_t i = 0; i < N_FORMATS; i++)
                if (strcmp(formats[i].name, name) == 0)
                        return &formats[i];
        return NULL;
}

const char *tw_sink_organization(const struct tw_sink_ctx *ctx, const struct tw_notify_event *ev)
{
        if (ev && ev->organization && *ev->organization)
                return ev->organization;
        return ctx->organization_id ? ctx->organization_id : "";
}

const char *tw_sink_change_organization(const struct tw_sink_ctx *ctx, const struct tw_event *ev)
{
        if (ev && ev->organization_id)
                return ev->organization_id;
        return ctx->organization_id ? ctx->organization_id : "";
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

int tw_sink_sign(const char *secret, int64_t timestamp, const char *body, size_t body_len,
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
        tw_wipe(b.ptr, b.len);
        tw_buf_done(&b);
        return r;
}

int tw_sink_summary(const struct tw_notify_event *ev, struct tw_buf *out)
{
        static const char *const words[_TW_NOTIFY_EVENT_MAX] = {
                [TW_NOTIFY_FIRING] = "New finding",  [TW_NOTIFY_ESCALATED] = "Escalated",
                [TW_NOTIFY_RESOLVED] = "Resolved",   [TW_NOTIFY_REMINDER] = "Reminder",
                [TW_NOTIFY_CHANGED] = "Downgraded",  [TW_NOTIFY_ACTIVE] = "Active",
                [TW_NOTIFY_STAGE] = "Expiry notice",
        };
        const char *w = (unsigned)ev->type < _TW_NOTIFY_EVENT_MAX ? words[ev->type] : "Finding";

        if (ev->type == TW_NOTIFY_STAGE)
                return tw_sink_stage_summary(ev, out);

        return tw_buf_printf(out, "%s: %s (%s) on token \"%s\"", w,
                             tw_finding_kind_to_string(ev->kind),
                             tw_severity_to_string(ev->severity),
                             ev->token_name && *ev->token_name ? ev->token_name : ev->token_id);
}

#define TEXT_MAX 2900 /* Slack section text limit is 3000 */

void tw_sink_fact(struct tw_sink_facts *f, const char *title, const char *value)
{
        const char *v = value ? value : "-";
        size_t full = strlen(v), len = full;

        if (len >= sizeof(f->value[0])) {
                len = sizeof(f->value[0]) - 4;
                while (len > 0 && ((unsigned char)v[len] & 0xC0) == 0x80)
                        len--;
        }
        if (f->n >= sizeof(f->title) / sizeof(f->title[0]))
                return;
        f->title[f->n] = title;
        memcpy(f->value[f->n], v, len);
        strcpy(f->value[f->n] + len, len < full ? "..." : "");
        f->n++;
}

int tw_sink_facts_init(struct tw_sink_facts *f, const struct tw_sink_ctx *ctx,
                       const struct tw_notify_event *ev)
{
        char when[TW_RFC3339_LEN], kind[64];
        const char *msg = ev->message ? ev->message : "";
        size_t len = strlen(msg);

        (void)ctx;
        memset(f, 0, sizeof(*f));
        tw_sink_fact(f, "Token", ev->token_name && *ev->token_name ? ev->token_name : ev->token_id);
        tw_sink_fact(f, "Token ID", ev->token_id);
        tw_sink_fact(f, "Workspace", ev->workspace ? ev->workspace : "-");
        snprintf(kind, sizeof(kind), "%s (%s)", tw_finding_kind_to_string(ev->kind),
                 tw_severity_to_string(ev->severity));
        tw_sink_fact(f, "Finding", kind);
        tw_sink_fact(f, "Expires",
                     !ev->listed                    ? "-"
                     : ev->expires_at == TW_NO_TIME ? "never"
                                                    : tw_time_format(ev->expires_at, when));
        tw_sink_fact(f, "Creator", ev->creator ? ev->creator : "-");
        if (ev->fix && *ev->fix && ev->type != TW_NOTIFY_RESOLVED) {
                f->fix = strdup(ev->fix);
                if (!f->fix)
                        return -ENOMEM;
        }
        if (len > TEXT_MAX)
                len = TEXT_MAX;
        while (len > 0 && ((unsigned char)msg[len] & 0xC0) == 0x80)
                len--;
        f->text = strndup(msg, len);
        return f->text ? 0 : -ENOMEM;
}

void tw_sink_facts_done(struct tw_sink_facts *f)
{
        free(f->text);
        free(f->fix);
        f->text = f->fix = NULL;
}
