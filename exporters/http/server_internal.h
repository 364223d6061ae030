#ifndef TW_EXPORTERS_HTTP_SERVER_INTERNAL_H
#define TW_EXPORTERS_HTTP_SERVER_INTERNAL_H

/* Shared by exporters/http/server.c (lifecycle, publishing) and
 * exporters/http/server_handle.c (requests); nobody else includes it. */

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "exporters/http/server.h"
#include "exporters/http/tls_internal.h"

/* The Content-Security-Policy of every answer but the status page. */
#define TW_HTTP_CSP \
        "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

struct tw_http_auth;
struct tw_http_auth_worker;
struct tw_http_deadlines;
struct tw_http_page;

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
        char *status_csp; /* the status page's policy, frame-ancestors 'none' included */
        bool status_page_off;
        pthread_mutex_t lock;        /* guards page and status */
        struct tw_http_page *page;   /* /metrics */
        struct tw_http_page *status; /* /: the live HTML view, NULL until published */
        atomic_bool ready;
        /* The status page on demand (guarded by lock but asked_ns): */
        pthread_cond_t status_published;
        bool status_stale; /* newer data than the published page */
        bool stopping;     /* tw_http_server_stop() releases waiters */
        unsigned status_waiters;
        void (*status_wanted)(void *ctx);
        void *status_wanted_ctx;
        unsigned status_wait_ms;
        _Atomic int64_t status_asked_ns; /* the last request for / (tw_mono_ns), 0: none */
};

/* The status page on demand (status.c).  _init at start; _release wakes
 * the requests waiting for a page (before MHD stops: it joins them);
 * _done at the end; _fresh, lock held, when a page is published. */
void tw_http_server_status_init(struct tw_http_server *s, const struct tw_http_server_options *o);
void tw_http_server_status_release(struct tw_http_server *s);
void tw_http_server_status_done(struct tw_http_server *s);
void tw_http_server_status_fresh(struct tw_http_server *s);
/* A request for /: noted (tw_http_server_status_watched), and when the
 * published page is stale, a new one is asked for and waited for (up to
 * status_wait_ms), one request at a time. */
void tw_http_server_status_wait(struct tw_http_server *s);

/* The MHD access handler; cls is the server. */
enum MHD_Result tw_http_server_handle(void *cls, struct MHD_Connection *c, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **req_cls);
/* MHD_OPTION_NOTIFY_COMPLETED callback; cls is the server. */
void tw_http_server_request_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                                      enum MHD_RequestTerminationCode toe);

#endif
