/* The audit command's Part 2 in CSV, Markdown and the terminal: who uses each token and who changed
 * it, from the Astro audit logs' usage index.  See exporters/report/changes.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/events.h"
#include "core/usage/usage.h"
#include "exporters/report/changes.h"
#include "exporters/report/usage_view_internal.h"
#include "exporters/report/report_internal.h"
#include "lib/buf.h"
#include "lib/md.h"
#include "lib/timeutil.h"

#define TOP 5 /* sources and operations shown in the text formats */

/* The k most called operations first. */
static size_t top_ops(const struct tw_token_usage *t, const struct tw_usage_op **out, size_t k)
{
        size_t n = 0;

        for (size_t i = 0; i < t->n_ops; i++) {
                size_t j = n < k ? n++ : k;

                if (j == k && (k == 0 || t->ops[i].count <= out[k - 1]->count))
                        continue;
                if (j == k)
                        j = k - 1;
                for (; j > 0 && out[j - 1]->count < t->ops[i].count; j--)
                        out[j] = out[j - 1];
                out[j] = &t->ops[i];
        }
        return n;
}

/* "a (3), b (1)" of the top sources, or of the top operations. */
static int sources_text(const struct tw_usage_source *s, size_t n, struct tw_buf *out)
{
        const struct tw_usage_source *top[TOP];
        size_t k = tw_usage_top(s, n, top, TOP);
        int r = 0;

        for (size_t i = 0; r >= 0 && i < k; i++)
                r = tw_buf_printf(out, "%s%s (%llu)", i ? ", " : "", top[i]->value,
                                  (unsigned long long)top[i]->count);
        return r;
}

static int ops_text(const struct tw_token_usage *t, struct tw_buf *out)
{
        const struct tw_usage_op *top[TOP];
        size_t k = top_ops(t, top, TOP);
        int r = 0;

        for (size_t i = 0; r >= 0 && i < k; i++)
                r = tw_buf_printf(out, "%s%s (%llu)", i ? ", " : "", top[i]->op,
                                  (unsigned long long)top[i]->count);
        return r;
}

/* An actor for a person: "name (id)" for a named token, else the id. */
static int actor_text(const struct tw_audit_view *v, const struct tw_lifecycle_event *e,
                      struct tw_buf *out)
{
        const char *name = e->actor_type == TW_AUDITLOG_SUBJECT_SERVICEKEY
                                   ? tw_usage_view_name_of(v, e->actor_id)
                                   : NULL;

        if (name)
                return tw_buf_printf(out, "token %s (%s)", name, e->actor_id);
        return tw_buf_printf(out, "%s %s", tw_usage_view_actor_type(e),
                             e->actor_id ? e->actor_id : "-");
}

/* ---- text formats: one row of cells per token or event ---- */

enum { U_ID, U_NAME, U_FIRST, U_LAST, U_CALLS, U_PUSHES, U_IPS, U_AGENTS, U_OPS, N_U };
enum { L_AT, L_ACTION, L_ID, L_NAME, L_ACTOR, L_IP, L_AGENT, L_STATUS, N_L };

/* The cells of a token's usage row, in bufs[N_U]. */
static int usage_cells(const struct tw_audit_view *v, const struct tw_token_usage *t,
                       struct tw_buf *b)
{
        char ts[TW_RFC3339_LEN];
        int r;

        for (int c = 0; c < N_U; c++)
                tw_buf_reset(&b[c]);
        r = tw_buf_adds(&b[U_ID], t->token_id);
        if (r >= 0)
                r = tw_buf_adds(&b[U_NAME], tw_usage_view_name_of(v, t->token_id)
                                                    ? tw_usage_view_name_of(v, t->token_id)
                                                    : "");
        if (r >= 0)
                r = tw_buf_adds(&b[U_FIRST], tw_usage_view_when(t->first_ms, ts));
        if (r >= 0)
                r = tw_buf_adds(&b[U_LAST], tw_usage_view_when(t->last_ms, ts));
        if (r >= 0)
                r = tw_buf_printf(&b[U_CALLS], "%llu", (unsigned long long)t->calls);
        if (r >= 0)
                r = tw_buf_printf(&b[U_PUSHES], "%llu", (unsigned long long)t->image_pushes);
        if (r >= 0)
                r = sources_text(t->ips, t->n_ips, &b[U_IPS]);
        if (r >= 0)
                r = sources_text(t->agents, t->n_agents, &b[U_AGENTS]);
        if (r >= 0)
                r = ops_text(t, &b[U_OPS]);
        return r;
}

