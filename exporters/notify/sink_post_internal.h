#ifndef TW_EXPORTERS_NOTIFY_SINK_POST_INTERNAL_H
#define TW_EXPORTERS_NOTIFY_SINK_POST_INTERNAL_H

/*
 * How a sink POSTs: its URLs (secrets; several for an Alertmanager HA
 * pair), its format's headers and secrets (signature, routing key put into
 * the body), and the verdict on each answer (exporters/notify/http_internal.h does
 * the transfer).  Used by the sink's thread and by notify-test; a post
 * object is read-only after creation, so both may use it at once.
 * Messages name the sink and the URL's host, never the URL.
 */

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "exporters/notify/sink_internal.h"

struct tw_buf;
struct tw_sink_format;
struct tw_sink_post;

enum tw_sink_verdict {
        TW_SINK_DELIVERED, /* every URL answered 2xx (or had rejected it) */
        TW_SINK_AGAIN,     /* some URL failed in a way worth retrying */
        TW_SINK_REFUSED,   /* a URL answered another 4xx, or the item cannot be sent */
};

/* From o's name, format, urls (one, or several separated by commas, at most
 * 8), secret, routing_key and timeout_ms (<= 0: 10 s).  -EINVAL (no URL, a
 * URL curl cannot parse), -E2BIG, -ENOMEM, with a line in err (no secret). */
int tw_sink_post_new(const struct tw_sink_options *o, struct tw_sink_post **ret,
                     struct tw_buf *err);
void tw_sink_post_free(struct tw_sink_post *p);

/* Sends it to every URL whose bit is not yet set in *done, setting the bits
 * of those that are done with it; failures go to on_error (may be NULL).
 * cancel aborts a transfer in flight.  *ret_retry_after is the longest
 * Retry-After in seconds, or -1. */
enum tw_sink_verdict tw_sink_post_deliver(struct tw_sink_post *p, const struct tw_sink_item *it,
                                          unsigned *done, volatile sig_atomic_t *cancel,
                                          tw_sink_error_fn on_error, void *userdata,
                                          int64_t *ret_retry_after);

/* Sends it once to every URL (notify-test): 0 if all answered 2xx, else
 * -EPROTO (status in *ret_status), -ETIMEDOUT, -ECONNREFUSED, ... */
int tw_sink_post_once(struct tw_sink_post *p, const struct tw_sink_item *it, long *ret_status);

#endif
