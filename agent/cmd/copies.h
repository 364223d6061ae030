#ifndef TW_AGENT_CMD_COPIES_H
#define TW_AGENT_CMD_COPIES_H

/*
 * The copies of tokens' values ([deliver.NAME]) as the agent handles them,
 * for `report`, `run` and `check-config` (agent/cmd/copies.c,
 * copy_checks.c): the exporters' target made from a section, the store
 * checks a loaded configuration still needs, and reading each copy's store
 * (its check(): metadata, or the value read back, parsed and wiped) into
 * the state the evaluator judges (core/copies.h).
 *
 * Checks run on worker threads (TW_COPY_CHECK_THREADS at most), each copy
 * with a delivery context of its own (its timeout), all cancelled together
 * at a deadline.  Nothing here logs: the caller decides (the daemon's log
 * is rate-limited per copy).  Messages never hold a value or a credential.
 */

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/copies.h"

struct tw_buf;
struct tw_config;
struct tw_copy_config;
struct tw_deliver_target;

#define TW_COPY_CHECK_THREADS 4

/* Fills *ret (zeroed first) from section c: its name and every store key.
 * 0, -ENOMEM, or -EINVAL (a key the target does not take: the config's
 * type table and the exporters' differ).  tw_deliver_target_done() after. */
int tw_agent_copy_target(const struct tw_copy_config *c, struct tw_deliver_target *ret);

/* The stores' own checks of every copy (tw_deliver_target_validate(): a
 * GitHub secret name's characters, a repository's shape, ...), one line
 * per problem appended to errors: "FILE:LINE: [deliver.NAME] KEY: why"
 * (the key's line when the problem names a key, else the section's).
 * 0 or -EINVAL. */
int tw_agent_copies_validate(const struct tw_config *cfg, struct tw_buf *errors);

/* One check of copy c at now into *ret, the copy's state so far
 * (tw_copy_state_init() for none): CHECKED with what the store said, or
 * FAILED with the error and a message that does not repeat the copy's name
 * (failures counted; the facts of an earlier good check kept).  Cancelled
 * when *cancel becomes non-zero (may be NULL).  A type that cannot be
 * checked (exec) is left as it is.  *ret_retry_after: after a rate limit,
 * the seconds the store asked to wait, else 0. */
void tw_agent_check_copy(const struct tw_copy_config *c, int64_t now, volatile sig_atomic_t *cancel,
                         struct tw_copy_state *ret, int64_t *ret_retry_after);

/* Checks of several copies at once.  Fill configs, states, n, due (NULL:
 * all), now, retry_after (NULL: not wanted) and start; states[i] of a due
 * copy is written by a worker and may be read once wait returned. */
struct tw_copy_checks {
        const struct tw_copy_config *configs;
        struct tw_copy_state *states;
        int64_t *retry_after;
        const bool *due;
        size_t n;
        int64_t now;
        /* internal */
        volatile sig_atomic_t cancel;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        size_t next;    /* the next copy a worker takes */
        size_t running; /* workers not finished */
        pthread_t threads[TW_COPY_CHECK_THREADS];
        size_t n_threads;
        bool started;
};

/* Starts the workers (none when nothing is due).  0 or -ENOMEM / -EAGAIN
 * (no thread could start: the checks then run in tw_copy_checks_wait()). */
int tw_copy_checks_start(struct tw_copy_checks *k);
/* Waits for every check until deadline_ns (tw_mono_ns(); 0: no deadline)
 * or *interrupt (may be NULL): then the checks in flight are cancelled
 * (their copies FAILED, -ECANCELED).  Joins the workers. */
void tw_copy_checks_wait(struct tw_copy_checks *k, int64_t deadline_ns,
                         volatile sig_atomic_t *interrupt);

/* Checks every copy of cfg once at now (states: cfg->n_copies of them,
 * initialised here), cut at deadline_ns (0: none).  Returns how many
 * failed. */
size_t tw_agent_check_copies(const struct tw_config *cfg, int64_t now, int64_t deadline_ns,
                             struct tw_copy_state *states);

#endif
