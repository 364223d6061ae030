#ifndef TW_AGENT_ROTATE_ROTATE_H
#define TW_AGENT_ROTATE_ROTATE_H

/*
 * Renewing a token: the executor of core/rotation/renewal.h's protocol,
 * where the Astro client (collectors/astro/manage.h) meets the secret
 * stores (exporters/deliver/deliver.h).  The daemon's renewal thread
 * (agent/daemon/renew.c) and `tokenwatch rotate` (agent/cmd/rotate.c) run
 * it; neither holds two renewals of one token at a time (one journal per
 * token, and the state_dir lock between processes).
 *
 * One call of tw_rotate_token() starts a renewal (when the token has no
 * journal) or resumes its journal, and takes steps until one must wait
 * (retire_after, a backoff), fails, or the renewal is over.  Each step is
 * journaled before the next (state_dir/renewal-<token id>.json, 0600,
 * atomically with fsync):
 *
 *   1. Intent: the token is read from Astro (GET), its copies are the
 *      [deliver.NAME] sections naming it (by id or name) in its
 *      organization; each is checked (its current version: GitHub
 *      updated_at, Vault version, Kubernetes resourceVersion, a
 *      fingerprint) and refused unless tokenwatch may write it: a copy
 *      that is missing, holds this token's value, was noted by tokenwatch
 *      as this token's, or (unreadable: GitHub) changed after the token's
 *      last issue, may be written; one holding another token (or a GitHub
 *      secret older than the token's current value) only with adopt =
 *      true.  The tokens bearing the token's name are listed (their ids
 *      journaled).  A renewal that has not issued yet redoes its intent
 *      at each attempt.
 *   2. Issue: the journal says ISSUING (with the time) before the create
 *      (replace) or rotate request goes out; the answer's id and value are
 *      journaled at once (ISSUED).  A create whose answer is lost is found
 *      and deleted (a twin: see core/rotation/renewal.h), then made again;
 *      a lost rotate is repeated.  Never two twins.  The twin's extra roles
 *      are set next.
 *   3. Deliver: each copy in turn: WRITING is journaled, then the store is
 *      written with its own concurrency check against the intent's
 *      version, then DELIVERED with the new version.  A copy that changed
 *      since the intent (someone else wrote it) is a conflict: stopped,
 *      reported, never overwritten (unless adopt = true, which takes the
 *      copy's new state as the baseline).  On resume, a copy that already
 *      holds the value, or (unreadable) changed after its WRITING mark, is
 *      delivered.
 *   4. Verify: the value authenticates (GET /organizations with it) and
 *      each readable copy holds it.  The value is dropped from the journal
 *      (and wiped) here.
 *   5. Finish: replace deletes the old token once retire_after has passed
 *      and the audit logs show it quiet (core/rotation/rotation.h); a
 *      token still used holds the deletion (HELD, a warning naming the
 *      sources).  Then the journal is removed.
 *
 * Failures count in the journal and back off (core/rotation/rotation.h);
 * a manual run (`tokenwatch rotate`) ignores the backoff.  Values live in
 * memory only during a pass and are wiped (lib/secret); they reach no log,
 * message, argv or environment (exec copies get them on standard input).
 *
 * Test hook: TW_RENEWAL_CRASH_AFTER=<point> in the environment makes the
 * process kill itself (SIGKILL) right after the journal of that point was
 * written: intent, issuing, issued, roles, writing:<n>, copy:<n> (copy n
 * delivered), delivered, verified, retired; and wrote:<n>, right after
 * copy n's store took the value and before the journal says so.  It exists so that the tests
 * can stop at every step deterministically; nothing else reads it.
 *
 * Thread-safety: a call uses nothing shared but the config (read-only) and
 * the files of its own token; calls for different tokens may run on
 * different threads.
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/config/config.h"
#include "core/rotation/renewal.h"

struct tw_buf;

#define TW_RENEWAL_FILE_PREFIX "renewal-"
#define TW_ROTATE_REASON_MAX 1024
#define TW_ROTATE_SOURCES_MAX 256

/* What the audit logs say of a token's use, for retiring it. */
struct tw_rotate_usage {
        bool known;                          /* the audit logs are read */
        int64_t last_used_at;                /* TW_NO_TIME: not used in them */
        char sources[TW_ROTATE_SOURCES_MAX]; /* its most frequent sources, for people */
};

struct tw_rotate_options {
        const struct tw_config *cfg;
        const char *state_dir;         /* NULL: cfg->agent.state_dir */
        volatile sig_atomic_t *cancel; /* may be NULL */
        bool manual;                   /* tokenwatch rotate: ignore the backoff and whether
                                          the token is due */
        bool start;                    /* start a renewal when the token has no journal */
        const enum tw_rotation_strategy *strategy; /* NULL: [rotation] strategy */
        const struct tw_rotate_usage *usage;       /* the old token's; NULL: unknown */
        /* The clients' retries (tests shorten them); 0: the defaults. */
        int64_t backoff_base_ms, backoff_max_ms;
};

