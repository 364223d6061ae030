#ifndef TW_TESTS_HELPERS_EVALUATE_FIXTURE_H
#define TW_TESTS_HELPERS_EVALUATE_FIXTURE_H

/*
 * Small inventories and policies for the evaluator's unit tests
 * (test_evaluate*.c, test_suppress.c, test_events.c, ...).  Functions fail
 * the running cmocka test on allocation failure.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tw_evaluation;
struct tw_finding;
struct tw_inventory;
struct tw_policy;

#define NOW ((int64_t)1780315200) /* 2026-06-01T12:00:00Z */
#define MIN ((int64_t)60)
#define HOUR ((int64_t)3600)
#define DAY ((int64_t)86400)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A role, or {NULL} to end a list. */
struct role_spec {
        const char *entity_type, *entity_id, *role;
};

struct token_spec {
        const char *id, *name, *scope;
        int64_t start, end, created, last_used;
        struct role_spec roles[4];
        const char *creator_type, *creator_id, *creator_label; /* NULL type: no createdBy */
};

/* strdup that fails the test on -ENOMEM; NULL stays NULL. */
char *ef_strdup(const char *s);
/* f's message (tw_finding_message()), in a buffer the next call reuses. */
const char *ef_finding_message(const struct tw_evaluation *ev, const struct tw_inventory *inv,
                               const struct tw_finding *f);
/* f's fix (tw_finding_fix()), "" for none, in a buffer the next call reuses. */
const char *ef_finding_fix(const struct tw_evaluation *ev, const struct tw_inventory *inv,
                           const struct tw_finding *f);
/* The documented defaults: 7d/30d, expiry required, unused 90d, never used
 * 14d, ceilings BILLING_ADMIN, OPERATOR, DEPLOYMENT_ADMIN. */
void ef_policy_default(struct tw_policy *p);
/* Adds the token, user, workspace, deployment described. */
void ef_add_token(struct tw_inventory *inv, const struct token_spec *s);
void ef_add_user(struct tw_inventory *inv, const char *id, const char *username,
                 const char *status);
void ef_add_workspace(struct tw_inventory *inv, const char *id, const char *name);
void ef_add_deployment(struct tw_inventory *inv, const char *id, const char *name,
                       const char *workspace_id);
/* An organization with users, a workspace and a deployment, and no tokens yet. */
struct tw_inventory *ef_base_inventory(void);

/* A healthy ORGANIZATION token: used yesterday, expiring in a year, least privilege. */
#define HEALTHY_TOKEN(id_)                                                                 \
        {                                                                                  \
                .id = (id_), .scope = "ORGANIZATION", .start = NOW - 10 * DAY,             \
                .end = NOW + 365 * DAY, .created = NOW - 10 * DAY, .last_used = NOW - DAY, \
                .roles = {{"ORGANIZATION", "org1", "ORGANIZATION_MEMBER"}},                \
        }

#endif
