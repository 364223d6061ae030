/*
 * tw-storesim: the libmicrohttpd server, authentication, the rate limit,
 * faults and dispatch to the kind.  One thread per connection, so a hang
 * fault never blocks other requests.  URLs reach the handlers still
 * escaped (a no-op unescaper): GitLab's "acme%2Fdags" is one path segment.
 */
#include "storesim_internal.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/fnv.h"
#include "lib/readfile.h"
#include "lib/secret.h"
#include "lib/timeutil.h"

#define STORE_MAX_BODY ((size_t)1 << 20)
#define HOUR_MS 3600000LL

struct upload {
        struct tw_buf body;
        bool too_big;
};

int tw_storesim_kind_from_string(const char *s, enum tw_storesim_kind *ret)
{
        static const char *const names[] = {"github", "gitlab", "vault", "kubernetes"};

        for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++) {
                if (strcmp(s, names[i]) == 0) {
                        *ret = (enum tw_storesim_kind)i;
                        return 0;
                }
        }
        return -EINVAL;
}

void store_sleep(struct tw_storesim *s, int ms)
{
        struct timespec ts;

        if (ms <= 0)
                return;
        ts = tw_mono_timespec(tw_mono_ns() + ms * INT64_C(1000000));
        pthread_mutex_lock(&s->lock);
        while (!s->stopping && pthread_cond_timedwait(&s->stop_cond, &s->lock, &ts) != ETIMEDOUT)
                ;
        pthread_mutex_unlock(&s->lock);
}

/* Compares without an early exit on the first differing byte. */
static bool ct_equal(const char *secret, const char *given)
{
        size_t sn = strlen(secret), gn = strlen(given);
        volatile unsigned char d = sn != gn;

        for (size_t i = 0; i < gn; i++)
                d |= (unsigned char)given[i] ^ (unsigned char)(i < sn ? secret[i] : 0);
        return d == 0;
}

static enum store_auth authenticate(struct tw_storesim *s, struct MHD_Connection *conn)
{
        const char *c = s->kind->credential(conn);

        if (!c)
                return STORE_AUTH_NONE;
        if (ct_equal(s->credential, c))
                return STORE_AUTH_FULL;
        if (s->read_credential && ct_equal(s->read_credential, c))
                return STORE_AUTH_READ;
        return STORE_AUTH_BAD;
}

/* FNV-1a of the credential presented: the rate window's key. */
static uint64_t rate_key(struct tw_storesim *s, struct MHD_Connection *conn)
{
        const char *c = s->kind->credential(conn);

        return tw_fnv1a_str(c ? c : "");
}

/* Counts the request in its credential's fixed window; false when over. */
static bool rate_allow_locked(struct tw_storesim *s, uint64_t key, int64_t now_ms,
                              struct store_rate **ret)
{
        struct store_rate *r = NULL;

        for (size_t i = 0; i < s->n_rates && !r; i++)
                if (s->rates[i].key == key)
                        r = &s->rates[i];
        if (!r) {
                if (s->n_rates == STORE_RATE_SLOTS)
                        s->n_rates = 0;
                r = &s->rates[s->n_rates++];
                *r = (struct store_rate){.key = key, .start_ms = now_ms};
        }
        if (now_ms - r->start_ms >= s->rate_window_ms) {
                r->start_ms = now_ms;
                r->used = 0;
        }
        *ret = r;
        if (r->used >= s->rate_limit)
                return false;
        r->used++;
        return true;
}

static enum MHD_Result queue(struct MHD_Connection *conn, struct store_reply *rp)
{
        struct MHD_Response *resp;
        enum MHD_Result ret;
        char ra[16];

        if (rp->drop)
                return MHD_NO;
        resp = MHD_create_response_from_buffer(rp->body_len, rp->body, MHD_RESPMEM_MUST_FREE);
        if (!resp)
                return MHD_NO;
        rp->body = NULL;
        if (rp->status != 204)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                        rp->content_type ? rp->content_type
                                                         : "application/json; charset=utf-8");
        for (size_t i = 0; i < rp->n_headers; i++)
                MHD_add_response_header(resp, rp->headers[i].name, rp->headers[i].value);
        if (rp->retry_after >= 0) {
                snprintf(ra, sizeof(ra), "%d", rp->retry_after);
                MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
        }
        ret = MHD_queue_response(conn, (unsigned)rp->status, resp);
        MHD_destroy_response(resp);
        return ret;
}

