#ifndef TW_AGENT_ROTATE_ROTATE_INTERNAL_H
#define TW_AGENT_ROTATE_ROTATE_INTERNAL_H

/* What the files of agent/rotate share: one renewal pass's context. */

#include "agent/rotate/rotate.h"
#include "core/rotation/renewal.h"
#include "exporters/deliver/deliver.h"
#include "lib/buf.h"

struct tw_astro_manage;
struct tw_copy_config;
struct tw_deliver_ctx;
struct tw_token;

struct rotate_run {
        const struct tw_rotate_options *o;
        const struct tw_config *cfg;
        const struct tw_astro_config *astro; /* the token's organization */
        size_t org;
        const char *state_dir;
        struct tw_astro_manage *m;   /* the managing credential's client */
        struct tw_deliver_ctx *dctx; /* the stores' */
        char *issuer_id;             /* the managing credential's apiTokenId, or NULL */
        char organization_id[64];
        char credential_source[160]; /* where the managing credential came from */
        struct tw_renewal r;         /* the journal, in memory */
        bool journaled;              /* r is on disk */
        enum tw_rotation_strategy strategy;
        struct tw_rotate_outcome *out;
        struct tw_buf err; /* the current step's message */
        bool recovered;    /* a lost issue was recovered in this pass (once only) */
};

/* context.c */
/* Loads the managing credential and makes the clients.  -errno with why in x->err. */
int rotate_open(struct rotate_run *x, const struct tw_rotate_options *o, size_t org);
void rotate_close(struct rotate_run *x);
/* The [deliver.NAME] sections of organization org naming token t (by id
 * or name), into *ret (pointers into cfg; freed by the caller). */
int rotate_copies_of(const struct rotate_run *x, const struct tw_token *t,
                     const struct tw_copy_config ***ret, size_t *ret_n);
/* The [deliver.NAME] section called name, or NULL. */
const struct tw_copy_config *rotate_copy_named(const struct rotate_run *x, const char *name);
/* The store target of a [deliver.NAME] section (tw_deliver_target_done()
 * frees it); why in err. */
int rotate_target(const struct tw_copy_config *c, struct tw_deliver_target *ret,
                  struct tw_buf *err);
/* check() of a copy; an exec copy (cannot be checked) is an empty state
 * and 0.  why in err. */
int rotate_check(struct rotate_run *x, const struct tw_deliver_target *t,
                 struct tw_deliver_state *ret);

/* journal.c */
/* Reads token_id's journal into x->r: 0, -ENOENT (none), -EBADMSG (moved
 * aside, why in x->err), -errno. */
int rotate_journal_load(struct rotate_run *x, const char *token_id);
/* Writes x->r (then the test hook may end the process at `point`).  -errno. */
int rotate_journal_save(struct rotate_run *x, const char *point);
/* Removes the journal (fsync of the directory).  -errno. */
int rotate_journal_remove(struct rotate_run *x);
/* The test hook alone, for points without a write of their own. */
void rotate_crash_point(const char *point);

/* intent.c */
/* Makes (or remakes, at step INTENT) the intent of token_id and journals
 * it.  -ESTALE when the token needs no renewal now (daemon runs: not due,
 * no copy, gone); other -errno with why in x->err. */
int rotate_intent(struct rotate_run *x, const char *token_id);
/* Whether copy state st of a copy of type type may be written by a
 * renewal of the token (id, issued at issued_at); why in err when not. */
bool rotate_may_write(const struct tw_renewal *r, const char *type,
                      const struct tw_deliver_state *st, struct tw_buf *err);

/* issue.c */
int rotate_issue(struct rotate_run *x);
int rotate_recover(struct rotate_run *x);
int rotate_roles(struct rotate_run *x);

/* deliver.c */
int rotate_deliver(struct rotate_run *x, size_t i);
int rotate_verify(struct rotate_run *x);

/* finish.c */
/* 0 (deleted, or held: x->out->result HELD), -errno. */
int rotate_retire(struct rotate_run *x);
int rotate_finish(struct rotate_run *x);

#endif
