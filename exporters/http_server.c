#include "exporters/http_server.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/secret.h"
#include "core/config.h"
#include "exporters/http_auth.h"
#include "exporters/http_auth_worker.h"
#include "exporters/http_deadline.h"
#include "exporters/http_page.h"
#include "exporters/http_tls.h"
#include "exporters/metrics.h"

struct tw_http_server {
        struct MHD_Daemon *mhd;
        struct tw_http_deadlines *deadlines;
        unsigned short port;
        bool exposed;
        bool auth_in_clear;
        bool mutual_tls;
        struct tw_http_auth *auth; /* NULL: no basic auth */
        struct tw_http_auth_worker *auth_worker;
        struct tw_tls_files tls;
        pthread_mutex_t lock; /* guards page */
        struct tw_http_page *page;
        atomic_bool ready;
};

static const char index_html[] =
        "<!DOCTYPE html>\n<html><head><title>tokenwatch</title></head><body>\n"
        "<h1>tokenwatch</h1>\n<p>Astro API token inventory for Prometheus.</p>\n<ul>\n"
        "<li><a href=\"metrics\">metrics</a></li>\n<li><a href=\"healthz\">healthz</a></li>\n"
        "<li><a href=\"readyz\">readyz</a></li>\n</ul>\n</body></html>\n";

static int64_t mono_seconds(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec;
}

/* Queues a response whose body is a static string. */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body,
                             const char *content_type, const char *allow)
{
        struct MHD_Response *resp;
        enum MHD_Result ret;

        resp = MHD_create_response_from_buffer(strlen(body), (void *)(uintptr_t)body,
                                               MHD_RESPMEM_PERSISTENT);
        if (!resp)
                return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        if (allow)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
        ret = MHD_queue_response(c, status, resp);
        MHD_destroy_response(resp);
        return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *body)
{
        return reply(c, status, body, "text/plain; charset=utf-8", NULL);
}

static enum MHD_Result reply_unauthorized(struct MHD_Connection *c)
{
        static const char body[] = "Unauthorized\n";
        struct MHD_Response *resp;
        enum MHD_Result ret;

        resp = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)(uintptr_t)body,
                                               MHD_RESPMEM_PERSISTENT);
        if (!resp)
                return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
        ret = MHD_queue_basic_auth_fail_response(c, "tokenwatch", resp);
        MHD_destroy_response(resp);
        return ret;
}

/* 429 with Retry-After: this address failed to log in moments ago. */
static enum MHD_Result reply_throttled(struct MHD_Connection *c, unsigned retry_after)
{
        static const char body[] = "too many failed logins from this address; retry later\n";
        struct MHD_Response *resp;
        enum MHD_Result ret;
        char v[16];

        resp = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)(uintptr_t)body,
                                               MHD_RESPMEM_PERSISTENT);
        if (!resp)
                return MHD_NO;
        snprintf(v, sizeof(v), "%u", retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, v);
        ret = MHD_queue_response(c, MHD_HTTP_TOO_MANY_REQUESTS, resp);
        MHD_destroy_response(resp);
        return ret;
}

/* 503 with Retry-After: 1, when the bcrypt queue is full. */
static enum MHD_Result reply_busy(struct MHD_Connection *c)
{
        struct MHD_Response *resp;
        static const char body[] = "too many logins in progress; retry later\n";
        enum MHD_Result ret;

        resp = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)(uintptr_t)body,
                                               MHD_RESPMEM_PERSISTENT);
        if (!resp)
                return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
        ret = MHD_queue_response(c, MHD_HTTP_SERVICE_UNAVAILABLE, resp);
        MHD_destroy_response(resp);
        return ret;
}

/* Hands a check that needs bcrypt to the auth worker (suspending the
 * connection), taking user and password; runs it here if no job can be
 * made.  Returns the result when known now, else TW_HTTP_AUTH_PENDING. */
static enum tw_http_auth_result defer_check(struct tw_http_server *s, struct MHD_Connection *c,
                                            const struct sockaddr *client, char *user,
                                            char *password, void **req_cls)
{
        struct tw_http_auth_job *job = calloc(1, sizeof(*job));
        enum tw_http_auth_result res;

        if (!job) {
                res = tw_http_auth_finish(s->auth, client, user, password, mono_seconds());
                free(user);
                tw_secret_free(password);
                return res;
        }
        job->connection = c;
        if (client)
                memcpy(&job->client, client,
                       client->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                     : sizeof(struct sockaddr_in));
        job->user = user;
        job->password = password;
        job->suspect = tw_http_auth_failed_before(s->auth, client);
        *req_cls = job;
        tw_http_auth_worker_submit(s->auth_worker, job);
        return TW_HTTP_AUTH_PENDING;
}

