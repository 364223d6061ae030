#include "exporters/report/changes.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/events.h"
#include "exporters/report/report_internal.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/md.h"
#include "lib/timeutil.h"

#define TEXT_MAX 4096

static const char *severity_name(enum tw_severity s)
{
        return s == TW_SEVERITY_NONE ? "info" : tw_severity_to_string(s);
}

/* "before -> after", "after", or "before" for a person; "" when neither. */
static int change_text(const struct tw_event *e, struct tw_buf *out)
{
        if (e->before && e->after)
                return tw_buf_printf(out, "%s -> %s", e->before, e->after);
        return tw_buf_adds(out, e->after ? e->after : e->before ? e->before : "");
}

static int render_json(const struct tw_audit_view *v, struct tw_buf *out)
{
        cJSON *root = cJSON_CreateObject(), *arr;
        char ts[TW_RFC3339_LEN];
        struct tw_buf line;
        char *s;
        int r = 0;

        tw_buf_init(&line, (size_t)1 << 24);
        if (!root ||
            !cJSON_AddStringToObject(root, "generated_at", tw_time_format(v->generated_at, ts)) ||
            !tw_json_add_time(root, "since", v->since) ||
            !tw_json_add_str(root, "token_id", v->token_id) ||
            !cJSON_AddNumberToObject(root, "skipped_lines", (double)v->skipped) ||
            !(arr = cJSON_AddArrayToObject(root, "events")))
                r = -ENOMEM;
        /* One shape for an event: the audit file's own object. */
        for (size_t i = 0; r >= 0 && i < v->n_events; i++) {
                cJSON *o;

                tw_buf_reset(&line);
                r = tw_event_to_json(&v->events[i], &line);
                if (r < 0)
                        break;
                o = cJSON_ParseWithLength(line.ptr, line.len);
                if (!o || !cJSON_AddItemToArray(arr, o)) {
                        cJSON_Delete(o);
                        r = -ENOMEM;
                }
        }
        tw_buf_done(&line);
        if (r >= 0)
                r = tw_usage_view_json(v, root);
        s = r >= 0 ? cJSON_Print(root) : NULL;
        cJSON_Delete(root);
        if (r >= 0 && !s)
                r = -ENOMEM;
        if (r >= 0)
                r = tw_buf_printf(out, "%s\n", s);
        free(s);
        return r;
}

static int render_csv(const struct tw_audit_view *v, struct tw_buf *out)
{
        int r = tw_buf_adds(out, "observed_at,event,severity,token_id,token_name,scope,before,"
                                 "after,detail\r\n");

        for (size_t i = 0; r >= 0 && i < v->n_events; i++) {
                const struct tw_event *e = &v->events[i];
                char ts[TW_RFC3339_LEN];
                const char *cells[] = {tw_time_format(e->observed_at, ts),
                                       tw_event_kind_to_string(e->kind),
                                       severity_name(e->severity),
                                       e->token_id,
                                       e->token_name,
                                       e->scope,
                                       e->before,
                                       e->after,
                                       e->detail};

                for (size_t c = 0; r >= 0 && c < sizeof(cells) / sizeof(cells[0]); c++)
                        r = tw_report_add_csv_cell(out, cells[c],
                                                   c + 1 == sizeof(cells) / sizeof(cells[0]));
        }
        return r;
}

static int render_markdown(const struct tw_audit_view *v, struct tw_buf *out)
{
        static const char *const titles[] = {"Observed (UTC)", "Event",  "Severity", "Token",
                                             "Scope",          "Change", "Detail"};
        struct tw_buf tmp;
        struct tw_md m;

        tw_buf_init(&tmp, TEXT_MAX * 4);
        tw_md_init(&m, out);
        tw_md_printf(&m, "## Token changes\n\n%zu event%s", v->n_events,
                     v->n_events == 1 ? "" : "s");
        if (v->since != TW_NO_TIME) {
                tw_md_raw(&m, " since ");
                if (m.r >= 0)
                        m.r = tw_report_add_date(out, v->since, "");
        }
        if (v->token_id) {
                tw_md_raw(&m, " for token `");
                tw_md_text(&m, v->token_id);
                tw_md_raw(&m, "`");
        }
        tw_md_raw(&m, ".\n\n");
        tw_md_table(&m, titles, sizeof(titles) / sizeof(titles[0]), NULL);
        for (size_t i = 0; m.r >= 0 && i < v->n_events; i++) {
                const struct tw_event *e = &v->events[i];
                char ts[TW_RFC3339_LEN];

                tw_buf_reset(&tmp);
                m.r = change_text(e, &tmp);
                tw_md_cell_raw(&m, tw_time_format(e->observed_at, ts));
                tw_md_cell_raw(&m, tw_event_kind_to_string(e->kind));
                tw_md_cell_raw(&m, severity_name(e->severity));
                tw_md_raw(&m, "| ");
                tw_md_text(&m, e->token_name ? e->token_name : e->token_id);
                tw_md_raw(&m, " (");
                tw_md_text(&m, e->token_id);
                tw_md_raw(&m, ") ");
                tw_md_cell(&m, e->scope ? e->scope : "");
                tw_md_cell(&m, tmp.ptr ? tmp.ptr : "");
                tw_md_cell(&m, e->detail ? e->detail : "");
                tw_md_row_end(&m);
        }
        tw_buf_done(&tmp);
        return m.r;
}

