#ifndef TW_TESTS_HELPERS_FAKE_TRANSPORT_H
#define TW_TESTS_HELPERS_FAKE_TRANSPORT_H

/*
 * A fake struct tw_transport for unit tests of collector logic: answers each
 * GET by calling a test-supplied function, in FIFO order, on run().
 */

#include "lib/http/http.h"

struct tw_buf;

/* Fills *status and appends the body for url; return an error (-ETIMEDOUT...)
 * to simulate a transport failure. */
typedef int (*tw_fake_answer_fn)(void *ud, const char *url, long *status, struct tw_buf *body);

struct tw_transport *tw_fake_transport_new(tw_fake_answer_fn answer, void *ud);
/* The URLs requested so far, in order (owned by the transport). */
size_t tw_fake_transport_requests(const struct tw_transport *t, const char *const **ret_urls);

#endif