/* Decides the request's basic auth: true to go on serving.  Otherwise *ret
 * is what the handler returns: a queued refusal, or MHD_YES while bcrypt
 * runs on the auth worker (the connection suspended; MHD calls the handler
 * again when it is done, with the job in *req_cls). */
static bool authorized(struct tw_http_server *s, struct MHD_Connection *c, void **req_cls,
                       enum MHD_Result *ret)
{
        const union MHD_ConnectionInfo *ci =
                MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        const struct sockaddr *client = ci ? ci->client_addr : NULL;
        struct tw_http_auth_job *job = *req_cls;
        char *user = NULL, *password = NULL;
        enum tw_http_auth_result res = TW_HTTP_AUTH_DENIED;
        unsigned retry_after = 1;

        if (job) {
                if (!atomic_load(&job->done)) {
                        *ret = MHD_YES;
                        return false;
                }
                if (job->busy) {
                        *ret = reply_busy(c);
                        return false;
                }
                res = job->res;
        } else if (tw_http_basic_auth_parse(
                           MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                       MHD_HTTP_HEADER_AUTHORIZATION),
                           &user, &password) == 0) {
                res = tw_http_auth_begin(s->auth, client, user, password, mono_seconds(),
                                         &retry_after);
                if (res == TW_HTTP_AUTH_PENDING) {
                        res = defer_check(s, c, client, user, password, req_cls);
                        user = password = NULL;
                }
        }
        free(user);
        tw_secret_free(password);
        if (res == TW_HTTP_AUTH_OK)
                return true;
        *ret = res == TW_HTTP_AUTH_PENDING     ? MHD_YES
               : res == TW_HTTP_AUTH_THROTTLED ? reply_throttled(c, retry_after)
                                               : reply_unauthorized(c);
        return false;
}

static enum MHD_Result serve_metrics(struct tw_http_server *s, struct MHD_Connection *c)
{
        struct MHD_Response *resp;
        enum MHD_Result ret;
        struct tw_http_page *p;
        bool gz;

        pthread_mutex_lock(&s->lock);
        p = s->page;
        if (p)
                atomic_fetch_add(&p->refs, 1);
        pthread_mutex_unlock(&s->lock);
        if (!p)
                return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no collection finished yet\n");

        gz = tw_accepts_gzip(
                MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
        resp = tw_http_page_response(p, gz);
        if (!resp)
                return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, TW_METRICS_CONTENT_TYPE);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT_ENCODING);
        if (gz)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
        ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
        MHD_destroy_response(resp);
        return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **req_cls)
{
        struct tw_http_server *s = cls;
        bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
                   strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

        (void)version;
        (void)upload_data;
        (void)upload_data_size;
        enum MHD_Result ret = MHD_NO;

        /* Load balancers and probes check liveness without credentials;
         * the answer tells nothing but "up". */
        if (strcmp(url, "/healthz") == 0 && get)
                return reply_text(c, MHD_HTTP_OK, "ok\n");
        if (s->mutual_tls && !tw_tls_client_verified(c))
                return reply_text(c, MHD_HTTP_FORBIDDEN,
                                  "a valid client certificate is required\n");
        if (s->auth && !authorized(s, c, req_cls, &ret))
                return ret;
        if (strcmp(url, "/metrics") && strcmp(url, "/healthz") && strcmp(url, "/readyz") &&
            strcmp(url, "/"))
                return reply_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
        if (!get)
                return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n",
                             "text/plain; charset=utf-8", "GET, HEAD");
        if (strcmp(url, "/metrics") == 0)
                return serve_metrics(s, c);
        if (strcmp(url, "/readyz") == 0)
                return atomic_load(&s->ready) ? reply_text(c, MHD_HTTP_OK, "ready\n")
                                              : reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
                                                           "no collection finished yet\n");
        return reply(c, MHD_HTTP_OK, index_html, "text/html; charset=utf-8", NULL);
}

