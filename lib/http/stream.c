#include "lib/http/stream.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lib/http/curl_easy_internal.h"

#define ERROR_BODY_MAX ((size_t)4096)
#define OUT_CHUNK ((size_t)64 * 1024)
#define CANCEL_POLL_MS 100

struct tw_http_stream {
        struct tw_curl_xfer x; /* x.body keeps the start of an error body */
        struct curl_slist *headers;
        uint64_t max_bytes;

        /* The GET in progress. */
        tw_http_stream_fn fn;
        void *ctx;
        int error; /* set when the body path refused data */
        bool status_known, ok, decided, raw_gzip, z_ready, z_ended;
        unsigned char head[2];
        size_t head_len;
        uint64_t inflated;
        z_stream z;
        unsigned char out[OUT_CHUNK];
};

/* Hands n inflated bytes to the caller, within max_bytes. */
static int deliver(struct tw_http_stream *s, const void *data, size_t n)
{
        int r;

        if (n == 0)
                return 0;
        s->inflated += n;
        if (s->max_bytes && s->inflated > s->max_bytes)
                return -E2BIG;
        r = s->fn(s->ctx, data, n);
        return r < 0 ? r : r > 0 ? -ECANCELED : 0;
}

/* Inflates a raw gzip body (one or more members) into deliver(). */
static int inflate_into(struct tw_http_stream *s, const unsigned char *data, size_t n)
{
        if (n > 0 && s->z_ended) {
                if (inflateReset(&s->z) != Z_OK)
                        return -EBADMSG;
                s->z_ended = false;
        }
        s->z.next_in = (unsigned char *)data;
        s->z.avail_in = (uInt)n;
        while (s->z.avail_in > 0) {
                size_t produced;
                int zr, r;

                s->z.next_out = s->out;
                s->z.avail_out = (uInt)sizeof(s->out);
                zr = inflate(&s->z, Z_NO_FLUSH);
                produced = sizeof(s->out) - s->z.avail_out;
                if (zr != Z_OK && zr != Z_STREAM_END && !(zr == Z_BUF_ERROR && produced))
                        return zr == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
                r = deliver(s, s->out, produced);
                if (r < 0)
                        return r;
                if (zr == Z_STREAM_END) {
                        s->z_ended = true;
                        if (s->z.avail_in > 0) { /* another member follows */
                                if (inflateReset(&s->z) != Z_OK)
                                        return -EBADMSG;
                                s->z_ended = false;
                        }
                }
        }
        return 0;
}

static int pass(struct tw_http_stream *s, const unsigned char *data, size_t n)
{
        return s->raw_gzip ? inflate_into(s, data, n) : deliver(s, data, n);
}

/* Looks at the first two bytes: the gzip magic means a raw gzip body. */
static int consume(struct tw_http_stream *s, const unsigned char *data, size_t n)
{
        int r;

        if (!s->decided) {
                while (s->head_len < 2 && n > 0) {
                        s->head[s->head_len++] = *data++;
                        n--;
                }
                if (s->head_len < 2)
                        return 0;
                s->decided = true;
                s->raw_gzip = s->head[0] == 0x1f && s->head[1] == 0x8b;
                if (s->raw_gzip) {
                        if (inflateInit2(&s->z, 15 + 16) != Z_OK)
                                return -ENOMEM;
                        s->z_ready = true;
                }
                r = pass(s, s->head, 2);
                if (r < 0)
                        return r;
        }
        return pass(s, data, n);
}

/* CURLOPT_WRITEFUNCTION: a 2xx body streams to the caller; any other
 * keeps its first ERROR_BODY_MAX bytes.  Returning less than given makes
 * curl abort with CURLE_WRITE_ERROR. */
static size_t write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
        struct tw_http_stream *s = userdata;
        size_t n = size * nmemb, room;
        long status = 0;

        if (!s->status_known) {
                curl_easy_getinfo(s->x.easy, CURLINFO_RESPONSE_CODE, &status);
                s->ok = status >= 200 && status <= 299;
                s->status_known = true;
        }
        if (!s->ok) {
                room = s->x.body.max - s->x.body.len;
                if (room > 0 && tw_buf_add(&s->x.body, data, n < room ? n : room) < 0)
                        return 0;
                return n;
        }
        s->error = consume(s, (const unsigned char *)data, n);
        return s->error < 0 ? 0 : n;
}

