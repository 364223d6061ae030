/* The HTML report: one self-contained page a reviewer can attach to a
 * ticket.  No script, font, image or link leaves the file; the CSS is
 * inline and a Content-Security-Policy forbids everything else.  Every piece
 * of API or config text goes through tw_html_text(). */
#include "exporters/report/html_internal.h"
#include "exporters/report/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "core/config/config.h"
#include "core/evaluate/evaluate.h"
#include "core/inventory.h"
#include "core/snapshot.h"
#include "lib/timeutil.h"

#define SCRATCH_MAX ((size_t)1 << 20)
#define DAY 86400

static const char css[] =
        ":root{--crit:#c62828;--warn:#b45f00;--warn-dot:#ef8f00;--ok:#2e7d32;--mut:#57606a;"
        "--line:#d0d7de;--bg:#f6f8fa}\n"
        "*{box-sizing:border-box}\n"
        "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328;"
        "margin:0 auto;max-width:1280px;padding:16px}\n"
        "h1{font-size:1.45em;margin:.2em 0 .4em;overflow-wrap:anywhere}\n"
        "h2{font-size:1.2em;margin:1.8em 0 .6em;padding-bottom:.2em;border-bottom:1px solid "
        "var(--line)}\n"
        "h3{font-size:1.05em;margin:1.2em 0 .4em}\n"
        "section.live{border:1px solid var(--line);border-left:6px solid;border-radius:6px;"
        "padding:2px 14px;margin:8px 0 12px}section.live p{margin:.45em 0}"
        "section.live ul{margin:.2em 0 .45em;padding-left:1.4em}\n"
        "section.live.ok{border-left-color:var(--ok)}"
        "section.live.crit{border-left-color:var(--crit);background:#fdf3f3}\n"
        ".links{color:var(--mut);font-size:.9em}\n"
        "nav.toc ul{list-style:none;display:flex;flex-wrap:wrap;gap:2px 18px;margin:12px 0 0;"
        "padding:6px 12px;background:var(--bg);border-radius:6px;font-size:.9em}\n"
        "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0;"
        "color:var(--mut)}\n"
        "dl.meta dt{font-weight:600}dl.meta dd{margin:0;overflow-wrap:anywhere}\n"
        ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(165px,1fr));gap:10px;"
        "margin:1em 0}\n"
        ".card{border:1px solid var(--line);border-top:5px solid var(--mut);border-radius:8px;"
        "padding:8px 12px}\n"
        ".card .l{color:var(--mut);font-size:.85em;text-transform:uppercase;letter-spacing:.04em}\n"
        ".card .n{font-size:1.7em;font-weight:700;line-height:1.2}\n"
        ".card .s{font-size:.85em;color:var(--mut);overflow-wrap:anywhere}\n"
        ".card.crit{border-top-color:var(--crit)}.card.warn{border-top-color:var(--warn-dot)}"
        ".card.ok{border-top-color:var(--ok)}\n"
        "figure{margin:0}.chart{overflow-x:auto}"
        ".chart svg{width:100%;min-width:620px;height:auto;display:block}\n"
        "figcaption{font-size:.85em;color:var(--mut)}\n"
        "circle.crit{fill:var(--crit)}circle.warn{fill:var(--warn-dot)}circle.ok{fill:var(--ok)}\n"
        "text.n{font-size:11px;font-weight:700;text-anchor:middle;fill:#fff}"
        "text.n.warn{fill:#1f2328}text.n3{font-size:8px}\n"
        ".axis{stroke:#8c959f}.band{fill:#fdecec}\n"
        ".th{stroke-width:1.5;stroke-dasharray:5 4}.th.crit{stroke:var(--crit)}"
        ".th.warn{stroke:var(--warn-dot)}\n"
        ".tick,.thl,.more{font-size:12px;text-anchor:middle;fill:var(--mut)}"
        ".thl.crit{fill:var(--crit)}.thl.warn{fill:var(--warn)}.date{font-size:10px}\n"
        ".key{display:inline-block;padding-left:14px;position:relative}"
        ".key::before{content:'';position:absolute;left:0;top:.3em;width:10px;height:10px;"
        "border-radius:50%}\n"
        ".key.crit::before{background:var(--crit)}.key.warn::before{background:var(--warn-dot)}"
        ".key.ok::before{background:var(--ok)}\n"
        "ol.tl-key{list-style:none;columns:22em;column-gap:28px;padding:0;margin:.7em 0 0;"
        "font-size:.9em}ol.tl-key li{break-inside:avoid;margin:0 0 5px;padding-left:2.3em;"
        "text-indent:-2.3em}\n"
        ".badge{display:inline-block;text-indent:0;min-width:1.8em;margin-right:.3em;"
        "padding:0 4px;border-radius:9px;"
        "text-align:center;font-weight:700;font-size:.85em;color:#fff}"
        ".badge.crit{background:var(--crit)}.badge.warn{background:var(--warn-dot);color:#1f2328}\n"
        ".scroll{overflow-x:auto}\n"
        "table{border-collapse:collapse;width:100%;font-size:.9em}\n"
        "th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;"
        "vertical-align:top}\n"
        "th{background:var(--bg);white-space:nowrap}td.num,th.num{text-align:right}"
        "td.tok b{overflow-wrap:anywhere}"
        "td.d{white-space:nowrap}\n"
        "code{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;"
        "background:var(--bg);padding:1px 4px;border-radius:4px;overflow-wrap:anywhere}\n"
        ".id{color:var(--mut);font-size:.85em}.desc{color:var(--mut);font-size:.85em}\n"
        ".sev{display:inline-block;padding:0 7px;border-radius:10px;font-size:.8em;"
        "font-weight:600;color:#fff;white-space:nowrap}\n"
        ".sev.crit{background:var(--crit)}.sev.warn{background:var(--warn)}"
        ".sev.ok{background:var(--ok)}.sev.sup{background:#6e7781}\n"
        "ul.findings{list-style:none;padding:0;margin:0}\n"
        "ul.findings li{border:1px solid var(--line);border-left:5px solid var(--mut);"
        "border-radius:6px;padding:6px 10px;margin:0 0 8px}\n"
        "ul.findings.crit li{border-left-color:var(--crit)}"
        "ul.findings.warn li{border-left-color:var(--warn-dot)}\n"
        ".fix{margin-top:4px}.fix code{display:inline-block}\n"
        "a{color:#0969da}\n"
        "@media screen and (max-width:700px){body{padding:10px;font-size:14px}\n"
        "table.rows thead{display:none}table.rows tr{display:block;border-bottom:2px solid "
        "var(--line);padding:4px 0}\n"
        "table.rows td{display:block;border:0;padding:2px 4px}\n"
        "table.rows td[data-l]::before{content:attr(data-l) ': ';font-weight:600;"
        "color:var(--mut)}}\n"
        "@page{margin:14mm 12mm}\n"
        "@media print{body{max-width:none;padding:0;font-size:9.5pt}a{color:inherit;"
        "text-decoration:none}.links{display:none}\n"
        "h2{margin-top:1.2em}h2,h3{break-after:avoid}tr,.card,ul.findings li,figure,"
        "section.live{break-inside:avoid}\n"
        ".scroll,.chart{overflow:visible}.chart svg{min-width:0}thead{display:table-header-group}"
        "\n.cards{grid-template-columns:repeat(3,1fr)}code{white-space:pre-wrap}\n"
        "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

