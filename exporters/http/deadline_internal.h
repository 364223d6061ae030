#ifndef TW_EXPORTERS_HTTP_DEADLINE_INTERNAL_H
#define TW_EXPORTERS_HTTP_DEADLINE_INTERNAL_H

/*
 * An absolute deadline per request for the metrics server; internal to
 * exporters/http/server.c.
 *
 * libmicrohttpd 0.9.75's connection timeout counts idle time only: a client
 * sending one header byte every few seconds keeps its connection forever,
 * and the access handler is not called before the headers are complete, so
 * it cannot refuse such a client either.  This tracker learns each
 * connection's socket from MHD_OPTION_NOTIFY_CONNECTION, restarts its clock
 * when a request completes (MHD_OPTION_NOTIFY_COMPLETED: the next request
 * starts then), and a sweeper thread shuts down (shutdown(2), never close)
 * the socket of any connection whose request has run longer than the
 * deadline.  MHD then sees end-of-file or an error on its next read or
 * write and closes the connection itself, on its own thread.  The socket
 * cannot be reused under the sweeper: MHD reports the connection closed
 * (which removes it from the tracker, under the tracker's mutex) before it
 * closes the socket.
 *
 * It also keeps room for new clients: when more than max_open connections
 * are open, a new one makes the tracker shut down the connection whose
 * request has waited longest (a trickling client, or an idle keep-alive
 * one), so that the server's connection limit, a little above max_open, is
 * never what turns a scraper away.
 *
 * Thread-safe: the callbacks run on MHD's worker threads.
 */

#include <stdint.h>
#include <microhttpd.h>

struct tw_http_deadlines;

/* Starts the sweeper.  timeout_ms: the deadline; max_open: the connections
 * kept before the oldest request goes (0: no such limit).  0, -ENOMEM or
 * -errno. */
int tw_http_deadlines_new(uint64_t timeout_ms, unsigned max_open, struct tw_http_deadlines **ret);
/* Stops the sweeper and frees; call after MHD_stop_daemon().  NULL-safe. */
void tw_http_deadlines_free(struct tw_http_deadlines *d);

/* The MHD_OPTION_NOTIFY_CONNECTION callback; cls is the tracker. */
void tw_http_deadlines_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                              enum MHD_ConnectionNotificationCode toe);
/* Restarts c's clock: its request is complete.  For the
 * MHD_OPTION_NOTIFY_COMPLETED callback. */
void tw_http_deadlines_restart(struct tw_http_deadlines *d, struct MHD_Connection *c);
/* Connections shut down for overrunning the deadline so far. */
unsigned long tw_http_deadlines_expired(const struct tw_http_deadlines *d);
/* Connections shut down to make room for new ones so far. */
unsigned long tw_http_deadlines_evicted(const struct tw_http_deadlines *d);

#endif
