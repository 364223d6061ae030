/* The Markdown report's audit sections: "Changes in the last 30 days" (the
 * audit trail) and "Who uses each token" (the audit-log usage), written
 * with lib/md.h: every piece of API text is escaped. */
#include "exporters/report/usage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/events.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "core/usage/usage.h"
#include "exporters/report/report_internal.h"
#include "lib/buf.h"
#include "lib/md.h"
#include "lib/timeutil.h"

/* Rows past this are counted, not listed: `tokenwatch audit` has them all. */
#define MAX_CHANGES 500
#define TOP 3

struct md {
        struct tw_md w;
        struct tw_buf tmp;
};

static void add(struct md *m, const char *s)
{
        tw_md_raw(&m->w, s);
}

static void cell(struct md *m, const char *s)
{
        tw_md_cell(&m->w, s);
}

static void cell_ms(struct md *m, int64_t ms)
{
        char ts[TW_RFC3339_LEN];

        cell(m, ms == TW_NO_TIME ? "-" : tw_time_format(ms / 1000, ts));
}

static void changes(struct md *m, const struct tw_snapshot *snap)
{
        const struct tw_event_history *h = snap->history;

        add(m, "\n## Changes in the last 30 days\n\n");
        if (!h) {
                add(m, "No change history yet: the daemon (`tokenwatch run`) records token changes "
                       "in the audit trail of its state directory.\n");
                return;
        }
        if (m->w.r >= 0)
                m->w.r = tw_buf_printf(m->w.out, "%zu change%s since ", h->n_events,
                                       h->n_events == 1 ? "" : "s");
        if (m->w.r >= 0)
                m->w.r = tw_report_add_date(m->w.out, h->since, "?");
        add(m, h->n_events ? ", newest first.\n\n" : ".\n");
        if (h->n_events == 0)
                return;
        tw_md_table(&m->w,
                    (const char *const[]){"Observed (UTC)", "Event", "Severity", "Token", "Change",
                                          "Detail"},
                    6, NULL);
        for (size_t k = 0; k < h->n_events && k < MAX_CHANGES && m->w.r >= 0; k++) {
                const struct tw_event *e = &h->events[h->n_events - 1 - k];
                char ts[TW_RFC3339_LEN];

                cell(m, tw_time_format(e->observed_at, ts));
                cell(m, tw_event_kind_to_string(e->kind));
                cell(m,
                     e->severity == TW_SEVERITY_NONE ? "info" : tw_severity_to_string(e->severity));
                tw_buf_reset(&m->tmp);
                m->w.r = tw_buf_printf(&m->tmp, "%s (%s)", e->token_name ? e->token_name : "-",
                                       e->token_id ? e->token_id : "?");
                cell(m, m->tmp.ptr);
                tw_buf_reset(&m->tmp);
                if (m->w.r >= 0)
                        m->w.r = tw_report_event_change(e, &m->tmp);
                cell(m, m->tmp.ptr ? m->tmp.ptr : "");
                cell(m, e->detail);
                add(m, "|\n");
        }
        if (m->w.r >= 0 && h->n_events > MAX_CHANGES)
                m->w.r =
                        tw_buf_printf(m->w.out,
                                      "\nAnd %zu older (`tokenwatch audit --since 30d` lists every "
                                      "one).\n",
                                      h->n_events - MAX_CHANGES);
}

/* The lifecycle events of the last 30 days (the audit logs): who did what. */
static void changed_by(struct md *m, const struct tw_snapshot *snap)
{
        const struct tw_usage *u = snap->usage;
        int64_t now = tw_report_generated_at(snap);
        int64_t since =
                now == TW_NO_TIME ? INT64_MIN : now - (int64_t)TW_REPORT_HISTORY_DAYS * 86400;
        size_t shown = 0;

        if (!u)
                return;
        add(m, "\n### Who changed tokens (Astro audit logs)\n\n");
        for (size_t k = u->n_lifecycle; k-- > 0 && m->w.r >= 0;) {
                const struct tw_lifecycle_event *e = &u->lifecycle[k];
                char ts[TW_RFC3339_LEN];

                if (e->at_ms / 1000 < since)
                        continue;
                if (shown++ >= MAX_CHANGES)
                        continue;
                if (shown == 1)
                        tw_md_table(&m->w,
                                    (const char *const[]){"When (UTC)", "Action", "Token", "By",
                                                          "Source IP", "User agent", "Status"},
                                    7, NULL);
                cell(m, tw_time_format(e->at_ms / 1000, ts));
                cell(m, tw_lifecycle_action_to_string(e->action));
                tw_buf_reset(&m->tmp);
                if (m->w.r >= 0)
                        m->w.r = tw_buf_printf(&m->tmp, "%s (%s)",
                                               tw_report_lifecycle_token_name(snap, e)
                                                       ? tw_report_lifecycle_token_name(snap, e)
                                                       : "-",
                                               e->token_id ? e->token_id : "new");
                cell(m, m->tmp.ptr);
                tw_buf_reset(&m->tmp);
                if (m->w.r >= 0)
                        m->w.r = tw_report_actor_text(snap, e, &m->tmp);
                cell(m, m->tmp.ptr);
                cell(m, e->source_ip ? e->source_ip : "-");
                cell(m, e->user_agent ? e->user_agent : "-");
                if (m->w.r >= 0)
                        m->w.r = e->status < 0 ? tw_buf_adds(m->w.out, "| ? ")
                                               : tw_buf_printf(m->w.out, "| %d ", e->status);
                add(m, "|\n");
        }
        if (shown == 0)
                add(m, "None in the last 30 days.\n");
        else if (m->w.r >= 0 && shown > MAX_CHANGES)
                m->w.r = tw_buf_printf(m->w.out, "\nAnd %zu older.\n", shown - MAX_CHANGES);
}

