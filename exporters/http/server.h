#ifndef TW_EXPORTERS_HTTP_SERVER_H
#define TW_EXPORTERS_HTTP_SERVER_H

/*
 * The metrics endpoint: a libmicrohttpd server.
 *
 *   GET|HEAD /metrics  the last published page (text format 0.0.4), gzipped
 *                      when Accept-Encoding allows; 503 before the first publish
 *   GET|HEAD /healthz  200 while the server runs; needs no credentials
 *   GET|HEAD /readyz   503 until the first publish, then 200
 *   GET|HEAD /         a small HTML page linking the others
 *   anything else      404; other methods on these paths 405 with Allow: GET, HEAD
 *
 * Hostile clients: a pool of worker threads (epoll each), so one slow
 * request (a bcrypt check) holds up only its own thread's connections; a
 * global connection limit (4096, within the descriptors RLIMIT_NOFILE
 * leaves) with a small memory pool per connection (16 KiB), and a
 * per-client-address limit (a refused connection is closed at once); room
 * kept under the global limit by shutting down the connection whose request
 * has waited longest when a new one comes (deadline_internal.h), so a slowloris from
 * many addresses never fills it; an idle timeout, and an absolute deadline
 * per request (deadline_internal.h: MHD's own timeout counts idle time only, which a
 * client sending a byte every few seconds never reaches); failed logins
 * throttled per client address (see auth_internal.h: 429 with Retry-After).
 *
 * Every answer carries Content-Security-Policy (default-src 'none' with
 * frame-ancestors 'none'; the status page's own policy, status_csp, with
 * frame-ancestors 'none' added), X-Content-Type-Options: nosniff,
 * Cache-Control: no-store and Referrer-Policy: no-referrer.  With
 * status_page_off, / answers 404 whatever was published.
 *
 * Security, all optional: TLS (tls_cert_file + tls_key_file), mutual TLS
 * (client_ca_file: a request without a client certificate that verifies
 * against it gets 403), HTTP basic auth against bcrypt hashes (see
 * auth_internal.h).  A failed or missing login gets 401 with
 * WWW-Authenticate: Basic realm="tokenwatch".  Auth and the client
 * certificate cover every path but /healthz.
 *
 * The page is an immutable refcounted object, stored gzipped only:
 * tw_http_server_publish*() swaps it in under a mutex, a scrape takes a
 * reference under the same mutex, writes outside it and drops the reference
 * when its response is freed, so a scrape never waits for a collection.
 *
 * Thread-safety: publish and the getters may be called from any thread;
 * start and stop from one owner thread.  The server never logs.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct tw_buf;
struct tw_config;
struct tw_http_server;
struct tw_web_user;

#define TW_HTTP_DEFAULT_LISTEN "127.0.0.1:9842"
#define TW_HTTP_DEFAULT_THREADS 4
#define TW_HTTP_DEFAULT_CONNECTION_LIMIT 4096
#define TW_HTTP_CONNECTION_MEMORY ((size_t)16 * 1024) /* MHD's pool per connection */
#define TW_HTTP_DEFAULT_PER_IP_LIMIT 8
#define TW_HTTP_DEFAULT_TIMEOUT 10 /* seconds: Prometheus' default scrape_timeout */

struct tw_http_server_options {
        const char *listen;              /* see tw_listen_parse(); NULL: TW_HTTP_DEFAULT_LISTEN */
        const char *tls_cert_file;       /* PEM chain; with tls_key_file switches on HTTPS */
        const char *tls_key_file;        /* PEM private key */
        const char *client_ca_file;      /* PEM; requires TLS; client certificates must verify */
        const struct tw_web_user *users; /* basic auth users (copied); none: no auth */
        size_t n_users;
        unsigned threads;            /* worker threads; 0: TW_HTTP_DEFAULT_THREADS */
        unsigned connection_limit;   /* all clients; 0: TW_HTTP_DEFAULT_CONNECTION_LIMIT; never
                                        more than RLIMIT_NOFILE leaves */
        unsigned per_ip_limit;       /* per client address; 0: TW_HTTP_DEFAULT_PER_IP_LIMIT */
        unsigned connection_timeout; /* idle seconds; 0: TW_HTTP_DEFAULT_TIMEOUT */
        /* A request (its headers and body, and its response) must be done
         * this long after the connection opened or its previous request
         * ended, else the connection is closed; an idle keep-alive
         * connection is closed after it too.  0: TW_HTTP_DEFAULT_TIMEOUT s. */
        unsigned request_timeout_ms;
        bool reuse_port; /* SO_REUSEPORT, to start a replacement before stopping */
        /* The status page's Content-Security-Policy (its stylesheet's hash;
         * copied), frame-ancestors 'none' added; NULL: default-src 'none'. */
        const char *status_csp;
        bool status_page_off; /* [web] status_page = false: / is 404 */
        /* Asked, from a server thread, for a new status page when / is
         * requested while tw_http_server_status_stale() says the published
         * one is out of date; the request then waits for the publication up
         * to status_wait_ms (0: TW_HTTP_STATUS_WAIT_MS), one request at a
         * time (others get the published page at once).  NULL: never. */
        void (*status_wanted)(void *ctx);
        void *status_wanted_ctx;
        unsigned status_wait_ms;
};

