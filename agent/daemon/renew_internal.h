#ifndef TW_AGENT_DAEMON_RENEW_INTERNAL_H
#define TW_AGENT_DAEMON_RENEW_INTERNAL_H

/* The renewal thread's state, shared by agent/daemon/renew*.c only. */

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent/rotate/rotate.h"
#include "core/rotation/rotation.h"

/* A token the daemon found due. */
struct renew_due {
        char token_id[64];
        size_t org;
};

/* What the audit logs say of one old token waiting to be deleted. */
struct renew_fact {
        char token_id[64];
        struct tw_rotate_usage usage;
};

/* A failure with no journal to hold its backoff (the token could not even
 * be read): kept in memory. */
struct renew_backoff {
        char token_id[64];
        unsigned failures;
        int64_t next_at;
};

struct tw_daemon_renew {
        pthread_t thread;
        bool started;
        pthread_mutex_t lock;
        pthread_cond_t wake;
        char *config_path;
        volatile sig_atomic_t cancel; /* set to stop: aborts a renewal's transfers */

        /* Under lock: the daemon's inputs ... */
        bool stop;
        bool input;          /* a cycle gave new inputs */
        unsigned generation; /* bumped when the daemon's configuration changed */
        struct renew_due *due;
        size_t n_due;
        struct renew_fact *facts;
        size_t n_facts;
        /* ... and the thread's outputs. */
        struct tw_rotate_outcome *outs;
        size_t n_outs;
        char (*watch)[64]; /* old tokens waiting to be deleted: their use matters */
        size_t n_watch;
        struct tw_renewal_stats stats;

        /* The thread's own. */
        struct tw_config *cfg;
        unsigned cfg_generation;
        struct renew_backoff *backoffs;
        size_t n_backoffs;

        /* The daemon thread's own. */
        const struct tw_config *seen_cfg; /* to notice a reload */
        struct tw_renewal_stats view;     /* the stats as of the last cycle */
};

/* renew_worker.c: the thread's body. */
void *tw_renew_worker(void *arg);

#endif