/* Applies a fault that replaces the answer; false if f does not. */
static bool fault_reply(struct store_req *rq, const struct tw_sim_fault *f, struct store_reply *rp)
{
        if (f->type == TW_SIM_FAULT_STATUS) {
                rq->s->kind->error(rq, rp, f->status, "injected fault");
                rp->retry_after = f->retry_after;
                return true;
        }
        if (f->type == TW_SIM_FAULT_MALFORMED) {
                store_reply_text(rp, 200, "<html><body>502 Bad Gateway</body></html>");
                rp->content_type = "text/html";
                return true;
        }
        if (f->type == TW_SIM_FAULT_DROP) {
                rp->drop = true;
                return true;
        }
        return false;
}

/* Rate limit, fault, then the kind's route; the reply is filled. */
static void answer(struct store_req *rq, struct store_reply *rp)
{
        struct tw_storesim *s = rq->s;
        struct tw_sim_fault fault;
        struct store_rate *rate = NULL;
        bool allowed = true, faulty = false;
        int64_t now_ms = tw_mono_ns() / 1000000;
        char path[2048];

        snprintf(path, sizeof(path), "%s", rq->path);
        pthread_mutex_lock(&s->lock);
        rq->seq = ++s->seq;
        s->stats.requests++;
        if (s->rate_limit > 0)
                allowed = rate_allow_locked(s, rate_key(s, rq->conn), now_ms, &rate);
        if (allowed)
                faulty = sim_faults_pick(&s->faults, rq->method, path, &fault);
        pthread_mutex_unlock(&s->lock);
        if (!allowed) {
                s->kind->rate_limited(rq, rp, s->rate_limit,
                                      tw_now() +
                                              (rate->start_ms + s->rate_window_ms - now_ms) / 1000);
        } else if (!faulty || !fault_reply(rq, &fault, rp)) {
                if (faulty && fault.type == TW_SIM_FAULT_HANG)
                        store_sleep(s, fault.hang_ms);
                pthread_mutex_lock(&s->lock);
                rq->auth = authenticate(s, rq->conn);
                s->kind->handle(rq, rp);
                pthread_mutex_unlock(&s->lock);
                if (faulty && fault.type == TW_SIM_FAULT_DROP_AFTER)
                        rp->drop = true;
        }
        if (rate && s->kind->decorate)
                s->kind->decorate(rp, s->rate_limit, rate->used,
                                  tw_now() + (rate->start_ms + s->rate_window_ms - now_ms) / 1000);
}

static enum MHD_Result handle_api(struct tw_storesim *s, struct MHD_Connection *conn,
                                  const char *url, const char *method, struct upload *u)
{
        struct store_reply rp = {.status = 500, .retry_after = -1};
        struct store_req rq = {.s = s,
                               .conn = conn,
                               .method = method,
                               .path = url,
                               .body = u->body.ptr ? u->body.ptr : "",
                               .body_len = u->body.len};
        enum MHD_Result ret;

        if (u->too_big) {
                s->kind->error(&rq, &rp, 413, "request body too large");
        } else {
                answer(&rq, &rp);
        }
        pthread_mutex_lock(&s->lock);
        if ((rp.status == 429 || rp.rate_limited) && !rp.drop)
                s->stats.status_429++;
        store_log_locked(s, &rq, rp.drop ? 0 : rp.status);
        pthread_mutex_unlock(&s->lock);
        ret = queue(conn, &rp);
        free(rp.body);
        return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
        struct tw_storesim *s = cls;
        struct upload *u = *con_cls;
        struct store_reply rp = {.status = 500, .retry_after = -1};
        enum MHD_Result ret;

        (void)version;
        if (!u) {
                u = calloc(1, sizeof(*u));
                if (!u)
                        return MHD_NO;
                tw_buf_init(&u->body, STORE_MAX_BODY);
                *con_cls = u;
                return MHD_YES;
        }
        if (*size) {
                if (tw_buf_add(&u->body, data, *size) < 0)
                        u->too_big = true;
                *size = 0;
                return MHD_YES;
        }
        if (strncmp(url, "/_store/", 8) != 0)
                return handle_api(s, conn, url, method, u);
        store_control(s, conn, method, url, u->body.ptr ? u->body.ptr : "", u->body.len, &rp);
        ret = queue(conn, &rp);
        free(rp.body);
        return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
        struct upload *u = *con_cls;

        (void)cls, (void)conn, (void)toe;
        if (u) {
                tw_wipe(u->body.ptr, u->body.len);
                tw_buf_done(&u->body);
                free(u);
                *con_cls = NULL;
        }
}

/* Leaves the URL as sent: the handlers decode each segment. */
static size_t no_unescape(void *cls, struct MHD_Connection *conn, char *uri)
{
        (void)cls, (void)conn;
        return strlen(uri);
}

