/* The Markdown report (GitHub): fit to paste into a security review.
 * Written with lib/md.h: every piece of API or config text is escaped. */
#include "exporters/report/report_internal.h"
#include "exporters/report/usage.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/md.h"
#include "core/evaluate/evaluate.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "lib/timeutil.h"

#define TMP_MAX ((size_t)1 << 20)

struct md {
        struct tw_md w;
        const struct tw_snapshot *snap;
        struct tw_buf tmp;   /* scratch for composed cells */
        const size_t *order; /* worst first */
        struct tw_report_summary sum;
};

static void cell_date(struct md *m, int64_t t, const char *none_text)
{
        tw_md_raw(&m->w, "| ");
        if (m->w.r >= 0)
                m->w.r = tw_report_add_date(m->w.out, t, none_text);
        tw_md_raw(&m->w, " ");
}

static void cell_time(struct md *m, int64_t t)
{
        char ts[TW_RFC3339_LEN];

        tw_md_cell(&m->w, t == TW_NO_TIME ? "unknown" : tw_time_format(t, ts));
}

/* Compose into m->tmp with printf; the caller escapes it as a cell. */
__attribute__((format(printf, 2, 3))) static void tmpf(struct md *m, const char *fmt, ...)
{
        va_list ap;

        if (m->w.r < 0)
                return;
        va_start(ap, fmt);
        m->w.r = tw_buf_vprintf(&m->tmp, fmt, ap);
        va_end(ap);
}

#define TABLE(m, align, ...)                                     \
        tw_md_table(&(m)->w, (const char *const[]){__VA_ARGS__}, \
                    sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *), align)

static void header(struct md *m)
{
        const struct tw_inventory *inv = m->snap->inv;

        tw_md_raw(&m->w, "# Token security review: ");
        if (m->w.r >= 0)
                m->w.r = tw_md_escape(m->w.out, inv->organization_id);
        tw_md_raw(&m->w, "\n\n");
        TABLE(m, NULL, "", "");
        tw_md_cell(&m->w, "Organization");
        tw_md_cell(&m->w, inv->organization_id);
        tw_md_row_end(&m->w);
        tw_md_cell(&m->w, "Generated");
        cell_time(m, tw_report_generated_at(m->snap));
        tw_md_row_end(&m->w);
        tw_md_cell(&m->w, "API version");
        tw_md_cell(&m->w, inv->api_version);
        tw_md_row_end(&m->w);
        tw_buf_reset(&m->tmp);
        tmpf(m, "%s", tw_inventory_complete(inv) ? "yes" : "no, failed listings: ");
        for (size_t i = 0; i < inv->n_errors; i++)
                tmpf(m, "%s%s", i ? ", " : "",
                     inv->errors[i].listing ? inv->errors[i].listing : "?");
        tw_md_cell(&m->w, "Complete");
        tw_md_cell(&m->w, m->tmp.ptr);
        tw_md_row_end(&m->w);
        tw_buf_reset(&m->tmp);
        tmpf(m, "%s, expires ", inv->credential.token_id ? inv->credential.token_id : "unknown id");
        if (m->w.r >= 0)
                m->w.r = tw_report_add_date(&m->tmp, inv->credential.expires_at, "never");
        tw_md_cell(&m->w, "Credential");
        tw_md_cell(&m->w, m->tmp.ptr);
        tw_md_row_end(&m->w);
        if (m->snap->cfg) {
                tw_buf_reset(&m->tmp);
                if (m->w.r >= 0)
                        m->w.r = tw_report_describe_policy(m->snap, &m->tmp);
                tw_md_cell(&m->w, "Policy");
                tw_md_cell(&m->w, m->tmp.ptr);
                tw_md_row_end(&m->w);
        }
}

