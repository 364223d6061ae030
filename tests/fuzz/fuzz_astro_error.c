/* API error bodies, quoted into the errors a person reads: the text added
 * is bounded, holds no control character and no broken UTF-8 sequence. */
#include <stdlib.h>

#include "collectors/astro/parse.h"
#include "lib/buf.h"
#include "fuzz.h"

/* Whether s[0..n) is well-formed UTF-8 (RFC 3629). */
static bool valid_utf8(const unsigned char *s, size_t n)
{
        size_t i = 0;

        while (i < n) {
                unsigned char c = s[i];
                size_t len = c < 0x80             ? 1
                             : (c & 0xE0) == 0xC0 ? 2
                             : (c & 0xF0) == 0xE0 ? 3
                             : (c & 0xF8) == 0xF0 ? 4
                                                  : 0;
                uint32_t cp;

                if (len == 0 || i + len > n)
                        return false;
                cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
                for (size_t k = 1; k < len; k++) {
                        if ((s[i + k] & 0xC0) != 0x80)
                                return false;
                        cp = cp << 6 | (s[i + k] & 0x3F);
                }
                if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
                    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
                        return false;
                i += len;
        }
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct tw_buf out;

        tw_buf_init(&out, 4096);
        tw_buf_adds(&out, "HTTP 500: ");
        tw_astro_describe_error((const char *)data, size, &out);
        /* message and requestId, each cut, plus the frame */
        if (out.len > 10 + 300 * 4 + 80 * 4 + 32)
                abort();
        for (size_t i = 0; i < out.len; i++)
                if ((unsigned char)out.ptr[i] < 0x20 || out.ptr[i] == 0x7f)
                        abort();
        if (!valid_utf8((const unsigned char *)out.ptr, out.len))
                abort();
        tw_buf_done(&out);
        return 0;
}
