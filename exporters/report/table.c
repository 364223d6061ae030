/* The table report: aligned columns for a terminal, worst tokens first.
 * Every piece of API text goes through tw_report_add_terminal(). */
#include "exporters/report/report_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "core/evaluate/evaluate.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "lib/timeutil.h"

#define TMP_MAX ((size_t)1 << 20)
#define TEXT_MAX 200 /* header and footer values */
#define GAP 2

enum column {
        COL_SEVERITY,
        COL_ORG, /* only with several organizations */
        COL_TOKEN,
        COL_OWNER,
        COL_SCOPE,
        COL_ROLE,
        COL_EXPIRES,
        COL_LAST_USED,
        COL_FINDINGS,
        _COL_MAX
};

static const struct {
        const char *title;
        size_t max_width;
} columns[_COL_MAX] = {
        [COL_SEVERITY] = {"SEVERITY", 8},  [COL_ORG] = {"ORGANIZATION", 30},
        [COL_TOKEN] = {"TOKEN", 40},       [COL_OWNER] = {"OWNER", 40},
        [COL_SCOPE] = {"SCOPE", 12},       [COL_ROLE] = {"ROLE", 36},
        [COL_EXPIRES] = {"EXPIRES", 10},   [COL_LAST_USED] = {"LAST USED", 10},
        [COL_FINDINGS] = {"FINDINGS", 80},
};

static int roles_text(const struct tw_token *t, struct tw_buf *tmp)
{
        int r = 0;

        for (size_t i = 0; r >= 0 && i < t->n_roles; i++)
                r = tw_buf_printf(tmp, "%s%s%s", i ? ", " : "",
                                  t->roles[i].role ? t->roles[i].role : "?",
                                  tw_role_is_custom(&t->roles[i]) ? " (custom)" : "");
        return r;
}

static int findings_text(const struct tw_snapshot *snap, size_t token, struct tw_buf *tmp)
{
        const struct tw_finding *f = NULL;
        size_t n = tw_evaluation_token_findings(snap->ev, token, &f);
        int r = 0;

        for (size_t i = 0; r >= 0 && i < n; i++)
                r = tw_buf_printf(tmp, "%s%s%s", i ? ", " : "",
                                  tw_finding_kind_to_string(f[i].kind),
                                  f[i].suppressed ? " (suppressed)" : "");
        if (r >= 0 && n == 0)
                r = tw_buf_adds(tmp, "-");
        return r;
}

/* The raw (unsanitized) text of one cell, in tmp. */
static int cell_text(const struct tw_snapshot *snap, size_t i, enum column col, struct tw_buf *tmp)
{
        const struct tw_token *t = &snap->inv->tokens[i];
        enum tw_severity sev;

        tw_buf_reset(tmp);
        switch (col) {
        case COL_SEVERITY:
                sev = tw_evaluation_token_severity(snap->ev, i);
                return tw_buf_adds(tmp, sev == TW_SEVERITY_NONE ? "-" : tw_severity_to_string(sev));
        case COL_ORG:
                return tw_buf_adds(tmp, tw_token_organization_name(snap->inv, t));
        case COL_TOKEN:
                return tw_buf_adds(tmp, t->name && *t->name ? t->name : (t->id ? t->id : "?"));
        case COL_OWNER:
                return tw_report_owner_text(snap, i, tmp);
        case COL_SCOPE:
                return tw_buf_adds(tmp, t->scope ? t->scope : "-");
        case COL_ROLE:
                return t->n_roles ? roles_text(t, tmp) : tw_buf_adds(tmp, "-");
        case COL_EXPIRES:
                return tw_report_add_date(tmp, t->end_at, "never");
        case COL_LAST_USED:
                return tw_report_add_date(tmp, t->last_used_at, "never");
        case COL_FINDINGS:
                return findings_text(snap, i, tmp);
        case _COL_MAX:
                break;
        }
        return -EINVAL;
}

static int pad(struct tw_buf *out, size_t n)
{
        int r = 0;

        while (r >= 0 && n--)
                r = tw_buf_addc(out, ' ');
        return r;
}

/* One line: the titles (order NULL) or token order[row]. */
static int add_line(struct tw_buf *out, const struct tw_snapshot *snap, const size_t *order,
                    size_t row, const size_t *widths, struct tw_buf *tmp)
{
        size_t w = 0;
        int r = 0;

        for (int c = 0, prev = -1; r >= 0 && c < _COL_MAX; c++) {
                if (c == COL_ORG && snap->inv->n_orgs <= 1)
                        continue;
                if (prev >= 0)
                        r = pad(out, widths[prev] - w + GAP);
                prev = c;
                if (r < 0)
                        break;
                if (order) {
                        r = cell_text(snap, order[row], c, tmp);
                        if (r >= 0)
                                r = tw_report_add_terminal(out, tmp->ptr, columns[c].max_width, &w);
                } else {
                        r = tw_buf_adds(out, columns[c].title);
                        w = strlen(columns[c].title);
                }
        }
        return r < 0 ? r : tw_buf_addc(out, '\n');
}

