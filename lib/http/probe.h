#ifndef TW_LIB_HTTP_PROBE_H
#define TW_LIB_HTTP_PROBE_H

/*
 * Whether a URL's host can be reached, without sending it anything: the
 * name is resolved, a TCP connection opened and, for https, the TLS
 * handshake completed with the certificate verified; then the connection
 * is closed.  No request is written, so a URL's path and query (where
 * webhook URLs keep their secret) never leave this machine.  Same options
 * as the rest of the one HTTP client (TLS verification always on, http and
 * https only, no signals), classified by tw_http_classify().
 *
 * Thread-safety: independent calls may run on different threads.
 * curl_global_init() must have been called.
 */

#include <stddef.h>
#include <stdint.h>

#include "lib/http/http.h"

/* Probes url within timeout_ms (<= 0: 10 s).  Fills *res on every path:
 * error 0 (the host accepted the connection and, for https, the
 * handshake), -EHOSTUNREACH (the name does not resolve), -ECONNREFUSED,
 * -ETIMEDOUT, -EKEYREJECTED (certificate not trusted; hint set), -EPROTO
 * (another failure, e.g. the handshake), -EINVAL (not an http(s) URL),
 * -ENOMEM.  res->error_text, when set, points into text (text_size bytes,
 * CURL_ERROR_SIZE is enough) and names the host at most, never the path.
 * Returns res->error. */
int tw_http_probe(const char *url, int64_t timeout_ms, struct tw_http_result *res, char *text,
                  size_t text_size);

#endif
