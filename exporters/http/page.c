#include "exporters/http/page_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <microhttpd.h>
#include <zlib.h>

/* A plain response in progress: its own inflate state over the page. */
struct plain_reader {
        struct tw_http_page *page; /* one reference */
        z_stream zs;
        bool started, ended;
        uint64_t pos; /* plain bytes produced */
};

#define PLAIN_BLOCK_SIZE ((size_t)64 << 10)

void tw_http_page_unref(void *cls)
{
        struct tw_http_page *p = cls;

        if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
                return;
        free(p->gz);
        free(p);
}

/* MHD content reader for a plain response: the next block of the inflated page. */
static ssize_t read_plain(void *cls, uint64_t pos, char *buf, size_t max)
{
        struct plain_reader *rd = cls;
        z_stream *zs = &rd->zs;
        size_t n;
        int zr;

        if (pos != rd->pos)
                return MHD_CONTENT_READER_END_WITH_ERROR;
        if (rd->ended)
                return MHD_CONTENT_READER_END_OF_STREAM;
        if (!rd->started) {
                if (inflateInit2(zs, 15 + 16) != Z_OK)
                        return MHD_CONTENT_READER_END_WITH_ERROR;
                rd->started = true;
                zs->next_in = (unsigned char *)rd->page->gz;
                zs->avail_in = (uInt)rd->page->gz_len;
        }
        zs->next_out = (unsigned char *)buf;
        zs->avail_out = (uInt)(max > PLAIN_BLOCK_SIZE ? PLAIN_BLOCK_SIZE : max);
        n = zs->avail_out;
        zr = inflate(zs, Z_NO_FLUSH);
        n -= zs->avail_out;
        if (zr == Z_STREAM_END)
                rd->ended = true;
        else if (zr != Z_OK)
                return MHD_CONTENT_READER_END_WITH_ERROR;
        if (!n)
                return rd->ended ? MHD_CONTENT_READER_END_OF_STREAM
                                 : MHD_CONTENT_READER_END_WITH_ERROR;
        rd->pos += n;
        return (ssize_t)n;
}

static void free_plain_reader(void *cls)
{
        struct plain_reader *rd = cls;

        if (!rd)
                return;
        if (rd->started)
                inflateEnd(&rd->zs);
        tw_http_page_unref(rd->page);
        free(rd);
}

/* A response for p (whose reference it takes on every path): the gzip bytes
 * as they are, or the plain text inflated block by block. */
struct MHD_Response *tw_http_page_response(struct tw_http_page *p, bool gz)
{
        struct plain_reader *rd;
        struct MHD_Response *resp;

        if (gz) {
                resp = MHD_create_response_from_buffer_with_free_callback_cls(
                        p->gz_len, p->gz, tw_http_page_unref, p);
                if (!resp)
                        tw_http_page_unref(p);
                return resp;
        }
        rd = calloc(1, sizeof(*rd));
        if (!rd) {
                tw_http_page_unref(p);
                return NULL;
        }
        rd->page = p;
        resp = MHD_create_response_from_callback(p->plain_len, PLAIN_BLOCK_SIZE, read_plain, rd,
                                                 free_plain_reader);
        if (!resp)
                free_plain_reader(rd);
        return resp;
}
