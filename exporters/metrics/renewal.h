#ifndef TW_EXPORTERS_METRICS_RENEWAL_H
#define TW_EXPORTERS_METRICS_RENEWAL_H

/*
 * The renewal families, in cert-manager's shape, appended to the page:
 *
 *   astro_token_renewal_timestamp_seconds{token_id,organization}
 *       when the token will be renewed (endAt - [rotation] before): tokens
 *       with at least one [deliver.NAME] copy that expire, while [rotation]
 *       enabled = true
 *   tokenwatch_renewals_total{result}     renewals verified (result="success")
 *                                         and attempts that failed ("failure")
 *                                         since the agent started; both always
 *   tokenwatch_renewal_next_attempt_timestamp_seconds{token_id}
 *       the next attempt of a renewal that failed, or whose old token's
 *       deletion is held (it is still used)
 *
 * Pure; thread-safe on data nobody writes.
 */

struct tw_buf;
struct tw_renewal_stats;
struct tw_snapshot;

/* Appends the families for snap (its cfg and inv; either may be NULL: no
 * per-token samples) and st (may be NULL: zeros).  0, -ENOMEM, -E2BIG. */
int tw_metrics_renewal(const struct tw_snapshot *snap, const struct tw_renewal_stats *st,
                       struct tw_buf *out);

#endif
