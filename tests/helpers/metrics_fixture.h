#ifndef TW_TESTS_HELPERS_METRICS_FIXTURE_H
#define TW_TESTS_HELPERS_METRICS_FIXTURE_H

/*
 * A small in-code inventory with hostile names, its evaluation and an agent
 * status, for the metrics renderer's tests (test_metrics*.c).  Functions
 * fail the running cmocka test on allocation failure.  Creators are made
 * with the report fixture's fix_subject() (helpers/report_fixture.h).
 */

#include <stdint.h>

struct tw_agent_status;
struct tw_evaluation;
struct tw_http_stats;
struct tw_inventory;
struct tw_subject;

#include "helpers/report_fixture.h" /* FIX_NOW, fix_dup(), fix_subject() */

/* Adds a token with one role (role NULL: none); takes creator. */
void mf_token(struct tw_inventory *inv, const char *id, const char *name, const char *scope,
              const char *kind, int64_t end_at, int64_t last_used, struct tw_subject *creator,
              const char *role_type, const char *role_entity, const char *role);
/* Three tokens: a healthy workspace token, an organization token with a
 * hostile name and no expiry, a deployment token of a scope-to-come. */
struct tw_inventory *mf_inventory(void);
/* Findings for mf_inventory: tok-a expiring (critical), tok-b no_expiry
 * (warning) and over_privileged (critical, suppressed), tok-c expired. */
struct tw_evaluation *mf_evaluation(void);
/* A successful collection's agent status, with HTTP counts in *http. */
void mf_status(struct tw_agent_status *st, struct tw_http_stats *http);

#endif
