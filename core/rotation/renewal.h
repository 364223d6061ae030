#ifndef TW_CORE_ROTATION_RENEWAL_H
#define TW_CORE_ROTATION_RENEWAL_H

/*
 * One renewal of one token, as its journal holds it, and what to do next.
 * The journal is the renewal's memory across a crash: agent/rotate writes
 * it (state_dir/renewal-<token id>.json, 0600, atomically with fsync) after
 * each step and before the next, after AWS Secrets Manager's create / set /
 * test / finish steps:
 *
 *   INTENT     the token (everything a twin needs), its copies and each
 *              one's version at that moment (the store's concurrency
 *              token), and the ids of the tokens that bore the token's
 *              name then.  Nothing has been written anywhere yet.
 *   ISSUING    the create (or rotate) request is about to be sent, at
 *              issue_started_at.  Its answer may be lost: on resume a
 *              renewal still ISSUING finds its twin (below), deletes it and
 *              issues again; a rotation is simply repeated.
 *   ISSUED     the new token's id and value (Astro shows a value once), and
 *              whether its extra roles are set.  From here the value is
 *              never lost.
 *   DELIVERED  every copy holds the new value (each copy's own state says
 *              how far it got: PENDING, WRITING (the write may have been
 *              sent), DELIVERED (with the store's new version), CONFLICT
 *              (someone else wrote it since the intent)).
 *   VERIFIED   the value authenticates and every readable copy holds it;
 *              the value is dropped from the journal here.
 *   RETIRED    the old token is deleted (replace) - or nothing to do
 *              (rotate); the journal is removed next.
 *
 * A twin is found as: a token with the old token's name that was not among
 * the intent's known ids, created by the managing credential's token (when
 * Astro says who created it) no earlier than issue_started_at minus
 * TW_RENEWAL_CLOCK_SKEW.  The twin keeps the old token's name and
 * description unchanged, so that it is the same token to people.
 *
 * Pure: serialisation and the next action; no I/O, `now` a parameter.  A
 * renewal is owned by one thread.  The value is a secret: tw_renewal_done()
 * wipes it, and so does tw_renewal_drop_value(); the JSON text that
 * tw_renewal_to_json() writes holds it too (the caller wipes the buffer).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config/config.h"
#include "core/inventory.h"

struct tw_buf;

#define TW_RENEWAL_FORMAT 1
#define TW_RENEWAL_CLOCK_SKEW 300 /* seconds of disagreement between our clock and Astro's */
#define TW_RENEWAL_JSON_MAX ((size_t)1 << 20)

enum tw_renewal_step {
        TW_RENEWAL_INTENT,
        TW_RENEWAL_ISSUING,
        TW_RENEWAL_ISSUED,
        TW_RENEWAL_DELIVERED,
        TW_RENEWAL_VERIFIED,
        TW_RENEWAL_RETIRED,
        _TW_RENEWAL_STEP_MAX,
};

enum tw_delivery {
        TW_DELIVERY_PENDING,
        TW_DELIVERY_WRITING, /* the write may have been sent (at write_started_at) */
        TW_DELIVERY_DONE,
        TW_DELIVERY_CONFLICT, /* changed by someone else since the intent: never overwritten */
        _TW_DELIVERY_MAX,
};

/* One copy ([deliver.NAME]) of the token. */
struct tw_renewal_copy {
        char *name; /* NAME */
        char *type; /* github, gitlab, ... */
        /* What a check found at the intent (the precondition of the write): */
        bool existed;
        char *version;      /* the store's concurrency token; "" none */
        int64_t updated_at; /* TW_NO_TIME: unknown */
        enum tw_delivery state;
        int64_t write_started_at; /* WRITING and after; TW_NO_TIME */
        char *delivered_version;  /* DELIVERED: the store's version after the write */
        bool adopted;             /* allowed by `adopt`, though tokenwatch did not write it */
};

/* The old token, as the intent saw it: what a twin copies. */
struct tw_renewal_token {
        char *id;
        char *name;
        char *description;
        char *scope;
        char *entity_id; /* the workspace or deployment of its scope's role; NULL: org */
        char *role;      /* the role of its own scope */
        struct tw_role *extra_roles; /* the other roles, set on the twin after create */
        size_t n_extra_roles;
        int expiry_days;   /* the old token's expiryPeriodInDays (0: unknown) */
        int64_t end_at;    /* TW_NO_TIME: never */
        int64_t issued_at; /* its current value's, tw_token_issued_at(); TW_NO_TIME */
};

