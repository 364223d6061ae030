/* The HTML report's tables: tokens per workspace, every token, the
 * suppressions and the errors.  Tables carry data-l labels so that on a
 * narrow screen each row becomes a card. */
#include "exporters/report/html_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/evaluate/evaluate.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "lib/timeutil.h"

struct ws_count {
        size_t tokens, crit, warn, active, suppressed;
};

/* "<div class=scroll><table class=rows><thead><tr>" head "</tr></thead>
 * <tbody>" (head: the <th> cells), or "None." when empty; false then. */
static bool table_open(struct tw_html *h, bool empty, const char *head)
{
        if (empty) {
                tw_html_raw(h, "<p>None.</p>\n");
                return false;
        }
        tw_html_rawf(h,
                     "<div class=\"scroll\"><table class=\"rows\"><thead><tr>%s</tr></thead>"
                     "<tbody>\n",
                     head);
        return true;
}

static void table_close(struct tw_html *h)
{
        tw_html_raw(h, "</tbody></table></div>\n");
}

/* The row of token t, by its scope, so that each token counts once and the
 * rows agree with the scopes of the summary: n_ws for organization-scoped
 * tokens (whatever workspace roles they also hold), a workspace's index for
 * a workspace token or a deployment token (its deployment's workspace),
 * n_ws + 1 for a workspace tokenwatch cannot name. */
static size_t ws_bucket(const struct tw_inventory *inv, const struct tw_token *t)
{
        const char *ws = NULL;
        const struct tw_workspace *w;

        if (t->scope && strcmp(t->scope, "ORGANIZATION") == 0)
                return inv->n_workspaces;
        if (t->scope && strcmp(t->scope, "DEPLOYMENT") == 0) {
                const char *dep = tw_token_deployment_id(t);
                const struct tw_deployment *d = dep ? tw_inventory_deployment(inv, dep) : NULL;

                ws = d ? d->workspace_id : NULL;
        } else {
                ws = tw_token_workspace_id(t);
        }
        w = ws ? tw_inventory_workspace(inv, ws) : NULL;
        return w ? (size_t)(w - inv->workspaces) : inv->n_workspaces + 1;
}

static void count_token(const struct tw_html *h, size_t token, struct ws_count *c)
{
        const struct tw_finding *f = NULL;
        size_t n = tw_evaluation_token_findings(h->snap->ev, token, &f);
        enum tw_severity s = tw_evaluation_token_severity(h->snap->ev, token);

        c->tokens++;
        c->crit += s == TW_SEVERITY_CRITICAL;
        c->warn += s == TW_SEVERITY_WARNING;
        for (size_t i = 0; i < n; i++) {
                c->suppressed += f[i].suppressed;
                c->active += !f[i].suppressed;
        }
}

static void ws_row(struct tw_html *h, const char *label, const char *id, const struct ws_count *c)
{
        tw_html_raw(h, "<tr><td data-l=\"Workspace\">");
        tw_html_short_name(h, label);
        if (id) {
                tw_html_raw(h, " <span class=\"id\">");
                tw_html_text(h, id);
                tw_html_raw(h, "</span>");
        }
        tw_html_rawf(h,
                     "</td><td class=\"num\" data-l=\"Tokens\">%zu</td>"
                     "<td class=\"num\" data-l=\"Critical tokens\">%zu</td>"
                     "<td class=\"num\" data-l=\"Warning tokens\">%zu</td>"
                     "<td class=\"num\" data-l=\"Active findings\">%zu</td>"
                     "<td class=\"num\" data-l=\"Suppressed findings\">%zu</td></tr>\n",
                     c->tokens, c->crit, c->warn, c->active, c->suppressed);
}

void tw_html_workspaces(struct tw_html *h)
{
        const struct tw_inventory *inv = h->snap->inv;
        struct ws_count *c;
        size_t nb = inv->n_workspaces + 2;

        if (h->r < 0)
                return;
        c = calloc(nb, sizeof(*c));
        if (!c) {
                h->r = -ENOMEM;
                return;
        }
        for (size_t i = 0; i < inv->n_tokens; i++)
                count_token(h, i, &c[ws_bucket(inv, &inv->tokens[i])]);
        tw_html_raw(h, "<h2 id=\"workspaces\">By workspace</h2>\n<p>Each token counts once, by "
                       "its scope: organization-scoped tokens in a row of their own (whatever "
                       "workspace roles they also hold), deployment tokens under their "
                       "deployment's workspace.</p>\n");
        table_open(h, false,
                   "<th>Workspace</th><th class=\"num\">Tokens</th><th class=\"num\">Critical "
                   "tokens</th><th class=\"num\">Warning tokens</th><th class=\"num\">Active "
                   "findings</th><th class=\"num\">Suppressed findings</th>");
        for (size_t i = 0; i < inv->n_workspaces; i++)
                ws_row(h, inv->workspaces[i].name, inv->workspaces[i].id, &c[i]);
        if (c[nb - 2].tokens)
                ws_row(h, "Organization-scoped tokens", NULL, &c[nb - 2]);
        if (c[nb - 1].tokens)
                ws_row(h, "Workspace unknown or not found", NULL, &c[nb - 1]);
        table_close(h);
        free(c);
}

