#include "lib/utf8.h"

static bool is_continuation(unsigned char c)
{
        return (c & 0xC0) == 0x80;
}

size_t tw_utf8_decode(const char *s, size_t n, uint32_t *ret_cp)
{
        const unsigned char *p = (const unsigned char *)s;
        uint32_t cp, min;
        size_t len;

        if (n == 0)
                return 0;
        if (p[0] < 0x80) {
                len = 1, cp = p[0], min = 0;
        } else if (p[0] >= 0xC2 && p[0] <= 0xDF) {
                len = 2, cp = p[0] & 0x1F, min = 0x80;
        } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
                len = 3, cp = p[0] & 0x0F, min = 0x800;
        } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
                len = 4, cp = p[0] & 0x07, min = 0x10000;
        } else {
                return 0; /* a continuation byte, C0/C1 (overlong) or F5..FF */
        }
        /* in order, so that a NUL (or the end of n) stops the reading */
        for (size_t i = 1; i < len; i++) {
                if (i >= n || !is_continuation(p[i]))
                        return 0;
                cp = cp << 6 | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
        if (ret_cp)
                *ret_cp = cp;
        return len;
}

size_t tw_utf8_next(const char *s, uint32_t *ret_cp)
{
        size_t n = tw_utf8_decode(s, SIZE_MAX, ret_cp);

        if (n == 0) {
                *ret_cp = TW_UTF8_INVALID;
                return 1;
        }
        return n;
}

bool tw_utf8_valid(const char *s, size_t n)
{
        for (size_t i = 0, len; i < n; i += len) {
                len = tw_utf8_decode(s + i, n - i, NULL);
                if (len == 0)
                        return false;
        }
        return true;
}

bool tw_utf8_is_control(uint32_t cp)
{
        return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

bool tw_utf8_is_bidi(uint32_t cp)
{
        return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
               (cp >= 0x2066 && cp <= 0x2069);
}

size_t tw_utf8_cut(const char *s, size_t len, size_t max)
{
        if (len <= max)
                return len;
        while (max > 0 && is_continuation((unsigned char)s[max]))
                max--;
        return max;
}