static void summary(struct md *m)
{
        const struct tw_report_summary *s = &m->sum;
        size_t tc = 0, tw = 0, ts = 0;

        tw_md_raw(&m->w, "\n## Summary\n\n");
        TABLE(m, "lrrr", "Finding", "Critical", "Warning", "Suppressed");
        for (int k = 0; k < _TW_FINDING_KIND_MAX; k++) {
                size_t sup = s->suppressed[k][TW_SEVERITY_WARNING] +
                             s->suppressed[k][TW_SEVERITY_CRITICAL];

                tw_md_cell(&m->w, tw_finding_kind_to_string(k));
                tw_md_printf(&m->w, "| %zu ", s->active[k][TW_SEVERITY_CRITICAL]);
                tw_md_printf(&m->w, "| %zu ", s->active[k][TW_SEVERITY_WARNING]);
                tw_md_printf(&m->w, "| %zu ", sup);
                tw_md_row_end(&m->w);
                tc += s->active[k][TW_SEVERITY_CRITICAL];
                tw += s->active[k][TW_SEVERITY_WARNING];
                ts += sup;
        }
        tw_md_raw(&m->w, "| **total** ");
        tw_md_printf(&m->w, "| %zu ", tc);
        tw_md_printf(&m->w, "| %zu ", tw);
        tw_md_printf(&m->w, "| %zu ", ts);
        tw_md_row_end(&m->w);
        if (m->w.r >= 0)
                m->w.r = tw_buf_printf(m->w.out,
                                       "\n- Tokens: %zu (%zu critical, %zu warning, %zu without "
                                       "active findings)\n- By scope: ",
                                       s->n_tokens, s->tokens_by_severity[TW_SEVERITY_CRITICAL],
                                       s->tokens_by_severity[TW_SEVERITY_WARNING],
                                       s->tokens_by_severity[TW_SEVERITY_NONE]);
        for (size_t i = 0; i < s->n_scopes && m->w.r >= 0; i++) {
                tw_md_raw(&m->w, i ? ", " : "");
                m->w.r =
                        tw_md_escape(m->w.out, *s->scopes[i].scope ? s->scopes[i].scope : "(none)");
                if (m->w.r >= 0)
                        m->w.r = tw_buf_printf(m->w.out, " %zu", s->scopes[i].count);
        }
        if (m->w.r >= 0)
                m->w.r = tw_buf_printf(m->w.out, "%s\n- Without expiry: %zu\n- Soonest expiry: ",
                                       s->n_scopes ? "" : "none", s->without_expiry);
        if (s->soonest == SIZE_MAX) {
                tw_md_raw(&m->w, "none\n");
        } else {
                const struct tw_token *t = &m->snap->inv->tokens[s->soonest];
                char when[TW_RFC3339_LEN];

                if (m->w.r >= 0)
                        m->w.r = tw_md_escape(m->w.out, t->name);
                tw_md_raw(&m->w, " (");
                if (m->w.r >= 0)
                        m->w.r = tw_md_escape(m->w.out, t->id);
                tw_md_raw(&m->w, ") at ");
                tw_md_raw(&m->w, tw_time_format(t->end_at, when));
                tw_md_raw(&m->w, "\n");
        }
}

/* The worst active severity of kind k, for ordering the kind sections. */
static enum tw_severity kind_worst(const struct tw_report_summary *s, int k)
{
        if (s->active[k][TW_SEVERITY_CRITICAL])
                return TW_SEVERITY_CRITICAL;
        return s->active[k][TW_SEVERITY_WARNING] ? TW_SEVERITY_WARNING : TW_SEVERITY_NONE;
}

/* The finding's message, then "Fix: <command>." when there is one. */
static void message_cell(struct md *m, const struct tw_finding *f)
{
        size_t mark;

        tw_buf_reset(&m->tmp);
        if (m->w.r >= 0)
                m->w.r = tw_finding_message(m->snap->ev, m->snap->inv, f, &m->tmp);
        mark = m->tmp.len;
        tmpf(m, " Fix: ");
        if (m->w.r >= 0)
                m->w.r = tw_finding_fix(m->snap->ev, m->snap->inv, f, &m->tmp);
        if (m->w.r >= 0 && m->tmp.len == mark + 6) {
                m->tmp.len = mark;
                m->tmp.ptr[mark] = '\0';
        } else {
                tmpf(m, ".");
        }
        tw_md_cell(&m->w, m->tmp.ptr);
}

/* One section per kind with active findings: critical then warning rows,
 * tokens worst first within each. */
