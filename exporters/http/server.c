#include "exporters/http/server.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/secret.h"
#include "core/config/config.h"
#include "exporters/http/auth_internal.h"
#include "exporters/http/auth_worker_internal.h"
#include "exporters/http/deadline_internal.h"
#include "exporters/http/page_internal.h"
#include "exporters/http/server_internal.h"
#include "exporters/http/tls_internal.h"
#include "exporters/metrics/metrics.h"

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
        ret->status_page_off = !cfg->web.status_page;
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
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                           (intptr_t)TW_HTTP_CONNECTION_MEMORY, NULL};
        ops[n++] =
                (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->per_ip_limit, NULL};
        ops[n++] =
                (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, o->connection_timeout, NULL};
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION,
                                           (intptr_t)(uintptr_t)tw_http_deadlines_notify,
                                           s->deadlines};
        ops[n++] =
                (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED,
                                        (intptr_t)(uintptr_t)tw_http_server_request_completed, s};
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
        s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, tw_http_server_handle, s, MHD_OPTION_ARRAY,
                                  ops, MHD_OPTION_END);
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

/* Descriptors left for the rest of the process (state files, the HTTP
 * client, logs) when the connection limit follows RLIMIT_NOFILE. */
#define FD_RESERVE 128

/* The connection limit within the descriptors this process may open. */
static unsigned within_fd_limit(unsigned limit)
{
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            rl.rlim_cur < (rlim_t)limit + FD_RESERVE)
                return rl.rlim_cur > 2 * FD_RESERVE ? (unsigned)(rl.rlim_cur - FD_RESERVE)
                                                    : (unsigned)(rl.rlim_cur / 2);
        return limit;
}

/* How many connections the deadline tracker keeps before it makes room:
 * a sixteenth of the limit below it, at least two per worker thread. */
static unsigned keep_open(const struct tw_http_server_options *o)
{
        unsigned room = o->connection_limit / 16;

        if (room < 2 * o->threads)
                room = 2 * o->threads;
        return room < o->connection_limit ? o->connection_limit - room : 1;
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
        o->connection_limit = within_fd_limit(o->connection_limit);
        /* MHD splits the connection limit between its threads. */
        if (o->connection_limit < o->threads)
                o->connection_limit = o->threads;
}

/* The status page's policy: its own with frame-ancestors 'none' added (a
 * <meta> policy cannot say it), or the one of every other answer. */
static int status_policy(const struct tw_http_server_options *o, char **ret)
{
        struct tw_buf b;
        int r;

        tw_buf_init(&b, 4096);
        r = o->status_csp ? tw_buf_printf(&b, "%s; frame-ancestors 'none'", o->status_csp)
                          : tw_buf_adds(&b, TW_HTTP_CSP);
        *ret = r == 0 ? tw_buf_steal(&b) : NULL;
        tw_buf_done(&b);
        return *ret ? 0 : r < 0 ? r : -ENOMEM;
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
        tw_http_server_status_init(s, &opts);
        s->status_page_off = opts.status_page_off;
        r = status_policy(&opts, &s->status_csp);
        if (r < 0)
                goto fail;
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
        r = tw_http_deadlines_new(opts.request_timeout_ms, keep_open(&opts), &s->deadlines);
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
        tw_http_server_status_release(s);
        if (s->mhd)
                MHD_stop_daemon(s->mhd);
        tw_http_auth_worker_free(s->auth_worker);
        tw_http_deadlines_free(s->deadlines);
        tw_http_page_unref(s->page);
        tw_http_page_unref(s->status);
        tw_http_auth_free(s->auth);
        tw_tls_files_done(&s->tls);
        tw_http_server_status_done(s);
        pthread_mutex_destroy(&s->lock);
        free(s->status_csp);
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

unsigned long tw_http_server_evicted(const struct tw_http_server *s)
{
        return tw_http_deadlines_evicted(s->deadlines);
}

/* Swaps a gzipped page into *slot (under the lock); takes gz. */
static int publish_slot(struct tw_http_server *s, struct tw_http_page **slot, struct tw_buf *gz,
                        size_t plain_len)
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
        old = *slot;
        *slot = p;
        if (slot == &s->status)
                tw_http_server_status_fresh(s);
        pthread_mutex_unlock(&s->lock);
        tw_http_page_unref(old);
        return 0;
}

int tw_http_server_publish_gzip(struct tw_http_server *s, struct tw_buf *gz, size_t plain_len)
{
        int r = publish_slot(s, &s->page, gz, plain_len);

        if (r == 0)
                atomic_store(&s->ready, true);
        return r;
}

int tw_http_server_publish_status_gzip(struct tw_http_server *s, struct tw_buf *gz,
                                       size_t plain_len)
{
        return publish_slot(s, &s->status, gz, plain_len);
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