static void roles_cell(struct tw_html *h, const struct tw_token *t)
{
        tw_html_raw(h, "<td data-l=\"Roles\">");
        for (size_t i = 0; i < t->n_roles; i++) {
                const struct tw_role *role = &t->roles[i];
                const char *ename = tw_inventory_entity_name(h->snap->inv, role);

                tw_html_raw(h, i ? "<br>" : "");
                tw_html_text(h, role->role ? role->role : "?");
                tw_html_raw(h, " <span class=\"id\">on ");
                tw_html_text(h, role->entity_type ? role->entity_type : "?");
                tw_html_raw(h, " ");
                if (ename)
                        tw_html_short_name(h, ename);
                else
                        tw_html_text(h, role->entity_id ? role->entity_id : "?");
                tw_html_raw(h, tw_role_is_custom(role) ? " (custom)</span>" : "</span>");
        }
        tw_html_raw(h, t->n_roles ? "</td>" : "none</td>");
}

static void findings_cell(struct tw_html *h, size_t token)
{
        const struct tw_finding *f = NULL;
        size_t n = tw_evaluation_token_findings(h->snap->ev, token, &f);

        tw_html_raw(h, "<td data-l=\"Findings\">");
        for (size_t i = 0; i < n; i++) {
                tw_html_raw(h, i ? "<br>" : "");
                tw_html_sev_pill(h, f[i].severity, f[i].suppressed);
                tw_html_raw(h, " ");
                tw_html_raw(h, tw_finding_kind_to_string(f[i].kind));
                if (f[i].suppressed) {
                        tw_html_raw(h, " <span class=\"id\">suppressed through ");
                        tw_html_date(h, f[i].suppressed_until - 1, "?");
                        tw_html_raw(h, "</span>");
                }
        }
        tw_html_raw(h, n ? "</td>" : "none</td>");
}

/* "</td><td>team (source)</td>" or "-" (exporters/report/owner.c). */
static void owner_cell(struct tw_html *h, size_t k)
{
        struct tw_buf text; /* not h->tmp: tw_html_text() uses it */

        tw_buf_init(&text, 1024);
        if (h->r >= 0)
                h->r = tw_report_owner_text(h->snap, k, &text);
        tw_html_raw(h, "</td><td data-l=\"Owner\">");
        tw_html_text(h, text.ptr ? text.ptr : "-");
        tw_html_raw(h, "</td>");
        tw_buf_done(&text);
}

static void token_row(struct tw_html *h, size_t k)
{
        const struct tw_token *t = &h->snap->inv->tokens[k];

        tw_html_rawf(h, "<tr id=\"t%zu\"><td data-l=\"Severity\">", k);
        tw_html_sev_pill(h, tw_evaluation_token_severity(h->snap->ev, k), false);
        if (h->snap->inv->n_orgs > 1) { /* several organizations: a column names each */
                tw_html_raw(h, "</td><td data-l=\"Organization\">");
                tw_html_text(h, tw_token_organization_name(h->snap->inv, t));
        }
        tw_html_raw(h, "</td><td class=\"tok\" data-l=\"Token\"><b>");
        tw_html_short_name(h, t->name);
        tw_html_raw(h, "</b><br><span class=\"id\">");
        tw_html_text(h, t->id);
        tw_html_raw(h, "</span>");
        if (t->description && *t->description) {
                tw_html_raw(h, "<div class=\"desc\">");
                tw_html_name(h, t->description);
                tw_html_raw(h, "</div>");
        }
        owner_cell(h, k);
        tw_html_raw(h, "<td data-l=\"Scope\">");
        tw_html_text(h, t->scope ? t->scope : "?");
        tw_html_raw(h, "</td>");
        roles_cell(h, t);
        tw_html_raw(h, "<td data-l=\"Created by\">");
        if (t->created_by)
                tw_html_short_name(h, tw_subject_name(t->created_by));
        else
                tw_html_raw(h, "unknown");
        tw_html_raw(h, "</td><td class=\"d\" data-l=\"Created\">");
        tw_html_date(h, t->created_at, "unknown");
        tw_html_raw(h, "</td><td class=\"d\" data-l=\"Expires\">");
        tw_html_date(h, t->end_at, "never");
        if (t->end_at != TW_NO_TIME) {
                tw_html_raw(h, "<br><span class=\"id\">");
                tw_html_delta(h, t->end_at);
                tw_html_raw(h, "</span>");
        }
        tw_html_raw(h, "</td><td class=\"d\" data-l=\"Last used\">");
        tw_html_date(h, t->last_used_at, "never");
        tw_html_raw(h, "</td>");
        findings_cell(h, k);
        tw_html_raw(h, "</tr>\n");
}

