#ifndef TW_EXPORTERS_METRICS_USAGE_H
#define TW_EXPORTERS_METRICS_USAGE_H

/*
 * The metrics of the Astro audit logs, appended to the
 * page after the inventory's families:
 *
 *   astro_token_last_seen_timestamp_seconds{token_id}   last call made with the token
 *   astro_token_usage_calls{token_id}                    calls seen in the audit logs
 *   astro_token_usage_sources{token_id,kind}            distinct source IPs (kind="ip")
 *                                                        and user agents (kind="user_agent")
 *                                                        kept, at most the index's cap (16)
 *   astro_token_usage_source_info{token_id,kind,source} 1, only with [audit_logs] metrics_sources
 *   tokenwatch_audit_log_enabled                         1 while the audit logs are read
 *   tokenwatch_audit_log_interval_seconds                [audit_logs] interval (for the stale
 * alert) tokenwatch_audit_log_last_success_timestamp_seconds  absent before the first success
 *   tokenwatch_audit_log_entries_total                   entries taken since the agent started
 *   tokenwatch_audit_log_skipped_total{reason}           lines skipped, every reason, 0 included
 *   tokenwatch_audit_log_fetch_failures_total            failed fetches since the agent started
 *
 * Per-token families cover the tokens of the inventory (snap->inv) that
 * have usage in snap->usage: a deleted token's series go with it.  Label
 * values are escaped and made valid UTF-8.  Pure; thread-safe.
 */

#include <stdbool.h>
#include <stdint.h>

#include "core/usage/auditlog_entry.h"

struct tw_buf;
struct tw_snapshot;

/* What the audit-log reader did, for the self-metrics. */
struct tw_auditlog_status {
        bool enabled;         /* configured on and not switched off by a 403 */
        int64_t last_success; /* Unix seconds, TW_NO_TIME: never */
        uint64_t entries;     /* entries taken, since the agent started */
        uint64_t skipped[_TW_AUDIT_SKIP_MAX];
        uint64_t failures; /* fetches that failed */
};

/* Appends the families above (the source info family when
 * snap->cfg->auditlog.metrics_sources).  st NULL: the self-metrics say
 * disabled.  0, -ENOMEM or -E2BIG. */
int tw_usage_metrics(const struct tw_snapshot *snap, const struct tw_auditlog_status *st,
                     struct tw_buf *out);

#endif
