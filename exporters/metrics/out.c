#include "exporters/metrics/metrics.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lib/buf.h"

int tw_metrics_out_init(struct tw_metrics_out *o, size_t max)
{
        z_stream *zs;
        int zr;

        memset(o, 0, sizeof(*o));
        o->max = max ? max : TW_METRICS_PAGE_MAX;
        tw_buf_init(&o->text, o->max);
        tw_buf_init(&o->gz, o->max);
        zs = calloc(1, sizeof(*zs));
        if (!zs)
                return o->err = -ENOMEM;
        /* windowBits 15 + 16: a gzip header and trailer instead of zlib's. */
        zr = deflateInit2(zs, TW_GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
        if (zr != Z_OK) {
                free(zs);
                return o->err = zr == Z_MEM_ERROR ? -ENOMEM : -EIO;
        }
        o->zs = zs;
        return 0;
}

/* Runs deflate with flush until it wants more input (or, with Z_FINISH,
 * until the member ends), appending its output to o->gz. */
static int deflate_all(struct tw_metrics_out *o, int flush)
{
        unsigned char chunk[16384];
        z_stream *zs = o->zs;
        int zr, r;

        do {
                zs->next_out = chunk;
                zs->avail_out = sizeof(chunk);
                zr = deflate(zs, flush);
                if (zr == Z_STREAM_ERROR)
                        return -EIO;
                r = tw_buf_add(&o->gz, chunk, sizeof(chunk) - zs->avail_out);
                if (r < 0)
                        return r;
        } while (zs->avail_out == 0);
        if (flush == Z_FINISH && zr != Z_STREAM_END)
                return -EIO;
        return 0;
}

int tw_metrics_out_flush(struct tw_metrics_out *o)
{
        const unsigned char *p = (const unsigned char *)o->text.ptr;
        size_t left = o->text.len;
        int r = 0;

        if (o->err || !left)
                return o->err;
        if (left > o->max - o->plain_len) {
                r = -E2BIG;
                goto out;
        }
        while (left && r == 0) {
                /* uInt is 32 bits: feed at most 1 GiB at a time. */
                size_t feed = left > (1u << 30) ? (1u << 30) : left;

                o->zs->next_in = (unsigned char *)(uintptr_t)p;
                o->zs->avail_in = (uInt)feed;
                r = deflate_all(o, Z_NO_FLUSH);
                p += feed;
                left -= feed;
        }
        o->plain_len += o->text.len;
        tw_buf_reset(&o->text);
out:
        o->err = r;
        return r;
}

int tw_metrics_out_finish(struct tw_metrics_out *o)
{
        int r = tw_metrics_out_flush(o);

        if (r < 0)
                return r;
        o->zs->next_in = NULL;
        o->zs->avail_in = 0;
        o->err = deflate_all(o, Z_FINISH);
        return o->err;
}

void tw_metrics_out_done(struct tw_metrics_out *o)
{
        if (!o)
                return;
        if (o->zs) {
                deflateEnd(o->zs);
                free(o->zs);
                o->zs = NULL;
        }
        tw_buf_done(&o->text);
        tw_buf_done(&o->gz);
}