enum { COL_TIME, COL_EVENT, COL_SEVERITY, COL_TOKEN, COL_CHANGE, N_COLS };

static const char *const col_names[N_COLS] = {"OBSERVED (UTC)", "EVENT", "SEVERITY", "TOKEN",
                                              "CHANGE"};
static const size_t col_max[N_COLS] = {20, 19, 8, 40, TEXT_MAX}; /* the last is never cut */

/* The cell text of column c for event e (tmp is scratch). */
static const char *cell(const struct tw_event *e, int c, char ts[TW_RFC3339_LEN],
                        struct tw_buf *tmp)
{
        switch (c) {
        case COL_TIME:
                return tw_time_format(e->observed_at, ts);
        case COL_EVENT:
                return tw_event_kind_to_string(e->kind);
        case COL_SEVERITY:
                return severity_name(e->severity);
        case COL_TOKEN:
                tw_buf_reset(tmp);
                tw_buf_printf(tmp, "%s (%s)", e->token_name ? e->token_name : "-", e->token_id);
                return tmp->ptr;
        default:
                tw_buf_reset(tmp);
                if (change_text(e, tmp) >= 0 && e->detail)
                        tw_buf_printf(tmp, "%s%s", tmp->len ? "; " : "", e->detail);
                return tmp->ptr ? tmp->ptr : "";
        }
}

static int add_padded(struct tw_buf *out, const char *s, size_t width, bool last)
{
        size_t w = 0;
        int r = tw_report_add_terminal(out, s, width, &w);

        for (; r >= 0 && !last && w < width + 2; w++)
                r = tw_buf_addc(out, ' ');
        return r;
}

static int render_table(const struct tw_audit_view *v, struct tw_buf *out)
{
        size_t width[N_COLS];
        char ts[TW_RFC3339_LEN];
        struct tw_buf tmp;
        int r = 0;

        if (v->n_events == 0)
                return tw_buf_adds(out, "No token changes recorded.\n");
        tw_buf_init(&tmp, TEXT_MAX * 4);
        for (int c = 0; c < N_COLS; c++)
                width[c] = strlen(col_names[c]);
        for (size_t i = 0; i < v->n_events; i++)
                for (int c = 0; c < N_COLS; c++) {
                        size_t w = tw_report_text_width(cell(&v->events[i], c, ts, &tmp));

                        if (w > width[c])
                                width[c] = w < col_max[c] ? w : col_max[c];
                }
        for (int c = 0; r >= 0 && c < N_COLS; c++)
                r = add_padded(out, col_names[c], width[c], c + 1 == N_COLS);
        if (r >= 0)
                r = tw_buf_addc(out, '\n');
        for (size_t i = 0; r >= 0 && i < v->n_events; i++) {
                for (int c = 0; r >= 0 && c < N_COLS; c++)
                        r = add_padded(out, cell(&v->events[i], c, ts, &tmp), width[c],
                                       c + 1 == N_COLS);
                if (r >= 0)
                        r = tw_buf_addc(out, '\n');
        }
        tw_buf_done(&tmp);
        return r;
}

int tw_audit_render(const struct tw_audit_view *v, enum tw_report_format fmt, struct tw_buf *out)
{
        size_t mark;
        int r;

        if (!v || !out || (v->n_events && !v->events))
                return -EINVAL;
        mark = out->len;
        switch (fmt) {
        case TW_REPORT_JSON:
                r = render_json(v, out);
                break;
        case TW_REPORT_CSV:
                r = render_csv(v, out);
                if (r >= 0)
                        r = tw_usage_view_csv(v, out);
                break;
        case TW_REPORT_MARKDOWN:
                r = render_markdown(v, out);
                if (r >= 0)
                        r = tw_usage_view_markdown(v, out);
                break;
        case TW_REPORT_TABLE:
                r = render_table(v, out);
                if (r >= 0)
                        r = tw_usage_view_table(v, out);
                break;
        default:
                r = -EINVAL;
        }
        if (r < 0 && out->ptr) {
                out->len = mark;
                out->ptr[mark] = '\0';
        }
        return r;
}
