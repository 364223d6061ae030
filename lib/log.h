#ifndef TW_LIB_LOG_H
#define TW_LIB_LOG_H

/*
 * Structured logging to stderr, as logfmt or JSON lines.
 *
 *   tw_log(TW_LOG_WARN, "listing failed", "listing", name, "error", msg, NULL);
 *
 * Fields are NULL-terminated pairs of strings (key, value); a NULL value is
 * skipped.  Only the layer that decides what to do logs: library-like modules
 * return errors instead.  Never pass a secret.  Thread-safe: each line is
 * written with one write(2).
 */

#include <stdbool.h>
#include <stdint.h>

enum tw_log_level { TW_LOG_ERROR, TW_LOG_WARN, TW_LOG_INFO, TW_LOG_DEBUG };
enum tw_log_format { TW_LOG_LOGFMT, TW_LOG_JSON };

void tw_log_setup(enum tw_log_level level, enum tw_log_format format);
bool tw_log_enabled(enum tw_log_level level);
void tw_log(enum tw_log_level level, const char *msg, ...) __attribute__((sentinel));

/* Logs each line of a multi-line text (config errors) as one line with the
 * text in the "error" field. */
void tw_log_lines(enum tw_log_level level, const char *msg, const char *text);
/* The same with the text in field (config warnings: "warning"). */
void tw_log_lines_as(enum tw_log_level level, const char *msg, const char *field, const char *text);

/*
 * Rate-limited complaints for repeated failures (after collectd's c_complain):
 * the first failure logs, repeats log at most once per interval (doubling up
 * to an hour), and the first success after failures logs one "recovered" line.
 */
struct tw_complain {
        int64_t next;     /* earliest time to log again, 0: not failing */
        int64_t interval; /* current interval in seconds */
        unsigned repeats; /* failures not logged since the last line */
};

/* True when this failure should be logged now; counts it otherwise. */
bool tw_complain_failure(struct tw_complain *c, int64_t now);
/* True once when the condition clears (log "recovered"); resets. */
bool tw_complain_success(struct tw_complain *c);

#endif
