#ifndef TW_AGENT_DAEMON_AUDITLOG_INTERNAL_H
#define TW_AGENT_DAEMON_AUDITLOG_INTERNAL_H

/* Shared by agent/daemon/auditlog*.c only: the audit-log readers' state. */

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config/config.h"
#include "exporters/metrics/usage.h"
#include "lib/log.h"

struct tw_auditlog_collector;
struct tw_usage;

/* What one fetch needs, made on the daemon's thread, owned by the reader. */
struct params {
        enum tw_auditlog_mode mode;
        int64_t backfill, interval;
        char *base_url, *api_url, *org, *state_dir, *state_file, *bearer;
        char **ids;
        size_t n_ids;
};

/* One organization's reader, on a thread of its own. */
struct tw_auditlog_reader {
        pthread_mutex_t lock;
        pthread_cond_t cond; /* CLOCK_MONOTONIC */
        pthread_t thread;
        bool started;
        volatile sig_atomic_t cancel; /* stops the thread, aborts a fetch */
        char *key;                    /* its organization's section, across reloads */

        /* Under lock, from the daemon's thread to the reader. */
        struct params *next;
        /* Under lock, from the reader to the daemon's thread. */
        struct tw_usage *published; /* the newest copy, not taken yet */
        struct tw_auditlog_status status;
        /* Called (lock not held) on the reader's thread after each fetch
         * (new usage, or only new status). */
        void (*on_news)(void *userdata);
        void *userdata;

        /* The reader's own. */
        struct params *cur;
        struct tw_auditlog_collector *col;
        bool denied; /* enabled = auto and a 403: off */
        int64_t next_fetch_ns;
        struct tw_complain complain;

        /* The daemon thread's own. */
        struct tw_usage *taken;
        struct tw_auditlog_status view;
};

/* Every organization's reader (d->audit_logs), in the config's order. */
struct tw_daemon_usage {
        struct tw_auditlog_reader **readers;
        size_t n;
        struct tw_usage *merged;        /* several organizations: d->usage points here */
        struct tw_auditlog_status view; /* the readers' together, for the metrics */
        atomic_bool news;               /* a reader fetched since the daemon's thread looked */
        int wake_fd;                    /* written to wake the daemon's thread, or -1 */
};

void tw_daemon_usage_params_free(struct params *p);
/* The reader thread's body (agent/daemon/auditlog_reader.c); arg: the reader. */
void *tw_daemon_usage_reader(void *arg);

#endif