static void findings_of_kind(struct md *m, int k)
{
        const struct tw_inventory *inv = m->snap->inv;

        if (m->w.r >= 0)
                m->w.r = tw_buf_printf(m->w.out, "\n### %s (%zu critical, %zu warning)\n\n",
                                       tw_finding_kind_to_string(k),
                                       m->sum.active[k][TW_SEVERITY_CRITICAL],
                                       m->sum.active[k][TW_SEVERITY_WARNING]);
        TABLE(m, NULL, "Token", "ID", "Scope", "Severity", "Expires", "Message");
        for (int sev = _TW_SEVERITY_MAX - 1; sev > TW_SEVERITY_NONE; sev--)
                for (size_t i = 0; i < inv->n_tokens; i++) {
                        const struct tw_token *t = &inv->tokens[m->order[i]];
                        const struct tw_finding *f = NULL;
                        size_t n = tw_evaluation_token_findings(m->snap->ev, m->order[i], &f);

                        for (size_t j = 0; j < n; j++) {
                                if (f[j].suppressed || (int)f[j].kind != k ||
                                    (int)f[j].severity != sev)
                                        continue;
                                tw_md_cell(&m->w, t->name);
                                tw_md_cell(&m->w, t->id);
                                tw_md_cell(&m->w, t->scope);
                                tw_md_cell(&m->w, tw_severity_to_string(f[j].severity));
                                cell_date(m, t->end_at, "never");
                                message_cell(m, &f[j]);
                                tw_md_row_end(&m->w);
                        }
                }
}

static void findings(struct md *m)
{
        bool any = false;

        tw_md_raw(&m->w, "\n## Findings\n");
        for (int sev = _TW_SEVERITY_MAX - 1; sev > TW_SEVERITY_NONE; sev--)
                for (int k = 0; k < _TW_FINDING_KIND_MAX; k++)
                        if (kind_worst(&m->sum, k) == (enum tw_severity)sev) {
                                findings_of_kind(m, k);
                                any = true;
                        }
        if (!any)
                tw_md_raw(&m->w, m->snap->ev ? "\nNo active findings.\n" : "\nNot evaluated.\n");
}

static void roles_cell(struct md *m, const struct tw_token *t)
{
        tw_buf_reset(&m->tmp);
        for (size_t i = 0; i < t->n_roles; i++) {
                const struct tw_role *role = &t->roles[i];
                const char *name = tw_inventory_entity_name(m->snap->inv, role);

                tmpf(m, "%s%s on %s %s%s", i ? "; " : "", role->role ? role->role : "?",
                     role->entity_type ? role->entity_type : "?",
                     name ? name : (role->entity_id ? role->entity_id : "?"),
                     tw_role_is_custom(role) ? " (custom)" : "");
        }
        tw_md_cell(&m->w, t->n_roles ? m->tmp.ptr : "-");
}

/* The token's finding kinds, suppressed ones marked. */
static void findings_cell(struct md *m, size_t token)
{
        const struct tw_finding *f = NULL;
        size_t n = tw_evaluation_token_findings(m->snap->ev, token, &f);

        tw_buf_reset(&m->tmp);
        for (size_t i = 0; i < n; i++)
                tmpf(m, "%s%s%s", i ? ", " : "", tw_finding_kind_to_string(f[i].kind),
                     f[i].suppressed ? " (suppressed)" : "");
        tw_md_cell(&m->w, n ? m->tmp.ptr : "-");
}

/* The owner cell: "team (source)" or "-" (exporters/report/owner.c). */
static void owner_cell(struct md *m, size_t token)
{
        tw_buf_reset(&m->tmp);
        if (m->w.r >= 0)
                m->w.r = tw_report_owner_text(m->snap, token, &m->tmp);
        tw_md_cell(&m->w, m->tmp.ptr ? m->tmp.ptr : "-");
}

static void tokens(struct md *m)
{
        const struct tw_inventory *inv = m->snap->inv;

        bool orgs = inv->n_orgs > 1; /* several organizations: a column names each */

        tw_md_raw(&m->w, "\n## Tokens\n\n");
        if (orgs)
                TABLE(m, NULL, "Severity", "Organization", "Token", "ID", "Owner", "Scope", "Roles",
                      "Created by", "Expires", "Last used", "Findings");
        else
                TABLE(m, NULL, "Severity", "Token", "ID", "Owner", "Scope", "Roles", "Created by",
                      "Expires", "Last used", "Findings");
        for (size_t i = 0; i < inv->n_tokens; i++) {
                const struct tw_token *t = &inv->tokens[m->order[i]];
                enum tw_severity sev = tw_evaluation_token_severity(m->snap->ev, m->order[i]);

                tw_md_cell(&m->w, sev == TW_SEVERITY_NONE ? "-" : tw_severity_to_string(sev));
                if (orgs)
                        tw_md_cell(&m->w, tw_token_organization_name(inv, t));
                tw_md_cell(&m->w, t->name);
                tw_md_cell(&m->w, t->id);
                owner_cell(m, m->order[i]);
                tw_md_cell(&m->w, t->scope);
                roles_cell(m, t);
                tw_md_cell(&m->w, t->created_by ? tw_subject_name(t->created_by) : "-");
                cell_date(m, t->end_at, "never");
                cell_date(m, t->last_used_at, "never");
                findings_cell(m, m->order[i]);
                tw_md_row_end(&m->w);
        }
}