static void usage_row(struct md *m, const struct tw_token *t, const struct tw_token_usage *u)
{
        const char *least = tw_report_least_role(u, t);

        tw_buf_reset(&m->tmp);
        if (m->w.r >= 0)
                m->w.r = tw_buf_printf(&m->tmp, "%s (%s)", t->name ? t->name : "-", t->id);
        cell(m, m->tmp.ptr);
        if (m->w.r >= 0)
                m->w.r = tw_buf_printf(m->w.out, "| %llu ", (unsigned long long)u->calls);
        cell_ms(m, u->first_ms);
        cell_ms(m, u->last_ms);
        tw_buf_reset(&m->tmp);
        if (m->w.r >= 0)
                m->w.r = tw_report_sources_text(u->ips, u->n_ips, TOP, &m->tmp);
        cell(m, m->tmp.ptr ? m->tmp.ptr : "");
        tw_buf_reset(&m->tmp);
        if (m->w.r >= 0)
                m->w.r = tw_report_sources_text(u->agents, u->n_agents, TOP, &m->tmp);
        cell(m, m->tmp.ptr ? m->tmp.ptr : "");
        tw_buf_reset(&m->tmp);
        if (m->w.r >= 0)
                m->w.r = tw_report_ops_text(u, TOP, &m->tmp);
        cell(m, m->tmp.ptr ? m->tmp.ptr : "");
        if (m->w.r >= 0)
                m->w.r = tw_buf_printf(m->w.out, "| %llu ", (unsigned long long)u->image_pushes);
        cell(m, least ? least : "-");
        add(m, "|\n");
}

static void users(struct md *m, const struct tw_snapshot *snap, const size_t *order)
{
        const struct tw_inventory *inv = snap->inv;
        size_t used = 0;

        add(m, "\n## Who uses each token\n\n");
        if (!snap->usage) {
                add(m, "No audit-log usage: it needs the daemon's audit-log collection "
                       "(an Organization Owner credential).\n");
                return;
        }
        for (size_t i = 0; i < inv->n_tokens; i++)
                used += tw_report_token_usage(snap, &inv->tokens[i]) != NULL;
        if (m->w.r >= 0)
                m->w.r = tw_buf_printf(m->w.out,
                                       "From the Astro audit logs: %zu of %zu token%s called the "
                                       "API.\n",
                                       used, inv->n_tokens, inv->n_tokens == 1 ? "" : "s");
        if (used == 0)
                return;
        add(m, "\n");
        tw_md_table(&m->w,
                    (const char *const[]){"Token", "Calls", "First seen", "Last seen", "Source IPs",
                                          "User agents", "Operations", "Image pushes",
                                          "Least role"},
                    9, NULL);
        for (size_t i = 0; i < inv->n_tokens && m->w.r >= 0; i++) {
                const struct tw_token *t = &inv->tokens[order ? order[i] : i];
                const struct tw_token_usage *u = tw_report_token_usage(snap, t);

                if (u)
                        usage_row(m, t, u);
        }
}

int tw_report_markdown_usage(const struct tw_snapshot *snap, const size_t *order,
                             struct tw_buf *out)
{
        struct md m;

        tw_md_init(&m.w, out);
        tw_buf_init(&m.tmp, (size_t)1 << 20);
        changes(&m, snap);
        changed_by(&m, snap);
        users(&m, snap, order);
        tw_buf_done(&m.tmp);
        return m.w.r;
}
