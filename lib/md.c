/* Markdown: the one escaper and the one document writer (lib/md.h). */
#include "lib/md.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lib/buf.h"

#define BAD ((uint32_t)-1)

/* Decodes one UTF-8 sequence at s (strict: no overlongs, surrogates or
 * values past U+10FFFF): the bytes used, *cp BAD (1 byte) when invalid. */
static size_t next_cp(const unsigned char *s, uint32_t *cp)
{
        size_t n;
        uint32_t c, min;

        if (s[0] < 0x80) {
                *cp = s[0];
                return 1;
        }
        if ((s[0] & 0xE0) == 0xC0)
                n = 2, c = s[0] & 0x1F, min = 0x80;
        else if ((s[0] & 0xF0) == 0xE0)
                n = 3, c = s[0] & 0x0F, min = 0x800;
        else if ((s[0] & 0xF8) == 0xF0)
                n = 4, c = s[0] & 0x07, min = 0x10000;
        else
                n = 0, c = 0, min = 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xC0) != 0x80) { /* also stops at the NUL */
                        n = 0;
                        break;
                }
                c = (c << 6) | (s[i] & 0x3F);
        }
        if (n == 0 || c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
                *cp = BAD;
                return 1;
        }
        *cp = c;
        return n;
}

/* C0 and C1 controls, DEL, the bidirectional overrides and isolates
 * ("Trojan Source"), invalid bytes. */
static bool unsafe(uint32_t c)
{
        return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) ||
               (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F || c == 0x061C ||
               c == BAD;
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
                size_t n = next_cp(p, &c);

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