static void card_start(struct tw_html *h, const char *cls, const char *label)
{
        tw_html_rawf(h, "<div class=\"card %s\"><div class=\"l\">%s</div><div class=\"n\">", cls,
                     label);
}

/* Active findings of severity s over every kind. */
static size_t active_at(const struct tw_report_summary *s, enum tw_severity sev)
{
        size_t n = 0;

        for (int k = 0; k < _TW_FINDING_KIND_MAX; k++)
                n += s->active[k][sev];
        return n;
}

/* Severity of an expiry at t by the policy's duration thresholds (7d/30d
 * without a config or for percentage thresholds). */
static enum tw_severity expiry_severity(const struct tw_html *h, int64_t t)
{
        const struct tw_config *cfg = h->snap->cfg;
        int64_t crit = 7 * DAY, warn = 30 * DAY;

        if (t == TW_NO_TIME)
                return TW_SEVERITY_NONE;
        if (cfg && !cfg->policy.expiry_critical.percent && !cfg->policy.expiry_critical.off)
                crit = cfg->policy.expiry_critical.seconds;
        if (cfg && !cfg->policy.expiry_warning.percent && !cfg->policy.expiry_warning.off)
                warn = cfg->policy.expiry_warning.seconds;
        return t - h->now <= crit   ? TW_SEVERITY_CRITICAL
               : t - h->now <= warn ? TW_SEVERITY_WARNING
                                    : TW_SEVERITY_NONE;
}

