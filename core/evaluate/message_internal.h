#ifndef TW_CORE_EVALUATE_MESSAGE_INTERNAL_H
#define TW_CORE_EVALUATE_MESSAGE_INTERNAL_H

/*
 * Internal to the message renderers: the pieces tw_finding_message()
 * (core/evaluate/message.c) is made of.  The quoting and dates are in
 * text.c with the other helpers for people, the reasons in
 * message_access.c.  Each appends to msg; 0, -EINVAL (a reason that does
 * not fit its token), -ENOMEM or -E2BIG.
 */

#include <stdint.h>

#include "core/evaluate/finding.h"

struct tw_buf;
struct tw_evaluation;
struct tw_inventory;
struct tw_token;

/* Appends s in double quotes, cut (at a UTF-8 boundary, marked "...") after
 * TW_MESSAGE_NAME_MAX bytes so that one hostile name cannot swell a message. */
#define TW_MESSAGE_NAME_MAX 128
int tw_message_add_quoted(struct tw_buf *msg, const char *s);
/* Appends "DATE (DELTA)": "2026-06-04 12:00 UTC (in 3 days)". */
int tw_message_add_when(struct tw_buf *msg, int64_t t, int64_t now);

/* After 'Token "NAME"': " is orphaned: ..." or " is over-privileged: ...",
 * from f's reasons rs (and, for over_privileged, its evidence). */
int tw_message_add_access(struct tw_buf *msg, const struct tw_inventory *inv,
                          const struct tw_token *t, const struct tw_finding *f,
                          const struct tw_finding_reason *rs);
/* After 'Token "NAME"': " was used from sources not seen ..." (new_source). */
int tw_message_add_sources(struct tw_buf *msg, const struct tw_finding *f,
                           const struct tw_finding_reason *rs, int64_t now);

/* After 'Token "NAME"': " has a stale copy: [deliver.X] WHERE ..." (stale_copy,
 * missing_copy), from f's COPY reasons rs and ev's verdicts. */
int tw_message_add_copies(struct tw_buf *msg, const struct tw_evaluation *ev,
                          const struct tw_inventory *inv, const struct tw_finding *f,
                          const struct tw_finding_reason *rs);
/* The fix of those: each copy's command, "; " between them. */
int tw_message_add_copy_fixes(struct tw_buf *out, const struct tw_evaluation *ev,
                              const struct tw_finding *f, const struct tw_finding_reason *rs);

#endif
