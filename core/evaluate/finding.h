#ifndef TW_CORE_EVALUATE_FINDING_H
#define TW_CORE_EVALUATE_FINDING_H

/*
 * Findings: the evaluator's judgement of the inventory.  An evaluation is
 * immutable once built and may be read from any number of threads.
 *
 * A finding is data: its kind and severity, the facts its message is made
 * of (times, thresholds, reasons) and the action that fixes it.  The
 * sentence for a person and the Astro CLI command are rendered on demand
 * (tw_finding_message(), tw_finding_fix()), only by what shows them.  An
 * evaluation is read together with the inventory it was made from: findings
 * name their token, and reasons their token's roles, by index.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"

struct tw_buf;
struct tw_inventory;

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
        TW_FINDING_NEW_SOURCE,   /* audit logs: used from a source not seen before */
        TW_FINDING_STALE_COPY,   /* a [deliver.NAME] copy predates the token's current value */
        TW_FINDING_MISSING_COPY, /* a [deliver.NAME] secret does not exist */
        _TW_FINDING_KIND_MAX,
};

/* What fixes a finding (tw_token_fix_command() renders it). */
enum tw_fix_action {
        TW_FIX_ROTATE,      /* expired, expiring, new_source */
        TW_FIX_DELETE,      /* unused, never used, orphaned, no expiry */
        TW_FIX_UPDATE_ROLE, /* over-privileged: each ROLE_ABOVE reason sets its target */
        TW_FIX_UPDATE_COPY, /* stale or missing copies: each COPY reason's copy is written */
};

/* One reason of an orphaned or over-privileged token, one new source, or
 * one operation cited as evidence. */
enum tw_reason_kind {
        TW_REASON_CREATOR_USER,  /* orphaned: the user who created it left;
                                    text: the user's status (NULL: no longer a member) */
        TW_REASON_CREATOR_TOKEN, /* orphaned: the API token that created it is gone */
        TW_REASON_ENTITY_GONE,   /* orphaned: the role's workspace or deployment is gone */
        TW_REASON_ROLE_ABOVE,    /* over_privileged: the role is above its ceiling */
        TW_REASON_OPERATION,     /* over_privileged evidence: text called count times */
        TW_REASON_SOURCE_IP,     /* new_source: text first seen at, count calls */
        TW_REASON_SOURCE_AGENT,  /* the same for a user agent */
        TW_REASON_COPY,          /* stale_copy, missing_copy: ev->copies[copy] */
};

struct tw_finding_reason {
        enum tw_reason_kind kind;
        size_t role;         /* ENTITY_GONE, ROLE_ABOVE: index into the token's roles */
        const char *text;    /* see the kinds (the evaluation's arena) */
        const char *ceiling; /* ROLE_ABOVE: the policy's ceiling (static role name) */
        const char *need;    /* ROLE_ABOVE: the least role its operations need, or NULL */
        const char *target;  /* ROLE_ABOVE: the role the fix sets (need or ceiling) */
        int64_t at;          /* SOURCE_*: first seen */
        uint64_t count;      /* OPERATION, SOURCE_*: calls */
        size_t copy;         /* COPY: index into the evaluation's copies */
};

/* What the evaluator made of one [deliver.NAME] copy. */
enum tw_copy_verdict_kind {
        TW_COPY_NOT_CHECKED,  /* not checked yet, or a type that cannot be (exec) */
        TW_COPY_CURRENT,      /* holds the token's current value (as far as the store tells) */
        TW_COPY_UNKNOWN,      /* checked, but the store tells neither a time nor the value */
        TW_COPY_OLDER,        /* stale: last written before the current value was issued */
        TW_COPY_OLD_VALUE,    /* stale: holds this token's value of an earlier issue */
        TW_COPY_OTHER_TOKEN,  /* stale: holds another token's value */
        TW_COPY_NOT_A_TOKEN,  /* stale: holds something that is not an Astro API token */
        TW_COPY_MISSING,      /* the secret does not exist */
        TW_COPY_CHECK_FAILED, /* the store could not be read, ever (an evaluation error says
                                 why; one that failed after a good check is judged from it,
                                 with the error too) */
        TW_COPY_UNRESOLVED,   /* its token is unknown or ambiguous (an evaluation error) */
};

struct tw_copy_verdict {
        const char *name;  /* [deliver.NAME] NAME */
        const char *type;  /* the store type */
        const char *where; /* for people: "GitHub secret S of repository acme/dags" */
        const char *fix;   /* the command that writes it (tw_copy_fix_command()), or NULL */
        size_t token;      /* index into the inventory's tokens; SIZE_MAX: none */
        enum tw_copy_verdict_kind verdict;
        int64_t updated_at;  /* the store's time of the copy's last change; TW_NO_TIME */
        int64_t at;          /* OLDER: updated_at; OLD_VALUE: the value's iat */
        int64_t issued_at;   /* stale: when the token's current value was issued */
        const char *holds;   /* OTHER_TOKEN: the token id the value names */
        const char *problem; /* the last check failed: the store's error; UNRESOLVED: why;
                                NULL: no error */
};

