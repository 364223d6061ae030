/* What the sink formats share (exporters/sinks/sinks_common_internal.h): the
 * organization an event names, summaries, the facts a chat message shows,
 * and the text lines of the chat digests. */
#include "exporters/sinks/sinks_common_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/events.h"
#include "core/inventory.h"
#include "core/notify/digest.h"
#include "core/notify/event.h"
#include "lib/buf.h"
#include "lib/timeutil.h"
#include "lib/utf8.h"

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

        if (len >= sizeof(f->value[0]))
                len = tw_utf8_cut(v, len, sizeof(f->value[0]) - 4);
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
        len = tw_utf8_cut(msg, len, TEXT_MAX);
        f->text = strndup(msg, len);
        return f->text ? 0 : -ENOMEM;
}

void tw_sink_facts_done(struct tw_sink_facts *f)
{
        free(f->text);
        free(f->fix);
        f->text = f->fix = NULL;
}

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