void tw_html_tokens(struct tw_html *h)
{
        const struct tw_inventory *inv = h->snap->inv;

        tw_html_rawf(h, "<h2 id=\"tokens\">Tokens (%zu)</h2>\n", inv->n_tokens);
        table_open(h, false,
                   inv->n_orgs > 1
                           ? "<th>Severity</th><th>Organization</th><th>Token</th><th>Owner</th>"
                             "<th>Scope</th><th>Roles</th><th>Created by</th><th>Created</th>"
                             "<th>Expires</th><th>Last used</th><th>Findings</th>"
                           : "<th>Severity</th><th>Token</th><th>Owner</th><th>Scope</th>"
                             "<th>Roles</th><th>Created by</th><th>Created</th><th>Expires</th>"
                             "<th>Last used</th><th>Findings</th>");
        for (size_t i = 0; i < inv->n_tokens; i++)
                token_row(h, h->order[i]);
        table_close(h);
}

static void suppressed_findings(struct tw_html *h)
{
        const struct tw_inventory *inv = h->snap->inv;

        tw_html_raw(h, "<h3>Suppressed findings (accepted risks)</h3>\n");
        if (!table_open(h, h->sum.n_suppressed == 0,
                        "<th>Token</th><th>Finding</th><th>Severity</th><th>Review by</th>"
                        "<th>Reason</th>"))
                return;
        for (size_t i = 0; i < inv->n_tokens; i++) {
                const struct tw_finding *f = NULL;
                size_t k = h->order[i], n = tw_evaluation_token_findings(h->snap->ev, k, &f);

                for (size_t j = 0; j < n; j++) {
                        if (!f[j].suppressed)
                                continue;
                        tw_html_rawf(h, "<tr><td data-l=\"Token\"><a href=\"#t%zu\">", k);
                        tw_html_short_name(h, inv->tokens[k].name);
                        tw_html_raw(h, "</a> <span class=\"id\">");
                        tw_html_text(h, inv->tokens[k].id);
                        tw_html_rawf(h,
                                     "</span></td><td data-l=\"Finding\">%s</td>"
                                     "<td data-l=\"Severity\">",
                                     tw_finding_kind_to_string(f[j].kind));
                        tw_html_sev_pill(h, f[j].severity, false);
                        tw_html_raw(h, "</td><td data-l=\"Review by\">");
                        /* until is the end of the day the config names */
                        tw_html_date(h, f[j].suppressed_until - 1, "?");
                        tw_html_raw(h, "</td><td data-l=\"Reason\">");
                        tw_html_name(h, f[j].suppressed_reason);
                        tw_html_raw(h, "</td></tr>\n");
                }
        }
        table_close(h);
}

void tw_html_suppressions(struct tw_html *h)
{
        const struct tw_evaluation *ev = h->snap->ev;

        tw_html_raw(h, "<h2 id=\"suppressions\">Suppressions</h2>\n");
        suppressed_findings(h);
        tw_html_raw(h, "<h3>Lapsed and stale suppressions</h3>\n");
        if (!table_open(h, !ev || ev->n_notes == 0,
                        "<th>Token ID</th><th>Finding</th><th>Through</th><th>Status</th>"
                        "<th>Reason</th>"))
                return;
        for (size_t i = 0; i < ev->n_notes; i++) {
                const struct tw_suppression_note *n = &ev->notes[i];

                tw_html_raw(h, "<tr><td data-l=\"Token ID\">");
                tw_html_text(h, n->token_id);
                tw_html_raw(h, "</td><td data-l=\"Finding\">");
                tw_html_text(h, n->kind ? n->kind : "all");
                tw_html_raw(h, "</td><td data-l=\"Through\">");
                tw_html_date(h, n->until == TW_NO_TIME ? n->until : n->until - 1, "?");
                tw_html_rawf(h, "</td><td data-l=\"Status\">%s</td><td data-l=\"Reason\">",
                             n->stale ? "stale: no such token" : "lapsed");
                tw_html_name(h, n->reason);
                tw_html_raw(h, "</td></tr>\n");
        }
        table_close(h);
}

void tw_html_errors(struct tw_html *h)
{
        const struct tw_inventory *inv = h->snap->inv;
        const struct tw_evaluation *ev = h->snap->ev;

        if (inv->n_errors == 0 && (!ev || ev->n_errors == 0))
                return;
        tw_html_raw(h, "<h2 id=\"errors\">Errors</h2>\n");
        table_open(h, false, "<th>Where</th><th>Error</th>");
        for (size_t i = 0; i < inv->n_errors; i++) {
                tw_html_raw(h, "<tr><td data-l=\"Where\">");
                tw_html_text(h, inv->errors[i].listing);
                tw_html_raw(h, "</td><td data-l=\"Error\">");
                tw_html_text(h, inv->errors[i].message);
                tw_html_raw(h, "</td></tr>\n");
        }
        for (size_t i = 0; ev && i < ev->n_errors; i++) {
                tw_html_raw(h, "<tr><td data-l=\"Where\">evaluation</td><td data-l=\"Error\">");
                tw_html_text(h, ev->errors[i]);
                tw_html_raw(h, "</td></tr>\n");
        }
        table_close(h);
}
