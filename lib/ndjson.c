#include "lib/ndjson.h"

#include <string.h>

void tw_ndjson_init(struct tw_ndjson *s, size_t max_line)
{
        memset(s, 0, sizeof(*s));
        s->max_line = max_line ? max_line : TW_NDJSON_MAX_LINE;
        tw_buf_init(&s->partial, s->max_line + 1); /* + a '\r' */
}

void tw_ndjson_done(struct tw_ndjson *s)
{
        if (s)
                tw_buf_done(&s->partial);
}

/* Delivers one complete line (trailing '\r' dropped, empty ones ignored). */
static int deliver(struct tw_ndjson *s, const char *line, size_t len, tw_ndjson_line_fn fn,
                   void *ctx)
{
        if (len > 0 && line[len - 1] == '\r')
                len--;
        if (len == 0)
                return 0;
        if (len > s->max_line) {
                s->too_long++;
                return 0;
        }
        s->lines++;
        return fn(ctx, line, len);
}

/* Keeps the start of a line cut by the chunk's end, or starts skipping. */
static int keep_partial(struct tw_ndjson *s, const char *p, size_t n)
{
        if (s->skipping)
                return 0;
        if (s->partial.len + n > s->max_line + 1) { /* +1: a '\r' may still go */
                tw_buf_reset(&s->partial);
                s->skipping = true;
                return 0;
        }
        return tw_buf_add(&s->partial, p, n);
}

int tw_ndjson_feed(struct tw_ndjson *s, const char *data, size_t len, tw_ndjson_line_fn fn,
                   void *ctx)
{
        const char *p = data, *end = data + len;
        int r;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));

                if (!nl)
                        return keep_partial(s, p, (size_t)(end - p));
                if (s->skipping) {
                        s->skipping = false;
                        s->too_long++;
                        r = 0;
                } else if (s->partial.len > 0) {
                        r = keep_partial(s, p, (size_t)(nl - p));
                        if (r == 0 && s->skipping) {
                                s->skipping = false;
                                s->too_long++;
                        } else if (r == 0) {
                                r = deliver(s, s->partial.ptr, s->partial.len, fn, ctx);
                        }
                        tw_buf_reset(&s->partial);
                } else {
                        r = deliver(s, p, (size_t)(nl - p), fn, ctx);
                }
                if (r != 0)
                        return r;
                p = nl + 1;
        }
        return 0;
}

int tw_ndjson_finish(struct tw_ndjson *s, tw_ndjson_line_fn fn, void *ctx)
{
        int r = 0;

        if (s->skipping)
                s->too_long++;
        else if (s->partial.len > 0)
                r = deliver(s, s->partial.ptr, s->partial.len, fn, ctx);
        s->skipping = false;
        tw_buf_reset(&s->partial);
        return r;
}

bool tw_ndjson_pending(const struct tw_ndjson *s)
{
        return s->skipping || s->partial.len > 0;
}