int tw_http_stream_new(const struct tw_http_stream_options *o, struct tw_http_stream **ret)
{
        struct tw_http_options ho = {
                .bearer = o->bearer,
                .user_agent = o->user_agent,
                .timeout_ms = o->timeout_ms,
                .max_body = ERROR_BODY_MAX,
        };
        struct tw_http_stream *s = calloc(1, sizeof(*s));
        CURLcode c = CURLE_OK;
        int r;

        if (!s)
                return -ENOMEM;
        s->headers = tw_curl_headers_new(&ho);
        if (!s->headers) {
                free(s);
                return -ENOMEM;
        }
        r = tw_curl_xfer_init(&s->x, &ho, s->headers);
        if (r < 0) {
                tw_curl_headers_free(s->headers);
                free(s);
                return r;
        }
        s->x.cancel = o->cancel;
        s->max_bytes = o->max_bytes;
#define SETOPT(opt, val)                                           \
        do {                                                       \
                if (c == CURLE_OK)                                 \
                        c = curl_easy_setopt(s->x.easy, opt, val); \
        } while (0)
        /* gzip only: the body is inflated while it arrives either way. */
        SETOPT(CURLOPT_ACCEPT_ENCODING, "gzip");
        SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)0);
        SETOPT(CURLOPT_WRITEFUNCTION, write_cb);
        SETOPT(CURLOPT_WRITEDATA, s);
#undef SETOPT
        r = c == CURLE_OK              ? tw_curl_xfer_set_cancellable(&s->x)
            : c == CURLE_OUT_OF_MEMORY ? -ENOMEM
                                       : -EINVAL;
        if (r < 0) {
                tw_http_stream_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

void tw_http_stream_free(struct tw_http_stream *s)
{
        if (!s)
                return;
        tw_curl_xfer_done(&s->x);
        tw_curl_headers_free(s->headers);
        if (s->z_ready)
                inflateEnd(&s->z);
        free(s);
}

/* Readies the per-GET state. */
static void reset_get(struct tw_http_stream *s, tw_http_stream_fn fn, void *ctx)
{
        if (s->z_ready)
                inflateEnd(&s->z);
        s->z_ready = s->z_ended = s->decided = s->raw_gzip = false;
        s->status_known = s->ok = false;
        s->head_len = 0;
        s->inflated = 0;
        s->error = 0;
        s->fn = fn;
        s->ctx = ctx;
}

/* After a complete 2xx body: a lone first byte, or a gzip body cut short. */
static int finish_body(struct tw_http_stream *s)
{
        if (!s->decided && s->head_len == 1)
                return deliver(s, s->head, 1);
        if (s->raw_gzip && !s->z_ended)
                return -EBADMSG;
        return 0;
}

/* curl_easy_perform(), but on a multi handle polled every CANCEL_POLL_MS:
 * libcurl calls the progress callback only about once a second while a
 * response is slow to come, and cancel must act within ~100 ms. */
static CURLcode perform(struct tw_http_stream *s)
{
        CURLM *m = curl_multi_init();
        CURLcode result = CURLE_OUT_OF_MEMORY;
        CURLMsg *msg;
        int running = 1, left;

        if (!m)
                return CURLE_OUT_OF_MEMORY;
        if (curl_multi_add_handle(m, s->x.easy) != CURLM_OK) {
                curl_multi_cleanup(m);
                return CURLE_FAILED_INIT;
        }
        result = CURLE_RECV_ERROR; /* unless the transfer reports its own end */
        for (;;) {
                if (curl_multi_perform(m, &running) != CURLM_OK) {
                        result = CURLE_RECV_ERROR;
                        break;
                }
                if (!running) {
                        while ((msg = curl_multi_info_read(m, &left)))
                                if (msg->msg == CURLMSG_DONE)
                                        result = msg->data.result;
                        break;
                }
                if (s->x.cancel && *s->x.cancel) {
                        result = CURLE_ABORTED_BY_CALLBACK;
                        break;
                }
                if (curl_multi_poll(m, NULL, 0, CANCEL_POLL_MS, NULL) != CURLM_OK) {
                        result = CURLE_RECV_ERROR;
                        break;
                }
        }
        curl_multi_remove_handle(m, s->x.easy);
        curl_multi_cleanup(m);
        return result;
}

int tw_http_stream_get(struct tw_http_stream *s, const char *url, tw_http_stream_fn fn, void *ctx,
                       struct tw_http_result *ret, uint64_t *ret_inflated)
{
        CURLcode cr;
        int r;

        memset(ret, 0, sizeof(*ret));
        ret->attempts = 1;
        ret->body = "";
        ret->verdict = TW_HTTP_FAIL;
        reset_get(s, fn, ctx);
        r = tw_curl_xfer_prepare(&s->x, url);
        if (r < 0) {
                ret->error = r;
                ret->error_text = r == -EINVAL ? "invalid URL" : "out of memory";
                goto out;
        }
        cr = perform(s);
        tw_curl_result(&s->x, cr, ret);
        if (cr == CURLE_OK && s->ok && s->error == 0)
                s->error = finish_body(s);
        if (s->error < 0) {
                ret->error = s->error;
                ret->verdict = TW_HTTP_FAIL;
                ret->error_text = s->error == -EBADMSG  ? "the gzip body does not inflate"
                                  : s->error == -E2BIG  ? "response body over the size limit"
                                  : s->error == -ENOMEM ? "out of memory"
                                                        : "stopped by the body's reader";
        }
out:
        if (ret_inflated)
                *ret_inflated = s->inflated;
        return ret->error;
}