/* Whether a verdict says the copy does not hold the token's current value. */
static inline bool tw_copy_verdict_is_stale(enum tw_copy_verdict_kind v)
{
        return v >= TW_COPY_OLDER && v <= TW_COPY_NOT_A_TOKEN;
}

struct tw_finding {
        size_t token; /* index into the inventory's tokens */
        enum tw_finding_kind kind;
        enum tw_severity severity;
        enum tw_fix_action fix;
        bool suppressed;
        /* What the message is made of (by kind): */
        int64_t at;     /* expired, expiring: the expiry; unused: last use; never_used:
                           creation; new_source: when the token's audit-log usage begins */
        int64_t after;  /* unused, never_used, new_source: the policy's duration;
                           expiring: the threshold reached, in seconds */
        double percent; /* expiring: that threshold as a % of the lifetime; 0: a duration */
        /* reasons[first_reason ..+ n_reasons) of the evaluation: orphaned and
         * over_privileged list their reasons (then, for over_privileged with
         * evidence, n_evidence OPERATION reasons), new_source its sources;
         * n_more were found past those listed. */
        size_t first_reason;
        uint32_t n_reasons, n_evidence, n_more;
        uint32_t n_ops;                /* over_privileged evidence: operation kinds in all */
        int64_t suppressed_until;      /* TW_NO_TIME unless suppressed */
        const char *suppressed_reason; /* NULL unless suppressed */
};

/* A note about a suppression: one that lapsed, or one naming no token. */
struct tw_suppression_note {
        const char *token_id;
        const char *kind; /* NULL: the whole token */
        int64_t until;
        const char *reason;
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

        struct tw_finding_reason *reasons;
        size_t n_reasons;

        struct tw_suppression_note *notes;
        size_t n_notes;

        /* Problems that make the evaluation itself incomplete, e.g. orphan
         * detection impossible because the users could not be listed; the
         * last n_copy_errors of them are copies that could not be judged
         * (their store could not be read, their token is unknown). */
        const char **errors;
        size_t n_errors;
        size_t n_copy_errors;

        /* The copies ([deliver.NAME]) judged, in config order. */
        struct tw_copy_verdict *copies;
        size_t n_copies;

        /* Active (unsuppressed) findings by kind and severity. */
        size_t active[_TW_FINDING_KIND_MAX][_TW_SEVERITY_MAX];
        size_t suppressed_count;

        /* Every string above.  A hand-built evaluation (tests) may leave it
         * empty and point at strings it keeps alive itself. */
        struct tw_arena arena;
};

/* Frees the arrays and the arena (never a string on its own).  NULL-safe. */
void tw_evaluation_free(struct tw_evaluation *ev);

const char *tw_severity_to_string(enum tw_severity s);
/* -EINVAL for an unknown name. */
int tw_severity_from_string(const char *s, enum tw_severity *ret);
const char *tw_finding_kind_to_string(enum tw_finding_kind k);
int tw_finding_kind_from_string(const char *s, enum tw_finding_kind *ret);
/* Every kind's name, "expired, expiring, ..., missing_copy", into buf
 * (cut to size, always terminated), for messages that list them. */
void tw_finding_kind_list(char *buf, size_t size);

/* The findings of token i: returns how many, *ret_first points at the
 * first.  0 (and *ret_first untouched) when ev is NULL or does not cover
 * token i, or its index arrays are inconsistent. */
size_t tw_evaluation_token_findings(const struct tw_evaluation *ev, size_t token,
                                    const struct tw_finding **ret_first);

/* The highest severity among the token's unsuppressed findings: the one
 * function every output ranks tokens by.  TW_SEVERITY_NONE when ev is NULL
 * or token is out of range.  Thread-safe on an immutable evaluation. */
enum tw_severity tw_evaluation_token_severity(const struct tw_evaluation *ev, size_t token);

/*
 * The finding rendered for people (core/evaluate/message.c).  inv is the
 * inventory ev was made from.  Both append to out and are thread-safe on an
 * immutable evaluation; 0, -EINVAL (f not of ev's inventory), -ENOMEM, -E2BIG.
 *  - tw_finding_message(): one paragraph naming the token (quoted, cut at
 *    TW_MESSAGE_NAME_MAX bytes), what is wrong with every reason, and for
 *    over_privileged the operations cited as evidence; never the fix.
 *  - tw_finding_fix(): the Astro CLI command that fixes it, e.g.
 *    "astro workspace token rotate ID --workspace-id WS"; over_privileged
 *    lists one update per role ("; " between them, "; and N more" past ten).
 *    Nothing is appended when the CLI has no command for the token's scope.
 */
int tw_finding_message(const struct tw_evaluation *ev, const struct tw_inventory *inv,
                       const struct tw_finding *f, struct tw_buf *out);
int tw_finding_fix(const struct tw_evaluation *ev, const struct tw_inventory *inv,
                   const struct tw_finding *f, struct tw_buf *out);

#endif
