/* Several copies checked at once on worker threads, cancelled together at
 * a deadline (agent/cmd/copies.h). */
#include "agent/cmd/copies.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/config/config.h"
#include "lib/timeutil.h"

static bool is_due(const struct tw_copy_checks *k, size_t i)
{
        return !k->due || k->due[i];
}

/* The next due copy for a worker, or k->n when none is left. */
static size_t take(struct tw_copy_checks *k)
{
        size_t i;

        pthread_mutex_lock(&k->lock);
        while (k->next < k->n && !is_due(k, k->next))
                k->next++;
        /* cancelled: the copies not started keep their last state */
        i = k->next < k->n && !k->cancel ? k->next++ : k->n;
        pthread_mutex_unlock(&k->lock);
        return i;
}

/* Checks due copies until none is left. */
static void *work(void *arg)
{
        struct tw_copy_checks *k = arg;
        size_t i;

        while ((i = take(k)) < k->n) {
                int64_t retry = 0;

                tw_agent_check_copy(&k->configs[i], k->now, &k->cancel, &k->states[i], &retry);
                if (k->retry_after)
                        k->retry_after[i] = retry;
        }
        pthread_mutex_lock(&k->lock);
        k->running--;
        pthread_cond_broadcast(&k->cond);
        pthread_mutex_unlock(&k->lock);
        return NULL;
}

int tw_copy_checks_start(struct tw_copy_checks *k)
{
        size_t due = 0, want;
        sigset_t block, old;
        int r = 0;

        k->cancel = 0;
        k->next = 0;
        k->running = 0;
        k->n_threads = 0;
        for (size_t i = 0; i < k->n; i++)
                due += is_due(k, i);
        if (pthread_mutex_init(&k->lock, NULL) != 0)
                return -ENOMEM;
        if (pthread_cond_init(&k->cond, NULL) != 0) {
                pthread_mutex_destroy(&k->lock);
                return -ENOMEM;
        }
        k->started = true;
        want = due < TW_COPY_CHECK_THREADS ? due : TW_COPY_CHECK_THREADS;
        /* Signals stay with the main thread. */
        sigfillset(&block);
        pthread_sigmask(SIG_BLOCK, &block, &old);
        for (size_t t = 0; t < want; t++) {
                pthread_mutex_lock(&k->lock);
                k->running++;
                pthread_mutex_unlock(&k->lock);
                if (pthread_create(&k->threads[k->n_threads], NULL, work, k) != 0) {
                        pthread_mutex_lock(&k->lock);
                        k->running--;
                        pthread_mutex_unlock(&k->lock);
                        r = k->n_threads ? 0 : -EAGAIN;
                        break;
                }
                k->n_threads++;
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return r;
}

/* The absolute CLOCK_REALTIME time 100 ms from now, for a timed wait. */
static struct timespec soon(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100000000L;
        if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
        }
        return ts;
}

/* Says of the checks cut at the deadline that they were. */
static void mark_cut(struct tw_copy_checks *k)
{
        for (size_t i = 0; i < k->n; i++)
                if (is_due(k, i) && k->states[i].status == TW_COPY_STATE_FAILED &&
                    k->states[i].error == -ECANCELED && k->states[i].checked_at == k->now)
                        snprintf(k->states[i].message, sizeof(k->states[i].message),
                                 "the check did not finish before the cycle's deadline");
}

void tw_copy_checks_wait(struct tw_copy_checks *k, int64_t deadline_ns,
                         volatile sig_atomic_t *interrupt)
{
        bool late = false;

        if (!k->started)
                return;
        if (k->n_threads == 0) {
                /* No worker could start: check here, in turn. */
                pthread_mutex_lock(&k->lock);
                k->running++;
                pthread_mutex_unlock(&k->lock);
                work(k);
        }
        pthread_mutex_lock(&k->lock);
        while (k->running > 0) {
                struct timespec ts = soon();

                if (deadline_ns && tw_mono_ns() >= deadline_ns && !k->cancel) {
                        k->cancel = 1;
                        late = true;
                }
                if (interrupt && *interrupt)
                        k->cancel = 1;
                pthread_cond_timedwait(&k->cond, &k->lock, &ts);
        }
        pthread_mutex_unlock(&k->lock);
        for (size_t t = 0; t < k->n_threads; t++)
                pthread_join(k->threads[t], NULL);
        pthread_cond_destroy(&k->cond);
        pthread_mutex_destroy(&k->lock);
        if (late)
                mark_cut(k);
        k->started = false;
        k->n_threads = 0;
}

size_t tw_agent_check_copies(const struct tw_config *cfg, int64_t now, int64_t deadline_ns,
                             struct tw_copy_state *states)
{
        struct tw_copy_checks k = {
                .configs = cfg->copies, .states = states, .n = cfg->n_copies, .now = now};
        size_t n_failed = 0;

        for (size_t i = 0; i < cfg->n_copies; i++)
                tw_copy_state_init(&states[i]);
        if (tw_copy_checks_start(&k) == 0 || k.started)
                tw_copy_checks_wait(&k, deadline_ns, NULL);
        for (size_t i = 0; i < cfg->n_copies; i++)
                n_failed += states[i].status == TW_COPY_STATE_FAILED;
        return n_failed;
}