static int event_cells(const struct tw_audit_view *v, const struct tw_lifecycle_event *e,
                       struct tw_buf *b)
{
        const char *name = e->token_name ? e->token_name : tw_usage_view_name_of(v, e->token_id);
        char ts[TW_RFC3339_LEN];
        int r;

        for (int c = 0; c < N_L; c++)
                tw_buf_reset(&b[c]);
        r = tw_buf_adds(&b[L_AT], tw_usage_view_when(e->at_ms, ts));
        if (r >= 0)
                r = tw_buf_adds(&b[L_ACTION], tw_lifecycle_action_to_string(e->action));
        if (r >= 0)
                r = tw_buf_adds(&b[L_ID], e->token_id ? e->token_id : "");
        if (r >= 0)
                r = tw_buf_adds(&b[L_NAME], name ? name : "");
        if (r >= 0)
                r = actor_text(v, e, &b[L_ACTOR]);
        if (r >= 0)
                r = tw_buf_adds(&b[L_IP], e->source_ip ? e->source_ip : "");
        if (r >= 0)
                r = tw_buf_adds(&b[L_AGENT], e->user_agent ? e->user_agent : "");
        if (r >= 0 && e->status >= 0)
                r = tw_buf_printf(&b[L_STATUS], "%d", e->status);
        return r;
}

static const char *cell(const struct tw_buf *b)
{
        return b->ptr ? b->ptr : "";
}

/* Counts the rows shown. */
static size_t shown(const struct tw_audit_view *v, size_t *ret_events)
{
        size_t n = 0;

        *ret_events = 0;
        for (size_t i = 0; v->usage && i < v->usage->n_tokens; i++)
                n += tw_usage_view_token_shown(v, &v->usage->tokens[i]);
        for (size_t i = 0; v->usage && i < v->usage->n_lifecycle; i++)
                *ret_events += tw_usage_view_event_shown(v, &v->usage->lifecycle[i]);
        return n;
}

/* Runs fn over every row shown, with scratch cells; 0 or a negative errno. */
#define EACH_ROW(kind, n_cells, arr, n_arr, shown_fn, cells_fn, body) \
        do {                                                          \
                struct tw_buf b_[n_cells];                            \
                for (int c_ = 0; c_ < n_cells; c_++)                  \
                        tw_buf_init(&b_[c_], 1 << 20);                \
                for (size_t i_ = 0; r >= 0 && i_ < (n_arr); i_++) {   \
                        const kind *row_ = &(arr)[i_];                \
                        if (!shown_fn(v, row_))                       \
                                continue;                             \
                        r = cells_fn(v, row_, b_);                    \
                        if (r >= 0) {                                 \
                                struct tw_buf *b = b_;                \
                                body                                  \
                        }                                             \
                }                                                     \
                for (int c_ = 0; c_ < n_cells; c_++)                  \
                        tw_buf_done(&b_[c_]);                         \
        } while (0)

