#include "exporters/http/auth_worker_internal.h"

#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "lib/secret.h"
#include "lib/timeutil.h"

struct tw_http_auth_worker {
        struct tw_http_auth *auth;
        pthread_mutex_t lock; /* guards the queue and stopping */
        pthread_cond_t wake;
        struct tw_http_auth_job *head[2], *tail[2]; /* clean, suspect */
        size_t queued;
        bool stopping;
        pthread_t threads[TW_HTTP_AUTH_WORKERS];
        unsigned n_threads;
};

/* Marks the job done and hands its connection back to MHD. */
static void complete(struct tw_http_auth_job *job)
{
        atomic_store(&job->done, true);
        MHD_resume_connection(job->connection);
}

static void *worker_main(void *arg)
{
        struct tw_http_auth_worker *w = arg;

        pthread_mutex_lock(&w->lock);
        for (;;) {
                int q = w->head[0] ? 0 : 1;
                struct tw_http_auth_job *job = w->head[q];

                if (!job) {
                        if (w->stopping)
                                break;
                        pthread_cond_wait(&w->wake, &w->lock);
                        continue;
                }
                w->head[q] = job->next;
                if (!w->head[q])
                        w->tail[q] = NULL;
                w->queued--;
                if (w->stopping) {
                        tw_http_auth_abandon(w->auth, (const struct sockaddr *)&job->client);
                        job->busy = true;
                        job->res = TW_HTTP_AUTH_DENIED;
                        complete(job);
                        continue;
                }
                pthread_mutex_unlock(&w->lock);
                job->res =
                        tw_http_auth_finish(w->auth, (const struct sockaddr *)&job->client,
                                            job->user, job->password, (tw_mono_ns() / 1000000000));
                complete(job);
                pthread_mutex_lock(&w->lock);
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

int tw_http_auth_worker_new(struct tw_http_auth *a, struct tw_http_auth_worker **ret)
{
        struct tw_http_auth_worker *w = calloc(1, sizeof(*w));
        int r = 0;

        if (!w)
                return -ENOMEM;
        w->auth = a;
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->wake, NULL);
        for (unsigned i = 0; i < TW_HTTP_AUTH_WORKERS; i++) {
                r = -pthread_create(&w->threads[i], NULL, worker_main, w);
                if (r < 0)
                        break;
                w->n_threads = i + 1;
        }
        if (r < 0) {
                tw_http_auth_worker_free(w);
                return r;
        }
        *ret = w;
        return 0;
}

void tw_http_auth_worker_stop(struct tw_http_auth_worker *w)
{
        unsigned n;

        if (!w)
                return;
        pthread_mutex_lock(&w->lock);
        w->stopping = true;
        pthread_cond_broadcast(&w->wake);
        n = w->n_threads;
        w->n_threads = 0;
        pthread_mutex_unlock(&w->lock);
        for (unsigned i = 0; i < n; i++)
                pthread_join(w->threads[i], NULL);
}

void tw_http_auth_worker_free(struct tw_http_auth_worker *w)
{
        if (!w)
                return;
        tw_http_auth_worker_stop(w);
        pthread_cond_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        free(w);
}

void tw_http_auth_worker_submit(struct tw_http_auth_worker *w, struct tw_http_auth_job *job)
{
        bool queued = false;

        /* Suspend first: a resume that came before the suspend would be lost. */
        MHD_suspend_connection(job->connection);
        pthread_mutex_lock(&w->lock);
        if (!w->stopping && w->n_threads && w->queued < TW_HTTP_AUTH_QUEUE_MAX) {
                int q = job->suspect;

                job->next = NULL;
                if (w->tail[q])
                        w->tail[q]->next = job;
                else
                        w->head[q] = job;
                w->tail[q] = job;
                w->queued++;
                queued = true;
                pthread_cond_signal(&w->wake);
        }
        pthread_mutex_unlock(&w->lock);
        if (!queued) {
                tw_http_auth_abandon(w->auth, (const struct sockaddr *)&job->client);
                job->busy = true;
                job->res = TW_HTTP_AUTH_DENIED;
                complete(job);
        }
}

void tw_http_auth_job_free(struct tw_http_auth_job *job)
{
        if (!job)
                return;
        free(job->user);
        tw_secret_free(job->password);
        free(job);
}
