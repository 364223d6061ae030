/* The HTML report's head of page: the organization's name for the title,
 * the heading and what the report is of (the live view: how old its data
 * was when it was rendered, and whether and why the last collection
 * failed), and the table of contents. */
#include "exporters/report/html_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config.h"
#include "core/evaluate/evaluate.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "core/status.h"
#include "exporters/report/report.h"
#include "lib/timeutil.h"

void tw_html_org_names(struct tw_html *h, bool markup)
{
        const struct tw_inventory *inv = h->snap->inv;

        if (inv->n_orgs == 0) {
                if (markup)
                        tw_html_name(h, inv->organization_id);
                else
                        tw_html_text(h, inv->organization_id);
                return;
        }
        for (size_t i = 0; i < inv->n_orgs; i++) {
                const struct tw_inventory_org *o = &inv->orgs[i];
                const char *name = o->display_name && *o->display_name ? o->display_name : o->id;

                tw_html_raw(h, i ? ", " : "");
                if (markup)
                        tw_html_name(h, name);
                else
                        tw_html_text(h, name);
        }
}

/* The Organization row: each one's name, and its id when the name is not. */
static void org_row(struct tw_html *h)
{
        const struct tw_inventory *inv = h->snap->inv;

        tw_html_raw(h, "<dt>Organization</dt><dd>");
        if (inv->n_orgs == 0)
                tw_html_text(h, inv->organization_id);
        for (size_t i = 0; i < inv->n_orgs; i++) {
                const struct tw_inventory_org *o = &inv->orgs[i];

                tw_html_raw(h, i ? ", " : "");
                if (!o->display_name || !*o->display_name) {
                        tw_html_text(h, o->id);
                        continue;
                }
                tw_html_name(h, o->display_name);
                tw_html_raw(h, " <span class=\"id\">");
                tw_html_text(h, o->id);
                tw_html_raw(h, "</span>");
        }
        tw_html_raw(h, "</dd>");
}

/* "5 minutes": an age in its largest whole unit; under a second says so. */
static void age(struct tw_html *h, int64_t seconds)
{
        static const struct {
                int64_t seconds;
                const char *unit;
        } units[] = {{86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}};

        if (seconds < 1) {
                tw_html_raw(h, "less than a second");
                return;
        }
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
                int64_t n = seconds / units[i].seconds;

                if (n > 0) {
                        tw_html_rawf(h, "%lld %s%s", (long long)n, units[i].unit,
                                     n == 1 ? "" : "s");
                        return;
                }
        }
}

/* The organization a status names, as people know it. */
static const char *status_org_name(const struct tw_inventory *inv, const struct tw_org_status *o)
{
        for (size_t i = 0; i < inv->n_orgs; i++)
                if (inv->orgs[i].id && strcmp(inv->orgs[i].id, o->organization) == 0 &&
                    inv->orgs[i].display_name)
                        return inv->orgs[i].display_name;
        return o->organization;
}

/* One organization's failure: its reason, and how many listings failed. */
static void failure_text(struct tw_html *h, const struct tw_org_status *o)
{
        tw_html_text(h, o->failure);
        if (o->n_failures > 1)
                tw_html_rawf(h, " (and %u more failed listing%s)", o->n_failures - 1,
                             o->n_failures == 2 ? "" : "s");
}

/* Why the last collection failed: one organization's reason, or a list of
 * the organizations that failed; the daemon's log when none is known. */
static void failure(struct tw_html *h, const struct tw_live_status *st)
{
        size_t n = 0, last = 0;

        for (size_t i = 0; st->orgs && i < st->n_orgs; i++)
                if (st->orgs[i].failure[0]) {
                        n++;
                        last = i;
                }
        tw_html_raw(h, "<p><strong>The last collection failed</strong>: ");
        if (n == 0) {
                tw_html_raw(h, "the daemon's log says why.</p>\n");
        } else if (n == 1 && st->n_orgs == 1) {
                failure_text(h, &st->orgs[last]);
                tw_html_raw(h, "</p>\n");
        } else {
                tw_html_rawf(h, "%zu of %zu organizations.</p>\n<ul>", n, st->n_orgs);
                for (size_t i = 0; i < st->n_orgs; i++) {
                        if (!st->orgs[i].failure[0])
                                continue;
                        tw_html_raw(h, "<li>");
                        tw_html_name(h, status_org_name(h->snap->inv, &st->orgs[i]));
                        tw_html_raw(h, ": ");
                        failure_text(h, &st->orgs[i]);
                        tw_html_raw(h, "</li>");
                }
                tw_html_raw(h, "</ul>\n");
        }
}

/* The live view's banner: whether the last collection worked (and why
 * not), one time for the data with its age when the page was rendered,
 * how often the page reloads, and the daemon's other endpoints. */
