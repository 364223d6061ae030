/* The HTML report's audit sections: "Changes in the last 30 days" (the
 * audit trail) and "Who uses each token" (the audit-log usage).  Every
 * piece of API text goes through tw_html_text()/tw_html_name(). */
#include "exporters/report/html_internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/events.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "core/usage/usage.h"
#include "exporters/report/usage.h"
#include "lib/timeutil.h"

#define MAX_CHANGES 500
#define TOP 3

/* The scratch text of a composed cell, escaped. */
static void composed(struct tw_html *h, struct tw_buf *b)
{
        tw_html_text(h, b->ptr ? b->ptr : "");
        tw_buf_reset(b);
}

static void ms_date(struct tw_html *h, int64_t ms)
{
        char ts[TW_RFC3339_LEN];

        tw_html_text(h, ms == TW_NO_TIME ? "-" : tw_time_format(ms / 1000, ts));
}

static void change_row(struct tw_html *h, const struct tw_event *e, struct tw_buf *b)
{
        char ts[TW_RFC3339_LEN];

        tw_html_rawf(h, "<tr><td class=\"d\" data-l=\"Observed (UTC)\">%s</td>",
                     tw_time_format(e->observed_at, ts));
        tw_html_rawf(h, "<td data-l=\"Event\">%s</td><td data-l=\"Severity\">",
                     tw_event_kind_to_string(e->kind));
        if (e->severity == TW_SEVERITY_NONE)
                tw_html_raw(h, "<span class=\"sev ok\">info</span>");
        else
                tw_html_sev_pill(h, e->severity, false);
        tw_html_raw(h, "</td><td data-l=\"Token\">");
        tw_html_short_name(h, e->token_name);
        tw_html_raw(h, "<br><span class=\"id\">");
        tw_html_text(h, e->token_id);
        tw_html_raw(h, "</span></td><td data-l=\"Change\">");
        if (h->r >= 0)
                h->r = tw_report_event_change(e, b);
        composed(h, b);
        tw_html_raw(h, "</td><td data-l=\"Detail\">");
        tw_html_text(h, e->detail);
        tw_html_raw(h, "</td></tr>\n");
}

void tw_html_changes(struct tw_html *h)
{
        const struct tw_event_history *hist = h->snap->history;
        struct tw_buf b;

        tw_html_raw(h, "<h2 id=\"changes\">Changes in the last 30 days</h2>\n");
        if (!hist) {
                tw_html_raw(h, "<p>No change history yet: the daemon (<code>tokenwatch run</code>) "
                               "records token changes in the audit trail of its state "
                               "directory.</p>\n");
                return;
        }
        tw_html_rawf(h, "<p>%zu change%s since ", hist->n_events, hist->n_events == 1 ? "" : "s");
        tw_html_date(h, hist->since, "?");
        tw_html_raw(h, hist->n_events ? ", newest first.</p>\n" : ".</p>\n");
        if (hist->n_events == 0)
                return;
        tw_html_raw(h, "<div class=\"scroll\"><table class=\"rows\"><thead><tr><th>Observed "
                       "(UTC)</th><th>Event</th><th>Severity</th><th>Token</th><th>Change</th>"
                       "<th>Detail</th></tr></thead><tbody>\n");
        tw_buf_init(&b, (size_t)1 << 20);
        for (size_t k = 0; k < hist->n_events && k < MAX_CHANGES; k++)
                change_row(h, &hist->events[hist->n_events - 1 - k], &b);
        tw_buf_done(&b);
        tw_html_raw(h, "</tbody></table></div>\n");
        if (hist->n_events > MAX_CHANGES)
                tw_html_rawf(h,
                             "<p>And %zu older (<code>tokenwatch audit --since 30d</code> lists "
                             "every one).</p>\n",
                             hist->n_events - MAX_CHANGES);
}

static void lifecycle_row(struct tw_html *h, const struct tw_lifecycle_event *e, struct tw_buf *b)
{
        char ts[TW_RFC3339_LEN];

        tw_html_rawf(h,
                     "<tr><td class=\"d\" data-l=\"When (UTC)\">%s</td><td "
                     "data-l=\"Action\">%s</td><td data-l=\"Token\">",
                     tw_time_format(e->at_ms / 1000, ts), tw_lifecycle_action_to_string(e->action));
        tw_html_short_name(h, tw_report_lifecycle_token_name(h->snap, e));
        tw_html_raw(h, "<br><span class=\"id\">");
        tw_html_text(h, e->token_id ? e->token_id : "new");
        tw_html_raw(h, "</span></td><td data-l=\"By\">");
        if (h->r >= 0)
                h->r = tw_report_actor_text(h->snap, e, b);
        composed(h, b);
        tw_html_raw(h, "</td><td data-l=\"Source IP\">");
        tw_html_text(h, e->source_ip ? e->source_ip : "-");
        tw_html_raw(h, "</td><td data-l=\"User agent\">");
        tw_html_text(h, e->user_agent ? e->user_agent : "-");
        if (e->status < 0)
                tw_html_raw(h, "</td><td data-l=\"Status\">?</td></tr>\n");
        else
                tw_html_rawf(h, "</td><td data-l=\"Status\">%d</td></tr>\n", e->status);
}

