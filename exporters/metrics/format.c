#include "exporters/metrics/metrics.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "lib/buf.h"
#include "lib/utf8.h"

/* Appends s with backslash and newline escaped, and double quotes when
 * quotes; each byte that is not part of valid UTF-8 becomes U+FFFD, since
 * Prometheus rejects the whole scrape over one invalid byte.  Runs of plain
 * ASCII (nearly every label value) are copied at once. */
static int escape(struct tw_buf *out, const char *s, bool quotes)
{
        const char *run = s;
        int r;

        for (;;) {
                const char *rep = NULL;
                unsigned char c = (unsigned char)*s;
                size_t n;

                if (c >= 0x20 && c < 0x80 && c != '\\' && c != '"') {
                        s++;
                        continue;
                }
                if (!c)
                        break;
                n = c < 0x80 ? 1 : tw_utf8_decode(s, SIZE_MAX, NULL);
                if (n == 0)
                        rep = "\xef\xbf\xbd";
                else if (c == '\\')
                        rep = "\\\\";
                else if (c == '\n')
                        rep = "\\n";
                else if (c == '"' && quotes)
                        rep = "\\\"";
                if (!rep) {
                        s += n;
                        continue;
                }
                r = tw_buf_add(out, run, (size_t)(s - run));
                if (r < 0)
                        return r;
                r = tw_buf_adds(out, rep);
                if (r < 0)
                        return r;
                run = ++s;
        }
        return tw_buf_add(out, run, (size_t)(s - run));
}

int tw_metrics_escape_label(struct tw_buf *out, const char *s)
{
        return escape(out, s ? s : "", true);
}

int tw_metrics_escape_help(struct tw_buf *out, const char *s)
{
        return escape(out, s ? s : "", false);
}

int tw_metrics_format_value(struct tw_buf *out, double v)
{
        if (isnan(v))
                return tw_buf_adds(out, "NaN");
        if (isinf(v))
                return tw_buf_adds(out, v > 0 ? "+Inf" : "-Inf");
        if (v == floor(v) && fabs(v) < 9007199254740992.0)
                return tw_buf_add_i64(out, (int64_t)v);
        return tw_buf_printf(out, "%.17g", v);
}

int tw_metrics_family(struct tw_buf *out, const char *name, const char *type, const char *help)
{
        int r = tw_buf_adds(out, "# HELP ");

        if (r >= 0)
                r = tw_buf_adds(out, name);
        if (r >= 0)
                r = tw_buf_addc(out, ' ');
        if (r >= 0)
                r = tw_metrics_escape_help(out, help);
        if (r >= 0)
                r = tw_buf_adds(out, "\n# TYPE ");
        if (r >= 0)
                r = tw_buf_adds(out, name);
        if (r >= 0)
                r = tw_buf_addc(out, ' ');
        if (r >= 0)
                r = tw_buf_adds(out, type);
        if (r >= 0)
                r = tw_buf_addc(out, '\n');
        return r < 0 ? r : 0;
}

/* Appends one label, its separator first: ,name="value" ({ for the first). */
static int label(struct tw_buf *out, const struct tw_metrics_label *l, bool first)
{
        int r = tw_buf_addc(out, first ? '{' : ',');

        if (r >= 0)
                r = tw_buf_adds(out, l->name);
        if (r >= 0)
                r = tw_buf_add(out, "=\"", 2);
        if (r >= 0)
                r = tw_metrics_escape_label(out, l->value);
        if (r >= 0)
                r = tw_buf_addc(out, '"');
        return r;
}

int tw_metrics_sample(struct tw_buf *out, const char *name, const struct tw_metrics_label *labels,
                      size_t n, double v)
{
        int r = tw_buf_adds(out, name);

        for (size_t i = 0; r >= 0 && i < n; i++)
                r = label(out, &labels[i], i == 0);
        if (r >= 0)
                r = tw_buf_add(out, n ? "} " : " ", n ? 2 : 1);
        if (r >= 0)
                r = tw_metrics_format_value(out, v);
        if (r >= 0)
                r = tw_buf_addc(out, '\n');
        return r < 0 ? r : 0;
}

int tw_gzip(const void *data, size_t len, struct tw_buf *out)
{
        z_stream zs;
        unsigned char chunk[16384];
        size_t start = out->len;
        int zr, r = 0;

        memset(&zs, 0, sizeof(zs));
        /* windowBits 15 + 16: a gzip header and trailer instead of zlib's. */
        zr = deflateInit2(&zs, TW_GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
        if (zr != Z_OK)
                return zr == Z_MEM_ERROR ? -ENOMEM : -EIO;
        zs.next_in = (unsigned char *)(uintptr_t)data;
        do {
                /* uInt is 32 bits: feed at most 1 GiB at a time. */
                size_t feed = len > (1u << 30) ? (1u << 30) : len;
                int flush;

                zs.avail_in = (uInt)feed;
                len -= feed;
                flush = len ? Z_NO_FLUSH : Z_FINISH;
                do {
                        zs.next_out = chunk;
                        zs.avail_out = sizeof(chunk);
                        zr = deflate(&zs, flush);
                        if (zr == Z_STREAM_ERROR) {
                                r = -EIO;
                                goto finish;
                        }
                        r = tw_buf_add(out, chunk, sizeof(chunk) - zs.avail_out);
                        if (r < 0)
                                goto finish;
                } while (zs.avail_out == 0);
        } while (len);
        if (zr != Z_STREAM_END)
                r = -EIO;
finish:
        deflateEnd(&zs);
        if (r < 0) {
                out->len = start;
                if (out->ptr)
                        out->ptr[start] = '\0';
        }
        return r;
}

/* One Accept-Encoding element (e.g. "gzip;q=0.5"): 1 if it names `name`
 * with q > 0, 0 if with q=0, -1 if it names something else. */
static int element_allows(const char *e, size_t n, const char *name)
{
        size_t name_len = 0;
        const char *p;

        while (n && (*e == ' ' || *e == '\t'))
                e++, n--;
        while (name_len < n && e[name_len] != ';' && e[name_len] != ' ' && e[name_len] != '\t')
                name_len++;
        if (name_len != strlen(name) || strncasecmp(e, name, name_len) != 0)
                return -1;
        for (p = e + name_len; p < e + n; p++) {
                if ((*p == 'q' || *p == 'Q') && p + 1 < e + n && p[1] == '=') {
                        bool nonzero = false;

                        for (p += 2; p < e + n && *p != ';'; p++)
                                if (*p >= '1' && *p <= '9')
                                        nonzero = true;
                        return nonzero;
                }
        }
        return 1;
}

/* 1/0 as element_allows for the first element naming name, -1 if none does. */
static int list_allows(const char *s, const char *name)
{
        for (;;) {
                const char *comma = strchr(s, ',');
                size_t n = comma ? (size_t)(comma - s) : strlen(s);
                int r = element_allows(s, n, name);

                if (r >= 0)
                        return r;
                if (!comma)
                        return -1;
                s = comma + 1;
        }
}

bool tw_accepts_gzip(const char *accept_encoding)
{
        int r;

        if (!accept_encoding)
                return false;
        /* An explicit gzip (or x-gzip) decides; otherwise "*" does (RFC 9110 12.5.3). */
        r = list_allows(accept_encoding, "gzip");
        if (r < 0)
                r = list_allows(accept_encoding, "x-gzip");
        if (r < 0)
                r = list_allows(accept_encoding, "*");
        return r > 0;
}
