#include "helpers/webhook_receiver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpers/wait.h"
#include "lib/timeutil.h"

#define BODY_MAX (4 << 20)

struct tw_webhook_receiver {
        struct MHD_Daemon *d;
        unsigned short port;
        pthread_mutex_t lock;
        struct tw_webhook_request *reqs;
        size_t n, cap;
        int fail_status;
        unsigned fail_count; /* 0 with fail_status: forever */
        int retry_after;
        int delay_ms;
        size_t connections; /* open now */
        size_t in_flight;   /* requests begun and not completed */
};

struct conn {
        char *body;
        size_t len;
        bool too_big;
};

static char *dup_header(struct MHD_Connection *c, const char *name)
{
        const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);

        return v ? strdup(v) : NULL;
}

/* Records the request and decides the answer. */
static int record(struct tw_webhook_receiver *r, struct MHD_Connection *c, const char *url,
                  struct conn *cn)
{
        struct tw_webhook_request q = {0};
        int status = 200;

        pthread_mutex_lock(&r->lock);
        if (r->fail_status) {
                status = r->fail_status;
                if (r->fail_count && --r->fail_count == 0)
                        r->fail_status = 0;
        }
        if (r->n == r->cap) {
                size_t ncap = r->cap ? r->cap * 2 : 64;
                void *p = realloc(r->reqs, ncap * sizeof(q));

                if (p) {
                        r->reqs = p;
                        r->cap = ncap;
                }
        }
        if (r->n < r->cap) {
                q.path = strdup(url);
                q.body = cn->body ? cn->body : strdup("");
                cn->body = NULL;
                q.idempotency_key = dup_header(c, "Idempotency-Key");
                q.timestamp = dup_header(c, "X-Tokenwatch-Timestamp");
                q.signature = dup_header(c, "X-Tokenwatch-Signature");
                q.content_type = dup_header(c, "Content-Type");
                q.status = status;
                q.received_ms = (long long)(tw_mono_ns() / 1000000);
                r->reqs[r->n++] = q;
        }
        pthread_mutex_unlock(&r->lock);
        return status;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
        struct tw_webhook_receiver *r = cls;
        struct conn *cn = *con_cls;
        struct MHD_Response *resp;
        enum MHD_Result ret;
        int delay_ms;
        char ra[16];
        int status;

        (void)version;
        if (!cn) {
                cn = calloc(1, sizeof(*cn));
                *con_cls = cn;
                if (!cn)
                        return MHD_NO;
                pthread_mutex_lock(&r->lock);
                r->in_flight++;
                pthread_mutex_unlock(&r->lock);
                return MHD_YES;
        }
        if (*size) {
                if (cn->len + *size > BODY_MAX) {
                        cn->too_big = true;
                } else {
                        char *p = realloc(cn->body, cn->len + *size + 1);

                        if (!p)
                                return MHD_NO;
                        memcpy(p + cn->len, data, *size);
                        cn->len += *size;
                        p[cn->len] = '\0';
                        cn->body = p;
                }
                *size = 0;
                return MHD_YES;
        }
        pthread_mutex_lock(&r->lock);
        delay_ms = r->delay_ms;
        pthread_mutex_unlock(&r->lock);
        if (delay_ms)
                tw_test_sleep_ms(delay_ms); /* a slow receiver, for crash tests */
        status = strcmp(method, "POST") == 0 ? record(r, c, url, cn) : 405;
        if (cn->too_big)
                status = 413;
        resp = MHD_create_response_from_buffer(2, (void *)"{}", MHD_RESPMEM_PERSISTENT);
        if (!resp)
                return MHD_NO;
        MHD_add_response_header(resp, "Content-Type", "application/json");
        pthread_mutex_lock(&r->lock);
        if (status != 200 && r->retry_after >= 0) {
                snprintf(ra, sizeof(ra), "%d", r->retry_after);
                MHD_add_response_header(resp, "Retry-After", ra);
        }
        pthread_mutex_unlock(&r->lock);
        ret = MHD_queue_response(c, (unsigned)status, resp);
        MHD_destroy_response(resp);
        return ret;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
        struct tw_webhook_receiver *r = cls;

        (void)c, (void)socket_context;
        pthread_mutex_lock(&r->lock);
        if (code == MHD_CONNECTION_NOTIFY_STARTED)
                r->connections++;
        else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
                r->connections--;
        pthread_mutex_unlock(&r->lock);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode t)
{
        struct tw_webhook_receiver *r = cls;
        struct conn *cn = *con_cls;

        (void)c, (void)t;
        if (cn) {
                free(cn->body);
                free(cn);
                pthread_mutex_lock(&r->lock);
                r->in_flight--;
                pthread_mutex_unlock(&r->lock);
        }
        *con_cls = NULL;
}

