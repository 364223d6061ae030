#include "lib/buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tw_buf_init(struct tw_buf *b, size_t max)
{
        b->ptr = NULL;
        b->len = 0;
        b->alloc = 0;
        b->max = max ? max : TW_BUF_MAX_DEFAULT;
}

void tw_buf_done(struct tw_buf *b)
{
        free(b->ptr);
        b->ptr = NULL;
        b->len = 0;
        b->alloc = 0;
}

void tw_buf_reset(struct tw_buf *b)
{
        b->len = 0;
        if (b->ptr)
                b->ptr[0] = '\0';
}

static int reserve(struct tw_buf *b, size_t extra)
{
        size_t need, n;
        char *p;

        if (extra > b->max || b->len > b->max - extra)
                return -E2BIG;
        need = b->len + extra + 1;
        if (need <= b->alloc)
                return 0;
        n = b->alloc ? b->alloc : 64;
        while (n < need)
                n *= 2;
        if (n > b->max + 1)
                n = b->max + 1;
        p = realloc(b->ptr, n);
        if (!p)
                return -ENOMEM;
        b->ptr = p;
        b->alloc = n;
        return 0;
}

int tw_buf_add(struct tw_buf *b, const void *data, size_t len)
{
        int r = reserve(b, len);

        if (r < 0)
                return r;
        if (len)
                memcpy(b->ptr + b->len, data, len);
        b->len += len;
        b->ptr[b->len] = '\0';
        return 0;
}

int tw_buf_adds(struct tw_buf *b, const char *s)
{
        return tw_buf_add(b, s, strlen(s));
}

int tw_buf_addc(struct tw_buf *b, char c)
{
        return tw_buf_add(b, &c, 1);
}

int tw_buf_add_u64(struct tw_buf *b, uint64_t v)
{
        char d[20];
        size_t n = 0;

        do
                d[sizeof(d) - ++n] = (char)('0' + v % 10);
        while ((v /= 10) != 0);
        return tw_buf_add(b, d + sizeof(d) - n, n);
}

int tw_buf_add_i64(struct tw_buf *b, int64_t v)
{
        char d[20];
        size_t n = 0;
        /* the magnitude as unsigned: -INT64_MIN does not fit an int64_t */
        uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

        do
                d[sizeof(d) - ++n] = (char)('0' + u % 10);
        while ((u /= 10) != 0);
        if (v < 0)
                d[sizeof(d) - ++n] = '-';
        return tw_buf_add(b, d + sizeof(d) - n, n);
}

int tw_buf_vprintf(struct tw_buf *b, const char *fmt, va_list ap)
{
        va_list aq;
        int n, r;

        va_copy(aq, ap);
        n = vsnprintf(NULL, 0, fmt, aq);
        va_end(aq);
        if (n < 0)
                return -EINVAL;
        r = reserve(b, (size_t)n);
        if (r < 0)
                return r;
        vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
        b->len += (size_t)n;
        return 0;
}

int tw_buf_printf(struct tw_buf *b, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = tw_buf_vprintf(b, fmt, ap);
        va_end(ap);
        return r;
}

int tw_array_reserve(void **arr, size_t n, size_t *cap, size_t elem_size)
{
        size_t ncap;
        void *p;

        if (n < *cap)
                return 0;
        ncap = *cap ? *cap * 2 : 16;
        if (ncap < *cap || ncap > SIZE_MAX / elem_size)
                return -ENOMEM;
        p = realloc(*arr, ncap * elem_size);
        if (!p)
                return -ENOMEM;
        *arr = p;
        *cap = ncap;
        return 0;
}

char *tw_buf_steal(struct tw_buf *b)
{
        char *p = b->ptr;

        if (!p) {
                p = strdup("");
                return p;
        }
        /* the doubling left up to half the block unused: kept strings
         * (finding messages, thousands of them) should not carry that */
        if (b->alloc > b->len + 1) {
                char *q = realloc(p, b->len + 1);

                if (q)
                        p = q;
        }
        b->ptr = NULL;
        b->len = 0;
        b->alloc = 0;
        return p;
}
