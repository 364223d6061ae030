/* The HTML report's writers (exporters/report/html_internal.h): markup as is, API
 * and config text escaped, and the small pieces every section uses. */
#include "exporters/report/html_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "core/evaluate/evaluate.h"
#include "exporters/report/report_internal.h"
#include "lib/buf.h"

#define FLUSH_BYTES ((size_t)64 << 10)

/* Hands out what has piled up to the flush callback, if any (a streaming
 * caller: the daemon's live view goes straight into gzip). */
static void maybe_flush(struct tw_html *h)
{
        if (h->flush && h->r >= 0 && h->out->len >= FLUSH_BYTES)
                h->r = h->flush(h->flush_ctx);
}

void tw_html_raw(struct tw_html *h, const char *s)
{
        if (h->r >= 0)
                h->r = tw_buf_adds(h->out, s);
        maybe_flush(h);
}

void tw_html_rawf(struct tw_html *h, const char *fmt, ...)
{
        va_list ap;

        if (h->r < 0)
                return;
        va_start(ap, fmt);
        h->r = tw_buf_vprintf(h->out, fmt, ap);
        va_end(ap);
        maybe_flush(h);
}

/* s sanitized, cut to max_width cells ("…" ending a cut), then escaped. */
static void text_cut(struct tw_html *h, const char *s, size_t max_width)
{
        if (!s || h->r < 0)
                return;
        tw_buf_reset(&h->tmp);
        h->r = tw_report_add_terminal(&h->tmp, s, max_width, NULL);
        for (const char *p = h->tmp.ptr; h->r >= 0 && p && *p; p++) {
                size_t n = strcspn(p, "&<>\"'");

                h->r = tw_buf_add(h->out, p, n);
                p += n;
                if (!*p || h->r < 0)
                        break;
                h->r = tw_buf_adds(h->out, *p == '&'   ? "&amp;"
                                           : *p == '<' ? "&lt;"
                                           : *p == '>' ? "&gt;"
                                           : *p == '"' ? "&quot;"
                                                       : "&#39;");
        }
        maybe_flush(h);
}

void tw_html_text(struct tw_html *h, const char *s)
{
        text_cut(h, s, SIZE_MAX);
}

void tw_html_date(struct tw_html *h, int64_t t, const char *none_text)
{
        if (h->r >= 0)
                h->r = tw_report_add_date(h->out, t, none_text);
}

void tw_html_name(struct tw_html *h, const char *s)
{
        tw_html_raw(h, "<bdi>");
        tw_html_text(h, s && *s ? s : "(no name)");
        tw_html_raw(h, "</bdi>");
}

void tw_html_short_name(struct tw_html *h, const char *s)
{
        if (!s || !*s || tw_report_text_width(s) <= TW_HTML_NAME_WIDTH) {
                tw_html_name(h, s);
                return;
        }
        tw_html_raw(h, "<bdi title=\"");
        tw_html_text(h, s);
        tw_html_raw(h, "\">");
        text_cut(h, s, TW_HTML_NAME_WIDTH);
        tw_html_raw(h, "</bdi>");
}

const char *tw_html_sev_class(enum tw_severity s)
{
        return s == TW_SEVERITY_CRITICAL ? "crit" : s == TW_SEVERITY_WARNING ? "warn" : "ok";
}

void tw_html_sev_pill(struct tw_html *h, enum tw_severity s, bool suppressed)
{
        /* no printf: a page has one per token and finding */
        tw_html_raw(h, "<span class=\"sev ");
        tw_html_raw(h, suppressed ? "sup" : tw_html_sev_class(s));
        tw_html_raw(h, "\">");
        tw_html_raw(h, s == TW_SEVERITY_NONE ? "ok" : tw_severity_to_string(s));
        tw_html_raw(h, "</span>");
}

void tw_html_delta(struct tw_html *h, int64_t t)
{
        if (h->r >= 0)
                h->r = tw_describe_delta(t, h->now, h->out);
}
