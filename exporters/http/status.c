/* The status page on demand.  It is 14 MB of HTML at 10,000 tokens, and
 * rendering and compressing it was a third of a cycle's CPU while nobody
 * had it open (bench/RESULTS.md): the daemon renders it each cycle only
 * while someone is watching (tw_http_server_status_watched), and otherwise
 * marks the published page stale; a request for a stale page asks for a
 * new one and waits for it, bounded. */
#include "exporters/http/server.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "exporters/http/server_internal.h"
#include "lib/timeutil.h"

void tw_http_server_status_init(struct tw_http_server *s, const struct tw_http_server_options *o)
{
        pthread_condattr_t ca;

        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&s->status_published, &ca);
        pthread_condattr_destroy(&ca);
        s->status_wanted = o->status_wanted;
        s->status_wanted_ctx = o->status_wanted_ctx;
        s->status_wait_ms = o->status_wait_ms ? o->status_wait_ms : TW_HTTP_STATUS_WAIT_MS;
        atomic_init(&s->status_asked_ns, 0);
}

void tw_http_server_status_release(struct tw_http_server *s)
{
        pthread_mutex_lock(&s->lock);
        s->stopping = true;
        pthread_cond_broadcast(&s->status_published);
        pthread_mutex_unlock(&s->lock);
}

void tw_http_server_status_done(struct tw_http_server *s)
{
        pthread_cond_destroy(&s->status_published);
}

void tw_http_server_status_stale(struct tw_http_server *s)
{
        pthread_mutex_lock(&s->lock);
        s->status_stale = true;
        pthread_mutex_unlock(&s->lock);
}

/* Called by the publication, lock held. */
void tw_http_server_status_fresh(struct tw_http_server *s)
{
        s->status_stale = false;
        pthread_cond_broadcast(&s->status_published);
}

bool tw_http_server_status_watched(struct tw_http_server *s, int64_t within_s)
{
        int64_t at = atomic_load(&s->status_asked_ns);

        return at > 0 && tw_mono_ns() - at <= within_s * 1000000000LL;
}

void tw_http_server_status_wait(struct tw_http_server *s)
{
        int64_t now = tw_mono_ns();
        struct timespec until = tw_mono_timespec(now + (int64_t)s->status_wait_ms * 1000000);
        bool ask;

        atomic_store(&s->status_asked_ns, now > 0 ? now : 1);
        pthread_mutex_lock(&s->lock);
        ask = s->status_stale && s->status_wanted && !s->stopping && s->status_waiters == 0;
        if (ask)
                s->status_waiters++;
        pthread_mutex_unlock(&s->lock);
        if (!ask)
                return;
        s->status_wanted(s->status_wanted_ctx);
        pthread_mutex_lock(&s->lock);
        while (s->status_stale && !s->stopping &&
               pthread_cond_timedwait(&s->status_published, &s->lock, &until) != ETIMEDOUT)
                ;
        s->status_waiters--;
        pthread_mutex_unlock(&s->lock);
}
