#ifndef TW_TESTS_HELPERS_HTTP_CLIENT_H
#define TW_TESTS_HELPERS_HTTP_CLIENT_H

/*
 * A small libcurl client for the metrics server's tests: one request to
 * 127.0.0.1, its status, headers and body captured.  The caller runs
 * curl_global_init() once.  Thread-safe (one easy handle per call).
 */

#include <stdbool.h>
#include <stddef.h>
#include <curl/curl.h>

#include "lib/buf.h"

struct tw_test_request {
        const char *method; /* NULL: GET */
        const char *path;
        const char *accept_encoding; /* raw header value, NULL: none */
        bool decode;                 /* let curl decode gzip */
        const char *userpwd;         /* "user:password" or NULL */
        bool https;
        const char *ca_file; /* server CA for https */
        const char *client_cert, *client_key;
        const char *source; /* local address to connect from (127.0.0.x); NULL: any */
        long timeout;       /* seconds; 0: 20 */
};

struct tw_test_reply {
        long status; /* 0: no response */
        struct tw_buf headers;
        struct tw_buf body; /* NUL-terminated when not empty */
};

/* Performs req against 127.0.0.1:port and returns the CURLcode; *ret is
 * always initialised (free it with tw_test_reply_done()). */
CURLcode tw_test_fetch(unsigned short port, const struct tw_test_request *req,
                       struct tw_test_reply *ret);
void tw_test_reply_done(struct tw_test_reply *r);

/* Copies the value of header name in r (case-insensitive) into out; false if absent. */
bool tw_test_reply_header(const struct tw_test_reply *r, const char *name, char *out,
                          size_t out_size);

#endif