enum tw_rotate_result {
        TW_ROTATE_NOTHING,  /* no journal, and not asked to start one */
        TW_ROTATE_WAITING,  /* waits until next_at (retire_after, a backoff) */
        TW_ROTATE_HELD,     /* the old token is still used: its deletion waits (warning) */
        TW_ROTATE_FINISHED, /* over: the journal is removed */
        TW_ROTATE_FAILED,   /* a step failed: reason, next_at */
        TW_ROTATE_DROPPED,  /* a renewal that had not issued, of a token no longer due */
        TW_ROTATE_CANCELLED,
};

/* What one call did (for the log, the notifications, the metrics): never a value. */
struct tw_rotate_outcome {
        enum tw_rotate_result result;
        bool renewed;  /* this call verified the renewal: every copy holds the new value */
        bool started;  /* this call journaled a new intent */
        bool conflict; /* the failure is a copy someone else wrote */
        int error;     /* FAILED: the negative errno */
        enum tw_renewal_step step; /* where the journal stands */
        enum tw_rotation_strategy strategy;
        char token_id[64], new_id[64], organization_id[64];
        char token_name[512];
        char scope[32];
        size_t n_copies;
        int64_t next_at;    /* WAITING, HELD, FAILED: the next attempt */
        int64_t old_end_at; /* TW_NO_TIME: never */
        int64_t new_end_at;
        unsigned failures;
        char reason[TW_ROTATE_REASON_MAX]; /* FAILED, HELD, DROPPED: why, for people */
};

/*
 * Starts (o->start, no journal) or resumes the renewal of token_id in
 * organization org (an index for tw_config_org()) and runs it as far as it
 * goes now.  0 with *ret filled (a failed step is result FAILED, not an
 * error); -EINVAL (no such organization, a bad token id), -ENOMEM, -EIO (the
 * journal cannot be written: nothing further was done).
 */
int tw_rotate_token(const struct tw_rotate_options *o, size_t org, const char *token_id,
                    struct tw_rotate_outcome *ret);

/*
 * The change event an outcome makes, observed at now: renewed (info; after
 * the new token, replaced_by it for a replacement), renewal_failed
 * (critical; the reason and the next attempt in the detail) or retire_held
 * (warning).  1 with *e filled (tw_event_done() frees it), 0 when the
 * outcome is none of them, -ENOMEM.
 */
struct tw_event;
int tw_rotate_event(const struct tw_rotate_outcome *o, int64_t now, struct tw_event *e);

/* A journal found in state_dir. */
struct tw_rotate_journal {
        char token_id[64];
        char organization[128]; /* the [astro.NAME] NAME; "" for [astro] */
        enum tw_renewal_step step;
        int64_t next_at;       /* when it has something to do (TW_NO_TIME: now) */
        bool waits_for_retire; /* VERIFIED, replace: its old token's use matters */
        int64_t retry_at;      /* the next attempt after a failure or a held deletion;
                                  TW_NO_TIME: none */
};

/*
 * The journals in state_dir (*ret freed by the caller).  A journal that
 * does not read (corrupt) is moved aside (renewal-<id>.json.corrupt-<now>)
 * and named in note, one line each, for the caller to log: its renewal is
 * lost to tokenwatch and needs a person (the twin, if any, is in Astro).
 * 0, -ENOMEM, or the -errno of an unreadable state_dir.
 */
int tw_rotate_journals(const char *state_dir, int64_t now, struct tw_rotate_journal **ret,
                       size_t *ret_n, struct tw_buf *note);

/*
 * `rotate --dry-run`: appends the plan of a renewal of token_id to out -
 * the token (id, name, scope, roles, expiry; never a value), the strategy,
 * each copy with its current state and the exact calls a renewal would
 * make, the Astro calls, and the managing credential's permission - and
 * writes nothing anywhere (reads only: the token, the listing, each copy's
 * check).  0, or a negative errno with why in out.
 */
int tw_rotate_plan(const struct tw_rotate_options *o, size_t org, const char *token_id,
                   struct tw_buf *out);

/*
 * The token a command line names in organization org: its id, or its exact
 * name (unique in the organization, or, of the tokens sharing it, the one
 * whose renewal is in progress: a twin bears its old token's name), read
 * from Astro with the managing credential.  The id goes to ret_id.
 * -ENOENT (none), -ENOTUNIQ (several share the name), or an API error; why
 * in err.
 */
int tw_rotate_find(const struct tw_config *cfg, size_t org, const char *token, char ret_id[64],
                   struct tw_buf *err);

/*
 * `check-config --online`: whether the managing credential of organization
 * org ([rotation] token_file or token_env, else the organization's own) may
 * manage tokens, from its own token's roles (one GET).  0 (an Organization
 * Owner's, or a Workspace Owner's: out says which workspace), -EACCES (out
 * names the permission it lacks), or another negative errno (the
 * credential does not load, its token cannot be read; why in out).  Never
 * the credential's value.
 */
int tw_rotate_check_credential(const struct tw_config *cfg, size_t org, struct tw_buf *out);

#endif
