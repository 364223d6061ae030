#ifndef TW_TESTS_HELPERS_REPORT_FIXTURE_H
#define TW_TESTS_HELPERS_REPORT_FIXTURE_H

/*
 * A small in-code inventory with hostile names and a hand-built evaluation
 * (no evaluator), a change history and an audit-log usage index, for the
 * report renderers' tests (test_report*.c).  Functions fail the running
 * cmocka test on allocation failure.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/events.h"
#include "core/snapshot.h"
#include "exporters/report/report.h"

struct tw_evaluation;
struct tw_inventory;
struct tw_subject;
struct tw_usage;

#define FIX_NOW 1750000000 /* 2025-06-15T15:06:40Z */
#define FIX_DAY 86400

/* Quotes, backslashes, a newline, table and HTML syntax, a formula, a
 * terminal escape, a bidi override, emoji. */
#define FIX_HOSTILE                                                                      \
        "=evil \"quote\" \\back\\slash\\\nnewline | <b>x</b> *_[]` @team \x1b[31mred\r " \
        "\xe2\x80\xae"                                                                   \
        "txt.exe \xf0\x9f\x9a\x80"

/* strdup that fails the test on -ENOMEM; NULL stays NULL. */
char *fix_dup(const char *s);
/* A new subject (creator) with the fields given. */
struct tw_subject *fix_subject(const char *id, const char *type, const char *username,
                               const char *full_name, const char *token_name);
/* Adds a token with up to two roles ("TYPE", "entity", "ROLE" triples; NULL
 * ends); takes creator. */
void fix_token(struct tw_inventory *inv, const char *id, const char *name, const char *scope,
               const char *kind, int64_t end_at, int64_t last_used, struct tw_subject *creator,
               const char *const roles[6]);
/*
 * tok-a  workspace token expiring in 3 days (critical)
 * tok-b  hostile name, organization owner, never expires, never used: no_expiry and
 *        orphaned (warning), over_privileged (critical, suppressed)
 * tok-c  deployment token with a custom role, expired a day ago (critical)
 * tok-d  300-character name, no creator, no roles, no findings
 * One failed listing.
 */
struct tw_inventory *fix_inventory(void);
/* The findings described at fix_inventory(), a lapsed and a stale note and
 * an evaluation error (strings are literals: the arena stays empty). */
struct tw_evaluation *fix_evaluation(void);
/* The fixture rendered in fmt (with the change history and the usage when
 * with_eval); the caller frees the text. */
char *fix_render(enum tw_report_format fmt, bool with_eval, size_t *ret_len);

struct fix_history {
        struct tw_event events[3];
        struct tw_event_history h;
};
/* Three changes, oldest first: tok-a created, tok-b's roles raised (hostile
 * values), a hostile-named token deleted while in use. */
void fix_history_init(struct fix_history *f);
void fix_history_done(struct fix_history *f);
/* tok-a deploys (images, deploys) from two IPs, one with a hostile user
 * agent; tok-b called an operation not in the permission table. */
struct tw_usage *fix_usage(void);

#endif