static void cards(struct tw_html *h)
{
        const struct tw_report_summary *s = &h->sum;
        const struct tw_inventory *inv = h->snap->inv;
        size_t crit = active_at(s, TW_SEVERITY_CRITICAL), warn = active_at(s, TW_SEVERITY_WARNING);

        tw_html_raw(h, "<h2 id=\"summary\">Summary</h2>\n<div class=\"cards\">\n");
        card_start(h, "", "Tokens");
        tw_html_rawf(h, "%zu</div><div class=\"s\">", s->n_tokens);
        for (size_t i = 0; i < s->n_scopes; i++) {
                tw_html_rawf(h, "%s%zu ", i ? ", " : "", s->scopes[i].count);
                tw_html_text(h, *s->scopes[i].scope ? s->scopes[i].scope : "no scope");
        }
        tw_html_raw(h, "</div></div>\n");
        card_start(h, crit ? "crit" : "ok", "Critical");
        tw_html_rawf(h, "%zu</div><div class=\"s\">findings on %zu tokens</div></div>\n", crit,
                     s->tokens_by_severity[TW_SEVERITY_CRITICAL]);
        card_start(h, warn ? "warn" : "ok", "Warning");
        tw_html_rawf(h, "%zu</div><div class=\"s\">findings on %zu more tokens</div></div>\n", warn,
                     s->tokens_by_severity[TW_SEVERITY_WARNING]);
        card_start(h, "", "Suppressed");
        tw_html_rawf(h, "%zu</div><div class=\"s\">accepted risks, see Suppressions</div></div>\n",
                     s->n_suppressed);
        if (s->soonest == SIZE_MAX) {
                card_start(h, "ok", "Soonest expiry");
                tw_html_raw(h, "none</div><div class=\"s\">no token expires later</div></div>\n");
        } else {
                const struct tw_token *t = &inv->tokens[s->soonest];

                card_start(h, tw_html_sev_class(expiry_severity(h, t->end_at)), "Soonest expiry");
                tw_html_date(h, t->end_at, "never");
                tw_html_rawf(h, "</div><div class=\"s\"><a href=\"#t%zu\">", s->soonest);
                tw_html_short_name(h, t->name);
                tw_html_raw(h, "</a>, ");
                tw_html_delta(h, t->end_at);
                tw_html_raw(h, "</div></div>\n");
        }
        card_start(h, tw_html_sev_class(expiry_severity(h, inv->credential.expires_at)),
                   "Own credential expiry");
        tw_html_date(h, inv->credential.expires_at, "never");
        tw_html_raw(h, "</div><div class=\"s\">");
        if (inv->credential.expires_at != TW_NO_TIME)
                tw_html_delta(h, inv->credential.expires_at);
        tw_html_raw(h, inv->credential.expires_at != TW_NO_TIME ? ", token " : "token ");
        tw_html_text(h, inv->credential.token_id ? inv->credential.token_id : "id unknown");
        tw_html_raw(h, "</div></div>\n</div>\n");
}

/* The finding's message, then its fix command when there is one. */
static void finding_body(struct tw_html *h, const struct tw_finding *f)
{
        const struct tw_inventory *inv = h->snap->inv;

        tw_buf_reset(&h->msg);
        if (h->r >= 0)
                h->r = tw_finding_message(h->snap->ev, inv, f, &h->msg);
        tw_html_raw(h, "<div>");
        tw_html_text(h, h->msg.ptr);
        tw_html_raw(h, "</div>");
        tw_buf_reset(&h->msg);
        if (h->r >= 0)
                h->r = tw_finding_fix(h->snap->ev, inv, f, &h->msg);
        if (h->msg.len == 0)
                return;
        tw_html_raw(h, "<div class=\"fix\">Fix: <code>");
        tw_html_text(h, h->msg.ptr);
        tw_html_raw(h, "</code></div>");
}

static void findings_at(struct tw_html *h, enum tw_severity sev)
{
        const struct tw_inventory *inv = h->snap->inv;
        size_t n_sev = active_at(&h->sum, sev);

        if (n_sev == 0)
                return;
        tw_html_rawf(h, "<h3>%s (%zu)</h3>\n<ul class=\"findings %s\">\n",
                     sev == TW_SEVERITY_CRITICAL ? "Critical" : "Warning", n_sev,
                     tw_html_sev_class(sev));
        for (size_t i = 0; i < inv->n_tokens; i++) {
                const struct tw_finding *f = NULL;
                size_t k = h->order[i], n = tw_evaluation_token_findings(h->snap->ev, k, &f);

                for (size_t j = 0; j < n; j++) {
                        if (f[j].suppressed || f[j].severity != sev)
                                continue;
                        tw_html_rawf(h, "<li><a href=\"#t%zu\"><b>", k);
                        tw_html_short_name(h, inv->tokens[k].name);
                        tw_html_raw(h, "</b></a> <span class=\"id\">");
                        tw_html_text(h, inv->tokens[k].id);
                        tw_html_raw(h, "</span> &middot; ");
                        tw_html_raw(h, tw_finding_kind_to_string(f[j].kind));
                        finding_body(h, &f[j]);
                        tw_html_raw(h, "</li>\n");
                }
        }
        tw_html_raw(h, "</ul>\n");
}