static void storesim_free(struct tw_storesim *s)
{
        cJSON_Delete(s->state);
        sim_faults_clear(&s->faults);
        tw_storesim_requests_free(s->log, s->log_len);
        tw_secret_free(s->credential);
        tw_secret_free(s->read_credential);
        free(s->tls_cert);
        tw_secret_free(s->tls_key);
        pthread_cond_destroy(&s->stop_cond);
        pthread_mutex_destroy(&s->lock);
        free(s);
}

/* Reads a PEM file whole (at most 1 MiB) for MHD's TLS options; NULL on
 * failure. */
static char *read_pem(const char *path)
{
        char *out = NULL;

        return tw_read_file(path, (size_t)1 << 20, TW_READ_SECRET, &out, NULL) == 0 ? out : NULL;
}

static struct MHD_Daemon *start_daemon(struct tw_storesim *s, const struct tw_storesim_options *o)
{
        char **cert = &s->tls_cert, **key = &s->tls_key;

        struct sockaddr_in sa = {.sin_family = AF_INET};
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;

        sa.sin_port = htons(o->port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (o->tls_cert_file && o->tls_key_file) {
                *cert = read_pem(o->tls_cert_file);
                *key = read_pem(o->tls_key_file);
                if (!*cert || !*key)
                        return NULL;
                return MHD_start_daemon(
                        flags | MHD_USE_TLS, o->port, NULL, NULL, on_request, s,
                        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED,
                        on_completed, s, MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, s,
                        MHD_OPTION_HTTPS_MEM_CERT, *cert, MHD_OPTION_HTTPS_MEM_KEY, *key,
                        MHD_OPTION_CONNECTION_LIMIT, (unsigned)200, MHD_OPTION_CONNECTION_TIMEOUT,
                        (unsigned)60, MHD_OPTION_END);
        }
        return MHD_start_daemon(flags, o->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
                                (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
                                s, MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, s,
                                MHD_OPTION_CONNECTION_LIMIT, (unsigned)200,
                                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_END);
}

static const struct store_kind *kind_of(enum tw_storesim_kind k)
{
        switch (k) {
        case TW_STORESIM_GITHUB:
                return &store_github;
        case TW_STORESIM_GITLAB:
                return &store_gitlab;
        case TW_STORESIM_VAULT:
                return &store_vault;
        case TW_STORESIM_KUBERNETES:
                return &store_kubernetes;
        }
        return NULL;
}

struct tw_storesim *tw_storesim_start(const struct tw_storesim_options *o)
{
        struct tw_storesim *s = o ? calloc(1, sizeof(*s)) : NULL;
        const union MHD_DaemonInfo *info;
        pthread_condattr_t ca;

        if (!s)
                return NULL;
        pthread_mutex_init(&s->lock, NULL);
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&s->stop_cond, &ca);
        pthread_condattr_destroy(&ca);
        s->kind = kind_of(o->kind);
        s->credential = strdup(o->credential ? o->credential : "storesim-credential");
        s->read_credential = o->read_credential ? strdup(o->read_credential) : NULL;
        s->state = cJSON_CreateObject();
        s->next_id = 1000;
        s->rate_window_ms = o->rate_window_ms > 0 ? o->rate_window_ms : HOUR_MS;
        s->rate_limit = o->rate_limit;
        if (s->rate_limit == 0 && s->kind)
                s->rate_limit = s->kind->default_rate_limit;
        if (!s->kind || !s->credential || (o->read_credential && !s->read_credential) || !s->state)
                goto fail;
        s->daemon = start_daemon(s, o);
        if (!s->daemon)
                goto fail;
        info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
        if (!info || !info->port)
                goto fail;
        s->port = info->port;
        snprintf(s->url, sizeof(s->url), "%s://127.0.0.1:%u", s->tls_cert ? "https" : "http",
                 (unsigned)s->port);
        return s;
fail:
        if (s->daemon)
                MHD_stop_daemon(s->daemon);
        storesim_free(s);
        return NULL;
}

void tw_storesim_stop(struct tw_storesim *s)
{
        if (!s)
                return;
        pthread_mutex_lock(&s->lock);
        s->stopping = true;
        pthread_cond_broadcast(&s->stop_cond);
        pthread_mutex_unlock(&s->lock);
        MHD_stop_daemon(s->daemon);
        storesim_free(s);
}

unsigned short tw_storesim_port(const struct tw_storesim *s)
{
        return s ? s->port : 0;
}

const char *tw_storesim_url(const struct tw_storesim *s)
{
        return s ? s->url : NULL;
}
