#ifndef TW_EXPORTERS_METRICS_COPIES_H
#define TW_EXPORTERS_METRICS_COPIES_H

/*
 * The metrics of the copies of tokens' values ([deliver.NAME]), appended to
 * the page after the inventory's families:
 *
 *   astro_token_copy_updated_timestamp_seconds{token_id,deliver,organization}
 *       when the store last changed the copy (stores that tell: GitHub,
 *       Vault, Kubernetes, files)
 *   astro_token_copy_stale{token_id,deliver,organization}
 *       1 when the copy does not hold the token's current value (stale or
 *       missing), 0 when it does; absent when it cannot be told
 *   tokenwatch_copy_check_success{deliver}
 *       1 when the last check read the store and found the copy's token,
 *       0 otherwise (the log and the report say why); absent before the
 *       first check and for copies that cannot be checked (exec)
 *   tokenwatch_copy_last_check_timestamp_seconds{deliver}
 *   tokenwatch_copy_check_failures_total{deliver}  checks that failed since start
 *
 * The astro_ families come from the evaluation's verdicts (snap->ev), the
 * tokenwatch_ ones from the copies' states (snap->copies).  No value and no
 * store credential is ever a label or a sample.  Pure; thread-safe.
 */

struct tw_buf;
struct tw_snapshot;

/* Appends the families above.  0, -ENOMEM or -E2BIG. */
int tw_copies_metrics(const struct tw_snapshot *snap, struct tw_buf *out);

#endif