static void findings(struct tw_html *h)
{
        tw_html_raw(h, "<h2 id=\"findings\">Findings</h2>\n");
        if (h->sum.n_active == 0)
                tw_html_raw(h, h->snap->ev ? "<p>No active findings.</p>\n"
                                           : "<p>Not evaluated.</p>\n");
        findings_at(h, TW_SEVERITY_CRITICAL);
        findings_at(h, TW_SEVERITY_WARNING);
}

/* The CSP source of the stylesheet, "sha256-<base64>", so the page allows
 * that one stylesheet and no other style, inline or not. */
static int css_hash(char *ret, size_t size)
{
        unsigned char md[32];
        gnutls_datum_t in = {.data = md, .size = sizeof(md)}, b64 = {0};
        int n;

        if (gnutls_hash_fast(GNUTLS_DIG_SHA256, css, sizeof(css) - 1, md) < 0)
                return -EIO;
        if (gnutls_base64_encode2(&in, &b64) < 0)
                return -ENOMEM;
        n = snprintf(ret, size, "sha256-%.*s", (int)b64.size, (const char *)b64.data);
        gnutls_free(b64.data);
        return n > 0 && (size_t)n < size ? 0 : -E2BIG;
}

int tw_report_html_csp(char *buf, size_t size)
{
        char hash[96];
        int r = css_hash(hash, sizeof(hash));
        int n;

        if (r < 0)
                return r;
        n = snprintf(buf, size,
                     "default-src 'none'; style-src '%s'; base-uri 'none'; form-action 'none'",
                     hash);
        return n > 0 && (size_t)n < size ? 0 : -E2BIG;
}

static int render(const struct tw_snapshot *snap, const struct tw_report_layout *opts,
                  const struct tw_live_status *live, struct tw_buf *out, int (*flush)(void *ctx),
                  void *flush_ctx)
{
        struct tw_html h = {.snap = snap,
                            .live = live,
                            .out = out,
                            .now = tw_report_generated_at(snap),
                            .flush = flush,
                            .flush_ctx = flush_ctx};
        size_t *order = NULL;
        char csp[256];

        tw_buf_init(&h.tmp, SCRATCH_MAX);
        tw_buf_init(&h.msg, SCRATCH_MAX);
        h.r = tw_report_order(snap, opts, true, &order);
        h.order = order;
        if (h.r >= 0)
                h.r = tw_report_summarize(snap, &h.sum);
        if (h.r >= 0)
                h.r = tw_report_html_csp(csp, sizeof(csp));
        tw_html_rawf(&h,
                     "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">\n"
                     "<meta name=\"referrer\" content=\"no-referrer\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                     "<title>Token security review: ",
                     csp);
        tw_html_org_names(&h, false);
        tw_html_raw(&h, "</title>\n");
        if (live && live->refresh_seconds > 0) /* no script: the policy allows none */
                tw_html_rawf(&h, "<meta http-equiv=\"refresh\" content=\"%lld\">\n",
                             (long long)live->refresh_seconds);
        tw_html_rawf(&h, "<style>%s</style>\n</head>\n<body>\n", css);
        tw_html_header(&h);
        tw_html_usage_source(&h);
        tw_html_toc(&h);
        cards(&h);
        tw_html_raw(&h, "<h2 id=\"expiries\">Expiries</h2>\n");
        tw_html_timeline(&h);
        findings(&h);
        tw_html_workspaces(&h);
        tw_html_tokens(&h);
        tw_html_changes(&h);
        tw_html_changed_by(&h);
        tw_html_usage(&h);
        tw_html_suppressions(&h);
        tw_html_errors(&h);
        tw_html_raw(&h, "</body>\n</html>\n");
        tw_report_summary_done(&h.sum);
        tw_buf_done(&h.tmp);
        tw_buf_done(&h.msg);
        free(order);
        return h.r;
}

int tw_report_render_html(const struct tw_snapshot *snap, const struct tw_report_layout *opts,
                          struct tw_buf *out)
{
        return render(snap, opts, NULL, out, NULL, NULL);
}

int tw_report_render_live_html(const struct tw_snapshot *snap, const struct tw_live_status *st,
                               struct tw_buf *out, int (*flush)(void *ctx), void *flush_ctx)
{
        size_t mark = out->len;
        int r;

        if (!snap || !snap->inv || !st)
                return -EINVAL;
        r = render(snap, NULL, st, out, flush, flush_ctx);
        if (r < 0 && !flush && out->ptr) {
                out->len = mark;
                out->ptr[mark] = '\0';
        }
        return r;
}