void tw_http_server_options_from_config(const struct tw_config *cfg,
                                        struct tw_http_server_options *ret)
{
        memset(ret, 0, sizeof(*ret));
        ret->listen = cfg->agent.listen;
        ret->tls_cert_file = cfg->web.tls_cert_file;
        ret->tls_key_file = cfg->web.tls_key_file;
        ret->client_ca_file = cfg->web.client_ca_file;
        ret->users = cfg->web.users;
        ret->n_users = cfg->web.n_users;
}

/* MHD_OPTION_NOTIFY_COMPLETED: frees the request's auth job; the
 * connection's next request starts now. */
static void request_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                              enum MHD_RequestTerminationCode toe)
{
        struct tw_http_server *s = cls;

        (void)toe;
        tw_http_auth_job_free(*req_cls);
        *req_cls = NULL;
        tw_http_deadlines_restart(s->deadlines, c);
}

/* Starts the MHD daemon on addr with s's TLS material: a pool of worker
 * threads (epoll each), a global and a per-address connection limit, the
 * idle timeout, and the deadline tracker's notifications. */
static int start_daemon(struct tw_http_server *s, const struct tw_http_server_options *o,
                        const struct sockaddr_storage *addr, struct tw_buf *err)
{
        struct MHD_OptionItem ops[16];
        unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD;
        const union MHD_DaemonInfo *info;
        size_t n = 0;

        if (addr->ss_family == AF_INET6)
                flags |= MHD_USE_IPv6;
        if (s->auth_worker)
                flags |= MHD_ALLOW_SUSPEND_RESUME;
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, (void *)(uintptr_t)addr};
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, o->threads, NULL};
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, o->connection_limit, NULL};
        ops[n++] =
                (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->per_ip_limit, NULL};
        ops[n++] =
                (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, o->connection_timeout, NULL};
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION,
                                           (intptr_t)(uintptr_t)tw_http_deadlines_notify,
                                           s->deadlines};
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED,
                                           (intptr_t)(uintptr_t)request_completed, s};
        if (o->reuse_port)
                ops[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL};
        if (s->tls.cert) {
                flags |= MHD_USE_TLS;
                ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls.cert};
                ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls.key};
                if (s->tls.trust)
                        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0,
                                                           s->tls.trust};
        }
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

        errno = 0;
        s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, handle, s, MHD_OPTION_ARRAY, ops,
                                  MHD_OPTION_END);
        if (!s->mhd) {
                int e = errno == EADDRINUSE ? EADDRINUSE : EIO;

                if (err)
                        tw_buf_printf(err, "cannot listen on %s: %s\n", o->listen,
                                      e == EADDRINUSE ? "address in use"
                                                      : "the HTTP server did not start (bad TLS "
                                                        "files or address?)");
                return -e;
        }
        info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
        s->port = info ? info->port : 0;
        return 0;
}

/* Fills in the defaults of the limits left 0. */
static void apply_defaults(struct tw_http_server_options *o)
{
        if (!o->listen)
                o->listen = TW_HTTP_DEFAULT_LISTEN;
        if (!o->threads)
                o->threads = TW_HTTP_DEFAULT_THREADS;
        if (!o->connection_limit)
                o->connection_limit = TW_HTTP_DEFAULT_CONNECTION_LIMIT;
        if (!o->per_ip_limit)
                o->per_ip_limit = TW_HTTP_DEFAULT_PER_IP_LIMIT;
        if (!o->connection_timeout)
                o->connection_timeout = TW_HTTP_DEFAULT_TIMEOUT;
        if (!o->request_timeout_ms)
                o->request_timeout_ms = 1000u * TW_HTTP_DEFAULT_TIMEOUT;
        /* MHD splits the connection limit between its threads. */
        if (o->connection_limit < o->threads)
                o->connection_limit = o->threads;
}

int tw_http_server_start(const struct tw_http_server_options *o, struct tw_http_server **ret_server,
                         struct tw_buf *err)
{
        struct tw_http_server_options opts = *o;
        struct tw_http_server *s = NULL;
        struct sockaddr_storage addr;
        socklen_t addr_len;
        int r;

