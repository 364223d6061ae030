/* The CSV report: RFC 4180, one row per token in inventory order. */
#include "exporters/report/report_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "core/evaluate/evaluate.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "lib/timeutil.h"

#define CELL_MAX ((size_t)1 << 20)

static const char header[] = "id,name,scope,kind,roles,created_by,owner,owner_source,"
                             "created_at,expires_at,last_used_at,worst_severity,findings,"
                             "suppressed,organization_id\r\n";

/* Whether s is printable ASCII only (most of what the API sends). */
static bool plain(const char *s)
{
        for (; *s; s++)
                if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
                        return false;
        return true;
}

/* s as a reviewer may read it, into tmp: CR, LF and tab as blanks; every
 * other control character, bidirectional override, isolate or mark and
 * invalid UTF-8 byte as '?' (tw_report_add_terminal()). */
static int clean(const char *s, struct tw_buf *tmp)
{
        struct tw_buf blanks;
        int r;

        tw_buf_init(&blanks, CELL_MAX);
        r = tw_buf_adds(&blanks, s);
        for (size_t i = 0; r >= 0 && i < blanks.len; i++)
                if (strchr("\r\n\t", blanks.ptr[i]))
                        blanks.ptr[i] = ' ';
        if (r >= 0)
                r = tw_report_add_terminal(tmp, blanks.ptr ? blanks.ptr : "", SIZE_MAX, NULL);
        tw_buf_done(&blanks);
        return r;
}

/*
 * Security reviewers open these files in spreadsheets,
 * which run a cell starting with =, +, -, @ (or a tab or CR before one) as a
 * formula: a token named "=HYPERLINK(...)" would be code.  Such a cell (its
 * first character after blanks) gets a leading apostrophe (OWASP's "CSV
 * injection" advice), which spreadsheets show as text.  Control and
 * bidirectional characters never reach the file (clean()).  Then RFC 4180:
 * a field holding '"' or ',' is quoted, with '"' doubled.
 */
int tw_report_add_csv_cell(struct tw_buf *out, const char *s, bool last)
{
        struct tw_buf tmp;
        bool guard, quote;
        int r = 0;

        if (!s)
                s = "";
        tw_buf_init(&tmp, CELL_MAX);
        if (!plain(s)) {
                r = clean(s, &tmp);
                s = tmp.ptr ? tmp.ptr : "";
        }
        guard = strchr("=+-@", s[strspn(s, " ")]) && s[strspn(s, " ")];
        quote = strpbrk(s, "\",") != NULL;
        if (r >= 0 && quote)
                r = tw_buf_addc(out, '"');
        if (r >= 0 && guard)
                r = tw_buf_addc(out, '\'');
        for (const char *p = s; r >= 0 && *p;) {
                size_t n = strcspn(p, "\"");

                r = tw_buf_add(out, p, n);
                p += n;
                if (r >= 0 && *p == '"') {
                        r = tw_buf_adds(out, "\"\"");
                        p++;
                }
        }
        if (r >= 0 && quote)
                r = tw_buf_addc(out, '"');
        if (r >= 0)
                r = tw_buf_adds(out, last ? "\r\n" : ",");
        tw_buf_done(&tmp);
        return r;
}

static int add_time_cell(struct tw_buf *out, int64_t t)
{
        char ts[TW_RFC3339_LEN];

        return tw_report_add_csv_cell(out, t == TW_NO_TIME ? "" : tw_time_format(t, ts), false);
}

/* ENTITY_TYPE:entity_name_or_id:ROLE joined by "; ". */
static int add_roles_cell(struct tw_buf *out, const struct tw_inventory *inv,
                          const struct tw_token *t, struct tw_buf *tmp)
{
        int r = 0;

        tw_buf_reset(tmp);
        for (size_t i = 0; r >= 0 && i < t->n_roles; i++) {
                const struct tw_role *role = &t->roles[i];
                const char *name = tw_inventory_entity_name(inv, role);

                r = tw_buf_printf(tmp, "%s%s:%s:%s%s", i ? "; " : "",
                                  role->entity_type ? role->entity_type : "",
                                  name ? name : (role->entity_id ? role->entity_id : ""),
                                  role->role ? role->role : "",
                                  tw_role_is_custom(role) ? " (custom)" : "");
        }
        return r < 0 ? r : tw_report_add_csv_cell(out, tmp->ptr, false);
}

/* kind:severity of the token's findings, suppressed or not, joined by "; ". */
static int add_findings_cell(struct tw_buf *out, const struct tw_snapshot *snap, size_t token,
                             bool suppressed, bool last, struct tw_buf *tmp)
{
        const struct tw_finding *f = NULL;
        size_t n = tw_report_token_findings(snap, token, &f);
        int r = 0;

        tw_buf_reset(tmp);
        for (size_t i = 0; r >= 0 && i < n; i++)
                if (f[i].suppressed == suppressed)
                        r = tw_buf_printf(tmp, "%s%s:%s", tmp->len ? "; " : "",
                                          tw_finding_kind_to_string(f[i].kind),
                                          tw_severity_to_string(f[i].severity));
        return r < 0 ? r : tw_report_add_csv_cell(out, tmp->ptr, last);
}

static int add_row(struct tw_buf *out, const struct tw_snapshot *snap, size_t i, struct tw_buf *tmp)
{
        const struct tw_token *t = &snap->inv->tokens[i];
        int r;

        r = tw_report_add_csv_cell(out, t->id, false);
        if (r >= 0)
                r = tw_report_add_csv_cell(out, t->name, false);
        if (r >= 0)
                r = tw_report_add_csv_cell(out, t->scope, false);
        if (r >= 0)
                r = tw_report_add_csv_cell(out, t->kind, false);
        if (r >= 0)
                r = add_roles_cell(out, snap->inv, t, tmp);
        if (r >= 0)
                r = tw_report_add_csv_cell(out, tw_subject_name(t->created_by), false);
        if (r >= 0)
                r = tw_report_owner_csv(snap, i, out);
        if (r >= 0)
                r = add_time_cell(out, t->created_at);
        if (r >= 0)
                r = add_time_cell(out, t->end_at);
        if (r >= 0)
                r = add_time_cell(out, t->last_used_at);
        if (r >= 0)
                r = tw_report_add_csv_cell(
                        out, tw_severity_to_string(tw_evaluation_token_severity(snap->ev, i)),
                        false);
        if (r >= 0)
                r = add_findings_cell(out, snap, i, false, false, tmp);
        if (r >= 0)
                r = add_findings_cell(out, snap, i, true, false, tmp);
        if (r >= 0)
                r = tw_report_add_csv_cell(out, tw_token_organization_id(snap->inv, t), true);
        return r;
}

int tw_report_render_csv(const struct tw_snapshot *snap, const struct tw_report_layout *opts,
                         struct tw_buf *out)
{
        struct tw_buf tmp;
        size_t *order = NULL;
        int r;

        tw_buf_init(&tmp, CELL_MAX);
        r = tw_report_order(snap, opts, false, &order);
        if (r >= 0)
                r = tw_buf_adds(out, header);
        for (size_t i = 0; r >= 0 && i < snap->inv->n_tokens; i++)
                r = add_row(out, snap, order[i], &tmp);
        tw_buf_done(&tmp);
        free(order);
        return r;
}