int tw_usage_view_csv(const struct tw_audit_view *v, struct tw_buf *out)
{
        size_t n_events, n_tokens = shown(v, &n_events);
        int r = 0;

        if (v->n_origins)
                r = tw_buf_adds(out, "\r\nrecord,organization_id,usage_source\r\n");
        for (size_t i = 0; r >= 0 && i < v->n_origins; i++) {
                struct tw_buf text;

                tw_buf_init(&text, 1 << 20);
                r = tw_report_add_csv_cell(out, "usage_source", false);
                if (r >= 0)
                        r = tw_report_add_csv_cell(out, v->origins[i].organization_id, false);
                if (r >= 0)
                        r = tw_report_usage_source_text(&v->origins[i], 1, NULL, &text);
                if (r >= 0)
                        r = tw_report_add_csv_cell(out, text.ptr, true);
                tw_buf_done(&text);
        }
        if (r >= 0 && n_tokens)
                r = tw_buf_adds(out, "\r\nrecord,token_id,token_name,first_seen,last_seen,calls,"
                                     "image_pushes,source_ips,user_agents,operations\r\n");
        EACH_ROW(struct tw_token_usage, N_U, v->usage->tokens, n_tokens ? v->usage->n_tokens : 0,
                 tw_usage_view_token_shown, usage_cells, {
                         r = tw_report_add_csv_cell(out, "usage", false);
                         for (int c = 0; r >= 0 && c < N_U; c++)
                                 r = tw_report_add_csv_cell(out, cell(&b[c]), c + 1 == N_U);
                 });
        if (r >= 0 && n_events)
                r = tw_buf_adds(out, "\r\nrecord,at,action,token_id,token_name,actor,source_ip,"
                                     "user_agent,status\r\n");
        EACH_ROW(struct tw_lifecycle_event, N_L, v->usage->lifecycle,
                 n_events ? v->usage->n_lifecycle : 0, tw_usage_view_event_shown, event_cells, {
                         r = tw_report_add_csv_cell(out, "lifecycle", false);
                         for (int c = 0; r >= 0 && c < N_L; c++)
                                 r = tw_report_add_csv_cell(out, cell(&b[c]), c + 1 == N_L);
                 });
        return r;
}

static void md_row(struct tw_md *m, const struct tw_buf *b, const int *cols, size_t n)
{
        for (size_t c = 0; c < n; c++)
                tw_md_cell(m, cell(&b[cols[c]]));
        tw_md_row_end(m);
}

int tw_usage_view_markdown(const struct tw_audit_view *v, struct tw_buf *out)
{
        static const int ucols[] = {U_NAME,   U_ID,  U_LAST,   U_CALLS,
                                    U_PUSHES, U_IPS, U_AGENTS, U_OPS};
        static const int lcols[] = {L_AT, L_ACTION, L_NAME, L_ID, L_ACTOR, L_IP, L_AGENT, L_STATUS};
        static const char *const utitles[] = {"Token",       "Id",           "Last seen (UTC)",
                                              "Calls",       "Image pushes", "Source IPs",
                                              "User agents", "Operations"};
        static const char *const ltitles[] = {"At (UTC)", "Action",    "Token",      "Id",
                                              "By",       "Source IP", "User agent", "Status"};
        size_t n_events, n_tokens;
        struct tw_md m;
        int r;

        if (!v->usage && !v->n_origins)
                return 0;
        tw_md_init(&m, out);
        tw_md_raw(&m, "\n## Who uses each token\n");
        if (m.r >= 0)
                m.r = tw_report_usage_source_markdown(v->origins, v->n_origins, out);
        if (!v->usage)
                return m.r;
        n_tokens = shown(v, &n_events);
        tw_md_printf(&m,
                     "\n%zu token%s seen in the Astro audit logs "
                     "(calls made with them; the top %d sources and operations).\n\n",
                     n_tokens, n_tokens == 1 ? "" : "s", TOP);
        if (n_tokens)
                tw_md_table(&m, utitles, N_U - 1, NULL);
        r = m.r;
        EACH_ROW(struct tw_token_usage, N_U, v->usage->tokens, n_tokens ? v->usage->n_tokens : 0,
                 tw_usage_view_token_shown, usage_cells, {
                         md_row(&m, b, ucols, N_U - 1);
                         r = m.r;
                 });
        m.r = r;
        tw_md_printf(&m,
                     "\n## Who changed each token\n\n%zu change%s in the Astro audit "
                     "logs (user ids as logged).\n\n",
                     n_events, n_events == 1 ? "" : "s");
        if (n_events)
                tw_md_table(&m, ltitles, N_L, NULL);
        r = m.r;
        EACH_ROW(struct tw_lifecycle_event, N_L, v->usage->lifecycle,
                 n_events ? v->usage->n_lifecycle : 0, tw_usage_view_event_shown, event_cells, {
                         md_row(&m, b, lcols, N_L);
                         r = m.r;
                 });
        return r;
}

