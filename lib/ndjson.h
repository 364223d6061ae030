#ifndef TW_LIB_NDJSON_H
#define TW_LIB_NDJSON_H

/*
 * A splitter of newline-delimited JSON (or any lines) arriving in chunks cut
 * anywhere: Astro's audit-log stream and tokenwatch's own JSONL files.
 * Lines are of at most max_line bytes; a longer line is skipped whole and
 * counted, never fatal.
 *
 *   struct tw_ndjson s;
 *   tw_ndjson_init(&s, max_line);
 *   while (more data) tw_ndjson_feed(&s, data, len, on_line, ctx);
 *   tw_ndjson_finish(&s, on_line, ctx);   // or tw_ndjson_pending(): a cut line
 *   tw_ndjson_done(&s);
 *
 * No I/O.  A splitter is used by one thread at a time.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define TW_NDJSON_MAX_LINE ((size_t)1 << 20) /* 1 MiB */

/* Called once per complete line, without its '\n' (a trailing '\r' is
 * removed too); line is NOT NUL-terminated and valid during the call only.
 * Empty lines are not delivered.  A non-zero return stops the feed and is
 * returned by tw_ndjson_feed()/tw_ndjson_finish(). */
typedef int (*tw_ndjson_line_fn)(void *ctx, const char *line, size_t len);

struct tw_ndjson {
        struct tw_buf partial; /* the start of a line cut by a chunk boundary */
        size_t max_line;
        bool skipping;     /* inside a line already over max_line */
        uint64_t lines;    /* lines delivered */
        uint64_t too_long; /* lines skipped for length */
};

/* max_line 0: TW_NDJSON_MAX_LINE. */
void tw_ndjson_init(struct tw_ndjson *s, size_t max_line);
void tw_ndjson_done(struct tw_ndjson *s);
/* Splits len bytes of data (any cut) into lines.  0, the callback's value,
 * or -ENOMEM.  A line held whole in data is passed without a copy. */
int tw_ndjson_feed(struct tw_ndjson *s, const char *data, size_t len, tw_ndjson_line_fn fn,
                   void *ctx);
/* Delivers a last line that had no '\n' (a complete body may end without
 * one).  Same returns as tw_ndjson_feed(). */
int tw_ndjson_finish(struct tw_ndjson *s, tw_ndjson_line_fn fn, void *ctx);

/* Whether a line without its '\n' is pending (kept or being skipped): at
 * the end of a file, a write cut short. */
bool tw_ndjson_pending(const struct tw_ndjson *s);

#endif
