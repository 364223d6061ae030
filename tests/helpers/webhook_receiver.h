#ifndef TW_TESTS_HELPERS_WEBHOOK_RECEIVER_H
#define TW_TESTS_HELPERS_WEBHOOK_RECEIVER_H

/*
 * A webhook receiver for the notification tests: libmicrohttpd on
 * 127.0.0.1, port 0.  Records every POST (path, body, a few headers and the
 * status it answered) and fails on command.  Thread-safe.
 */

#include <stddef.h>

struct tw_webhook_receiver;

struct tw_webhook_request {
        char *path;
        char *body;
        char *idempotency_key; /* NULL if absent */
        char *timestamp;       /* X-Tokenwatch-Timestamp */
        char *signature;       /* X-Tokenwatch-Signature */
        char *content_type;
        int status;            /* what the receiver answered */
        long long received_ms; /* CLOCK_MONOTONIC, when the answer was decided */
};

/* 0 or -errno. */
int tw_webhook_receiver_start(struct tw_webhook_receiver **ret);
void tw_webhook_receiver_stop(struct tw_webhook_receiver *r);
unsigned short tw_webhook_receiver_port(const struct tw_webhook_receiver *r);

/* The next `count` requests (0: every one until changed) are answered with
 * status (with Retry-After: retry_after seconds when >= 0).  status 0 restores
 * normal answers (200). */
void tw_webhook_receiver_fail(struct tw_webhook_receiver *r, int status, unsigned count,
                              int retry_after);

/* Delays every answer by ms (0..999) milliseconds. */
void tw_webhook_receiver_delay(struct tw_webhook_receiver *r, int ms);

/* Requests recorded so far, and how many of them were answered 2xx. */
size_t tw_webhook_receiver_count(struct tw_webhook_receiver *r);
size_t tw_webhook_receiver_delivered(struct tw_webhook_receiver *r);
/* The connections open now.  0 once every client has closed its
 * connections (or died) and the receiver has recorded and answered every
 * request they carried: the signal that nothing more will be recorded. */
size_t tw_webhook_receiver_connections(struct tw_webhook_receiver *r);
/* The requests begun (their head read) and not answered yet: a request the
 * receiver holds (tw_webhook_receiver_delay()) is in flight for its client. */
size_t tw_webhook_receiver_in_flight(struct tw_webhook_receiver *r);
/* A deep copy of request i (free with tw_webhook_request_done()); -ERANGE. */
int tw_webhook_receiver_get(struct tw_webhook_receiver *r, size_t i,
                            struct tw_webhook_request *ret);
void tw_webhook_request_done(struct tw_webhook_request *q);

#endif
