/* Hostile clients on loopback: see http_attack.h. */
#include "helpers/http_attack.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "helpers/wait.h"
#include "lib/timeutil.h"

#define MAX_SOCKETS 4096
#define FLOOD_THREADS_MAX 256

struct tw_test_attack;

struct thread_arg {
        struct tw_test_attack *a;
        unsigned index; /* picks the source address */
};

struct tw_test_attack {
        struct tw_test_attack_options o;
        struct thread_arg args[FLOOD_THREADS_MAX];
        atomic_bool stop;
        int64_t end_ms;
        pthread_t threads[FLOOD_THREADS_MAX];
        unsigned n_threads;
        atomic_ulong connects, closed, responses, status_401, status_429, max_open;
};

struct slot {
        int fd;
        bool connected;
        int64_t next_ms; /* next byte, or the next connection attempt when fd < 0 */
};

static int64_t now_ms(void)
{
        return tw_mono_ns() / 1000000;
}

static bool running(struct tw_test_attack *a)
{
        return !atomic_load(&a->stop) && now_ms() < a->end_ms;
}

/* A TCP socket bound to source address 127.0.0.(2 + i % sources), connecting
 * to 127.0.0.1:port (non-blocking when asked); -1 on failure. */
static int open_from(struct tw_test_attack *a, unsigned i, bool nonblock)
{
        unsigned sources = a->o.sources ? a->o.sources : 1;
        struct sockaddr_in src = {.sin_family = AF_INET}, dst = {.sin_family = AF_INET};
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);

        if (fd < 0)
                return -1;
        src.sin_addr.s_addr = htonl(0x7f000002u + i % sources);
        dst.sin_addr.s_addr = htonl(0x7f000001u);
        dst.sin_port = htons(a->o.port);
        if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0 ||
            (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 && errno != EINPROGRESS)) {
                close(fd);
                return -1;
        }
        atomic_fetch_add(&a->connects, 1);
        return fd;
}

static void slot_close(struct tw_test_attack *a, struct slot *s, bool by_server, int64_t now)
{
        if (by_server)
                atomic_fetch_add(&a->closed, 1);
        close(s->fd);
        s->fd = -1;
        s->connected = false;
        s->next_ms = now + 100; /* reconnect, without spinning on a refusing server */
}

/* One pass over the slowloris sockets after poll: connect, read, trickle. */
static void slowloris_step(struct tw_test_attack *a, struct slot *slots, struct pollfd *pfd,
                           unsigned n, unsigned interval)
{
        static const char line[] = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
        int64_t now = now_ms();
        unsigned long open = 0;
        char junk[512];

        for (unsigned i = 0; i < n; i++) {
                struct slot *s = &slots[i];

                if (s->fd < 0) {
                        if (now >= s->next_ms && (s->fd = open_from(a, i, true)) < 0)
                                s->next_ms = now + 100;
                        continue;
                }
                if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) {
                        ssize_t r = recv(s->fd, junk, sizeof(junk), MSG_DONTWAIT);

                        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
                                slot_close(a, s, true, now);
                                continue;
                        }
                }
                if (!s->connected && (pfd[i].revents & POLLOUT)) {
                        s->connected = true;
                        if (send(s->fd, line, sizeof(line) - 1, MSG_NOSIGNAL) < 0) {
                                slot_close(a, s, true, now);
                                continue;
                        }
                        s->next_ms = now + interval * (i % 16 + 1) / 16;
                }
                if (s->connected && now >= s->next_ms) {
                        if (send(s->fd, "a", 1, MSG_NOSIGNAL) < 0) {
                                slot_close(a, s, true, now);
                                continue;
                        }
                        s->next_ms = now + interval;
                }
                open += s->connected;
        }
        if (open > atomic_load(&a->max_open))
                atomic_store(&a->max_open, open);
}

