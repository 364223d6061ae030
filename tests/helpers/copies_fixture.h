#ifndef TW_TESTS_HELPERS_COPIES_FIXTURE_H
#define TW_TESTS_HELPERS_COPIES_FIXTURE_H

/*
 * Copies ([deliver.NAME]) for the evaluator's unit tests
 * (test_evaluate_copies.c, test_copy_resolve.c): an inventory with a token
 * "tok" named ci-deploy and one named other, states as a check leaves them,
 * and the evaluation of a config's copies at NOW (evaluate_fixture.h).
 * Failures are cmocka assertions.
 */

#include <stdbool.h>
#include <stdint.h>

#include "core/copies.h"
#include "core/evaluate/finding.h"
#include "helpers/evaluate_fixture.h"

struct tw_config;
struct tw_evaluation;
struct tw_inventory;

#define CF_CREATED (NOW - 30 * DAY) /* when "tok" was created */

#define CF_GH_COPY                                                                       \
        "[deliver.gh]\ntoken = ci-deploy\ntype = github\ncredential_file = /etc/tw/gh\n" \
        "repository = acme/dags\nsecret = ASTRO_API_TOKEN\n"
#define CF_VAULT_COPY                                                                     \
        "[deliver.vault]\ntoken = ci-deploy\ntype = vault\ncredential_file = /etc/tw/v\n" \
        "path = ci/astro\nkey = token\n"

/* "tok" (ci-deploy: created CF_CREATED, lastRotatedAt rotated, startAt
 * start) and "other" (other), in ef_base_inventory(). */
struct tw_inventory *cf_inventory(int64_t rotated, int64_t start);
/* cfg's copies in states[], evaluated at NOW (asserts success). */
struct tw_evaluation *cf_evaluate(const struct tw_inventory *inv, const struct tw_config *cfg,
                                  const struct tw_copy_state *states);
/* The finding of kind k on token id, or NULL. */
const struct tw_finding *cf_finding(const struct tw_evaluation *ev, const struct tw_inventory *inv,
                                    const char *id, enum tw_finding_kind k);
/* A state a good check left a minute ago. */
struct tw_copy_state cf_checked(bool exists, int64_t updated, bool readable, bool jwt,
                                const char *id, int64_t iat);

#endif