static int add_header(struct tw_buf *out, const struct tw_snapshot *snap)
{
        const struct tw_inventory *inv = snap->inv;
        int64_t at = tw_report_generated_at(snap);
        char ts[TW_RFC3339_LEN];
        int r;

        r = tw_buf_adds(out, "Organization ");
        if (r >= 0)
                r = tw_report_add_terminal(out, inv->organization_id ? inv->organization_id : "?",
                                           TEXT_MAX, NULL);
        if (r >= 0)
                r = tw_buf_printf(out, " at %s: %zu token%s%s\n",
                                  at == TW_NO_TIME ? "unknown time" : tw_time_format(at, ts),
                                  inv->n_tokens, inv->n_tokens == 1 ? "" : "s",
                                  tw_inventory_complete(inv) ? "" : " (INCOMPLETE)");
        if (r >= 0 && inv->credential.token_id) {
                r = tw_buf_adds(out, "Credential ");
                if (r >= 0)
                        r = tw_report_add_terminal(out, inv->credential.token_id, TEXT_MAX, NULL);
                if (r >= 0)
                        r = tw_buf_printf(out, " expires %s\n",
                                          inv->credential.expires_at == TW_NO_TIME
                                                  ? "never"
                                                  : tw_time_format(inv->credential.expires_at, ts));
        }
        if (r >= 0)
                r = tw_report_usage_source_table(snap->usage_origins, snap->n_usage_origins, out);
        return r < 0 ? r : tw_buf_addc(out, '\n');
}

/* "label: text" with text made safe, one line. */
static int add_note(struct tw_buf *out, const char *label, const char *text)
{
        int r = tw_buf_adds(out, label);

        if (r >= 0)
                r = tw_report_add_terminal(out, text ? text : "", TEXT_MAX * 2, NULL);
        return r < 0 ? r : tw_buf_addc(out, '\n');
}

static int add_footer(struct tw_buf *out, const struct tw_snapshot *snap,
                      const struct tw_report_summary *s)
{
        const struct tw_inventory *inv = snap->inv;
        char ts[TW_RFC3339_LEN];
        int r;

        r = tw_buf_printf(out,
                          "\n%zu token%s: %zu critical, %zu warning, %zu without active "
                          "findings; %zu active finding%s, %zu suppressed; %zu without expiry\n",
                          s->n_tokens, s->n_tokens == 1 ? "" : "s",
                          s->tokens_by_severity[TW_SEVERITY_CRITICAL],
                          s->tokens_by_severity[TW_SEVERITY_WARNING],
                          s->tokens_by_severity[TW_SEVERITY_NONE], s->n_active,
                          s->n_active == 1 ? "" : "s", s->n_suppressed, s->without_expiry);
        if (r >= 0 && s->soonest != SIZE_MAX) {
                const struct tw_token *t = &inv->tokens[s->soonest];

                r = tw_buf_adds(out, "Soonest expiry: ");
                if (r >= 0)
                        r = tw_report_add_terminal(out, t->name ? t->name : "", TEXT_MAX, NULL);
                if (r >= 0)
                        r = tw_buf_adds(out, " (");
                if (r >= 0)
                        r = tw_report_add_terminal(out, t->id ? t->id : "", TEXT_MAX, NULL);
                if (r >= 0)
                        r = tw_buf_printf(out, ") at %s\n", tw_time_format(t->end_at, ts));
        }
        for (size_t i = 0; r >= 0 && i < inv->n_errors; i++) {
                r = tw_buf_adds(out, "Listing failed: ");
                if (r >= 0)
                        r = tw_report_add_terminal(out, inv->errors[i].listing, TEXT_MAX, NULL);
                if (r >= 0)
                        r = add_note(out, ": ", inv->errors[i].message);
        }
        for (size_t i = 0; r >= 0 && snap->ev && i < snap->ev->n_errors; i++)
                r = add_note(out, "Evaluation error: ", snap->ev->errors[i]);
        for (size_t i = 0; r >= 0 && snap->ev && i < snap->ev->n_notes; i++) {
                const struct tw_suppression_note *n = &snap->ev->notes[i];

                r = tw_buf_adds(out, n->stale ? "Stale suppression (no such token): "
                                              : "Lapsed suppression: ");
                if (r >= 0)
                        r = tw_report_add_terminal(out, n->token_id, TEXT_MAX, NULL);
                if (r >= 0 && n->kind)
                        r = tw_buf_addc(out, '.');
                if (r >= 0 && n->kind)
                        r = tw_report_add_terminal(out, n->kind, TEXT_MAX, NULL);
                if (r >= 0)
                        r = tw_buf_printf(out, " until %s",
                                          n->until == TW_NO_TIME ? "?"
                                                                 : tw_time_format(n->until, ts));
                if (r >= 0)
                        r = add_note(out, ": ", n->reason);
        }
        return r;
}

int tw_report_render_table(const struct tw_snapshot *snap, const struct tw_report_layout *opts,
                           struct tw_buf *out)
{
        struct tw_report_summary s = {.scopes = NULL};
        size_t widths[_COL_MAX], *order = NULL;
        struct tw_buf tmp;
        int r;

        tw_buf_init(&tmp, TMP_MAX);
        r = tw_report_order(snap, opts, true, &order);
        if (r >= 0)
                r = tw_report_summarize(snap, &s);
        for (int c = 0; r >= 0 && c < _COL_MAX; c++) {
                widths[c] = strlen(columns[c].title);
                for (size_t i = 0; r >= 0 && i < snap->inv->n_tokens; i++) {
                        size_t w;

                        r = cell_text(snap, i, c, &tmp);
                        w = tw_report_text_width(tmp.ptr);
                        if (w > columns[c].max_width)
                                w = columns[c].max_width;
                        if (w > widths[c])
                                widths[c] = w;
                }
        }
        if (r >= 0)
                r = add_header(out, snap);
        if (r >= 0)
                r = add_line(out, snap, NULL, 0, widths, &tmp);
        for (size_t i = 0; r >= 0 && i < snap->inv->n_tokens; i++)
                r = add_line(out, snap, order, i, widths, &tmp);
        if (r >= 0)
                r = add_footer(out, snap, &s);
        tw_report_summary_done(&s);
        tw_buf_done(&tmp);
        free(order);
        return r;
}
