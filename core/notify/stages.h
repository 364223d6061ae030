#ifndef TW_CORE_NOTIFY_STAGES_H
#define TW_CORE_NOTIFY_STAGES_H

/*
 * Staged expiry lead times: `expiry_notify_at = 60d, 30d, 7d, 1d`
 * sends one notification as a token crosses each stage, once each.
 *
 * Stages are kept sorted from the longest lead (index 0, the outermost) to the
 * shortest (the innermost).  A token crosses stage i at end_at - lead[i].
 * The caller keeps, per token, the index of the last stage notified (or
 * TW_STAGE_NONE) together with the end_at it was for, and resets it to
 * TW_STAGE_NONE when end_at changes (a rotated or extended token starts over).
 *
 * Pure, no allocation, no clock: `now` is a parameter.  Thread-safe.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TW_STAGES_MAX 16
#define TW_STAGE_LEAD_MAX ((int64_t)3650 * 86400) /* ten years */
#define TW_STAGE_NONE (-1)

struct tw_stages {
        int64_t lead[TW_STAGES_MAX]; /* seconds before end_at, strictly decreasing */
        size_t n;
};

/* Parses a comma list of durations (tw_duration_parse: "60d", "12h", ...)
 * into *ret, sorted longest first, duplicates merged ("7d, 168h" is one
 * stage).  An empty or blank list is zero stages (staged notices off).
 * -EINVAL with *ret_why (static) for an item that is empty, not a duration,
 * zero, or over TW_STAGE_LEAD_MAX, or for more than TW_STAGES_MAX distinct
 * stages. */
int tw_stages_parse(const char *s, struct tw_stages *ret, const char **ret_why);

/* Whether a stage is newly crossed at now by a token expiring at end_at
 * whose last notified stage is last (TW_STAGE_NONE: none): true with the
 * innermost stage crossed in *ret_stage when it is inner to last.  So each
 * stage notifies at most once, never twice, indices only grow, and a token
 * first seen inside several stages notifies only the innermost.  False for a
 * token that never expires (end_at TW_NO_TIME) or has expired (now >= end_at:
 * the expiry itself is a finding, not a stage), or a NULL stages. */
bool tw_stages_crossed(const struct tw_stages *st, int64_t end_at, int last, int64_t now,
                       int *ret_stage);

#endif