static void live_banner(struct tw_html *h, const struct tw_live_status *st)
{
        char ts[TW_RFC3339_LEN];

        tw_html_rawf(h, "<section class=\"live %s\">\n", st->last_collection_ok ? "ok" : "crit");
        if (st->last_collection_ok) {
                tw_html_raw(h, "<p><strong>The last collection succeeded.</strong> The data below "
                               "was collected ");
        } else {
                failure(h, st);
                tw_html_raw(h, "<p>Until a collection succeeds, the data below may be out of date "
                               "or incomplete: it was collected ");
        }
        tw_html_rawf(h, "<time>%s</time>, ", tw_time_format(st->data_at, ts));
        age(h, st->rendered_at - st->data_at);
        tw_html_raw(h, " before this page was rendered");
        if (!st->last_collection_ok && h->snap->inv->n_errors)
                tw_html_raw(h, "; <a href=\"#errors\">Errors</a> lists the listings that failed");
        tw_html_raw(h, ".</p>\n<p class=\"links\">Live view");
        if (st->refresh_seconds > 0) {
                tw_html_raw(h, ": the page reloads itself every ");
                age(h, st->refresh_seconds);
        }
        tw_html_raw(h, ". ");
        tw_html_raw(h, "<a href=\"metrics\">/metrics</a> &middot; <a href=\"healthz\">/healthz</a> "
                       "&middot; <a href=\"readyz\">/readyz</a></p>\n</section>\n");
}

/* The Policy row, when there is a config. */
static void policy_row(struct tw_html *h)
{
        char *p;

        if (!h->snap->cfg)
                return;
        tw_html_raw(h, "<dt>Policy</dt><dd>");
        tw_buf_reset(&h->tmp);
        if (h->r >= 0)
                h->r = tw_report_describe_policy(h->snap, &h->tmp);
        if (h->r >= 0 && h->tmp.ptr) {
                p = strdup(h->tmp.ptr); /* tw_html_text() uses h->tmp */
                if (!p)
                        h->r = -ENOMEM;
                tw_html_text(h, p);
                free(p);
        }
        tw_html_raw(h, "</dd>");
}

void tw_html_header(struct tw_html *h)
{
        const struct tw_inventory *inv = h->snap->inv;
        char ts[TW_RFC3339_LEN];

        tw_html_raw(h, "<header>\n<h1>Token security review: ");
        tw_html_org_names(h, true);
        tw_html_raw(h, "</h1>\n");
        if (h->live)
                live_banner(h, h->live);
        tw_html_raw(h, "<dl class=\"meta\">");
        org_row(h);
        if (!h->live) { /* the live banner says when, and whether complete */
                tw_html_rawf(h, "<dt>Generated</dt><dd>%s</dd>",
                             h->now == TW_NO_TIME ? "unknown" : tw_time_format(h->now, ts));
                tw_html_raw(h, "<dt>Complete</dt><dd>");
                tw_html_raw(h, tw_inventory_complete(inv) ? "yes" : "no, failed listings: ");
                for (size_t i = 0; i < inv->n_errors; i++) {
                        tw_html_raw(h, i ? ", " : "");
                        tw_html_text(h, inv->errors[i].listing ? inv->errors[i].listing : "?");
                }
                tw_html_raw(h, "</dd>");
        }
        tw_html_raw(h, "<dt>API version</dt><dd>");
        tw_html_text(h, inv->api_version);
        tw_html_raw(h, "</dd>");
        policy_row(h);
        tw_html_raw(h, "</dl>\n</header>\n");
}

void tw_html_toc(struct tw_html *h)
{
        const struct tw_inventory *inv = h->snap->inv;
        const struct tw_evaluation *ev = h->snap->ev;

        tw_html_rawf(h,
                     "<nav class=\"toc\" aria-label=\"Contents\"><ul>"
                     "<li><a href=\"#summary\">Summary</a></li>"
                     "<li><a href=\"#expiries\">Expiries</a></li>"
                     "<li><a href=\"#findings\">Findings (%zu)</a></li>"
                     "<li><a href=\"#workspaces\">By workspace</a></li>"
                     "<li><a href=\"#tokens\">Tokens (%zu)</a></li>"
                     "<li><a href=\"#changes\">Changes</a></li>"
                     "<li><a href=\"#usage\">Who uses each token</a></li>"
                     "<li><a href=\"#suppressions\">Suppressions (%zu)</a></li>",
                     h->sum.n_active, inv->n_tokens, h->sum.n_suppressed);
        if (inv->n_errors || (ev && ev->n_errors))
                tw_html_rawf(h, "<li><a href=\"#errors\">Errors (%zu)</a></li>",
                             inv->n_errors + (ev ? ev->n_errors : 0));
        tw_html_raw(h, "</ul></nav>\n");
}