        apply_defaults(&opts);
        r = tw_listen_parse(opts.listen, &addr, &addr_len);
        if (r < 0) {
                if (err)
                        tw_buf_printf(err,
                                      "bad listen address \"%s\": want host:port, [v6addr]:port or "
                                      ":port\n",
                                      opts.listen);
                return r;
        }
        if (!opts.tls_cert_file != !opts.tls_key_file ||
            (opts.client_ca_file && !opts.tls_cert_file)) {
                if (err)
                        tw_buf_adds(err, "[web] tls_cert_file and tls_key_file go together, and "
                                         "client_ca_file needs both\n");
                return -EINVAL;
        }
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        pthread_mutex_init(&s->lock, NULL);
        if (opts.n_users) {
                r = tw_http_auth_new(opts.users, opts.n_users, &s->auth);
                if (r < 0) {
                        if (err && r == -EINVAL)
                                tw_buf_adds(err, "[web.basic_auth_users]: every hash must be "
                                                 "bcrypt ($2y$...) of cost 12 or less\n");
                        goto fail;
                }
                r = tw_http_auth_worker_new(s->auth, &s->auth_worker);
                if (r < 0)
                        goto fail;
        }
        r = tw_tls_files_load(&s->tls, opts.tls_cert_file, opts.tls_key_file, opts.client_ca_file,
                              err);
        if (r < 0)
                goto fail;
        s->mutual_tls = s->tls.trust != NULL;
        s->exposed = !tw_sockaddr_is_loopback((const struct sockaddr *)&addr) && !s->tls.cert &&
                     !s->auth;
        s->auth_in_clear =
                !tw_sockaddr_is_loopback((const struct sockaddr *)&addr) && !s->tls.cert && s->auth;
        r = tw_http_deadlines_new(opts.request_timeout_ms, &s->deadlines);
        if (r < 0)
                goto fail;
        r = start_daemon(s, &opts, &addr, err);
        if (r < 0)
                goto fail;
        *ret_server = s;
        return 0;
fail:
        tw_http_server_stop(s);
        return r;
}

void tw_http_server_stop(struct tw_http_server *s)
{
        if (!s)
                return;
        /* The worker resumes every connection it holds (and refuses new
         * jobs at once): MHD must have none suspended when it stops. */
        tw_http_auth_worker_stop(s->auth_worker);
        if (s->mhd)
                MHD_stop_daemon(s->mhd);
        tw_http_auth_worker_free(s->auth_worker);
        tw_http_deadlines_free(s->deadlines);
        tw_http_page_unref(s->page);
        tw_http_auth_free(s->auth);
        tw_tls_files_done(&s->tls);
        pthread_mutex_destroy(&s->lock);
        free(s);
}

unsigned short tw_http_server_port(const struct tw_http_server *s)
{
        return s->port;
}

bool tw_http_server_exposed(const struct tw_http_server *s)
{
        return s->exposed;
}

bool tw_http_server_auth_in_clear(const struct tw_http_server *s)
{
        return s->auth_in_clear;
}

unsigned long tw_http_server_deadlines_expired(const struct tw_http_server *s)
{
        return tw_http_deadlines_expired(s->deadlines);
}

int tw_http_server_publish_gzip(struct tw_http_server *s, struct tw_buf *gz, size_t plain_len)
{
        struct tw_http_page *p, *old;
        size_t gz_len = gz->len;
        char *shrunk;

        p = calloc(1, sizeof(*p));
        if (!p) {
                tw_buf_done(gz);
                return -ENOMEM;
        }
        atomic_init(&p->refs, 1);
        p->gz = tw_buf_steal(gz);
        if (!p->gz) {
                free(p);
                return -ENOMEM;
        }
        /* Give back the slack of the buffer's doubling. */
        shrunk = realloc(p->gz, gz_len + 1);
        if (shrunk)
                p->gz = shrunk;
        p->gz_len = gz_len;
        p->plain_len = plain_len;
        pthread_mutex_lock(&s->lock);
        old = s->page;
        s->page = p;
        pthread_mutex_unlock(&s->lock);
        atomic_store(&s->ready, true);
        tw_http_page_unref(old);
        return 0;
}

int tw_http_server_publish(struct tw_http_server *s, const char *page, size_t len)
{
        struct tw_buf gz;
        int r;

        tw_buf_init(&gz, TW_METRICS_PAGE_MAX);
        r = tw_gzip(page, len, &gz);
        if (r < 0) {
                tw_buf_done(&gz);
                return r;
        }
        return tw_http_server_publish_gzip(s, &gz, len);
}