/* "label: text\n" with terminal escaping, nothing for an empty text. */
static int term_line(struct tw_buf *out, const char *label, const struct tw_buf *text)
{
        int r;

        if (!text->len)
                return 0;
        r = tw_buf_printf(out, "  %s: ", label);
        if (r >= 0)
                r = tw_report_add_terminal(out, cell(text), 4096, NULL);
        return r >= 0 ? tw_buf_addc(out, '\n') : r;
}

int tw_usage_view_table(const struct tw_audit_view *v, struct tw_buf *out)
{
        size_t n_events, n_tokens;
        int r;

        if (!v->usage && !v->n_origins)
                return 0;
        n_tokens = shown(v, &n_events);
        r = tw_buf_adds(out, "\n");
        if (r >= 0)
                r = tw_report_usage_source_table(v->origins, v->n_origins, out);
        if (r < 0 || !v->usage)
                return r;
        r = tw_buf_printf(out, "Who uses each token (Astro audit logs): %zu token%s\n", n_tokens,
                          n_tokens == 1 ? "" : "s");
        EACH_ROW(struct tw_token_usage, N_U, v->usage->tokens, n_tokens ? v->usage->n_tokens : 0,
                 tw_usage_view_token_shown, usage_cells, {
                         r = tw_report_add_terminal(out, b[U_NAME].len ? cell(&b[U_NAME]) : "-", 80,
                                                    NULL);
                         if (r >= 0)
                                 r = tw_buf_printf(out,
                                                   " (%s)\n  last seen %s, first seen %s, %s "
                                                   "calls, %s image pushes\n",
                                                   cell(&b[U_ID]), cell(&b[U_LAST]),
                                                   cell(&b[U_FIRST]), cell(&b[U_CALLS]),
                                                   cell(&b[U_PUSHES]));
                         if (r >= 0)
                                 r = term_line(out, "source IPs", &b[U_IPS]);
                         if (r >= 0)
                                 r = term_line(out, "user agents", &b[U_AGENTS]);
                         if (r >= 0)
                                 r = term_line(out, "operations", &b[U_OPS]);
                 });
        if (r >= 0)
                r = tw_buf_printf(out,
                                  "\nWho changed each token (Astro audit logs): %zu change%s\n",
                                  n_events, n_events == 1 ? "" : "s");
        EACH_ROW(struct tw_lifecycle_event, N_L, v->usage->lifecycle,
                 n_events ? v->usage->n_lifecycle : 0, tw_usage_view_event_shown, event_cells, {
                         r = tw_buf_printf(out, "%s  %-8s ", cell(&b[L_AT]), cell(&b[L_ACTION]));
                         if (r >= 0)
                                 r = tw_report_add_terminal(
                                         out, b[L_NAME].len ? cell(&b[L_NAME]) : "-", 60, NULL);
                         if (r >= 0)
                                 r = tw_buf_printf(out, " (%s) by ",
                                                   b[L_ID].len ? cell(&b[L_ID]) : "new");
                         if (r >= 0)
                                 r = tw_report_add_terminal(out, cell(&b[L_ACTOR]), 200, NULL);
                         if (r >= 0 && b[L_IP].len)
                                 r = tw_buf_adds(out, " from ");
                         if (r >= 0)
                                 r = tw_report_add_terminal(out, cell(&b[L_IP]), 64, NULL);
                         if (r >= 0 && b[L_AGENT].len)
                                 r = tw_buf_adds(out, " (");
                         if (r >= 0 && b[L_AGENT].len)
                                 r = tw_report_add_terminal(out, cell(&b[L_AGENT]), 120, NULL);
                         if (r >= 0 && b[L_AGENT].len)
                                 r = tw_buf_adds(out, ")");
                         if (r >= 0 && b[L_STATUS].len)
                                 r = tw_buf_printf(out, ", status %s", cell(&b[L_STATUS]));
                         if (r >= 0)
                                 r = tw_buf_addc(out, '\n');
                 });
        return r;
}
