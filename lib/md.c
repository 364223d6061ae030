/* Markdown: the one escaper and the one document writer (lib/md.h). */
#include "lib/md.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/utf8.h"

/* C0 and C1 controls, DEL, the bidirectional overrides and isolates
 * ("Trojan Source"), invalid bytes. */
static bool unsafe(uint32_t c)
{
        return tw_utf8_is_control(c) || tw_utf8_is_bidi(c) || c == TW_UTF8_INVALID;
}

static bool at_line_start(const struct tw_buf *out)
{
        return out->len == 0 || out->ptr[out->len - 1] == '\n';
}

int tw_md_escape(struct tw_buf *out, const char *s)
{
        const unsigned char *p = (const unsigned char *)s;
        bool first = at_line_start(out);
        int r = 0;
        uint32_t c;

        for (; r >= 0 && p && *p; first = false) {
                size_t n = tw_utf8_next((const char *)p, &c);

                if (c == '\n' || c == '\r' || c == '\t')
                        r = tw_buf_addc(out, ' ');
                else if (c == '<')
                        r = tw_buf_adds(out, "&lt;");
                else if (c == '>')
                        r = tw_buf_adds(out, "&gt;");
                else if (c == '&')
                        r = tw_buf_adds(out, "&amp;");
                else if ((c < 0x80 && strchr("\\|`*_[]~@", (int)c)) ||
                         (first && (c == '-' || c == '+' || c == '#')))
                        r = tw_buf_printf(out, "\\%c", (char)c);
                else if (unsafe(c))
                        r = tw_buf_addc(out, '?');
                else
                        r = tw_buf_add(out, p, n);
                p += n;
        }
        return r;
}

void tw_md_init(struct tw_md *m, struct tw_buf *out)
{
        m->out = out;
        m->r = 0;
}

void tw_md_raw(struct tw_md *m, const char *markup)
{
        if (m->r >= 0)
                m->r = tw_buf_adds(m->out, markup);
}

void tw_md_printf(struct tw_md *m, const char *fmt, ...)
{
        va_list ap;

        if (m->r < 0)
                return;
        va_start(ap, fmt);
        m->r = tw_buf_vprintf(m->out, fmt, ap);
        va_end(ap);
}

void tw_md_text(struct tw_md *m, const char *s)
{
        if (m->r >= 0)
                m->r = tw_md_escape(m->out, s);
}

void tw_md_table(struct tw_md *m, const char *const *titles, size_t n, const char *align)
{
        for (size_t i = 0; i < n; i++) {
                tw_md_raw(m, "| ");
                if (*titles[i]) {
                        tw_md_raw(m, titles[i]);
                        tw_md_raw(m, " ");
                }
        }
        tw_md_raw(m, "|\n|");
        for (size_t i = 0; i < n; i++)
                tw_md_raw(m, align && align[i] == 'r' ? "---:|" : "---|");
        tw_md_raw(m, "\n");
}

void tw_md_cell(struct tw_md *m, const char *s)
{
        tw_md_raw(m, "| ");
        tw_md_text(m, s);
        tw_md_raw(m, " ");
}

void tw_md_cell_raw(struct tw_md *m, const char *markup)
{
        tw_md_raw(m, "| ");
        tw_md_raw(m, markup);
        tw_md_raw(m, " ");
}

void tw_md_row_end(struct tw_md *m)
{
        tw_md_raw(m, "|\n");
}
