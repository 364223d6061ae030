#ifndef TW_TESTS_HELPERS_NOTIFY_FIXTURE_H
#define TW_TESTS_HELPERS_NOTIFY_FIXTURE_H

/*
 * Hand-built inventories and evaluations for the notification tests (the
 * state machine, the sink formats, the notifier): no evaluator involved, so
 * the code is tested against exactly the findings given.  Functions fail
 * the running cmocka test on allocation failure.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "core/notify/state.h"

struct cJSON;
struct tw_sink_ctx;

#define NOW ((int64_t)1780315200) /* 2026-06-01T12:00:00Z */
#define HOUR ((int64_t)3600)
#define DAY ((int64_t)86400)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* strdup that fails the test on -ENOMEM; NULL stays NULL. */
char *nf_strdup(const char *s);

/* Adds a token with one role (entity_type NULL: none) and a USER creator
 * named "Jane <Doe> & Co". */
void nf_add_token(struct tw_inventory *inv, const char *id, const char *name,
                  const char *entity_type, const char *entity_id, const char *role, int64_t end_at);
void nf_add_workspace(struct tw_inventory *inv, const char *id, const char *name);
void nf_add_deployment(struct tw_inventory *inv, const char *id, const char *name, const char *ws);

/* A finding by token id; end the list with {NULL}. */
struct nf_finding {
        const char *token_id;
        enum tw_finding_kind kind;
        enum tw_severity severity;
        bool suppressed;
};

/* An evaluation of inv holding exactly the findings given (free with
 * tw_evaluation_free()). */
struct tw_evaluation *nf_evaluation(const struct tw_inventory *inv, const struct nf_finding *fs,
                                    int64_t now);

/* The sink formats' golden tests: a token with a hostile name (quotes,
 * mrkdwn and Markdown links, a line break, emoji) in workspace "Data
 * <Eng>", events of each type about it, and the context they are built in. */
#define NF_HOSTILE                                                 \
        "deploy \"prod\" <ci> & \\ `x`\n\xf0\x9f\x9a\x80 [Rotate " \
        "now](https://evil.example/login) "                        \
        "<https://evil.example|click> *bold*"
struct tw_inventory *nf_hostile_inventory(void);
/* Appends an event about the hostile token to evs and returns it (valid
 * until the next push): its message, its real fix command, and the token's
 * fields, except for a RESOLVED one (the token was deleted: not listed). */
const struct tw_notify_event *nf_hostile_event(struct tw_notify_events *evs,
                                               const struct tw_inventory *inv,
                                               enum tw_notify_event_type type,
                                               enum tw_finding_kind kind, enum tw_severity sev,
                                               const char *key);
extern const struct tw_sink_ctx nf_sink_ctx;
/* Appends FIRING, ESCALATED, RESOLVED, REMINDER events about the hostile
 * token to evs. */
void nf_hostile_events(struct tw_notify_events *evs, const struct tw_inventory *inv);
/* Builds each of the n events with the named format into one JSON array and
 * compares it with tests/golden/FILE (tw_golden_check()). */
void nf_golden_bodies(const char *format, const char *file, const struct tw_inventory *inv,
                      const struct tw_notify_event *evs, size_t n);
/* The same for the first n (at most 4) of nf_hostile_events(). */
void nf_golden_format(const char *format, const char *file, size_t n);

#endif