struct tw_renewal {
        char *organization;    /* the [astro.NAME] NAME; "" for [astro] */
        char *organization_id; /* the token's organization */
        struct tw_renewal_token old;
        enum tw_rotation_strategy strategy;
        int expiry_days; /* the new token's lifetime (0: never expires) */
        int64_t retire_after;
        bool manual; /* started by `tokenwatch rotate` */
        int64_t started_at;
        enum tw_renewal_step step;
        char **known_ids; /* tokens with the old token's name at the intent */
        size_t n_known_ids;
        char *issuer_id; /* the managing credential's apiTokenId, or NULL */
        int64_t issue_started_at;
        char *new_id; /* ISSUED and after */
        char *value;  /* ISSUED and DELIVERED: the secret */
        int64_t new_end_at;
        bool roles_done;
        struct tw_renewal_copy *copies;
        size_t n_copies;
        int64_t delivered_at, verified_at, retired_at;
        /* when the old token's deletion was first held (it was still used):
         * the warning is sent then, not at every later look */
        int64_t held_at;
        /* after a failure: */
        unsigned failures;
        int64_t next_attempt; /* TW_NO_TIME: none pending */
        char *last_error;     /* for a person; never a value */
};

/* An empty renewal: every time TW_NO_TIME, every count 0. */
void tw_renewal_init(struct tw_renewal *r);
/* Frees every string and wipes the value; r is empty again.  NULL-safe. */
void tw_renewal_done(struct tw_renewal *r);
/* Wipes and drops the value (once every copy holds it). */
void tw_renewal_drop_value(struct tw_renewal *r);

/* Fills r->old from t as seen at now (strings copied; roles split into its
 * scope's role and the extra ones).  -EINVAL (a token without a role of
 * its scope), -ENOMEM. */
int tw_renewal_set_token(struct tw_renewal *r, const struct tw_token *t, int64_t now);
/* Appends a copy (strings copied).  -ENOMEM. */
int tw_renewal_add_copy(struct tw_renewal *r, const char *name, const char *type, bool existed,
                        const char *version, int64_t updated_at, bool adopted);
/* Sets a string field (copied; NULL clears).  -ENOMEM. */
int tw_renewal_set_str(char **field, const char *value);

/* "intent", "issuing", ... and "pending", "writing", ...; NULL-safe. */
const char *tw_renewal_step_to_string(enum tw_renewal_step s);
const char *tw_delivery_to_string(enum tw_delivery s);

/* The journal as one JSON document (appended to out: holds the value!).
 * 0, -ENOMEM, -E2BIG. */
int tw_renewal_to_json(const struct tw_renewal *r, struct tw_buf *out);
/* Reads a journal from untrusted text: -EBADMSG (not a journal of this
 * format, a field of the wrong type or out of range, a step whose fields
 * are missing: ISSUED without the new token or its value, ...), -ENOMEM.
 * Never crashes on any input.  *ret is written on success only. */
int tw_renewal_from_json(const char *json, size_t len, struct tw_renewal *ret);

/* What to do next. */
enum tw_renewal_action {
        TW_RENEWAL_DO_ISSUE,   /* INTENT: create the twin, or rotate */
        TW_RENEWAL_DO_RECOVER, /* ISSUING: find and delete a twin whose value is lost, then issue */
        TW_RENEWAL_DO_ROLES,   /* ISSUED: set the twin's extra roles */
        TW_RENEWAL_DO_DELIVER, /* ISSUED: deliver to copy `copy` */
        TW_RENEWAL_DO_VERIFY,  /* DELIVERED */
        TW_RENEWAL_DO_RETIRE,  /* VERIFIED, replace, retire_after passed: delete the old token
                                  (after tw_rotation_retire()'s look at its use) */
        TW_RENEWAL_DO_FINISH,  /* remove the journal */
        TW_RENEWAL_DO_WAIT,    /* nothing before `at` (a backoff, retire_after) */
};

struct tw_renewal_next {
        enum tw_renewal_action action;
        size_t copy; /* DO_DELIVER */
        int64_t at;  /* DO_WAIT */
};

/* The next action of r at now.  Copies are delivered in order; a CONFLICT
 * copy is tried again (it may hold the new value by now, or be adopted). */
void tw_renewal_next(const struct tw_renewal *r, int64_t now, struct tw_renewal_next *ret);

/* Counts a failure at now for a token expiring at r->old.end_at: failures,
 * next_attempt (tw_rotation_next_attempt()) and last_error (copied). */
int tw_renewal_failed(struct tw_renewal *r, int64_t now, const char *why);

/* Whether token t (a listed one) is the twin a renewal still ISSUING may
 * have made (see above). */
bool tw_renewal_is_twin(const struct tw_renewal *r, const struct tw_token *t);

#endif
