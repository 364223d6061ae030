#include "exporters/http/deadline_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "lib/timeutil.h"

/* How often the sweeper looks: the deadline is kept to within this. */
#define SWEEP_MS 100

struct tracked {
        int fd;
        uint64_t start_ms; /* the current request's start */
        bool shut;
        struct tracked *prev, *next;
};

struct tw_http_deadlines {
        uint64_t timeout_ms;
        unsigned max_open;    /* 0: none */
        unsigned open;        /* tracked connections not shut down */
        pthread_mutex_t lock; /* guards the list and stopping */
        pthread_cond_t wake;
        struct tracked *head;
        bool stopping;
        pthread_t sweeper;
        atomic_ulong expired, evicted;
};

static uint64_t mono_ms(void)
{
        return (uint64_t)(tw_mono_ns() / 1000000);
}

/* Shuts down every socket whose request is past the deadline. */
static void sweep(struct tw_http_deadlines *d, uint64_t now)
{
        for (struct tracked *t = d->head; t; t = t->next) {
                if (t->shut || now - t->start_ms < d->timeout_ms)
                        continue;
                /* Counted first: whoever sees the socket close sees the count. */
                atomic_fetch_add(&d->expired, 1);
                shutdown(t->fd, SHUT_RDWR);
                t->shut = true;
                d->open--;
        }
}

/* Over max_open (lock held): shuts down the connection whose request has
 * waited longest.  The newest connection (the list's head) is never it. */
static void evict_oldest(struct tw_http_deadlines *d)
{
        struct tracked *oldest = NULL;

        for (struct tracked *t = d->head ? d->head->next : NULL; t; t = t->next)
                if (!t->shut && (!oldest || t->start_ms < oldest->start_ms))
                        oldest = t;
        if (!oldest)
                return;
        atomic_fetch_add(&d->evicted, 1);
        shutdown(oldest->fd, SHUT_RDWR);
        oldest->shut = true;
        d->open--;
}

static void *sweeper_main(void *arg)
{
        struct tw_http_deadlines *d = arg;

        pthread_mutex_lock(&d->lock);
        while (!d->stopping) {
                struct timespec until =
                        tw_mono_timespec(tw_mono_ns() + SWEEP_MS * INT64_C(1000000));

                pthread_cond_timedwait(&d->wake, &d->lock, &until);
                sweep(d, mono_ms());
        }
        pthread_mutex_unlock(&d->lock);
        return NULL;
}

int tw_http_deadlines_new(uint64_t timeout_ms, unsigned max_open, struct tw_http_deadlines **ret)
{
        struct tw_http_deadlines *d = calloc(1, sizeof(*d));
        pthread_condattr_t ca;
        int r;

        if (!d)
                return -ENOMEM;
        d->timeout_ms = timeout_ms;
        d->max_open = max_open;
        pthread_mutex_init(&d->lock, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&d->wake, &ca);
        pthread_condattr_destroy(&ca);
        r = pthread_create(&d->sweeper, NULL, sweeper_main, d);
        if (r != 0) {
                pthread_cond_destroy(&d->wake);
                pthread_mutex_destroy(&d->lock);
                free(d);
                return -r;
        }
        *ret = d;
        return 0;
}

void tw_http_deadlines_free(struct tw_http_deadlines *d)
{
        if (!d)
                return;
        pthread_mutex_lock(&d->lock);
        d->stopping = true;
        pthread_cond_signal(&d->wake);
        pthread_mutex_unlock(&d->lock);
        pthread_join(d->sweeper, NULL);
        /* MHD reported every connection closed before it stopped. */
        while (d->head) {
                struct tracked *t = d->head;

                d->head = t->next;
                free(t);
        }
        pthread_cond_destroy(&d->wake);
        pthread_mutex_destroy(&d->lock);
        free(d);
}

void tw_http_deadlines_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe)
{
        struct tw_http_deadlines *d = cls;
        struct tracked *t = *socket_context;
        const union MHD_ConnectionInfo *ci;

        if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
                ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
                t = ci ? calloc(1, sizeof(*t)) : NULL;
                if (!t)
                        return; /* untracked: MHD's idle timeout still applies */
                t->fd = ci->connect_fd;
                t->start_ms = mono_ms();
                pthread_mutex_lock(&d->lock);
                t->next = d->head;
                if (d->head)
                        d->head->prev = t;
                d->head = t;
                if (++d->open > d->max_open && d->max_open)
                        evict_oldest(d);
                pthread_mutex_unlock(&d->lock);
                *socket_context = t;
                return;
        }
        if (!t)
                return;
        pthread_mutex_lock(&d->lock);
        if (t->prev)
                t->prev->next = t->next;
        else
                d->head = t->next;
        if (t->next)
                t->next->prev = t->prev;
        if (!t->shut)
                d->open--;
        pthread_mutex_unlock(&d->lock);
        free(t);
        *socket_context = NULL;
}

void tw_http_deadlines_restart(struct tw_http_deadlines *d, struct MHD_Connection *c)
{
        const union MHD_ConnectionInfo *ci =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        struct tracked *t = ci ? ci->socket_context : NULL;

        if (!t)
                return;
        pthread_mutex_lock(&d->lock);
        t->start_ms = mono_ms();
        pthread_mutex_unlock(&d->lock);
}

unsigned long tw_http_deadlines_expired(const struct tw_http_deadlines *d)
{
        return d ? atomic_load(&d->expired) : 0;
}

unsigned long tw_http_deadlines_evicted(const struct tw_http_deadlines *d)
{
        return d ? atomic_load(&d->evicted) : 0;
}
