#ifndef TW_CORE_ROTATION_ROTATION_H
#define TW_CORE_ROTATION_ROTATION_H

/*
 * When to renew a token, how long to back off after a failure, and when
 * the old token of a replacement may go.  Pure: `now` is a parameter, no
 * I/O, no clock; thread-safe.
 *
 * Due: a token is renewed when it has at least one [deliver.NAME] copy
 * (never a token whose copies tokenwatch does not know), it expires, and
 * now >= its renewal time: endAt minus `before`, a duration or a share of
 * the token's lifetime (from its current value's issue, core/copies.h's
 * tw_token_issued_at(), to endAt), as cert-manager's renewBefore and
 * renewBeforePercentage.
 *
 * Backoff after failures: an hour, doubling, capped at 32 hours (as
 * cert-manager), and never past the token's endAt: a backoff that would
 * pass it is cut to one last attempt TW_ROTATION_LAST_TRY before endAt
 * (but at least TW_ROTATION_MIN_BACKOFF after the failure).
 *
 * Retiring (strategy replace): the old token is deleted once every copy
 * has held the new value for retire_after and the audit logs show no use of
 * the old token in the last retire_after (none since the delivery at the
 * first look): a pipeline still on the old value holds the deletion, and
 * the hold ends by itself once that source stops.  Without audit logs the
 * old token goes at delivery + retire_after.  A hold never outlives the old
 * token's endAt.
 */

#include <stdbool.h>
#include <stdint.h>

#include "core/config/config.h"

struct tw_token;

#define TW_ROTATION_BACKOFF_BASE 3600       /* 1 h */
#define TW_ROTATION_BACKOFF_MAX (32 * 3600) /* 32 h */
#define TW_ROTATION_LAST_TRY 600            /* the last attempt, 10 min before endAt */
#define TW_ROTATION_MIN_BACKOFF 300         /* never sooner than 5 min after a failure */

/* When t is to be renewed under before (a duration, or a percentage of its
 * lifetime from its current value's issue, tw_token_issued_at(t, now), to
 * endAt), or TW_NO_TIME when it never expires.  before->off (a threshold
 * switched off) renews at endAt. */
int64_t tw_rotation_renew_at(const struct tw_token *t, const struct tw_threshold *before,
                             int64_t now);

/* Whether t is due at now: it has copies, it expires, now >= renew time.
 * *ret_renew_at (may be NULL) gets the renew time (TW_NO_TIME: never). */
bool tw_rotation_due(const struct tw_token *t, bool has_copies, const struct tw_threshold *before,
                     int64_t now, int64_t *ret_renew_at);

/* The time of the next attempt after failure number `failures` (1 for the
 * first) at failed_at, for a token expiring at end_at (TW_NO_TIME: never). */
int64_t tw_rotation_next_attempt(unsigned failures, int64_t failed_at, int64_t end_at);

enum tw_retire_verdict {
        TW_RETIRE_WAIT,   /* not yet: *ret_at is when to look again */
        TW_RETIRE_HOLD,   /* still used: warn, look again at *ret_at */
        TW_RETIRE_DELETE, /* delete the old token now */
};

struct tw_retire_input {
        int64_t delivered_at; /* every copy held the new value from then */
        int64_t retire_after; /* seconds */
        int64_t old_end_at;   /* TW_NO_TIME: never expires */
        bool usage_known;     /* the audit logs are read */
        int64_t last_used_at; /* the old token's last use in them; TW_NO_TIME: none */
};

/* Whether to delete the old token at now (see above). */
enum tw_retire_verdict tw_rotation_retire(const struct tw_retire_input *in, int64_t now,
                                          int64_t *ret_at);

/* What the renewals did, for the metrics (exporters/metrics/renewal.h):
 * plain data the daemon copies for each page. */
#define TW_RENEWAL_STATS_MAX 1024 /* tokens with a next attempt shown */
struct tw_renewal_stats {
        uint64_t success; /* renewals verified since the agent started */
        uint64_t failure; /* failed attempts since the agent started */
        struct tw_renewal_retry {
                char token_id[64];
                int64_t at; /* the next attempt after a failure or a held retire */
        } retries[TW_RENEWAL_STATS_MAX];
        size_t n_retries;
};

/* "replace"/"rotate" to a strategy: 0 or -EINVAL. */
int tw_rotation_strategy_from_string(const char *s, enum tw_rotation_strategy *ret);

#endif