/* The lifecycle events of the last 30 days (the audit logs): who did what. */
void tw_html_changed_by(struct tw_html *h)
{
        const struct tw_usage *u = h->snap->usage;
        int64_t since =
                h->now == TW_NO_TIME ? INT64_MIN : h->now - (int64_t)TW_REPORT_HISTORY_DAYS * 86400;
        size_t shown = 0;
        struct tw_buf b;

        if (!u)
                return;
        tw_html_raw(h, "<h3>Who changed tokens (Astro audit logs)</h3>\n");
        tw_buf_init(&b, (size_t)1 << 20);
        for (size_t k = u->n_lifecycle; k-- > 0;) {
                const struct tw_lifecycle_event *e = &u->lifecycle[k];

                if (e->at_ms / 1000 < since)
                        continue;
                if (shown++ >= MAX_CHANGES)
                        continue;
                if (shown == 1)
                        tw_html_raw(h, "<div class=\"scroll\"><table class=\"rows\"><thead><tr>"
                                       "<th>When (UTC)</th><th>Action</th><th>Token</th><th>By</th>"
                                       "<th>Source IP</th><th>User agent</th><th>Status</th></tr>"
                                       "</thead><tbody>\n");
                lifecycle_row(h, e, &b);
        }
        tw_buf_done(&b);
        if (shown == 0)
                tw_html_raw(h, "<p>None in the last 30 days.</p>\n");
        else
                tw_html_raw(h, "</tbody></table></div>\n");
        if (shown > MAX_CHANGES)
                tw_html_rawf(h, "<p>And %zu older.</p>\n", shown - MAX_CHANGES);
}

static void usage_row(struct tw_html *h, size_t k, const struct tw_token_usage *u, struct tw_buf *b)
{
        const struct tw_token *t = &h->snap->inv->tokens[k];
        const char *least = tw_report_least_role(u, t);

        tw_html_rawf(h, "<tr><td data-l=\"Token\"><a href=\"#t%zu\">", k);
        tw_html_short_name(h, t->name);
        tw_html_raw(h, "</a><br><span class=\"id\">");
        tw_html_text(h, t->id);
        tw_html_rawf(h,
                     "</span></td><td data-l=\"Calls\">%llu</td><td class=\"d\" "
                     "data-l=\"First seen\">",
                     (unsigned long long)u->calls);
        ms_date(h, u->first_ms);
        tw_html_raw(h, "</td><td class=\"d\" data-l=\"Last seen\">");
        ms_date(h, u->last_ms);
        tw_html_raw(h, "</td><td data-l=\"Source IPs\">");
        if (h->r >= 0)
                h->r = tw_report_sources_text(u->ips, u->n_ips, TOP, b);
        composed(h, b);
        tw_html_raw(h, "</td><td data-l=\"User agents\">");
        if (h->r >= 0)
                h->r = tw_report_sources_text(u->agents, u->n_agents, TOP, b);
        composed(h, b);
        tw_html_raw(h, "</td><td data-l=\"Operations\">");
        if (h->r >= 0)
                h->r = tw_report_ops_text(u, TOP, b);
        composed(h, b);
        tw_html_rawf(h, "</td><td data-l=\"Image pushes\">%llu</td><td data-l=\"Least role\">",
                     (unsigned long long)u->image_pushes);
        tw_html_text(h, least ? least : "-");
        tw_html_raw(h, "</td></tr>\n");
}

void tw_html_usage(struct tw_html *h)
{
        const struct tw_inventory *inv = h->snap->inv;
        size_t used = 0;
        struct tw_buf b;

        tw_html_raw(h, "<h2 id=\"usage\">Who uses each token</h2>\n");
        if (!h->snap->usage) {
                tw_html_raw(h, "<p>No audit-log usage: it needs the daemon's audit-log collection "
                               "(an Organization Owner credential).</p>\n");
                return;
        }
        for (size_t i = 0; i < inv->n_tokens; i++)
                used += tw_report_token_usage(h->snap, &inv->tokens[i]) != NULL;
        tw_html_rawf(h, "<p>From the Astro audit logs: %zu of %zu token%s called the API.</p>\n",
                     used, inv->n_tokens, inv->n_tokens == 1 ? "" : "s");
        if (used == 0)
                return;
        tw_html_raw(h, "<div class=\"scroll\"><table class=\"rows\"><thead><tr><th>Token</th>"
                       "<th>Calls</th><th>First seen</th><th>Last seen</th><th>Source IPs</th>"
                       "<th>User agents</th><th>Operations</th><th>Image pushes</th><th>Least "
                       "role</th></tr></thead><tbody>\n");
        tw_buf_init(&b, (size_t)1 << 20);
        for (size_t i = 0; i < inv->n_tokens; i++) {
                const struct tw_token_usage *u =
                        tw_report_token_usage(h->snap, &inv->tokens[h->order[i]]);

                if (u)
                        usage_row(h, h->order[i], u, &b);
        }
        tw_buf_done(&b);
        tw_html_raw(h, "</tbody></table></div>\n");
}
