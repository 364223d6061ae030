#ifndef TW_LIB_BUF_H
#define TW_LIB_BUF_H

/*
 * A growable byte buffer with a hard maximum (after curl's dynbuf).
 *
 * The content is always NUL-terminated, so ->ptr can be used as a C string
 * when no NUL bytes were appended.  Appending past ->max fails with -E2BIG
 * and leaves the buffer unchanged: nothing is silently truncated.
 * A buffer is owned by one thread at a time.
 */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct tw_buf {
        char *ptr;    /* NULL until the first append */
        size_t len;   /* bytes used, excluding the terminating NUL */
        size_t alloc; /* bytes allocated */
        size_t max;   /* most bytes len may reach */
};

#define TW_BUF_MAX_DEFAULT ((size_t)64 << 20)

void tw_buf_init(struct tw_buf *b, size_t max);
/* Frees the content; the buffer may be reused after tw_buf_init(). */
void tw_buf_done(struct tw_buf *b);
void tw_buf_reset(struct tw_buf *b);

int tw_buf_add(struct tw_buf *b, const void *data, size_t len);
int tw_buf_adds(struct tw_buf *b, const char *s);
int tw_buf_addc(struct tw_buf *b, char c);
/* Appends v in decimal, as printf's %llu and %lld would, without printf:
 * pages of tens of thousands of numbers measure the difference.
 * 0, -ENOMEM or -E2BIG. */
int tw_buf_add_u64(struct tw_buf *b, uint64_t v);
int tw_buf_add_i64(struct tw_buf *b, int64_t v);
int tw_buf_printf(struct tw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int tw_buf_vprintf(struct tw_buf *b, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));

/* Makes room for one more element of elem_size bytes in the array *arr of n
 * elements and capacity *cap (doubling, from 16).  0 or -ENOMEM (the array
 * is then unchanged). */
int tw_array_reserve(void **arr, size_t n, size_t *cap, size_t elem_size);

/* Hands the content to the caller (who frees it) and empties the buffer.
 * Returns an allocated "" for an empty buffer, NULL only on -ENOMEM. */
char *tw_buf_steal(struct tw_buf *b);

#endif
