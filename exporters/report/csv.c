/* The CSV report: RFC 4180, one row per token in inventory order.  Nothing
 * but the header row and the token rows: where the audit-log usage comes
 * from is a last column (usage_source, the token's organization's), since a
 * comment line above the header would be a data row to every CSV reader. */
#include "exporters/report/report_internal.h"

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
                             "suppressed,organization_id,usage_source\r\n";

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
        size_t n = tw_evaluation_token_findings(snap->ev, token, &f);
        int r = 0;

        tw_buf_reset(tmp);
        for (size_t i = 0; r >= 0 && i < n; i++)
                if (f[i].suppressed == suppressed)
                        r = tw_buf_printf(tmp, "%s%s:%s", tmp->len ? "; " : "",
                                          tw_finding_kind_to_string(f[i].kind),
                                          tw_severity_to_string(f[i].severity));
        return r < 0 ? r : tw_report_add_csv_cell(out, tmp->ptr, last);
}

/* Where the audit-log usage of the token's organization comes from, or "". */
static int add_usage_source_cell(struct tw_buf *out, const struct tw_snapshot *snap,
                                 const struct tw_token *t, struct tw_buf *tmp)
{
        int r;

        tw_buf_reset(tmp);
        r = tw_report_usage_source_text(
                snap->usage_origins, snap->n_usage_origins,
                snap->inv->n_orgs > 1 ? tw_token_organization_id(snap->inv, t) : NULL, tmp);
        return r < 0 ? r : tw_report_add_csv_cell(out, tmp->ptr, true);
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
                r = tw_report_add_csv_cell(out, tw_token_organization_id(snap->inv, t), false);
        if (r >= 0)
                r = add_usage_source_cell(out, snap, t, tmp);
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
