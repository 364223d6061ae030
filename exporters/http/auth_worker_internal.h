#ifndef TW_EXPORTERS_HTTP_AUTH_WORKER_INTERNAL_H
#define TW_EXPORTERS_HTTP_AUTH_WORKER_INTERNAL_H

/*
 * bcrypt checks off the metrics server's connection threads; internal to
 * exporters/http/server.c.
 *
 * A check that misses the cache runs bcrypt (tens of milliseconds at cost
 * 10).  Run on an MHD worker thread, it would hold up every other
 * connection of that thread, an authorised scrape included.  Instead the
 * access handler suspends its connection (MHD_suspend_connection) and
 * submits a job; TW_HTTP_AUTH_WORKERS threads run the jobs and resume the
 * connections, and MHD calls the handler again, which answers from the
 * job.  Jobs from addresses with failed logins on record wait behind the
 * others, so a scraper's login is not queued behind an attack's.  At most
 * TW_HTTP_AUTH_QUEUE_MAX jobs wait; beyond that a request is
 * answered 503 at once (the throttle in auth_internal.h allows one job per
 * client address, so the queue fills only from that many addresses).
 *
 * Thread-safe.  Stop it (tw_http_auth_worker_stop) before MHD_stop_daemon:
 * it resumes every connection it holds, as MHD requires; free it after.
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "exporters/http/auth_internal.h"

struct MHD_Connection;
struct tw_http_auth_worker;

#define TW_HTTP_AUTH_WORKERS 2
#define TW_HTTP_AUTH_QUEUE_MAX 64

/* One pending check, owned by the request (its req_cls). */
struct tw_http_auth_job {
        struct MHD_Connection *connection;
        struct sockaddr_storage client;
        char *user;
        char *password;               /* wiped when freed */
        enum tw_http_auth_result res; /* valid once done */
        bool busy;                    /* refused: queue full or stopping (503) */
        bool suspect;                 /* its address failed before: runs last */
        atomic_bool done;
        struct tw_http_auth_job *next;
};

int tw_http_auth_worker_new(struct tw_http_auth *a, struct tw_http_auth_worker **ret);
/* Stops the threads; jobs not started are answered busy and resumed, and
 * later submissions too.  Idempotent; NULL-safe. */
void tw_http_auth_worker_stop(struct tw_http_auth_worker *w);
/* Stops (if needed) and frees; no submission may run or follow.  NULL-safe. */
void tw_http_auth_worker_free(struct tw_http_auth_worker *w);

/* Suspends the job's connection and queues the job (which must stay alive
 * until done).  When the queue is full or the worker stopping, marks the
 * job busy and done and resumes the connection at once.  Called from the
 * MHD access handler only. */
void tw_http_auth_worker_submit(struct tw_http_auth_worker *w, struct tw_http_auth_job *job);

/* Frees a job (NULL-safe); the password is wiped. */
void tw_http_auth_job_free(struct tw_http_auth_job *job);

#endif
