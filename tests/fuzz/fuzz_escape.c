/* libFuzzer target: the escapers that carry API text (token names,
 * descriptions, user agents: anyone's) into HTML, Markdown and Prometheus
 * label values.  Whatever the input, the output must hold no raw markup and
 * no unescaped quote:
 *  - HTML text (tw_html_text): no < > " ', every & an entity we write, no
 *    control character, no bidirectional override or isolate, valid UTF-8;
 *  - Markdown (tw_md_escape): \ | ` * _ [ ] ~ @ (and - + # starting the
 *    text) only escaped by a backslash, no < >, every & an entity, no CR, LF
 *    or tab, no control character;
 *  - a label value (tw_metrics_escape_label): a backslash only before \, "
 *    or n, no raw " or newline, valid UTF-8;
 *  - a CSV cell (tw_report_add_csv_cell): no control character but the row's
 *    CRLF, no bidirectional character, valid UTF-8, and a cell whose text
 *    starts (after blanks) with = + - @ guarded by an apostrophe. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#include "exporters/metrics/metrics.h"
#include "exporters/report/html_internal.h"
#include "exporters/report/report_internal.h"
#include "lib/buf.h"
#include "lib/md.h"

/* The code point at p (n bytes left) into *cp, its length, or 0 if not UTF-8. */
static size_t utf8(const unsigned char *p, size_t n, uint32_t *cp)
{
        size_t len = p[0] < 0x80                    ? 1
                     : p[0] >= 0xc2 && p[0] <= 0xdf ? 2
                     : p[0] >= 0xe0 && p[0] <= 0xef ? 3
                     : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4
                                                    : 0;

        if (!len || len > n)
                return 0;
        *cp = len == 1 ? p[0] : p[0] & (0x7f >> len);
        for (size_t i = 1; i < len; i++) {
                if ((p[i] & 0xc0) != 0x80)
                        return 0;
                *cp = *cp << 6 | (p[i] & 0x3f);
        }
        if ((len == 3 && *cp < 0x800) || (len == 4 && *cp < 0x10000) || *cp > 0x10ffff ||
            (*cp >= 0xd800 && *cp <= 0xdfff))
                return 0;
        return len;
}

static bool is_control(uint32_t cp)
{
        return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f);
}

static bool is_bidi(uint32_t cp)
{
        return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* Whether p starts one of the entities the escapers write. */
static bool entity_at(const char *p)
{
        static const char *const ok[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};

        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
                if (strncmp(p, ok[i], strlen(ok[i])) == 0)
                        return true;
        return false;
}

static void check_html(const char *s, size_t n)
{
        for (size_t i = 0, len; i < n; i += len) {
                uint32_t cp;

                len = utf8((const unsigned char *)s + i, n - i, &cp);
                if (!len || is_control(cp) || is_bidi(cp) ||
                    (cp < 0x80 && strchr("<>\"'", (int)cp)) || (cp == '&' && !entity_at(s + i)))
                        abort();
        }
}

static void check_markdown(const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c == '\\') {
                        if (i + 1 >= n || !strchr("\\|`*_[]~@-+#", s[i + 1]))
                                abort();
                        i++;
                        continue;
                }
                if (strchr("|`*_[]~@<>", c) || (c == '&' && !entity_at(s + i)) || c < 0x20 ||
                    c == 0x7f)
                        abort();
        }
}

static void check_label(const char *s, size_t n)
{
        for (size_t i = 0, len; i < n; i += len) {
                uint32_t cp;

                if (s[i] == '\\') {
                        if (i + 1 >= n || !strchr("\\\"n", s[i + 1]))
                                abort();
                        len = 2;
                        continue;
                }
                len = utf8((const unsigned char *)s + i, n - i, &cp);
                if (!len || cp == '"' || cp == '\n')
                        abort();
        }
}

static void check_csv(const char *s, size_t n)
{
        size_t i = 0, len;

        if (n < 2 || s[n - 2] != '\r' || s[n - 1] != '\n')
                abort();
        n -= 2;
        i += i < n && s[i] == '"';
        if (i < n && s[i] != '\'') {
                size_t b = i + strspn(s + i, " ");

                if (b < n && strchr("=+-@", s[b]))
                        abort(); /* a formula without its guard */
        }
        for (i = 0; i < n; i += len) {
                uint32_t cp;

                len = utf8((const unsigned char *)s + i, n - i, &cp);
                if (!len || is_control(cp) || is_bidi(cp) || cp == 0x200e || cp == 0x200f ||
                    cp == 0x061c)
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = malloc(size + 1);
        struct tw_buf out, tmp;
        struct tw_html h = {0};

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0'; /* C strings: the text up to a NUL */
        tw_buf_init(&out, (size_t)16 << 20);
        tw_buf_init(&tmp, (size_t)16 << 20);
        h.out = &out;
        h.tmp = tmp;
        tw_html_text(&h, text);
        if (h.r < 0)
                abort();
        check_html(out.ptr ? out.ptr : "", out.len);
        tw_buf_reset(&out);
        if (tw_md_escape(&out, text) < 0)
                abort();
        check_markdown(out.ptr ? out.ptr : "", out.len);
        tw_buf_reset(&out);
        if (tw_metrics_escape_label(&out, text) < 0)
                abort();
        check_label(out.ptr ? out.ptr : "", out.len);
        tw_buf_reset(&out);
        if (tw_report_add_csv_cell(&out, text, true) < 0)
                abort();
        check_csv(out.ptr ? out.ptr : "", out.len);
        tw_buf_done(&out);
        tw_buf_done(&h.tmp);
        free(text);
        return 0;
}
