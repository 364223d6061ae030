#ifndef TW_EXPORTERS_TRAIL_HISTORY_H
#define TW_EXPORTERS_TRAIL_HISTORY_H

/*
 * The token changes of the last TW_REPORT_HISTORY_DAYS, read from the audit
 * trail in state_dir (audit.jsonl and its rotated files, the files
 * `tokenwatch audit` reads), for the report's and the live status page's
 * "Changes in the last 30 days".  Read-only; a malformed line is skipped
 * and counted.  Logs a warning when the trail cannot be read.
 */

#include <stddef.h>
#include <stdint.h>

#include "core/snapshot.h"

struct tw_config;
struct tw_event;

struct tw_trail_history {
        struct tw_event_history view; /* what a snapshot points at */
        struct tw_event *events;
        size_t n, cap, malformed, dropped;
        int64_t since, now;
};

/* Fills *h (zeroed by the caller) with the changes observed in
 * [now - 30 days, now].  1: read; 0: no trail yet; a negative errno: it
 * could not be read (logged).  Free with tw_trail_history_done() in every
 * case. */
int tw_trail_history_load(const struct tw_config *cfg, int64_t now, struct tw_trail_history *h);
void tw_trail_history_done(struct tw_trail_history *h);

#endif