int tw_webhook_receiver_start(struct tw_webhook_receiver **ret)
{
        struct tw_webhook_receiver *r = calloc(1, sizeof(*r));
        const union MHD_DaemonInfo *info;
        struct sockaddr_in sa = {0};

        if (!r)
                return -ENOMEM;
        pthread_mutex_init(&r->lock, NULL);
        r->retry_after = -1;
        sa.sin_family = AF_INET;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        r->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                                NULL, NULL, on_request, r, MHD_OPTION_SOCK_ADDR, &sa,
                                MHD_OPTION_NOTIFY_COMPLETED, on_completed, r,
                                MHD_OPTION_NOTIFY_CONNECTION, on_connection, r,
                                MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
        if (!r->d) {
                tw_webhook_receiver_stop(r);
                return -EADDRNOTAVAIL;
        }
        info = MHD_get_daemon_info(r->d, MHD_DAEMON_INFO_BIND_PORT);
        r->port = info ? info->port : 0;
        *ret = r;
        return 0;
}

void tw_webhook_request_done(struct tw_webhook_request *q)
{
        free(q->path);
        free(q->body);
        free(q->idempotency_key);
        free(q->timestamp);
        free(q->signature);
        free(q->content_type);
        memset(q, 0, sizeof(*q));
}

void tw_webhook_receiver_stop(struct tw_webhook_receiver *r)
{
        if (!r)
                return;
        if (r->d)
                MHD_stop_daemon(r->d);
        for (size_t i = 0; i < r->n; i++)
                tw_webhook_request_done(&r->reqs[i]);
        free(r->reqs);
        pthread_mutex_destroy(&r->lock);
        free(r);
}

unsigned short tw_webhook_receiver_port(const struct tw_webhook_receiver *r)
{
        return r->port;
}

void tw_webhook_receiver_fail(struct tw_webhook_receiver *r, int status, unsigned count,
                              int retry_after)
{
        pthread_mutex_lock(&r->lock);
        r->fail_status = status;
        r->fail_count = count;
        r->retry_after = retry_after;
        pthread_mutex_unlock(&r->lock);
}

size_t tw_webhook_receiver_count(struct tw_webhook_receiver *r)
{
        size_t n;

        pthread_mutex_lock(&r->lock);
        n = r->n;
        pthread_mutex_unlock(&r->lock);
        return n;
}

size_t tw_webhook_receiver_connections(struct tw_webhook_receiver *r)
{
        size_t n;

        pthread_mutex_lock(&r->lock);
        n = r->connections;
        pthread_mutex_unlock(&r->lock);
        return n;
}

size_t tw_webhook_receiver_in_flight(struct tw_webhook_receiver *r)
{
        size_t n;

        pthread_mutex_lock(&r->lock);
        n = r->in_flight;
        pthread_mutex_unlock(&r->lock);
        return n;
}

size_t tw_webhook_receiver_delivered(struct tw_webhook_receiver *r)
{
        size_t n = 0;

        pthread_mutex_lock(&r->lock);
        for (size_t i = 0; i < r->n; i++)
                n += r->reqs[i].status >= 200 && r->reqs[i].status < 300;
        pthread_mutex_unlock(&r->lock);
        return n;
}

static char *dup_opt(const char *s)
{
        return s ? strdup(s) : NULL;
}

int tw_webhook_receiver_get(struct tw_webhook_receiver *r, size_t i, struct tw_webhook_request *ret)
{
        int rc = -ERANGE;

        pthread_mutex_lock(&r->lock);
        if (i < r->n) {
                const struct tw_webhook_request *q = &r->reqs[i];

                ret->path = dup_opt(q->path);
                ret->body = dup_opt(q->body);
                ret->idempotency_key = dup_opt(q->idempotency_key);
                ret->timestamp = dup_opt(q->timestamp);
                ret->signature = dup_opt(q->signature);
                ret->content_type = dup_opt(q->content_type);
                ret->status = q->status;
                ret->received_ms = q->received_ms;
                rc = 0;
        }
        pthread_mutex_unlock(&r->lock);
        return rc;
}

void tw_webhook_receiver_delay(struct tw_webhook_receiver *r, int ms)
{
        pthread_mutex_lock(&r->lock);
        r->delay_ms = ms < 0 ? 0 : ms > 999 ? 999 : ms;
        pthread_mutex_unlock(&r->lock);
}