static void suppressions(struct md *m)
{
        const struct tw_inventory *inv = m->snap->inv;
        const struct tw_evaluation *ev = m->snap->ev;

        tw_md_raw(&m->w, "\n## Suppressions\n\n### Suppressed findings (accepted risks)\n\n");
        if (m->sum.n_suppressed == 0)
                tw_md_raw(&m->w, "None.\n");
        else
                TABLE(m, NULL, "Token", "ID", "Finding", "Severity", "Until", "Reason");
        for (size_t i = 0; m->sum.n_suppressed && i < inv->n_tokens; i++) {
                const struct tw_finding *f = NULL;
                size_t n = tw_evaluation_token_findings(m->snap->ev, m->order[i], &f);

                for (size_t j = 0; j < n; j++) {
                        if (!f[j].suppressed)
                                continue;
                        tw_md_cell(&m->w, inv->tokens[m->order[i]].name);
                        tw_md_cell(&m->w, inv->tokens[m->order[i]].id);
                        tw_md_cell(&m->w, tw_finding_kind_to_string(f[j].kind));
                        tw_md_cell(&m->w, tw_severity_to_string(f[j].severity));
                        cell_time(m, f[j].suppressed_until);
                        tw_md_cell(&m->w, f[j].suppressed_reason);
                        tw_md_row_end(&m->w);
                }
        }
        tw_md_raw(&m->w, "\n### Lapsed and stale suppressions\n\n");
        if (!ev || ev->n_notes == 0)
                tw_md_raw(&m->w, "None.\n");
        else
                TABLE(m, NULL, "Token ID", "Finding", "Until", "Status", "Reason");
        for (size_t i = 0; ev && i < ev->n_notes; i++) {
                const struct tw_suppression_note *n = &ev->notes[i];

                tw_md_cell(&m->w, n->token_id);
                tw_md_cell(&m->w, n->kind ? n->kind : "all");
                cell_time(m, n->until);
                tw_md_cell(&m->w, n->stale ? "stale: no such token" : "lapsed");
                tw_md_cell(&m->w, n->reason);
                tw_md_row_end(&m->w);
        }
}

/* "Changes in the last 30 days" and "Who uses each token" (exporters/report/usage_md.c). */
static void audit_sections(struct md *m)
{
        if (m->w.r >= 0)
                m->w.r = tw_report_markdown_usage(m->snap, m->order, m->w.out);
}

static void errors(struct md *m)
{
        const struct tw_inventory *inv = m->snap->inv;
        const struct tw_evaluation *ev = m->snap->ev;

        if (inv->n_errors == 0 && (!ev || ev->n_errors == 0))
                return;
        tw_md_raw(&m->w, "\n## Errors\n\n");
        TABLE(m, NULL, "Where", "Error");
        for (size_t i = 0; i < inv->n_errors; i++) {
                tw_md_cell(&m->w, inv->errors[i].listing);
                tw_md_cell(&m->w, inv->errors[i].message);
                tw_md_row_end(&m->w);
        }
        for (size_t i = 0; ev && i < ev->n_errors; i++) {
                tw_md_cell(&m->w, "evaluation");
                tw_md_cell(&m->w, ev->errors[i]);
                tw_md_row_end(&m->w);
        }
}

int tw_report_render_markdown(const struct tw_snapshot *snap, const struct tw_report_layout *opts,
                              struct tw_buf *out)
{
        struct md m = {.snap = snap};
        size_t *order = NULL;

        tw_md_init(&m.w, out);
        tw_buf_init(&m.tmp, TMP_MAX);
        m.w.r = tw_report_order(snap, opts, true, &order);
        m.order = order;
        if (m.w.r >= 0)
                m.w.r = tw_report_summarize(snap, &m.sum);
        if (m.w.r >= 0) {
                header(&m);
                if (m.w.r >= 0)
                        m.w.r = tw_report_usage_source_markdown(snap->usage_origins,
                                                                snap->n_usage_origins, out);
                summary(&m);
                findings(&m);
                tokens(&m);
                audit_sections(&m);
                suppressions(&m);
                errors(&m);
        }
        tw_report_summary_done(&m.sum);
        tw_buf_done(&m.tmp);
        free(order);
        return m.w.r;
}