#define TW_HTTP_STATUS_WAIT_MS 3000

/* The options cfg->agent.listen and cfg->web ask for (borrowing cfg's strings). */
void tw_http_server_options_from_config(const struct tw_config *cfg,
                                        struct tw_http_server_options *ret);

/* Starts serving.  Reads the TLS files now.  On failure appends one message
 * to err (may be NULL) and returns -EINVAL (bad listen address or options),
 * -ENOENT/-EACCES/-E2BIG (a TLS file), -EADDRINUSE or -EIO (the daemon did
 * not start), -ENOMEM. */
int tw_http_server_start(const struct tw_http_server_options *opts,
                         struct tw_http_server **ret_server, struct tw_buf *err);
/* Stops (waiting for the polling thread) and frees.  NULL-safe. */
void tw_http_server_stop(struct tw_http_server *s);

/* The bound port (the chosen one when listen asked for port 0). */
unsigned short tw_http_server_port(const struct tw_http_server *s);
/* True when listening on a non-loopback address with neither TLS nor
 * basic auth: the caller should warn. */
bool tw_http_server_exposed(const struct tw_http_server *s);
/* True when basic auth is served over plain HTTP on a non-loopback
 * address (passwords cross the network readable): the caller should warn. */
bool tw_http_server_auth_in_clear(const struct tw_http_server *s);
/* Connections closed so far for overrunning the request deadline. */
unsigned long tw_http_server_deadlines_expired(const struct tw_http_server *s);
/* Connections closed so far to keep room for new ones (the oldest request). */
unsigned long tw_http_server_evicted(const struct tw_http_server *s);

/* Swaps in a page given as one gzip member (gz, e.g. from a finished
 * struct tw_metrics_out) that inflates to plain_len bytes, and marks the
 * server ready.  Takes gz's content on every path (gz is left empty).
 * Only the compressed page is kept: gzip requests get it as it is, plain
 * ones get it inflated block by block as it is sent (with Content-Length:
 * plain_len).  Scrapes in progress keep the previous page.  0 or -ENOMEM. */
int tw_http_server_publish_gzip(struct tw_http_server *s, struct tw_buf *gz, size_t plain_len);
/* Publishes a gzipped HTML page (plain_len bytes inflated) as the status
 * page served at / in place of the plain index of links, under the same TLS
 * and auth as /metrics.  Takes gz as tw_http_server_publish_gzip() does.
 * 0 or -ENOMEM.  Thread-safe. */
int tw_http_server_publish_status_gzip(struct tw_http_server *s, struct tw_buf *gz,
                                       size_t plain_len);
/* Says that the published status page is older than the data it shows:
 * the next request for / asks for a new one (status_wanted).  Cleared by
 * tw_http_server_publish_status_gzip().  Thread-safe. */
void tw_http_server_status_stale(struct tw_http_server *s);
/* Whether / was requested in the last within_s seconds (monotonic clock):
 * someone has the status page open, so it is worth rendering each cycle.
 * Thread-safe. */
bool tw_http_server_status_watched(struct tw_http_server *s, int64_t within_s);
/* Gzips page (len bytes) and publishes it as tw_http_server_publish_gzip()
 * does.  0, -ENOMEM, -E2BIG, -EIO. */
int tw_http_server_publish(struct tw_http_server *s, const char *page, size_t len);

/*
 * Resolves a listen address, in the forms core/config/listen.h accepts (the parser
 * check-config uses too).  A host name resolves to its first address.
 * -EINVAL if malformed or unresolvable.
 */
int tw_listen_parse(const char *listen, struct sockaddr_storage *ret_addr, socklen_t *ret_len);
/* True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
bool tw_sockaddr_is_loopback(const struct sockaddr *sa);

#endif
