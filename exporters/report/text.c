/* Text sanitizers for the people-facing report formats: terminal and CSV
 * (Markdown is lib/md.h). */
#include "exporters/report/report_internal.h"

#include <stdint.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/utf8.h"

#define CSV_CELL_MAX ((size_t)1 << 20)
#define ELLIPSIS "\xe2\x80\xa6" /* U+2026 */

/* True for what must never reach a terminal: C0 and C1 controls, DEL, the
 * bidirectional overrides and isolates ("Trojan Source"), invalid bytes. */
static bool unsafe_codepoint(uint32_t c)
{
        return tw_utf8_is_control(c) || tw_utf8_is_bidi(c) || c == TW_UTF8_INVALID;
}

struct range {
        uint32_t first, last;
};

/* Combining marks, joiners and variation selectors: drawn on the previous cell. */
static const struct range zero_width[] = {
        {0x0300, 0x036F}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200D},
        {0x2060, 0x2060}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xE0100, 0xE01EF},
};

/* East Asian wide characters and emoji: two terminal cells. */
static const struct range double_width[] = {
        {0x1100, 0x115F},   {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},
        {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
        {0xFE30, 0xFE4F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
        {0x1F680, 0x1F6FF}, {0x1F900, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x3FFFD},
};

static bool in_ranges(uint32_t c, const struct range *r, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (c >= r[i].first && c <= r[i].last)
                        return true;
        return false;
}

/* The terminal cells codepoint c takes (an unsafe one is shown as '?'). */
static size_t cp_width(uint32_t c)
{
        if (c >= 0x20 && c < 0x7F) /* printable ASCII, most of what the API sends */
                return 1;
        if (unsafe_codepoint(c))
                return 1;
        if (in_ranges(c, zero_width, sizeof(zero_width) / sizeof(zero_width[0])))
                return 0;
        if (in_ranges(c, double_width, sizeof(double_width) / sizeof(double_width[0])))
                return 2;
        return 1;
}

size_t tw_report_text_width(const char *s)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t w = 0;
        uint32_t c;

        while (p && *p) {
                p += tw_utf8_next((const char *)p, &c);
                w += cp_width(c);
        }
        return w;
}

int tw_report_add_terminal(struct tw_buf *out, const char *s, size_t max_width, size_t *ret_width)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t total, keep, w = 0;
        int r = 0;
        uint32_t c;

        /* no cut possible: no need to measure the whole text first */
        total = max_width == SIZE_MAX && !ret_width ? 0 : tw_report_text_width(s);
        keep = max_width == SIZE_MAX && !ret_width ? SIZE_MAX : total;
        if (max_width == 0)
                keep = 0;
        else if (total > max_width)
                keep = max_width - 1;
        while (r >= 0 && p && *p) {
                size_t n, cw;

                /* a run of printable ASCII (most of what the API sends) goes at once */
                for (n = 0; p[n] >= 0x20 && p[n] < 0x7F && w + n < keep; n++)
                        ;
                if (n > 0) {
                        r = tw_buf_add(out, p, n);
                        w += n;
                        p += n;
                        continue;
                }
                n = tw_utf8_next((const char *)p, &c);
                cw = cp_width(c);
                if (w + cw > keep)
                        break;
                w += cw;
                if (unsafe_codepoint(c))
                        r = tw_buf_addc(out, '?');
                else
                        r = tw_buf_add(out, p, n);
                p += n;
        }
        if (r >= 0 && max_width > 0 && total > max_width) {
                r = tw_buf_adds(out, ELLIPSIS);
                w++;
        }
        if (r >= 0 && ret_width)
                *ret_width = w;
        return r;
}

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

        tw_buf_init(&blanks, CSV_CELL_MAX);
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
        tw_buf_init(&tmp, CSV_CELL_MAX);
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