static void *slowloris_main(void *arg)
{
        struct tw_test_attack *a = ((struct thread_arg *)arg)->a;
        unsigned n = a->o.sockets, interval = a->o.byte_interval_ms ? a->o.byte_interval_ms : 3000;
        struct slot *slots = calloc(n, sizeof(*slots));
        struct pollfd *pfd = calloc(n, sizeof(*pfd));

        if (!slots || !pfd)
                goto out;
        for (unsigned i = 0; i < n; i++)
                slots[i].fd = -1;
        while (running(a)) {
                for (unsigned i = 0; i < n; i++) {
                        pfd[i].fd = slots[i].fd;
                        pfd[i].events = slots[i].connected ? POLLIN : POLLOUT;
                        pfd[i].revents = 0;
                }
                poll(pfd, n, 50);
                slowloris_step(a, slots, pfd, n, interval);
        }
        for (unsigned i = 0; i < n; i++)
                if (slots[i].fd >= 0)
                        close(slots[i].fd);
out:
        free(slots);
        free(pfd);
        return NULL;
}

/* One flood request on a fresh connection: the status, or 0. */
static int flood_once(struct tw_test_attack *a, unsigned i)
{
        struct timeval tv = {.tv_sec = 10};
        char req[1024], resp[4096];
        size_t got = 0;
        int fd, n, status = 0;

        fd = open_from(a, i, false);
        if (fd < 0)
                return 0;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        n = snprintf(req, sizeof(req),
                     "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: %s\r\n"
                     "Connection: close\r\n\r\n",
                     a->o.authorization ? a->o.authorization : "Basic cHJvbTp3cm9uZw==");
        if (send(fd, req, (size_t)n, MSG_NOSIGNAL) == n) {
                ssize_t r;

                while (got < sizeof(resp) - 1 &&
                       (r = recv(fd, resp + got, sizeof(resp) - 1 - got, 0)) > 0)
                        got += (size_t)r;
        }
        resp[got] = '\0';
        if (sscanf(resp, "HTTP/1.%*d %d", &status) != 1)
                status = 0;
        close(fd);
        return status;
}

static void *flood_main(void *arg)
{
        struct tw_test_attack *a = ((struct thread_arg *)arg)->a;
        unsigned me = ((struct thread_arg *)arg)->index;

        while (running(a)) {
                int status = flood_once(a, me);

                if (status) {
                        atomic_fetch_add(&a->responses, 1);
                        atomic_fetch_add(status == 401 ? &a->status_401 : &a->status_429,
                                         status == 401 || status == 429);
                } else {
                        atomic_fetch_add(&a->closed, 1);
                        tw_test_sleep_ms(10); /* the server closed: reconnect soon */
                }
        }
        return NULL;
}

int tw_test_attack_start(const struct tw_test_attack_options *o, struct tw_test_attack **ret)
{
        struct tw_test_attack *a;
        unsigned n;
        int r = 0;

        if (!o->port || !o->sockets || o->sockets > MAX_SOCKETS ||
            (o->kind == TW_TEST_PASSWORD_FLOOD && o->sockets > FLOOD_THREADS_MAX))
                return -EINVAL;
        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        a->o = *o;
        a->end_ms = now_ms() + 1000 * (int64_t)(o->seconds ? o->seconds : 60);
        n = o->kind == TW_TEST_SLOWLORIS ? 1 : o->sockets;
        atomic_store(&a->stop, false);
        for (unsigned i = 0; i < n; i++) {
                a->args[i] = (struct thread_arg){a, i};
                r = -pthread_create(&a->threads[i], NULL,
                                    o->kind == TW_TEST_SLOWLORIS ? slowloris_main : flood_main,
                                    &a->args[i]);
                if (r < 0)
                        break;
                a->n_threads = i + 1;
        }
        if (r < 0) {
                tw_test_attack_stop(a, NULL);
                return r;
        }
        *ret = a;
        return 0;
}

void tw_test_attack_stats(struct tw_test_attack *a, struct tw_test_attack_stats *ret)
{
        ret->connects = atomic_load(&a->connects);
        ret->closed = atomic_load(&a->closed);
        ret->responses = atomic_load(&a->responses);
        ret->status_401 = atomic_load(&a->status_401);
        ret->status_429 = atomic_load(&a->status_429);
        ret->max_open = atomic_load(&a->max_open);
}

void tw_test_attack_stop(struct tw_test_attack *a, struct tw_test_attack_stats *ret)
{
        if (!a)
                return;
        atomic_store(&a->stop, true);
        for (unsigned i = 0; i < a->n_threads; i++)
                pthread_join(a->threads[i], NULL);
        if (ret)
                tw_test_attack_stats(a, ret);
        free(a);
}
