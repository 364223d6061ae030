#ifndef TW_CORE_EVALUATE_FINDING_H
#define TW_CORE_EVALUATE_FINDING_H

/*
 * Findings: the evaluator's judgement of the inventory.  An evaluation is
 * immutable once built and may be read from any number of threads.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tw_severity {
        TW_SEVERITY_NONE = 0,
        TW_SEVERITY_WARNING,
        TW_SEVERITY_CRITICAL,
        _TW_SEVERITY_MAX,
};

enum tw_finding_kind {
        TW_FINDING_EXPIRED,
        TW_FINDING_EXPIRING,
        TW_FINDING_NO_EXPIRY,
        TW_FINDING_UNUSED,
        TW_FINDING_NEVER_USED,
        TW_FINDING_ORPHANED,
        TW_FINDING_OVER_PRIVILEGED,
        TW_FINDING_NEW_SOURCE, /* audit logs: used from a source not seen before */
        _TW_FINDING_KIND_MAX,
};

struct tw_finding {
        size_t token; /* index into the inventory's tokens */
        enum tw_finding_kind kind;
        enum tw_severity severity;
        char *message; /* for a person, with the fix */
        bool suppressed;
        int64_t suppressed_until; /* TW_NO_TIME unless suppressed */
        char *suppressed_reason;  /* NULL unless suppressed */
};

/* A note about a suppression: one that lapsed, or one naming no token. */
struct tw_suppression_note {
        char *token_id;
        char *kind; /* NULL: the whole token */
        int64_t until;
        char *reason;
        bool stale; /* true: no such token; false: lapsed */
};

struct tw_evaluation {
        int64_t now;
        /* Sorted by token index, then kind. */
        struct tw_finding *findings;
        size_t n_findings;
        /* For token i: findings[token_first[i] .. token_first[i] + token_count[i]). */
        size_t *token_first;
        size_t *token_count;
        size_t n_tokens;

        struct tw_suppression_note *notes;
        size_t n_notes;

        /* Problems that make the evaluation itself incomplete, e.g. orphan
         * detection impossible because the users could not be listed. */
        char **errors;
        size_t n_errors;

        /* Active (unsuppressed) findings by kind and severity. */
        size_t active[_TW_FINDING_KIND_MAX][_TW_SEVERITY_MAX];
        size_t suppressed_count;
};

void tw_evaluation_free(struct tw_evaluation *ev);

const char *tw_severity_to_string(enum tw_severity s);
/* -EINVAL for an unknown name. */
int tw_severity_from_string(const char *s, enum tw_severity *ret);
const char *tw_finding_kind_to_string(enum tw_finding_kind k);
int tw_finding_kind_from_string(const char *s, enum tw_finding_kind *ret);

/* The highest severity among the token's unsuppressed findings: the one
 * function every output ranks tokens by.  TW_SEVERITY_NONE when ev is NULL
 * or token is out of range.  Thread-safe on an immutable evaluation. */
enum tw_severity tw_evaluation_token_severity(const struct tw_evaluation *ev, size_t token);

#endif
