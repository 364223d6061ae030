#ifndef TW_LIB_JSONL_H
#define TW_LIB_JSONL_H

/*
 * An append-only log of JSON lines with size-capped rotation, for the audit
 * trail: `path` is the live file, `path.1` the previous one, up to
 * `path.<keep - 1>`; older files are deleted.
 *
 * Appends are durable when they return (write, then fsync); a batch is never
 * split across two files.  Files are created 0600 and never followed through
 * a symlink.  Library code: no logging, negative errnos.  Not thread-safe for
 * one path: a single writer appends.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tw_jsonl_rotation {
        uint64_t max_bytes; /* rotate before an append would pass this (0: never) */
        unsigned keep;      /* files kept, the live one included (>= 1) */
};

/* Appends data (whole lines, each ending in '\n') to path, rotating first
 * when the live file is not empty and would grow past max_bytes.  A last
 * line that a crash cut short is ended first, so it cannot swallow the
 * batch (readers then see it as one malformed line).  0 or -errno. */
int tw_jsonl_append(const char *path, const void *data, size_t len,
                    const struct tw_jsonl_rotation *rot);

/* Called for each line (without its '\n', NUL-terminated).  A non-zero
 * return stops the walk and is returned by tw_jsonl_read(). */
typedef int (*tw_jsonl_line_fn)(const char *line, size_t len, void *ctx);

/*
 * Reads every line of every kept file, oldest first (path.<keep - 1> ...
 * path.1, path).  Missing files are skipped.  A line longer than max_line
 * bytes is skipped and counted in *ret_skipped (may be NULL); so is a final
 * line without '\n' (a write cut short by a crash).  0, the callback's value,
 * or -errno.
 */
int tw_jsonl_read(const char *path, unsigned keep, size_t max_line, tw_jsonl_line_fn fn, void *ctx,
                  size_t *ret_skipped);

#endif
